"""Keywords and credits side files (The Movies Dataset, TMDB-5000) joined onto movies by TMDB id.

Tiny files written here in the originals' shapes: Python-literal cells for The Movies Dataset,
JSON for TMDB-5000; bad rows are counted issues, never fatal.
"""

from __future__ import annotations

import json

import pytest
from test_data_readers import MM_HEADER, TMDB_HEADER, mm_row, write_csv

from moviegenre.data import read_movies
from moviegenre.errors import DataError


def _cast(*names):
    return [{"cast_id": i, "character": "Someone", "name": n, "order": i} for i, n in enumerate(names)]


def _crew(director):
    return [
        {"department": "Writing", "job": "Screenplay", "name": "A Writer"},
        {"department": "Directing", "job": "Director", "name": director},
    ]


def test_movies_metadata_with_keywords_and_credits(tmp_path):
    movies = write_csv(tmp_path / "mm.csv", MM_HEADER, [mm_row(i) for i in range(4)])
    kw = write_csv(
        tmp_path / "kw.csv",
        ["id", "keywords"],
        [
            {"id": "700", "keywords": str([{"id": 1, "name": "lighthouse"}, {"id": 2, "name": "storm"}])},
            {"id": "700", "keywords": str([{"id": 9, "name": "repeated row"}])},  # the original repeats ids
            {"id": "701", "keywords": "[]"},  # none listed
            {"id": "702", "keywords": "{'not': 'a list'}"},  # bad cell
            {"id": "1995-10-30", "keywords": "[]"},  # a date in the id column
        ],
    )
    credits = write_csv(
        tmp_path / "cr.csv",
        ["cast", "crew", "id"],
        [
            # billing order, not file order; more than five names keep the top five
            {
                "cast": str(_cast("B", "A", "C", "D", "E", "F")[::-1]),
                "crew": str(_crew("Dee Rector")),
                "id": "700",
            },
            {"cast": "[]", "crew": "[]", "id": "701"},
            {"cast": "[{'name': 'x'", "crew": "[]", "id": "703"},  # truncated literal
        ],
    )
    ds = read_movies(movies, keywords=kw, credits=credits)
    assert len(ds) == 4 and not ds.skipped
    m0, m1, m2, m3 = ds
    assert m0.keywords == ("lighthouse", "storm")
    assert m0.director == "Dee Rector" and m0.cast == ("B", "A", "C", "D", "E")
    assert m1.keywords == () and m1.director is None and m1.cast == ()
    assert m2.keywords is None and m3.keywords is None and m3.cast is None
    assert ds.issues == {
        "keywords: repeated id": 1,
        "keywords: bad keywords cell": 1,
        "keywords: malformed id": 1,
        "credits: bad cast or crew cell": 1,
    }
    assert read_movies(movies)[0].keywords is None  # no side file named, none beside: nothing joined


def test_tmdb5000_credits_found_beside(tmp_path):
    row = dict.fromkeys(TMDB_HEADER, "")
    row.update(
        {
            "id": "42",
            "title": "Made Up",
            "genres": json.dumps([{"id": 28, "name": "Action"}]),
            "production_companies": "[]",
            "keywords": json.dumps([{"id": 1, "name": "robot"}]),
        }
    )
    write_csv(tmp_path / "tmdb_5000_movies.csv", TMDB_HEADER, [row])
    write_csv(
        tmp_path / "tmdb_5000_credits.csv",
        ["movie_id", "title", "cast", "crew"],
        [
            {
                "movie_id": "42",
                "title": "Made Up",
                "cast": json.dumps(_cast("Ann", "Bo")),
                "crew": json.dumps(_crew("Cy")),
            },
            {"movie_id": "43", "title": "Other", "cast": "not json", "crew": "[]"},
        ],
    )
    ds = read_movies(tmp_path)  # the folder: tmdb_5000_movies.csv, with its credits beside it
    (m,) = ds
    assert (m.keywords, m.director, m.cast) == (("robot",), "Cy", ("Ann", "Bo"))
    assert ds.issues == {"credits: bad cast or crew cell": 1}


def test_side_files_fill_only_unknown_fields(tmp_path):
    from test_data_readers import jsonl_row, write_jsonl

    path = write_jsonl(
        tmp_path / "m.jsonl",
        [jsonl_row(0, poster=None, keywords=["own"], director="Own"), jsonl_row(1, poster=None)],
    )
    kw = write_csv(
        tmp_path / "k.csv",
        ["id", "keywords"],
        [{"id": str(500 + i), "keywords": "[{'name': 'side'}]"} for i in range(2)],
    )
    cr = write_csv(
        tmp_path / "c.csv",
        ["cast", "crew", "id"],
        [{"cast": str(_cast("S")), "crew": str(_crew("Side")), "id": str(500 + i)} for i in range(2)],
    )
    a, b = read_movies(path, keywords=kw, credits=cr)
    assert (a.keywords, a.director, a.cast) == (("own",), "Own", ("S",))
    assert (b.keywords, b.director, b.cast) == (("side",), "Side", ("S",))


def test_side_file_errors(tmp_path):
    movies = write_csv(tmp_path / "mm.csv", MM_HEADER, [mm_row(0)])
    with pytest.raises(DataError, match="no such side file"):
        read_movies(movies, keywords=tmp_path / "missing.csv")
    bad = write_csv(tmp_path / "k.csv", ["id", "words"], [{"id": "1", "words": "[]"}])
    with pytest.raises(DataError, match="missing column"):
        read_movies(movies, keywords=bad)
