"""Parquet in (posters as paths and as bytes) and movies as a stream of batches, on tiny files made here."""

from __future__ import annotations

import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import make_movies, make_poster

from moviegenre.data import detect_format, read_movies, stream_movies
from moviegenre.errors import DataError


def _rows(tmp_path, n=6, *, as_bytes=False):
    rows = []
    for m in make_movies(tmp_path, n=n):
        row = {
            "key": m.key,
            "title": m.title,
            "overview": m.overview,
            "genres": list(m.genres),
            "production_companies": list(m.companies) if m.companies is not None else None,
            "year": m.year,
            "runtime": m.runtime,
            "language": m.language,
        }
        if as_bytes:
            row["poster_bytes"] = open(m.poster, "rb").read()
            row["poster"] = None  # a column too (pyarrow takes the columns from the first row)
        else:
            row["poster"] = os.path.relpath(m.poster, tmp_path)
        rows.append(row)
    return rows


def _write_parquet(path, rows, **kw):
    pq.write_table(pa.Table.from_pylist(rows), path, **kw)
    return path


def test_parquet_with_poster_paths_reads_like_jsonl(tmp_path):
    rows = _rows(tmp_path)
    (tmp_path / "movies.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    _write_parquet(tmp_path / "movies.parquet", rows)
    assert detect_format(tmp_path / "movies.parquet") == "parquet"
    from_jsonl = read_movies(tmp_path / "movies.jsonl")
    from_parquet = read_movies(tmp_path / "movies.parquet")
    assert list(from_parquet) == list(from_jsonl)  # every field, posters resolved to the same files
    assert all(m.poster and os.path.isfile(m.poster) for m in from_parquet)


def test_parquet_with_poster_bytes(tmp_path):
    rows = _rows(tmp_path, as_bytes=True)
    rows[1]["poster_bytes"] = None  # no poster: fine
    rows[2]["poster_bytes"] = b""
    rows[3]["poster"] = "posters/m0.jpg"  # both: the bytes win
    path = _write_parquet(tmp_path / "b.pq", rows)
    movies = read_movies(path)
    assert not movies[1].has_poster and not movies[2].has_poster
    kept = [0, 3, 4, 5]
    assert [movies[i].poster_bytes for i in kept] == [rows[i]["poster_bytes"] for i in kept]
    assert all(len(m.poster_bytes) > 100 for m in (movies[i] for i in kept))


def test_parquet_poster_paths_cannot_escape_the_folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    make_poster(tmp_path / "outside.jpg")
    rows = [
        {"key": "a", "title": "A", "poster": "../outside.jpg"},
        {"key": "b", "title": "B", "poster": str(tmp_path / "outside.jpg")},
        {"key": "c", "title": "C", "poster": "missing.jpg"},
    ]
    movies = read_movies(_write_parquet(data / "m.parquet", rows))
    assert [m.poster for m in movies] == [None, None, None]
    assert movies.issues == {"poster path escapes folder": 2, "poster file missing": 1}


def test_parquet_bad_rows_are_counted_and_bad_files_are_one_line(tmp_path):
    rows = [{"key": "a", "title": "A"}, {"key": None, "title": None}, {"key": "a", "title": "A2"}]
    movies = read_movies(_write_parquet(tmp_path / "m.parquet", rows))
    assert [m.title for m in movies] == ["A"]
    assert movies.skipped == {"no id, title or overview": 1, "duplicate key": 1}
    (tmp_path / "junk.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        read_movies(tmp_path / "junk.parquet")
    with pytest.raises(DataError, match="no key, imdb_id, tmdb_id, title, overview column"):
        read_movies(_write_parquet(tmp_path / "cols.parquet", [{"colour": "red"}]))


def test_stream_batches_match_the_whole_read(tmp_path):
    rows = _rows(tmp_path, n=11)
    lines = [json.dumps(r) for r in rows]
    lines.insert(3, "{not json")
    lines.append(lines[0])  # a duplicate key, in a later batch
    (tmp_path / "m.jsonl").write_text("\n".join(lines) + "\n")
    _write_parquet(tmp_path / "m.parquet", [*rows, rows[0]], row_group_size=4)
    for name, rows_in_file in (("m.jsonl", 13), ("m.parquet", 12)):
        whole = read_movies(tmp_path / name)
        stream = stream_movies(tmp_path / name, batch_size=4)
        batches = list(stream)
        assert [len(b) for b in batches] == [4, 4, 3]
        assert [m for b in batches for m in b] == list(whole)
        assert stream.skipped == whole.skipped
        assert stream.total == stream.rows_read == rows_in_file
        assert list(stream) == batches  # a second pass reads again and counts afresh
        assert stream.skipped == whole.skipped


def test_jsonl_stream_counts_bad_bytes_and_blank_lines(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"key": "a", "title": "A"}\r\n\n'
        b'{"key": "b", "title": "B\xff"}\n{"key": "c", "title": "C\xe2\x80\xa8x"}'
    )
    stream = stream_movies(path)
    assert [m.key for b in stream for m in b] == ["a", "c"]  # U+2028 inside a string is not a line break
    assert stream.skipped == {"not utf-8": 1} and stream.total == 3


def test_other_formats_stream_from_a_whole_read(tmp_path):
    path = tmp_path / "tmdb.csv"
    path.write_text('id,genres,title\n1,"[{""id"": 18, ""name"": ""Drama""}]",A\n2,"[]",B\n')
    stream = stream_movies(path, batch_size=1)
    assert [[m.title for m in b] for b in stream] == [["A"], ["B"]]
    assert stream.total == 2
