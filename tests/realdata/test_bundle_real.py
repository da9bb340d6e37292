"""The shipped model exported to a bundle predicts what the model predicts on real movies (within 1e-3),
including in a process where torch, transformers, sentence-transformers, scikit-learn and scipy cannot be
imported. Real networks (MiniLM, EfficientNet-Lite0); features in a private cache."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from moviegenre.config import default_cache_dir
from moviegenre.data import read_movies
from moviegenre.inference.export import export_bundle
from moviegenre.inference.predictor import BundlePredictor
from moviegenre.modeling.classifier import GenreClassifier
from moviegenre.pretrained import DEFAULT_MODEL, available, pretrained_dir
from moviegenre.records import Movie

pytestmark = [
    pytest.mark.slow,
    pytest.mark.realdata,
    pytest.mark.skipif(DEFAULT_MODEL not in available(), reason="no shipped model in this checkout"),
]
pytest.importorskip("onnx")
BLOCKED = ("torch", "transformers", "sentence_transformers", "sklearn", "scipy")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundle-real")
    cache = root / "cache"
    # the user's cache may already hold the network exports: copy them (read only) rather than export again
    shared = default_cache_dir() / "onnx"
    if shared.is_dir():
        shutil.copytree(shared, cache / "onnx", ignore=shutil.ignore_patterns(".*"))
    bundle, report = export_bundle(None, root / "bundle", cache_dir=cache)
    return root, cache, bundle, report


def test_shipped_bundle_equals_the_shipped_model(exported, shared_data):
    _root, cache, bundle, report = exported
    assert report["max_abs_diff"] <= 1e-3
    movies = [m for m in read_movies(shared_data / "movies") if m.poster and m.companies][:40]
    model = GenreClassifier.load(pretrained_dir(), cache_dir=cache)
    pred = BundlePredictor.load(bundle, cache_dir=cache)
    expected = model.predict_details(movies, cache=False)
    got = pred.predict_details(movies, cache=False)
    diff = max(
        abs(a["scores"][g] - b["scores"][g]) for a, b in zip(expected, got, strict=True) for g in a["scores"]
    )
    assert diff <= 1e-3
    assert [d["genres"] for d in got] == [d["genres"] for d in expected]
    np.testing.assert_allclose(
        [list(d["weights"].values()) for d in got], [list(d["weights"].values()) for d in expected], atol=1e-3
    )


def test_cli_predict_from_the_bundle_without_the_training_stack(exported, shared_data):
    root, cache, bundle, _ = exported
    movie = next(m for m in read_movies(shared_data / "movies") if m.poster and m.companies and m.overview)
    flags = ["--title", movie.title, "--overview", movie.overview, "--companies", "; ".join(movie.companies)]
    flags += ["--poster", movie.poster, "--json"]
    block = "".join(f"sys.modules[{m!r}] = None\n" for m in BLOCKED)
    code = (
        f"import sys\n{block}sys.argv = ['moviegenre', 'predict', '--model', {str(bundle)!r}, *{flags!r}]\n"
    )
    code += "from moviegenre.cli import main\nmain()"
    env = {**os.environ, "MOVIEGENRE_CACHE": str(root / "light-cache"), "HF_HUB_OFFLINE": "1"}
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    # the flags carry only these four fields: the full model sees the same movie
    same = Movie(
        key="cli", title=movie.title, overview=movie.overview, companies=movie.companies, poster=movie.poster
    )
    expected = GenreClassifier.load(pretrained_dir(), cache_dir=cache).predict_details([same], cache=False)[0]
    assert got["genres"] == list(expected["genres"])
    assert max(abs(got["scores"][g] - p) for g, p in expected["scores"].items()) <= 1e-3
