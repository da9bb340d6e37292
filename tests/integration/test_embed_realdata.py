"""A few real movies from ../shared/data through the real encoders (skipped when the data is absent).

Nothing from the data is written anywhere but a temporary cache folder."""

from __future__ import annotations

import numpy as np
import pytest

from moviegenre.config import EncoderConfig
from moviegenre.encoders import build_encoder

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


@pytest.fixture(scope="module")
def real_movies():
    from conftest import SHARED_DATA

    if not (SHARED_DATA / "movies" / "movies.jsonl").exists():
        pytest.skip("../shared/data is absent")
    from moviegenre.data import read_movies

    return list(read_movies(SHARED_DATA / "movies"))[::250][:20]


def test_real_posters_and_overviews_onnx_matches_torch(real_movies, tmp_path):
    pytest.importorskip("onnxruntime")
    for inp, dim in (("poster", 1280), ("overview", 384), ("companies", 384)):
        out = {}
        for backend in ("torch", "onnx"):
            cfg = EncoderConfig(backend=backend, companies_model="minilm")
            enc = build_encoder(inp, cfg, cache_dir=tmp_path)
            feats, present = enc.encode(real_movies, cache=False)
            assert feats.shape == (len(real_movies), dim)
            if inp != "companies":  # every real movie has an overview and a readable poster
                assert present.all(), enc.skipped
            out[backend] = feats[present]
        a, b = out["torch"], out["onnx"]
        cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
        assert cos.min() >= 0.999, (inp, cos.min())


def test_real_features_cache_round_trip(real_movies, tmp_path):
    enc = build_encoder("poster", EncoderConfig(), cache_dir=tmp_path)
    first, p1 = enc.encode(real_movies)
    again, p2 = build_encoder("poster", EncoderConfig(), cache_dir=tmp_path).encode(real_movies)
    np.testing.assert_array_equal(first, again)
    assert (p1 == p2).all() and (first[p1] > 0).any(
        axis=1
    ).all()  # pooled ReLU6 features: non-negative, not empty
