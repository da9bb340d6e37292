"""The model folder: readable JSON beside weights-only safetensors. Never pickle.

```
config.json        format_version, the full ClassifierConfig, inputs, views (inputs + extra TF-IDF
                   heads such as overview_tfidf), encoder names/versions/dims per view
labels.json        ordered genres, per-genre thresholds, the genre vocabulary
vocab.json         fitted encoder state per view (companies vocabulary, TF-IDF vocabulary, scalers)
model.safetensors  the network's tensors (weights and normalisation buffers) only
metrics.json       the validation report at save time (plus any extra reports, e.g. test)
meta.json          created_at, library versions, training data summary, training history
```

The folder is written to a temporary sibling and swapped in, so a crash never leaves half a
model. ``read_folder`` refuses a folder of another format version with a one-line reason.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..config import ClassifierConfig
from ..errors import ModelError, MovieGenreError
from ..files import dir_mode, file_mode
from .folder_checks import check_config, check_labels, check_tensors, load_tensors, read_docs
from .network import GenreNet
from .views import build_view_encoder

FORMAT_VERSION = 1
FILES = ("config.json", "labels.json", "vocab.json", "model.safetensors", "metrics.json", "meta.json")
REQUIRED = ("config.json", "labels.json", "vocab.json", "model.safetensors")


def jsonable(x):
    """numpy scalars/arrays → Python; NaN/inf → None (JSON has neither)."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def _dump(obj) -> str:
    return json.dumps(jsonable(obj), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def _check_replaceable(folder: Path) -> None:
    """Only an empty folder or an earlier model folder may be replaced: ``--out ~/projects`` must not
    delete someone's files."""
    if not folder.is_dir():
        raise ModelError(f"{folder} exists and is not a folder")
    if any(folder.iterdir()) and not (folder / "config.json").is_file():
        raise ModelError(
            f"{folder} exists and is not a model folder; refusing to replace it (choose another --out)"
        )


def write_folder(folder: str | Path, docs: dict[str, dict], tensors: dict) -> Path:
    """Write ``docs`` (file name → JSON object) and ``tensors`` (name → torch tensor) as a model folder.

    Everything goes to a temporary sibling first; then the old folder (if any) is moved aside and
    the new one renamed into place, so readers see either the old model or the new one.
    """
    from safetensors.torch import save_file

    folder = Path(folder)
    if folder.exists():
        _check_replaceable(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    try:
        for name, obj in docs.items():
            (tmp / name).write_text(_dump(obj), encoding="utf-8")
        tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
        save_file(tensors, str(tmp / "model.safetensors"), metadata={"format_version": str(FORMAT_VERSION)})
        # mkdtemp makes a private folder; a model folder is meant to be shared like any other file
        tmp.chmod(dir_mode())
        for f in tmp.iterdir():
            f.chmod(file_mode())
        old = None
        if folder.exists():
            _check_replaceable(folder)
            old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(folder, old)
        os.replace(tmp, folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def read_folder(folder: str | Path) -> tuple[dict[str, dict], dict]:
    """``(docs, tensors)`` of a model folder, after checking it is complete, of our format version,
    and that each file is its own, bounded and well-formed (``folder_checks``)."""
    folder = Path(folder)
    try:
        is_dir = folder.is_dir()
    except OSError:
        is_dir = False
    if not is_dir:
        raise ModelError(f"model folder not found: {str(folder)[:300]}")
    missing = [f for f in REQUIRED if not os.path.lexists(folder / f)]
    if missing:
        raise ModelError(f"{folder} is not a complete model folder (missing {', '.join(missing)})")
    docs = read_docs(folder, [f for f in FILES if f.endswith(".json")])
    version = docs["config.json"].get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise ModelError(
            f"{folder} was written in model format version {str(version)[:20]}; this moviegenre reads "
            f"version {FORMAT_VERSION} only: retrain it with this version (moviegenre train)"
        )
    return docs, load_tensors(folder)


VERSIONED = ("moviegenre", "torch", "numpy", "scikit-learn", "safetensors", "sentence-transformers")


def library_versions(packages: tuple[str, ...] = VERSIONED) -> dict[str, str]:
    """Versions that matter for reproducing a model (of ``packages`` that are installed)."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in packages:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out


def save_classifier(clf, folder, *, extra_metrics: dict | None = None) -> Path:
    """The folder of a fitted ``GenreClassifier`` (JSON + safetensors)."""
    from datetime import UTC, datetime

    encoders = {
        n: {"name": e.name, "version": str(e.version), "dim": int(e.dim)} for n, e in clf.encoders_.items()
    }
    docs = {
        "config.json": {
            "format_version": FORMAT_VERSION,
            "config": clf.config.to_dict(),
            "inputs": clf.inputs_,
            "views": clf.views_,
            "encoders": encoders,
            "n_genres": len(clf.genres_),
        },
        "labels.json": {
            "genres": clf.genres_,
            "thresholds": {g: float(t) for g, t in zip(clf.genres_, clf.thresholds_, strict=True)},
            "vocabulary": clf.vocabulary_.to_dict(),
        },
        "vocab.json": {n: e.get_state() for n, e in clf.encoders_.items()},
        "metrics.json": {"validation": getattr(clf, "val_report_", None), **(extra_metrics or {})},
        "meta.json": {
            "format_version": FORMAT_VERSION,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": library_versions(),
            "training": getattr(clf, "training_summary_", {}),
        },
    }
    return write_folder(folder, docs, clf.net_.state_dict())


def _saved_config(folder, saved: dict) -> ClassifierConfig:
    """The ``ClassifierConfig`` of a folder's ``config.json``; a setting from an older version that only
    chose a path on the user's machine (``encoders.cache_dir``) is dropped, never obeyed."""
    saved = dict(saved)
    if isinstance(saved.get("encoders"), dict):
        saved["encoders"] = {k: v for k, v in saved["encoders"].items() if k != "cache_dir"}
    try:
        # a folder from before tfidf_views has no extra view: say so rather than take today's default
        return ClassifierConfig.from_dict({"tfidf_views": [], **saved})
    except MovieGenreError as e:
        raise ModelError(f"{folder}/config.json: {str(e)[:300]}") from None


def load_classifier(cls, folder, *, cache_dir=None):
    """Rebuild a ``cls`` (GenreClassifier) from ``folder``: config → encoders → network → weights.

    Every file is checked first (``folder_checks``); anything wrong is a one-line ``ModelError``
    naming the file. ``cache_dir`` (the user's) is where pretrained features are cached."""
    folder = Path(folder)
    docs, tensors = read_folder(folder)
    conf, labels = docs["config.json"], docs["labels.json"]
    if not isinstance(conf.get("config"), dict):
        raise ModelError(f"{folder}/config.json: 'config' must be an object of settings")
    config = _saved_config(folder, conf["config"])
    inputs, views, saved_encoders = check_config(folder, conf, config)
    genres, thresholds, vocabulary = check_labels(folder, labels, conf.get("n_genres"))
    clf = cls(config, cache_dir=cache_dir)
    clf.genres_, clf.thresholds_, clf.inputs_, clf.views_ = genres, thresholds, inputs, views
    clf.vocabulary_ = vocabulary
    states = docs["vocab.json"]
    clf.encoders_ = {}
    for name in views:
        enc = build_view_encoder(name, config, cache_dir)
        want = saved_encoders[name]
        if (want["name"], str(want["version"])) != (enc.name, str(enc.version)):
            raise ModelError(
                f"{folder}: {name} was encoded with {want['name'][:60]}@{str(want['version'])[:30]} but "
                f"this install has {enc.name}@{enc.version}; retrain the model"
            )
        state = states.get(name, {})
        try:
            if not isinstance(state, dict):
                raise TypeError(f"expected an object, got {type(state).__name__}")
            enc.set_state(state)
        except (KeyError, TypeError, ValueError, AttributeError, MovieGenreError) as e:
            raise ModelError(f"{folder}/vocab.json: state of {name} is malformed ({str(e)[:160]})") from None
        if not enc.dim:
            enc.dim = want["dim"]  # pretrained encoders know their size only after loading a network
        if enc.dim != want["dim"]:
            raise ModelError(
                f"{folder}/vocab.json: {name} gives {enc.dim:,} features but config.json says {want['dim']:,}"
            )
        clf.encoders_[name] = enc
    dims = [saved_encoders[n]["dim"] for n in views]
    check_tensors(folder, tensors, dims, len(genres), config)
    clf.net_ = GenreNet.from_config(dims, len(genres), config)
    try:
        clf.net_.load_state_dict(tensors, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()[1].strip() if len(str(e).splitlines()) > 1 else str(e)
        raise ModelError(f"{folder}/model.safetensors does not match config.json ({first[:200]})") from None
    clf.net_.eval()
    validation = docs.get("metrics.json", {}).get("validation")
    training = docs.get("meta.json", {}).get("training", {})
    clf.val_report_ = validation if isinstance(validation, dict) else None
    clf.training_summary_ = training if isinstance(training, dict) else {}
    return clf
