"""Pretrained networks, loaded once per process (lazily) and kept warm.

Backends: ``torch_nets`` (the reference), ``onnx_backend`` (onnxruntime sessions; much faster on a
CPU), ``export`` (torch → ONNX graphs, once, into the cache folder), ``pixels`` (input scaling).
Imports happen when a network is first asked for: ``import moviegenre.encoders`` stays instant.

``text_model(backend, model=...)`` → object with ``embed(texts, batch_size, progress) -> float32 [n, D]``
(L2-normalised mean-pooled sentence embeddings: all-MiniLM-L6-v2, D=384, or all-mpnet-base-v2, D=768;
``TEXT_NETWORKS`` describes both).
``image_model(variant, (H, W), backend)`` → object with ``features(batch uint8 [B, H, W, 3]) ->
float32 [B, 1280]`` (EfficientNet-Lite pooled features).

``backend``: "torch", "onnx", or "auto" (onnx when onnxruntime is importable, else torch).
``graphs``: the network's files ({"graph": .onnx, "tokenizer": tokenizer.json}) to run instead of
the cache's exports, e.g. an exported bundle's (``moviegenre.inference``): always onnxruntime, never
torch. ``text_files`` / ``image_files`` give the cache's files (exporting them first, with torch).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from ...config import default_cache_dir
from ...errors import ModelError
from .specs import TEXT_NETWORKS, TextNetwork, text_network

__all__ = [
    "TEXT_NETWORKS",
    "TextNetwork",
    "image_files",
    "image_model",
    "text_files",
    "text_model",
    "text_network",
]

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


def _onnx_or_torch(backend: str, key: tuple, onnx_build, torch_build, cache_dir=None):
    """The ONNX model when asked for (or "auto" and available), else torch. With "auto", a failed
    export or session (e.g. a read-only cache folder) falls back to torch with a warning. ONNX models
    are kept per cache folder: another folder may hold other exports (tests' stand-in networks)."""
    if resolve_backend(backend) == "onnx":
        onnx_key = (*key, "onnx", str(Path(cache_dir or default_cache_dir()).expanduser().resolve()))
        try:
            return _cached(onnx_key, onnx_build)
        except ModelError:
            raise
        except Exception as e:
            if backend == "onnx":
                raise ModelError(f"onnxruntime backend unavailable for {key[0]}: {e}") from None
            log.warning("onnxruntime backend unavailable for %s (%s); using torch", key[0], e)
            model = _cached((*key, "torch"), torch_build)
            with _LOCK:
                _MODELS[onnx_key] = model  # don't retry the export on every batch
            return model
    return _cached((*key, "torch"), torch_build)


def _from_graphs(key: tuple, graphs: Mapping[str, Path], roles: tuple[str, ...], build):
    """The onnxruntime network built from given files; an unusable file is one ``ModelError`` line."""
    missing = [r for r in roles if r not in graphs]
    if missing:
        raise ModelError(f"no {', '.join(missing)} file given for the {key[0]} network")
    try:
        return _cached(key, lambda: build(graphs))
    except ModelError:
        raise
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
        raise ModelError(f"{graphs['graph']} (or its companion files) cannot be loaded ({first})") from None


def text_files(cache_dir: str | Path | None = None, model: str = "minilm") -> dict[str, Path]:
    """The text network's files in the cache: ``{"graph": ONNX graph, "tokenizer": tokenizer.json}``
    (exported into ``cache_dir``'s ``onnx/`` folder first if needed: torch)."""
    from .export import text_onnx_path, text_tokenizer_path

    return {"graph": text_onnx_path(cache_dir, model), "tokenizer": text_tokenizer_path(model, cache_dir)}


def image_files(variant: str, size: tuple[int, int], cache_dir: str | Path | None = None) -> dict[str, Path]:
    """EfficientNet-Lite's files in the cache: ``{"graph": ONNX graph for input size (H, W)}``."""
    from .export import image_onnx_path

    return {"graph": image_onnx_path(variant, tuple(size), cache_dir)}


def text_model(
    backend: str = "auto",
    cache_dir: str | Path | None = None,
    graphs: Mapping[str, Path] | None = None,
    model: str = "minilm",
):
    """The text network ``model`` ("minilm" | "mpnet"): from ``graphs`` when given, else ONNX graphs
    exported into (and read from) ``cache_dir``'s ``onnx/`` folder, or torch."""
    spec = text_network(model)

    def onnx(files=None):
        from .onnx_backend import OnnxText

        files = files or text_files(cache_dir, model)
        return OnnxText(files["graph"], files["tokenizer"], spec)

    def torch():
        from .torch_nets import TorchText

        return TorchText(model, cache_dir)

    key = ("text",) if model == "minilm" else ("text", model)
    if graphs:
        return _from_graphs((*key, str(graphs["graph"])), graphs, ("graph", "tokenizer"), onnx)
    return _onnx_or_torch(backend, key, onnx, torch, cache_dir)


def image_model(
    variant: str = "lite0",
    size: tuple[int, int] = (224, 160),
    backend: str = "auto",
    cache_dir=None,
    graphs: Mapping[str, Path] | None = None,
):
    size = tuple(size)
    if variant not in LITE_VARIANTS:
        raise ModelError(f"unknown poster model {variant!r}; choose from {list(LITE_VARIANTS)}")

    def onnx(files=None):
        from .onnx_backend import OnnxImage

        return OnnxImage((files or image_files(variant, size, cache_dir))["graph"])

    def torch():
        from .torch_nets import TorchImage

        return TorchImage(variant, size)

    if graphs:
        return _from_graphs(("image", str(graphs["graph"])), graphs, ("graph",), onnx)
    return _onnx_or_torch(backend, ("image", variant, size), onnx, torch, cache_dir)
