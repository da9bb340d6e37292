"""Readers on tiny files written here (our own text, never real overviews or posters)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import make_poster

from moviegenre.data import detect_format, read_movies

MM_HEADER = [
    "adult",
    "belongs_to_collection",
    "budget",
    "genres",
    "homepage",
    "id",
    "imdb_id",
    "original_language",
    "original_title",
    "overview",
    "popularity",
    "poster_path",
    "production_companies",
    "production_countries",
    "release_date",
    "revenue",
    "runtime",
    "spoken_languages",
    "status",
    "tagline",
    "title",
    "video",
    "vote_average",
    "vote_count",
]
TMDB_HEADER = [
    "budget",
    "genres",
    "homepage",
    "id",
    "keywords",
    "original_language",
    "original_title",
    "overview",
    "popularity",
    "production_companies",
    "production_countries",
    "release_date",
    "revenue",
    "runtime",
    "spoken_languages",
    "status",
    "tagline",
    "title",
    "vote_average",
    "vote_count",
]


def write_jsonl(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8"
    )
    return path


def jsonl_row(i: int, **kw) -> dict:
    row = {
        "imdb_id": f"tt{1000000 + i}",
        "tmdb_id": 500 + i,
        "title": f"Film {i}",
        "overview": f"A made-up story number {i} about a lighthouse keeper.",
        "genres": ["Drama", "Comedy"][: 1 + i % 2],
        "production_companies": ["Acme Pictures"] if i % 3 else None,
        "poster": f"posters/tt{1000000 + i}.jpg",
    }
    row.update(kw)
    return row


def mm_row(i: int, **kw) -> dict:
    row = dict.fromkeys(MM_HEADER, "")
    row.update(
        {
            "id": str(700 + i),
            "imdb_id": f"tt{2000000 + i}",
            "title": f"Picture {i}",
            "overview": f"An invented plot {i}, with a comma.",
            "genres": str([{"id": 18, "name": "Drama"}, {"id": 35, "name": "Comedy"}][: 1 + i % 2]),
            "production_companies": str([{"name": "Studio O'Neil", "id": 3}]) if i % 2 else "[]",
            "production_countries": str([{"iso_3166_1": "FR", "name": "France"}]),
            "poster_path": f"/p{i}.jpg",
            "release_date": "1999-05-01",
            "runtime": "95.0",
            "original_language": "fr",
        }
    )
    row.update(kw)
    return row


def write_csv(path: Path, header: list[str], rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, header)
        w.writeheader()
        w.writerows(rows)
    return path


def test_jsonl_file_and_folder(tmp_path):
    for i in range(4):
        make_poster(tmp_path / "posters" / f"tt{1000000 + i}.jpg", seed=i)
    write_jsonl(tmp_path / "movies.jsonl", [jsonl_row(i) for i in range(4)])
    for source in (tmp_path, tmp_path / "movies.jsonl", str(tmp_path)):
        ds = read_movies(source)
        assert len(ds) == 4 and not ds.skipped
        m = ds[1]
        assert m.key == "tt1000001" and m.tmdb_id == 501 and m.genres == ("Drama", "Comedy")
        assert Path(m.poster).is_absolute() and Path(m.poster).is_file()
        assert ds[0].companies is None and ds[1].companies == ("Acme Pictures",)


def test_jsonl_keeps_unknown_vs_empty_companies(tmp_path):
    write_jsonl(
        tmp_path / "m.jsonl",
        [
            jsonl_row(0, production_companies=None, poster=None),
            jsonl_row(1, production_companies=[], poster=None),
        ],
    )
    a, b = read_movies(tmp_path / "m.jsonl")
    assert a.companies is None and b.companies == ()


def test_jsonl_key_fallbacks(tmp_path):
    write_jsonl(
        tmp_path / "m.jsonl",
        [jsonl_row(0, imdb_id=None, poster=None), jsonl_row(1, imdb_id=None, tmdb_id=None, poster=None)],
    )
    a, b = read_movies(tmp_path / "m.jsonl")
    assert a.key == "tmdb500"
    assert b.key.startswith("h") and b.key == read_movies(tmp_path / "m.jsonl")[1].key  # stable


def test_movies_metadata_reader(tmp_path):
    posters = tmp_path / "posters"
    make_poster(posters / "700.jpg")  # by TMDB id
    make_poster(posters / "p1.jpg")  # by poster_path file name
    rows = [mm_row(i) for i in range(3)]
    path = write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, rows)
    assert detect_format(path) == "movies_metadata"
    ds = read_movies(path, posters=posters)
    assert len(ds) == 3 and not ds.skipped
    assert ds[0].poster.endswith("700.jpg") and ds[1].poster.endswith("p1.jpg") and ds[2].poster is None
    assert ds[0].genres == ("Drama",) and ds[1].genres == ("Drama", "Comedy")
    assert ds[0].companies == () and ds[1].companies == ("Studio O'Neil",)
    assert (ds[0].year, ds[0].runtime, ds[0].language, ds[0].country) == (1999, 95.0, "fr", "France")
    assert read_movies(path)[0].poster is None  # no --posters: no posters


def test_tmdb5000_reader(tmp_path):
    row = dict.fromkeys(TMDB_HEADER, "")
    row.update(
        {
            "id": "42",
            "title": "Made Up",
            "overview": "Nothing real.",
            "genres": json.dumps([{"id": 28, "name": "Action"}]),
            "production_companies": json.dumps([{"name": "Acme", "id": 1}]),
            "keywords": json.dumps([{"id": 1, "name": "robot"}]),
            "release_date": "2010-01-02",
        }
    )
    path = write_csv(tmp_path / "t.csv", TMDB_HEADER, [row])
    assert detect_format(path) == "tmdb5000"
    (m,) = read_movies(path)
    assert (m.key, m.genres, m.companies, m.keywords, m.year) == (
        "tmdb42",
        ("Action",),
        ("Acme",),
        ("robot",),
        2010,
    )


def test_format_override(tmp_path):
    path = write_jsonl(tmp_path / "data.txt", [jsonl_row(0, poster=None)])
    assert len(read_movies(path, format="jsonl")) == 1


def test_embedded_default():
    pytest.importorskip("bokeh_sampledata")
    ds = read_movies("default")
    assert len(ds) == 17472 and not ds.skipped
    assert len({m.key for m in ds}) == 17472
    assert len({g for m in ds for g in m.genres}) == 21
    assert 9000 < sum(m.companies is not None for m in ds) < 9300
    assert all(m.overview is None and m.poster is None for m in ds[:100])
    assert sum(m.director is not None for m in ds) > 15000


def test_default_company_suffixes_are_glued():
    from moviegenre.data.default import split_list

    assert split_list("Acme, Inc., Foo Films") == ("Acme, Inc.", "Foo Films")
    assert split_list("") is None and split_list(None) is None


def test_jsonl_with_separate_poster_folder(tmp_path):
    make_poster(tmp_path / "elsewhere" / "posters" / "tt1000000.jpg")
    path = write_jsonl(tmp_path / "d" / "m.jsonl", [jsonl_row(0)])
    assert read_movies(path)[0].poster is None
    assert read_movies(path, posters=tmp_path / "elsewhere")[0].poster.endswith("tt1000000.jpg")
