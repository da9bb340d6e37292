"""Bad input: a clear one-line DataError or a counted skip, never a crash deep in a stack."""

from __future__ import annotations

import json

import pytest
from test_data_readers import MM_HEADER, TMDB_HEADER, jsonl_row, mm_row, write_csv, write_jsonl

from moviegenre.data import read_movies
from moviegenre.errors import DataError


def one_line(excinfo) -> str:
    msg = str(excinfo.value)
    assert msg and "\n" not in msg and "Traceback" not in msg
    return msg


@pytest.mark.parametrize("name", ["movies.jsonl", "movies_metadata.csv", "x.csv"])
def test_empty_file(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    with pytest.raises(DataError) as e:
        read_movies(tmp_path / name)
    assert "empty" in one_line(e)


def test_missing_path_and_unknown_format(tmp_path):
    with pytest.raises(DataError) as e:
        read_movies(tmp_path / "nope.jsonl")
    assert "no such file" in one_line(e)
    write_jsonl(tmp_path / "m.jsonl", [jsonl_row(0, poster=None)])
    with pytest.raises(DataError) as e:
        read_movies(tmp_path / "m.jsonl", format="xml")
    assert "unknown format" in one_line(e)


def test_directory_given_as_file(tmp_path):
    (tmp_path / "movies.jsonl").mkdir()  # a folder named like the file
    with pytest.raises(DataError) as e:
        read_movies(tmp_path / "movies.jsonl")
    assert "directory" in one_line(e) or "folder" in one_line(e)
    with pytest.raises(DataError) as e:
        read_movies(tmp_path)  # a folder without a movies.jsonl file
    one_line(e)


def test_truncated_csv(tmp_path):
    path = write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, [mm_row(i) for i in range(5)])
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.9)])  # cut inside the last row
    ds = read_movies(path)
    assert len(ds) == 4
    assert sum(ds.skipped.values()) == 1


def test_shifted_columns_and_date_in_id(tmp_path):
    rows = [mm_row(0), mm_row(1, id="1997-08-20"), mm_row(2)]
    path = write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, rows)
    with path.open("a", encoding="utf-8") as f:
        f.write("False,- Written by someone,0.065736,/x.jpg,extra\n")  # a shifted, short row
    ds = read_movies(path)
    assert [m.key for m in ds] == ["tt2000000", "tt2000002"]
    assert ds.skipped == {"malformed id": 1, "wrong number of columns": 1}


def test_bad_literal_cells_are_counted(tmp_path):
    rows = [
        mm_row(0),
        mm_row(1, genres="[{'id': 18, 'name': "),
        mm_row(2, genres="__import__('os')"),
        mm_row(3, production_companies="{'not': 'a list'}"),
    ]
    ds = read_movies(write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, rows))
    assert len(ds) == 1
    assert ds.skipped == {"bad genres": 2, "bad production_companies": 1}


@pytest.mark.parametrize("header,fmt", [(MM_HEADER, "movies_metadata"), (TMDB_HEADER, "tmdb5000")])
def test_missing_columns(tmp_path, header, fmt):
    cols = [c for c in header if c != "genres"]
    path = tmp_path / "f.csv"
    path.write_text(",".join(cols) + "\n" + ",".join("1" for _ in cols) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_movies(path, format=fmt)
    assert "genres" in one_line(e)


def test_wrong_columns_cannot_be_detected(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError) as e:
        read_movies(path)
    assert "--format" in one_line(e)


def test_non_utf8_bytes_are_counted(tmp_path):
    good = json.dumps(jsonl_row(0, poster=None)).encode()
    bad = json.dumps(jsonl_row(1, poster=None, title="Caf\u00e9")).encode().replace(b"\\u00e9", b"\xe9")
    (tmp_path / "m.jsonl").write_bytes(good + b"\n" + bad + b"\n")
    ds = read_movies(tmp_path / "m.jsonl")
    assert len(ds) == 1 and ds.skipped == {"not utf-8": 1}

    path = write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, [mm_row(0), mm_row(1, title="Caf\u00e9")])
    path.write_bytes(path.read_bytes().replace("Caf\u00e9".encode(), b"Caf\xe9"))
    ds = read_movies(path)
    assert len(ds) == 1 and ds.skipped == {"not utf-8": 1}


def test_bad_json_lines_are_counted(tmp_path):
    write_jsonl(
        tmp_path / "m.jsonl",
        [
            jsonl_row(0, poster=None),
            "{not json",
            "[1, 2]",
            jsonl_row(0, poster=None),
            jsonl_row(3, genres=7, poster=None),
        ],
    )
    ds = read_movies(tmp_path / "m.jsonl")
    assert len(ds) == 1
    assert ds.skipped == {"bad json": 1, "not an object": 1, "duplicate key": 1, "bad genres": 1}


def test_poster_path_escaping_the_folder_is_refused(tmp_path):
    outside = tmp_path / "secret.jpg"
    outside.write_bytes(b"x")
    root = tmp_path / "data"
    write_jsonl(
        root / "movies.jsonl",
        [
            jsonl_row(0, poster="../../etc/passwd"),
            jsonl_row(1, poster="../secret.jpg"),
            jsonl_row(2, poster=str(outside)),
            jsonl_row(4, poster="posters/none.jpg"),
        ],
    )
    (root / "posters").mkdir()
    (root / "posters" / "link.jpg").symlink_to(outside)
    write_jsonl(root / "more.jsonl", [jsonl_row(3, poster="posters/link.jpg")])
    ds = read_movies(root)
    assert len(ds) == 4 and all(m.poster is None for m in ds)  # movies kept, posters refused
    assert ds.issues == {"poster path escapes folder": 3, "poster file missing": 1}
    (m,) = read_movies(root / "more.jsonl")
    # the row only names "posters/link.jpg" (inside the folder); the symlink is the user's own disk
    # layout, followed like the poster folder itself (docs/security.md)
    assert m.poster == str(root / "posters" / "link.jpg")


def test_poster_folder_must_exist(tmp_path):
    path = write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, [mm_row(0)])
    with pytest.raises(DataError) as e:
        read_movies(path, posters=tmp_path / "missing")
    assert "poster folder" in one_line(e)


def test_sqlite_that_is_not_the_table(tmp_path):
    import sqlite3

    db = tmp_path / "x.db"
    sqlite3.connect(db).execute("create table t (a)").connection.commit()
    with pytest.raises(DataError) as e:
        read_movies(db)
    one_line(e)


def test_nul_bytes_in_csv_are_dropped(tmp_path):
    path = write_csv(
        tmp_path / "movies_metadata.csv", MM_HEADER, [mm_row(0), mm_row(1, title="Bad\x00Title")]
    )
    ds = read_movies(path)
    assert len(ds) == 2 and ds[1].title == "BadTitle"


def test_binary_file_is_a_clear_error(tmp_path):
    from conftest import make_poster

    poster = make_poster(tmp_path / "p.jpg")
    with pytest.raises(DataError) as e:
        read_movies(poster)
    assert "format" in one_line(e)
