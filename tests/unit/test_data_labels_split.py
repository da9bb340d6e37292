"""Genre vocabulary and the fixed stratified split."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from conftest import make_movies

from moviegenre.data.labels import GenreVocabulary
from moviegenre.data.split import Split, make_split, split_report
from moviegenre.errors import DataError
from moviegenre.records import Dataset, Movie


def test_vocabulary_fit_transform_roundtrip(tmp_path, caplog):
    movies = make_movies(tmp_path, n=30, posters=False)
    v = GenreVocabulary().fit(movies)
    assert v.genres_ == sorted(v.genres_)
    y = v.transform(movies)
    assert y.dtype == np.uint8 and y.shape == (30, len(v.genres_))
    assert v.inverse_transform(y) == [tuple(sorted(m.genres)) for m in movies]
    w = GenreVocabulary.from_dict(json.loads(json.dumps(v.to_dict())))
    assert w.genres_ == v.genres_ and (w.transform(movies) == y).all()

    with caplog.at_level(logging.WARNING):
        y2 = v.transform([Movie("x", genres=("Drama", "Opera")), Movie("y", genres=("Opera",))])
    assert v.unknown_ == {"Opera": 2} and "unknown" in caplog.text
    assert y2[0].sum() == 1 and y2[1].sum() == 0  # never misaligned into another column


def test_vocabulary_min_count_and_errors():
    movies = [Movie(str(i), genres=("A",) if i < 5 else ("A", "B")) for i in range(6)]
    v = GenreVocabulary(min_count=2).fit(movies)
    assert v.genres_ == ["A"] and v.dropped_ == ["B"]
    assert not v.unknown_ and v.transform(movies).sum() == 6  # dropped genres are not "unknown"
    with pytest.raises(DataError):
        GenreVocabulary().transform(movies)
    with pytest.raises(DataError):
        GenreVocabulary().fit([Movie("a")])


def _dataset(n=300, seed=0):
    rng = np.random.default_rng(seed)
    genres = ["Common", "Mid", "Rare", "Tiny"]
    p = [0.8, 0.3, 0.06, 0.01]
    movies = [
        Movie(
            f"k{i:05d}",
            genres=tuple(g for g, q in zip(genres, p, strict=False) if rng.random() < q) or ("Common",),
        )
        for i in range(n)
    ]
    return Dataset(movies, "synthetic")


def test_split_is_deterministic_and_order_free(tmp_path):
    ds = _dataset()
    a = make_split(ds, seed=3).save(tmp_path / "a.json")
    shuffled = Dataset(list(reversed(ds.movies)), "synthetic")
    b = make_split(shuffled, seed=3).save(tmp_path / "b.json")
    assert a.read_bytes() == b.read_bytes()
    c = make_split(ds, seed=4).save(tmp_path / "c.json")
    assert a.read_bytes() != c.read_bytes()


def test_split_parts_and_stratification(tmp_path):
    ds = _dataset(400)
    sp = make_split(ds)
    parts = [set(sp.train), set(sp.val), set(sp.test)]
    assert sum(map(len, parts)) == 400 and set().union(*parts) == set(ds.keys)
    assert not (parts[0] & parts[1] or parts[0] & parts[2] or parts[1] & parts[2])
    assert abs(len(sp.train) - 280) <= 3 and abs(len(sp.test) - 60) <= 3
    rep = split_report(sp, ds)
    assert rep["genres_missing_from_a_part"] == {}  # "Rare" (~24 movies) is in every part
    assert all(rep["per_genre"]["Rare"][p] > 0 for p in ("train", "val", "test"))


def test_split_save_load_apply(tmp_path):
    ds = _dataset(100)
    sp = make_split(ds, min_genre_count=5)
    assert "Tiny" in sp.dropped_genres and "Tiny" not in sp.genres
    sp2 = Split.load(sp.save(tmp_path / "s.json"))
    assert sp2.to_dict() == sp.to_dict()
    train, val, test = sp2.apply(ds)
    assert train.keys == sorted(sp.train) and len(val) == len(sp.val) and len(test) == len(sp.test)
    assert sp2.vocabulary().genres_ == sp.genres
    with pytest.raises(DataError, match="does not match"):
        sp2.apply(Dataset(ds.movies[:50]))


def test_split_bad_inputs(tmp_path):
    with pytest.raises(DataError):
        make_split(_dataset(50), fractions=(0.5, 0.5, 0.5))
    with pytest.raises(DataError):
        make_split(Dataset([Movie("a", genres=("X",))]))
    with pytest.raises(DataError):
        make_split(Dataset([Movie("a", genres=("X",))] * 5))  # duplicate keys
    (tmp_path / "bad.json").write_text('{"train": 3}')
    with pytest.raises(DataError):
        Split.load(tmp_path / "bad.json")
    with pytest.raises(DataError):
        Split.load(tmp_path / "missing.json")
    (tmp_path / "overlap.json").write_text(json.dumps({"train": ["a"], "val": ["a"], "test": []}))
    with pytest.raises(DataError, match="more than one part"):
        Split.load(tmp_path / "overlap.json")
