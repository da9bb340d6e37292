"""HeadCache: late-fusion fits on one split reuse each input's linear heads, and give the same model."""

import numpy as np
import pytest
from conftest import make_movies

from moviegenre import GenreClassifier
from moviegenre.config import EncoderConfig
from moviegenre.modeling.head_cache import HeadCache


@pytest.fixture
def movies(tmp_path, monkeypatch):
    monkeypatch.setenv("MOVIEGENRE_CACHE", str(tmp_path / "cache"))
    return make_movies(tmp_path, n=90, posters=False)


def _clf(inputs):
    return GenreClassifier(
        inputs=inputs, fusion="late", encoders=EncoderConfig(text_model="tfidf"), stack_folds=3
    )


def test_second_fit_reuses_heads_and_matches_a_fresh_fit(movies):
    train, val, test = movies[:60], movies[60:75], movies[75:]
    cache = HeadCache()
    _clf(["overview", "companies", "metadata"]).fit(train, val, head_cache=cache)
    fitted = len(cache)
    assert fitted > 0 and cache.hits == 0
    # the same overview and companies heads (full data and every fold) come from the cache
    reused = _clf(["overview", "companies"]).fit(train, val, head_cache=cache)
    assert cache.hits > 0 and len(cache) == fitted
    fresh = _clf(["overview", "companies"]).fit(train, val)
    np.testing.assert_allclose(reused.predict_proba(test), fresh.predict_proba(test), atol=2e-3)


def test_key_tells_arrays_apart():
    a = np.zeros((3, 2), np.float32)
    assert HeadCache.key([a, 1.0]) == HeadCache.key([a.copy(), 1.0])
    assert HeadCache.key([a, 1.0]) != HeadCache.key([a, 0.1])
    assert HeadCache.key([a]) != HeadCache.key([a.reshape(2, 3)])
    assert HeadCache.key([a]) != HeadCache.key([a.astype(np.float64)])
