"""Readers on the real files in ../shared/data (skipped when absent). Only counts are asserted."""

from __future__ import annotations

import pytest

from moviegenre.data import read_movies
from moviegenre.data.info import summarize
from moviegenre.data.split import make_split, split_report

pytestmark = [pytest.mark.realdata]


def test_jsonl_movies(shared_data):
    ds = read_movies(shared_data / "movies")
    s = summarize(ds)
    assert s["movies"] == 4947 and s["with_poster"] == 4947 and s["skipped"] == {}
    assert s["with_overview"] == 4947 and s["n_genres"] == 20
    assert 3900 < s["with_companies"] < 4300  # about 1 in 5 unknown


def test_tmdb5000(shared_data):
    ds = read_movies(shared_data / "raw" / "tmdb_5000_movies.csv")
    assert len(ds) == 4062 and not ds.skipped
    assert all(m.key.startswith("tmdb") for m in ds)


def test_movies_metadata_sample(shared_data):
    ds = read_movies(
        shared_data / "raw" / "movies_metadata_sample.csv", posters=shared_data / "movies" / "posters"
    )
    assert len(ds) + sum(ds.skipped.values()) == 2582  # every data row is either read or counted
    assert len(ds) >= 2570
    assert sum(m.poster is not None for m in ds) > 1000


@pytest.mark.slow
def test_split_of_real_movies(shared_data, tmp_path):
    ds = read_movies(shared_data / "movies")
    a = make_split(ds, seed=0).save(tmp_path / "a.json")
    b = make_split(ds, seed=0).save(tmp_path / "b.json")
    assert a.read_bytes() == b.read_bytes()
    assert split_report(make_split(ds), ds)["genres_missing_from_a_part"] == {}
