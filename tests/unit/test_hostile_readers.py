"""Issue 11, item 1: every case named there, one test each (readers). Our own tiny files, never real data.

Each reader ends every row as a movie or a counted, reasoned skip, turns no junk into labels, and
answers anything it cannot read with a one-line ``DataError``.
"""

from __future__ import annotations

import json

import pytest
from test_data_readers import (
    MM_HEADER,
    TMDB_HEADER,
    jsonl_row,
    mm_row,
    write_csv,
    write_jsonl,
)

from moviegenre.data import read_movies
from moviegenre.data._common import genre_problem
from moviegenre.errors import DataError


def tmdb_row(i: int, **kw) -> dict:
    row = dict.fromkeys(TMDB_HEADER, "")
    row.update(
        {
            "id": str(900 + i),
            "title": f"Tale {i}",
            "overview": f"A plot {i}.",
            "genres": json.dumps([{"id": 18, "name": "Drama"}]),
            "production_companies": json.dumps([{"name": "Acme", "id": 1}]),
            "keywords": "[]",
            "production_countries": "[]",
        }
    )
    row.update(kw)
    return row


def accounted(ds, rows: int) -> None:
    """Every row is a movie or a counted skip; no label is junk."""
    assert len(ds) + sum(ds.skipped.values()) == rows, (len(ds), dict(ds.skipped))
    assert all(genre_problem(g) is None for m in ds for g in m.genres)


# -- non-ASCII digit ids ------------------------------------------------------------------------------
@pytest.mark.parametrize("bad_id", ["٣", "²", "１２", "12³", "1_000", "+7", " "])
def test_non_ascii_digit_ids_are_malformed(tmp_path, bad_id):
    """``"²".isdigit()`` is True but ``int("²")`` raises; ``"٣"`` would silently become 3."""
    rows = [mm_row(0), mm_row(1, id=bad_id)]
    ds = read_movies(write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, rows))
    assert [m.tmdb_id for m in ds] == [700] and ds.skipped == {"malformed id": 1}
    rows = [tmdb_row(0), tmdb_row(1, id=bad_id)]
    ds = read_movies(write_csv(tmp_path / "tmdb_5000_movies.csv", TMDB_HEADER, rows))
    assert [m.tmdb_id for m in ds] == [900] and ds.skipped == {"malformed id": 1}


def test_non_ascii_digits_in_jsonl_numbers_are_not_numbers(tmp_path):
    write_jsonl(tmp_path / "m.jsonl", [jsonl_row(0, tmdb_id="٣", year="١٩٩٥", runtime="²", poster=None)])
    (m,) = read_movies(tmp_path / "m.jsonl")
    assert (m.tmdb_id, m.year, m.runtime) == (None, None, None)


# -- numbers longer than Python's int-string limit ---------------------------------------------------
def test_huge_numbers(tmp_path):
    digits = "7" * 5000  # over the 4,300-digit limit of int(str)
    write_jsonl(
        tmp_path / "m.jsonl",
        [jsonl_row(0, poster=None), '{"tmdb_id": ' + digits + ', "title": "x"}', jsonl_row(2, poster=None)],
    )
    ds = read_movies(tmp_path / "m.jsonl")
    assert len(ds) == 2 and ds.skipped == {"number too long": 1}
    write_jsonl(tmp_path / "y.jsonl", [jsonl_row(0, poster=None, year=digits, runtime=digits + ".5")])
    (m,) = read_movies(tmp_path / "y.jsonl")
    assert m.year is None and m.runtime is None

    rows = [mm_row(0), mm_row(1, id=digits), mm_row(2, genres=f"[{{'id': {digits}, 'name': 'Drama'}}]")]
    ds = read_movies(write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, rows))
    assert len(ds) == 1 and ds.skipped == {"malformed id": 1, "bad genres": 1}
    rows = [tmdb_row(0), tmdb_row(1, genres=f'[{{"id": {digits}, "name": "Drama"}}]')]
    ds = read_movies(write_csv(tmp_path / "tmdb_5000_movies.csv", TMDB_HEADER, rows))
    assert len(ds) == 1 and ds.skipped == {"bad genres": 1}


# -- very deep nesting (JSON and Python literals) ----------------------------------------------------
@pytest.mark.parametrize("depth", [40, 100_000])
def test_deep_nesting(tmp_path, depth):
    deep = "[" * depth + "]" * depth
    write_jsonl(
        tmp_path / "m.jsonl",
        [jsonl_row(0, poster=None), '{"title": "x", "genres": ' + deep + "}", jsonl_row(2, poster=None)],
    )
    ds = read_movies(tmp_path / "m.jsonl")
    assert len(ds) == 2 and ds.skipped == {"nested too deep": 1}
    rows = [mm_row(0), mm_row(1, genres=deep), mm_row(2, production_companies=deep)]
    ds = read_movies(write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, rows))
    accounted(ds, 3)
    if depth > 1000:  # beyond the parser: the row is skipped
        assert len(ds) == 1 and ds.skipped == {"bad genres": 1, "bad production_companies": 1}
    else:  # parsed: a nested list is no genre or company name, counted
        assert ds.issues == {"invalid genre: not text": 1, "invalid production_companies entry: not text": 1}
        assert ds[1].genres == () and ds[2].companies == ()
    rows = [tmdb_row(0), tmdb_row(1, genres=deep), tmdb_row(2, keywords=deep)]
    ds = read_movies(write_csv(tmp_path / "tmdb_5000_movies.csv", TMDB_HEADER, rows))
    accounted(ds, 3)
    assert all(m.genres in ((), ("Drama",)) for m in ds)


# -- lone surrogate escapes ---------------------------------------------------------------------------
def test_lone_surrogate_escapes_are_counted(tmp_path):
    lines = [
        jsonl_row(0, poster=None),
        '{"imdb_id": "tt1000001", "title": "bad \\ud800 title"}',
        '{"imdb_id": "tt1000002", "title": "x", "genres": ["\\udfff"]}',
        '{"imdb_id": "tt1000003", "\\ud83d": 1, "title": "x"}',
        '{"imdb_id": "tt1000004", "title": "a real pair \\ud83d\\ude00 is fine"}',
    ]
    write_jsonl(tmp_path / "m.jsonl", lines)
    ds = read_movies(tmp_path / "m.jsonl")
    assert [m.key for m in ds] == ["tt1000000", "tt1000004"] and ds.skipped == {"invalid unicode": 3}
    assert ds[1].title == "a real pair \U0001f600 is fine"


def test_lone_surrogate_has_a_cache_key_and_encodes(tmp_path):
    """The service can hand a lone surrogate to an encoder: it must not crash the cache key."""
    from collections import Counter

    from moviegenre.encoders.base import text_content
    from moviegenre.encoders.cache import FeatureCache, content_key
    from moviegenre.encoders.tfidf import TfidfEncoder
    from moviegenre.records import Dataset, Movie

    assert content_key("a\ud800") != content_key("a\udfff") != content_key("a")
    assert text_content(" a\ud800 ") == "a\ufffd"
    cache = FeatureCache(tmp_path, "x@1")
    import numpy as np

    cache.put([content_key("\ud800")], np.ones((1, 2), np.float32), np.ones(1, bool))
    assert FeatureCache(tmp_path, "x@1").get(content_key("\ud800")) is not None
    movies = [Movie(key=str(i), overview=f"word{i} common \ud800 tail") for i in range(4)]
    enc = TfidfEncoder("overview").fit(Dataset(movies, issues=Counter()))
    json.dumps(enc.get_state(), ensure_ascii=False).encode("utf-8")  # the saved state is valid UTF-8
    feats, present = enc.encode(movies)
    assert present.all() and feats.shape[0] == 4


# -- a poster name longer than the OS allows -------------------------------------------------------------
def test_poster_name_longer_than_the_os_allows(tmp_path):
    long_name = "posters/" + "a" * 300 + ".jpg"
    very_long = "/".join(["d" * 200] * 30) + ".jpg"  # every part fits, the path does not (PATH_MAX)
    write_jsonl(
        tmp_path / "movies.jsonl",
        [jsonl_row(0, poster=long_name), jsonl_row(1, poster=very_long), jsonl_row(2, poster="x\x00.jpg")],
    )
    ds = read_movies(tmp_path / "movies.jsonl")
    accounted(ds, 3)
    assert all(m.poster is None for m in ds)
    assert ds.issues == {"poster path too long": 1, "poster path invalid": 2}
    rows = [mm_row(0, poster_path="/" + "p" * 5000 + ".jpg")]
    (tmp_path / "posters").mkdir()
    ds = read_movies(
        write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, rows), posters=tmp_path / "posters"
    )
    assert len(ds) == 1 and ds.issues == {"poster file missing": 1}


def test_data_path_longer_than_the_os_allows(tmp_path):
    for source in (tmp_path / ("m" * 300 + ".jsonl"), "x" * 5000):
        with pytest.raises(DataError) as e:
            read_movies(source)
        assert "\n" not in str(e.value) and len(str(e.value)) < 400
    write_jsonl(tmp_path / "m.jsonl", [jsonl_row(0, poster=None)])
    with pytest.raises(DataError, match="poster folder does not exist"):
        read_movies(tmp_path / "m.jsonl", posters=tmp_path / ("p" * 300))


# -- an unbalanced quote that swallows the rows after it -----------------------------------------------
@pytest.mark.parametrize("marker", ["Picture 2", "plot 2", "tag 2", "tt2000002"])
def test_unbalanced_quote_loses_one_row_not_the_rest(tmp_path, marker):
    rows = [mm_row(i, overview=f"plot {i}", tagline=f"tag {i}") for i in range(12)]
    path = write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, rows)
    text = path.read_text(encoding="utf-8")
    assert text.count(marker) == 1
    path.write_text(text.replace(marker, '"Broken ' + marker), encoding="utf-8")  # opens, never closes
    ds = read_movies(path)
    accounted(ds, 12)
    assert len(ds) == 11 and "tt2000002" not in ds.keys and "tt2000011" in ds.keys
    # a quote closed later on the same line only breaks that row's columns; one left open swallows
    # the next lines: that row is counted and the lines after it are read again
    swallows = marker in ("Picture 2", "tag 2")
    assert ds.skipped == {"unbalanced quote" if swallows else "wrong number of columns": 1}


def test_unbalanced_quote_swallowing_to_the_end_of_file(tmp_path):
    path = write_csv(tmp_path / "tmdb_5000_movies.csv", TMDB_HEADER, [tmdb_row(i) for i in range(200)])
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[100] = lines[100].replace("Tale 99", '"Tale 99')
    path.write_text(
        "\n".join(lines).replace('"[', "[").replace(']"', "]").replace('""', '"'), encoding="utf-8"
    )
    ds = read_movies(path)
    accounted(ds, 200)


def test_quoted_line_breaks_are_kept_and_counted(tmp_path):
    rows = [mm_row(0, overview="line one\nline two\r\nline three"), mm_row(1)]
    ds = read_movies(write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, rows))
    assert len(ds) == 2 and not ds.skipped and "line two" in ds[0].overview
    assert ds.issues == {"line joined by a quoted line break": 2}


# -- Unicode line separators inside a JSON string ------------------------------------------------------
@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])  # json.dumps keeps these raw
def test_unicode_line_separators_do_not_split_a_jsonl_row(tmp_path, sep):
    rows = [jsonl_row(0, poster=None, overview=f"before{sep}after"), jsonl_row(1, poster=None)]
    (tmp_path / "m.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    ds = read_movies(tmp_path / "m.jsonl")
    assert len(ds) == 2 and not ds.skipped
    assert ds[0].overview == f"before{sep}after".strip()


def test_unicode_line_separators_do_not_split_a_csv_row(tmp_path):
    rows = [mm_row(0, overview="a\u2028b\x85c"), mm_row(1)]
    ds = read_movies(write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, rows))
    assert len(ds) == 2 and not ds.skipped and ds[0].overview == "a\u2028b\x85c"


# -- "Action, Drama" as one genre; nested lists or numbers as genres ------------------------------------
JUNK_GENRES = [
    "Action, Drama",
    "Action; Drama",
    "Action|Drama",
    ["Drama"],
    [["Drama"]],
    18,
    3.5,
    True,
    None,
    {"id": 18},
    {"name": 18},
    {"name": ["Drama"]},
    "   ",
    "18",
    "x" * 200,
    "Dra\nma",
]


def test_junk_genre_entries_are_counted_not_labels(tmp_path):
    write_jsonl(tmp_path / "m.jsonl", [jsonl_row(0, poster=None, genres=["Drama", *JUNK_GENRES, "Comedy"])])
    (m,) = read_movies(tmp_path / "m.jsonl")
    assert m.genres == ("Drama", "Comedy")
    ds = read_movies(tmp_path / "m.jsonl")
    issues = {k: v for k, v in ds.issues.items() if k.startswith("invalid genre")}
    assert sum(issues.values()) == len(JUNK_GENRES)
    assert issues["invalid genre: several genres in one entry"] == 3
    assert issues["invalid genre: not text"] == 9


def test_a_genre_string_with_several_genres(tmp_path):
    write_jsonl(tmp_path / "m.jsonl", [jsonl_row(0, poster=None, genres="Action, Drama")])
    ds = read_movies(tmp_path / "m.jsonl")
    assert ds[0].genres == () and ds.issues == {"invalid genre: several genres in one entry": 1}


def test_junk_genres_in_csv_literals(tmp_path):
    literal = str(
        [{"id": 1, "name": "Action, Drama"}, {"id": 2, "name": 18}, {"id": 3, "name": ["X"]}, "Drama"]
    )
    rows = [mm_row(0, genres=literal), mm_row(1, genres="[[['Drama']]]")]
    ds = read_movies(write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, rows))
    accounted(ds, 2)
    assert ds[0].genres == ("Drama",) and ds[1].genres == ()
    assert ds.issues == {
        "invalid genre: several genres in one entry": 1,
        "invalid genre: not text": 3,
    }
    rows = [tmdb_row(0, genres=json.dumps([{"name": "Action, Drama"}, {"name": 28}, [1], {"name": "War"}]))]
    ds = read_movies(write_csv(tmp_path / "tmdb_5000_movies.csv", TMDB_HEADER, rows))
    assert ds[0].genres == ("War",) and sum(ds.issues.values()) == 3


def test_names_that_are_not_text_are_counted_not_stringified(tmp_path):
    write_jsonl(
        tmp_path / "m.jsonl",
        [
            jsonl_row(
                0,
                poster=None,
                title=["A", "list"],
                overview={"a": 1},
                production_companies=["Acme", 7, ["Nested"], {"name": None}],
                cast=[1.5],
            )
        ],
    )
    ds = read_movies(tmp_path / "m.jsonl")
    m = ds[0]
    assert m.title is None and m.overview is None and m.companies == ("Acme",) and m.cast == ()
    assert ds.issues["title not text"] == 1 and ds.issues["overview not text"] == 1
    assert ds.issues["invalid production_companies entry: not text"] == 3


# -- duplicate header columns; fields given twice --------------------------------------------------------
def test_duplicate_header_columns_are_an_error(tmp_path):
    header = [*MM_HEADER, "genres"]
    path = tmp_path / "movies_metadata.csv"
    lines = [",".join(header), ",".join(mm_row(0).get(h, "") if h != "genres" else "[]" for h in header)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_movies(path, format="movies_metadata")
    assert "'genres' appear twice" in str(e.value) and "\n" not in str(e.value)


def test_json_field_given_twice_is_skipped(tmp_path):
    write_jsonl(
        tmp_path / "m.jsonl",
        [jsonl_row(0, poster=None), '{"imdb_id": "tt1000001", "genres": ["Drama"], "genres": ["Horror"]}'],
    )
    ds = read_movies(tmp_path / "m.jsonl")
    assert len(ds) == 1 and ds.skipped == {"field given twice": 1}


# -- values out of any sensible range ------------------------------------------------------------------
def test_absurd_metadata_is_dropped(tmp_path):
    write_jsonl(
        tmp_path / "m.jsonl",
        [
            jsonl_row(0, poster=None, year=99999, runtime=-5, key="k" * 1000),
            jsonl_row(1, poster=None, year=True),
        ],
    )
    ds = read_movies(tmp_path / "m.jsonl")
    assert len(ds) == 1 and ds.skipped == {"key too long": 1} and ds[0].year is None


def test_data_file_that_is_a_pipe_or_device(tmp_path):
    import os

    os.mkfifo(tmp_path / "movies.jsonl")
    with pytest.raises(DataError, match="not a regular file"):
        read_movies(tmp_path / "movies.jsonl", format="jsonl")
    with pytest.raises(DataError, match="not a regular file"):
        read_movies("/dev/zero", format="jsonl")


# -- split files are read like any file someone else may have written ----------------------------------
@pytest.mark.parametrize(
    "text",
    [
        '{"train": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"train": ["a"], "val": ["b"], "test": ["c"], "seed": ' + "9" * 5000 + "}",
        '{"train": "abc", "val": [], "test": []}',
        '{"train": [1], "val": [], "test": []}',
        '{"train": ["a"], "val": ["b"], "test": ["c"], "seed": "x"}',
        '{"train": ["a"], "train": ["b"], "val": [], "test": []}',
        "[1, 2]",
    ],
)
def test_bad_split_files(tmp_path, text):
    from moviegenre.data.split import Split

    (tmp_path / "s.json").write_text(text)
    with pytest.raises(DataError) as e:
        Split.load(tmp_path / "s.json")
    assert "\n" not in str(e.value) and len(str(e.value)) < 400
