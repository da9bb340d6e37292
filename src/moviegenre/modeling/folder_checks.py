"""Checks of a model folder's files, before anything is built from them.

A model folder may come from anywhere (a download, a colleague): every file is validated, and
anything wrong is a one-line ``ModelError`` naming the file. Nothing in a folder chooses a path on
the user's machine: its files must be its own (a symlink that leaves the folder is refused), and no
setting in them names a place to read or write (the feature cache and ONNX exports live where the
user says: ``cache_dir=``, ``$MOVIEGENRE_CACHE``, the default).

What is checked: sizes (each JSON file and the weights are bounded before they are read), JSON
(UTF-8, depth, no field given twice, no NaN — ``files.read_json``), types, finite numbers, unique
genres with thresholds in [0, 1], encoder sizes within bounds and equal to the tensors' shapes, and
the tensors themselves: every name and shape the configured network expects (compared on torch's
``meta`` device, so a dimension of 10^12 allocates nothing), all finite.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from ..errors import ModelError

MAX_JSON_BYTES = {
    "config.json": 1 << 20,
    "labels.json": 16 << 20,
    "vocab.json": 512 << 20,  # TF-IDF vocabularies and idf weights
    "metrics.json": 64 << 20,
    "meta.json": 64 << 20,
}
MAX_JSON_DEPTH = 32
MAX_WEIGHTS_BYTES = 4 << 30
MAX_GENRES = 10_000
MAX_DIM = 10_000_000  # features of one view


def check_inside(folder: Path, name: str) -> Path:
    """``folder/name`` as a regular file that is really in ``folder`` (the folder itself may be a
    symlink the user made; a file that points elsewhere would let the folder choose what we read)."""
    path = folder / name
    real_folder = os.path.realpath(folder)
    real = os.path.realpath(path)
    if os.path.dirname(real) != real_folder:
        raise ModelError(f"{path} is a link to a file outside the model folder; refusing it")
    if not os.path.isfile(real):
        raise ModelError(f"{path} is not a regular file")
    return path


def read_docs(folder: Path, names) -> dict[str, object]:
    """The JSON files ``names`` of ``folder`` that exist, each size-, depth- and format-checked."""
    from ..files import read_json

    docs = {}
    for name in names:
        if not os.path.lexists(folder / name):
            continue
        path = check_inside(folder, name)
        doc = read_json(
            path, max_bytes=MAX_JSON_BYTES.get(name, 1 << 20), max_depth=MAX_JSON_DEPTH, error=ModelError
        )
        if not isinstance(doc, dict):
            raise ModelError(f"{path}: expected a JSON object")
        docs[name] = doc
    return docs


def _fail(folder: Path, name: str, why: str):
    raise ModelError(f"{folder / name}: {why}")


def _int(v, lo: int, hi: int) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def check_config(folder: Path, conf: dict, config) -> tuple[list[str], list[str], dict[str, dict]]:
    """``(inputs, views, encoders)`` of ``config.json`` after checking them against ``config``."""
    from ..config import INPUTS
    from .views import TEXT, TFIDF_SUFFIX

    name = "config.json"
    inputs = conf.get("inputs", list(config.inputs))
    if inputs != list(config.inputs):
        _fail(folder, name, f"'inputs' {str(inputs)[:80]} differ from the config's {config.inputs}")
    views = conf.get("views", list(inputs))
    known = set(INPUTS) | {f"{i}{TFIDF_SUFFIX}" for i in (*INPUTS, TEXT)}
    if not isinstance(views, list) or not all(isinstance(v, str) and v in known for v in views):
        _fail(folder, name, f"'views' must be a list of input names, got {str(views)[:80]}")
    if len(set(views)) != len(views) or not set(inputs) <= set(views):
        _fail(folder, name, f"'views' {views} repeat a view or leave out an input")
    encoders = conf.get("encoders")
    if not isinstance(encoders, dict):
        _fail(folder, name, "'encoders' must be an object (view → name, version, dim)")
    for view in views:
        e = encoders.get(view)
        if not (
            isinstance(e, dict)
            and isinstance(e.get("name"), str)
            and isinstance(e.get("version"), str | int)
            and _int(e.get("dim"), 1, MAX_DIM)
        ):
            _fail(folder, name, f"encoders[{view!r}] needs a name, a version and a dim of 1 to {MAX_DIM:,}")
    n = conf.get("n_genres")
    if n is not None and not _int(n, 1, MAX_GENRES):
        _fail(folder, name, f"'n_genres' must be a whole number of 1 to {MAX_GENRES:,}")
    return list(inputs), list(views), {v: encoders[v] for v in views}


def check_labels(folder: Path, labels: dict, n_genres: int | None):
    """``(genres, thresholds float32 [G], vocabulary dict)`` of ``labels.json``."""
    import numpy as np

    from ..data.labels import GenreVocabulary

    name = "labels.json"
    genres = labels.get("genres")
    if not isinstance(genres, list) or not 1 <= len(genres) <= MAX_GENRES:
        _fail(folder, name, f"'genres' must be a list of 1 to {MAX_GENRES:,} genre names")
    try:
        GenreVocabulary.check_names(genres)
    except ValueError as e:
        _fail(folder, name, f"'genres': {e}")
    if n_genres is not None and n_genres != len(genres):
        _fail(folder, name, f"{len(genres)} genres but config.json says n_genres {n_genres}")
    th = labels.get("thresholds")
    if not isinstance(th, dict) or set(th) != set(genres):
        _fail(folder, name, "'thresholds' must give one threshold for each genre, and only those")
    for g in genres:
        t = th[g]
        if isinstance(t, bool) or not isinstance(t, int | float) or not (math.isfinite(t) and 0 <= t <= 1):
            _fail(folder, name, f"threshold of {g!r} is {t!r}; thresholds are finite numbers in [0, 1]")
    vocab = labels.get("vocabulary") or {"genres": genres}
    try:
        vocabulary = GenreVocabulary.from_dict(vocab)
    except Exception as e:
        _fail(folder, name, f"'vocabulary': {e}")
    if vocabulary.genres_ != genres:
        _fail(folder, name, "'vocabulary' lists other genres than 'genres' (labels would be misaligned)")
    return genres, np.array([float(th[g]) for g in genres], np.float32), vocabulary


def check_tensors(folder: Path, tensors: dict, dims: list[int], n_genres: int, config):
    """Every tensor the configured network expects, with its shape, all finite; nothing else.

    The expected shapes come from building the network on torch's ``meta`` device, which allocates
    no memory: a config that asks for 10^12 features costs nothing before it is refused."""
    import numpy as np
    import torch

    from .network import GenreNet

    name = "model.safetensors"
    with torch.device("meta"):
        expected = GenreNet.from_config(dims, n_genres, config).state_dict()
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    if missing or extra:
        _fail(
            folder,
            name,
            "does not match config.json ("
            + (f"missing {missing[:3]}" if missing else f"unexpected {extra[:3]}")
            + ")",
        )
    for key, want in expected.items():
        got = tensors[key]
        if tuple(got.shape) != tuple(want.shape):
            _fail(
                folder,
                name,
                f"tensor {key} has shape {tuple(got.shape)}, config.json implies {tuple(want.shape)}",
            )
        if not got.dtype.is_floating_point and got.dtype != want.dtype:
            _fail(folder, name, f"tensor {key} has type {got.dtype}, expected {want.dtype}")
        # numpy: one thread, no start-up cost per tensor (torch's pool is slow for many small ones)
        if got.dtype.is_floating_point and not np.isfinite(got.float().numpy()).all():
            _fail(folder, name, f"tensor {key} holds NaN or infinite values")
        if key.endswith(".scale") and key.startswith("norms.") and not bool((got > 0).all()):
            _fail(folder, name, f"tensor {key} must be positive (it divides the features)")


def load_tensors(folder: Path) -> dict:
    """The tensors of ``model.safetensors`` (bounded size; a header that lies is a ModelError)."""
    from safetensors.torch import load_file

    path = check_inside(folder, "model.safetensors")
    size = os.path.getsize(path)
    if size > MAX_WEIGHTS_BYTES:
        _fail(
            folder,
            "model.safetensors",
            f"{size / 2**30:.1f} GiB is over the {MAX_WEIGHTS_BYTES >> 30} GiB limit",
        )
    try:
        return load_file(str(path))
    except Exception as e:  # SafetensorError, OSError, ValueError: a damaged or lying header
        first = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        raise ModelError(f"{path} cannot be read ({first})") from None
