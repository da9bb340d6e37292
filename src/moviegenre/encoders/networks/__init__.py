"""Pretrained networks, loaded once per process (lazily) and kept warm.

Backends: ``torch_nets`` (the reference), ``onnx_backend`` (onnxruntime sessions; much faster on a
CPU), ``export`` (torch → ONNX graphs, once, into the cache folder), ``pixels`` (input scaling).
Imports happen when a network is first asked for: ``import moviegenre.encoders`` stays instant.

``text_model(backend)`` → object with ``embed(texts, batch_size, progress) -> float32 [n, 384]``
(L2-normalised all-MiniLM-L6-v2 sentence embeddings).
``image_model(variant, (H, W), backend)`` → object with ``features(batch uint8 [B, H, W, 3]) ->
float32 [B, 1280]`` (EfficientNet-Lite pooled features).

``backend``: "torch", "onnx", or "auto" (onnx when onnxruntime is importable, else torch).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from ...errors import ModelError

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


def text_model(backend: str = "auto", cache_dir: str | Path | None = None):
    """MiniLM, ONNX graphs exported into (and read from) ``cache_dir``'s ``onnx/`` folder."""

    def onnx():
        from .export import minilm_tokenizer_path, text_onnx_path
        from .onnx_backend import OnnxText

        return OnnxText(text_onnx_path(cache_dir), minilm_tokenizer_path())

    def torch():
        from .torch_nets import TorchText

        return TorchText()

    return _onnx_or_torch(backend, ("text",), onnx, torch)


def image_model(
    variant: str = "lite0", size: tuple[int, int] = (224, 160), backend: str = "auto", cache_dir=None
):
    size = tuple(size)
    if variant not in LITE_VARIANTS:
        raise ModelError(f"unknown poster model {variant!r}; choose from {list(LITE_VARIANTS)}")

    def onnx():
        from .export import image_onnx_path
        from .onnx_backend import OnnxImage

        return OnnxImage(image_onnx_path(variant, size, cache_dir))

    def torch():
        from .torch_nets import TorchImage

        return TorchImage(variant, size)

    return _onnx_or_torch(backend, ("image", variant, size), onnx, torch)
