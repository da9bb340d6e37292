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


def _count_fits(monkeypatch) -> list:
    from moviegenre.modeling import train_late

    calls, fit = [], train_late._lbfgs_logistic
    monkeypatch.setattr(train_late, "_lbfgs_logistic", lambda *a, **k: calls.append(1) or fit(*a, **k))
    return calls


def test_second_fit_reuses_heads_and_matches_a_fresh_fit(movies, monkeypatch):
    train, val, test = movies[:60], movies[60:75], movies[75:]
    cache = HeadCache()
    calls = _count_fits(monkeypatch)
    _clf(["overview", "companies", "metadata"]).fit(train, val, head_cache=cache)
    fitted = len(cache)
    assert fitted > 0 and cache.hits == 0 and calls
    calls.clear()
    # the same overview and companies heads (full data and every fold) come from the cache
    reused = _clf(["overview", "companies"]).fit(train, val, head_cache=cache)
    assert cache.hits > 0 and len(cache) == fitted and not calls
    fresh = _clf(["overview", "companies"]).fit(train, val)
    np.testing.assert_allclose(reused.predict_proba(test), fresh.predict_proba(test), atol=2e-3)


def test_key_tells_arrays_apart():
    a = np.zeros((3, 2), np.float32)
    assert HeadCache.key([a, 1.0]) == HeadCache.key([a.copy(), 1.0])
    assert HeadCache.key([a, 1.0]) != HeadCache.key([a, 0.1])
    assert HeadCache.key([a]) != HeadCache.key([a.reshape(2, 3)])
    assert HeadCache.key([a]) != HeadCache.key([a.astype(np.float64)])


def test_experiment_rows_share_their_late_heads(tmp_path, monkeypatch):
    """The second late row on a subset of the first's inputs refits no head (the experiment's speed)."""
    from moviegenre.experiment import rows as experiment_rows
    from moviegenre.records import Dataset

    monkeypatch.setenv("MOVIEGENRE_CACHE", str(tmp_path / "cache"))
    movies = make_movies(tmp_path, n=90, posters=False)
    parts = (Dataset(movies[:60]), Dataset(movies[60:75]), Dataset(movies[75:]))
    runner = experiment_rows.Runner(
        Dataset(movies),
        parts,
        tmp_path,
        bootstrap=0,
        seed=0,
        classifier_overrides={"encoders": EncoderConfig(text_model="tfidf"), "stack_folds": 3},
    )
    runner.run(experiment_rows.Row("ours", ("companies", "metadata"), "late"))
    misses, calls = runner.head_cache.misses, _count_fits(monkeypatch)
    runner.run(experiment_rows.Row("ours", ("companies",), "late"))
    assert runner.head_cache.hits > 0 and runner.head_cache.misses == misses and not calls
