"""Property tests of the readers (issue 11, "a fresh batch of inputs built like these — but not these").

Arbitrary bytes, and real-shaped rows mutated at random, must give a ``Dataset`` in which every
non-blank line is accounted for (``movies + skipped + lines joined by a quoted line break ==
non-blank lines``) and no genre label is junk — or a one-line ``DataError``. Never another exception,
never a hang. Derandomized (a fixed seed) so the suite stays deterministic.
"""

from __future__ import annotations

import csv
import io
import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_data_readers import MM_HEADER, TMDB_HEADER

from moviegenre.data import read_movies
from moviegenre.data._common import genre_problem
from moviegenre.data._csv import JOINED
from moviegenre.errors import DataError

SETTINGS = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def nonblank_lines(data: bytes, skip_header: bool = False) -> int:
    """What the readers promise to account for: lines cut at ``\\n`` that hold more than whitespace."""
    lines = data.decode("utf-8-sig", errors="surrogateescape").split("\n")
    if skip_header:  # the header is the first non-blank line
        while lines and not lines[0].strip():
            lines.pop(0)
        lines = lines[1:]
    return sum(1 for line in lines if line.strip())


def read_or_error(path, **kw):
    try:
        return read_movies(path, **kw)
    except DataError as e:
        msg = str(e)
        assert msg and "\n" not in msg and len(msg) < 1000
        return None


def check(ds, lines: int) -> None:
    joined = ds.issues.get(JOINED, 0)
    assert len(ds) + sum(ds.skipped.values()) + joined == lines, (len(ds), dict(ds.skipped), joined)
    for m in ds:
        assert all(genre_problem(g) is None for g in m.genres), m.genres
        for text in (m.title, m.overview, m.key):
            if text is not None:
                text.encode("utf-8")  # valid Unicode all the way down


# -- arbitrary bytes --------------------------------------------------------------------------------
JSONISH = st.sampled_from([b"{", b"}", b"[", b"]", b'"', b":", b",", b"\\", b"\n", b"\r", b"\xe2\x80\xa8"])
NOISE = st.lists(st.one_of(st.binary(max_size=12), JSONISH), max_size=80).map(b"".join)


@SETTINGS
@given(data=NOISE)
def test_jsonl_arbitrary_bytes(tmp_path, data):
    path = tmp_path / "m.jsonl"
    path.write_bytes(data)
    ds = read_or_error(path, format="jsonl")
    if ds is not None:
        check(ds, nonblank_lines(data))


@SETTINGS
@given(data=NOISE, which=st.sampled_from(["movies_metadata", "tmdb5000"]))
def test_csv_arbitrary_bytes_after_a_header(tmp_path, data, which):
    header = ",".join(MM_HEADER if which == "movies_metadata" else TMDB_HEADER).encode() + b"\n"
    path = tmp_path / "f.csv"
    path.write_bytes(header + data.replace(b"{", b",").replace(b"}", b'"'))
    ds = read_or_error(path, format=which)
    if ds is not None:
        check(ds, nonblank_lines(header + data.replace(b"{", b",").replace(b"}", b'"'), skip_header=True))


# -- real-shaped rows, mutated -----------------------------------------------------------------------
TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(string.ascii_letters + string.digits + " ,;|'\"\\{}[]:"),
        st.sampled_from("\u2028\u2029\x85\x0b\x0c\r\t\x00٣²éß\U0001f600"),
        st.characters(codec="utf-8"),
    ),
    max_size=30,
)
JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=False), TEXT
)
JSON_VALUE = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=12,
)
GENRE = st.one_of(st.sampled_from(["Drama", "Comedy", "Action, Drama", "Science Fiction"]), JSON_VALUE)
ROW = st.fixed_dictionaries(
    {
        "imdb_id": st.one_of(st.sampled_from(["tt0000001", "tt0000002", "tt123"]), JSON_VALUE),
        "tmdb_id": st.one_of(
            st.integers(-5, 10**13), st.sampled_from(["12", "٣", "²", "7" * 5000]), JSON_VALUE
        ),
        "title": st.one_of(TEXT, JSON_VALUE),
        "genres": st.one_of(st.lists(GENRE, max_size=5), JSON_VALUE),
    },
    optional={
        "overview": st.one_of(TEXT, JSON_VALUE),
        "production_companies": st.one_of(st.lists(TEXT, max_size=3), JSON_VALUE),
        "poster": st.one_of(
            st.sampled_from(["../x.jpg", "/etc/passwd", "p/" + "a" * 300, "posters/1.jpg"]), TEXT
        ),
        "year": JSON_VALUE,
        "runtime": JSON_VALUE,
        "key": st.one_of(TEXT, JSON_VALUE),
        "cast": JSON_VALUE,
    },
)


def mutate(text: str, draw) -> str:
    """A few random edits: delete, duplicate or insert a character or a piece of syntax."""
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        i = draw(st.integers(0, len(text) - 1))
        op = draw(st.sampled_from(["del", "dup", "ins"]))
        if op == "del":
            text = text[:i] + text[i + 1 :]
        elif op == "dup":
            text = text[:i] + text[i] + text[i:]
        else:
            piece = draw(st.sampled_from(['"', ",", "\n", "[", "{", "\\ud800", "\u2028", "\\", "]]]]"]))
            text = text[:i] + piece + text[i:]
    return text


@SETTINGS
@given(rows=st.lists(ROW, max_size=6), data=st.data())
def test_jsonl_mutated_rows(tmp_path, rows, data):
    lines = [mutate(json.dumps(r, ensure_ascii=data.draw(st.booleans())), data.draw) for r in rows]
    raw = "\n".join(lines).encode("utf-8", "surrogatepass")
    path = tmp_path / "movies.jsonl"
    path.write_bytes(raw)
    ds = read_or_error(path)
    if ds is not None:
        check(ds, nonblank_lines(raw))


CELL = st.one_of(TEXT, st.sampled_from(["", "٣", "²", "7" * 5000, "1997-08-20", "[" * 300, "nan"]))


def check_csv(path, header: list[str], rows: list[list[str]], draw) -> None:
    """Write ``rows`` (one physical line each), mutate the lines after the header, read, check."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows([c.replace("\n", " ").replace("\r", " ") for c in row] for row in rows)
    head, _, body = out.getvalue().partition("\n")
    body = "\n".join(mutate(line, draw) for line in body.split("\n"))
    raw = (head + "\n" + body).encode("utf-8", "surrogatepass")
    path.write_bytes(raw)
    ds = read_or_error(path)
    if ds is not None:
        check(ds, nonblank_lines(raw, skip_header=True))


@SETTINGS
@given(
    cells=st.lists(st.lists(CELL, min_size=24, max_size=24), max_size=6),
    genres=st.lists(st.one_of(JSON_VALUE, st.sampled_from(["Drama", "Action, Drama"])), max_size=4),
    data=st.data(),
)
def test_movies_metadata_mutated_rows(tmp_path, cells, genres, data):
    for i, row in enumerate(cells):
        row[MM_HEADER.index("id")] = data.draw(st.sampled_from([str(100 + i), row[0]]))
        row[MM_HEADER.index("genres")] = data.draw(
            st.sampled_from([repr([{"id": 1, "name": g} for g in genres]), repr(genres), row[3]])
        )
    check_csv(tmp_path / "movies_metadata.csv", MM_HEADER, cells, data.draw)


@SETTINGS
@given(cells=st.lists(st.lists(CELL, min_size=20, max_size=20), max_size=6), data=st.data())
def test_tmdb5000_mutated_rows(tmp_path, cells, data):
    for i, row in enumerate(cells):
        row[TMDB_HEADER.index("id")] = str(100 + i)
        row[TMDB_HEADER.index("genres")] = json.dumps(data.draw(st.lists(JSON_VALUE, max_size=3)))
    check_csv(tmp_path / "tmdb_5000_movies.csv", TMDB_HEADER, cells, data.draw)
