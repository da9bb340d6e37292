"""The study replica: tokenizer, cached poster arrays, gradients in both fusions, a tiny fit."""

import numpy as np
import pytest
from conftest import GENRES, make_movies

from moviegenre.experiment.replica import (
    ReplicaConfig,
    ReplicaInputs,
    _batch,
    _build_net,
    predict_replica,
    train_replica,
)
from moviegenre.experiment.replica_inputs import WordTokenizer, poster_arrays

INPUTS = ["overview", "title", "companies", "poster"]


def test_tokenizer_fits_train_only_and_pads():
    tok = WordTokenizer(min_count=1).fit(["Love and a kiss", "love story"])
    ids, lengths = tok.encode(["love zebra", ""], max_len=3)
    assert ids.shape == (2, 3) and lengths.tolist() == [2, 1]
    assert ids[0, 0] == tok.vocab_["love"] and ids[0, 1] == 1  # unseen word -> OOV id
    assert ids[1].tolist() == [0, 0, 0]
    assert WordTokenizer.from_dict(tok.to_dict()).vocab_ == tok.vocab_


def test_poster_arrays_cached_and_missing_counted(tmp_path, caplog):
    movies = make_movies(tmp_path, n=4)
    (tmp_path / "bad.jpg").write_bytes(b"not a jpeg")
    movies = [movies[0], movies[1].with_(poster=None), movies[2].with_(poster=str(tmp_path / "bad.jpg"))]
    arr, present = poster_arrays(movies, size=20, cache_dir=tmp_path / "cache")
    assert arr.shape == (3, 20, 20, 3) and arr.dtype == np.uint8
    assert present.tolist() == [True, False, False] and not arr[1].any()
    assert "unusable" in caplog.text
    assert len(list((tmp_path / "cache" / "replica").glob("*.npy"))) == 2
    arr2, present2 = poster_arrays(movies, size=20, cache_dir=tmp_path / "cache")
    assert np.array_equal(arr, arr2) and np.array_equal(present, present2)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    movies = make_movies(tmp_path_factory.mktemp("rep"), n=48)
    y = np.array([[g in m.genres for g in GENRES] for m in movies], np.uint8)
    cfg = ReplicaConfig(embed_dim=8, hidden=8, epochs=3, batch_size=16, poster_size=32)
    data = ReplicaInputs.build(movies, np.arange(32), INPUTS, cfg)
    return data, y, cfg


@pytest.mark.parametrize("fusion", ["concat", "sum"])
def test_every_parameter_gets_a_gradient(tiny, fusion):
    data, y, cfg = tiny
    net = _build_net(INPUTS, fusion, data.vocab_size, y.shape[1], cfg)
    idx = np.arange(16)
    net(_batch(data, INPUTS, idx)).sum().backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing, missing


def test_train_and_predict(tiny):
    data, y, cfg = tiny
    net, thresholds, info = train_replica(
        data, ["overview", "poster"], "sum", y, np.arange(32), np.arange(32, 48), cfg
    )
    p = predict_replica(net, data, ["overview", "poster"], np.arange(32, 48))
    assert p.shape == (16, len(GENRES)) and ((p >= 0) & (p <= 1)).all()
    assert thresholds.shape == (len(GENRES),) and 0 <= info["val_micro_f1"] <= 1
    with pytest.raises(ValueError, match="concat"):
        train_replica(data, ["overview"], "gated", y, np.arange(32), np.arange(32, 48), cfg)
