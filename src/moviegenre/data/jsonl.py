"""Reader for the JSONL schema of ``../shared/data/movies/movies.jsonl`` (one JSON object a line).

Fields: imdb_id, tmdb_id, title, overview, genres (list), production_companies (list or null),
poster (path relative to the file's folder); optional year, runtime, language, country, director,
cast, keywords, tagline, key. Bad lines are skipped and counted by reason, never fatal.

Lines end at ``\\n`` only: U+2028 or U+0085 inside a string is text, not a line break. A line is
one JSON object with no field given twice, at most ``MAX_DEPTH`` deep, with valid Unicode (a lone
surrogate escape such as ``"\\ud800"`` is refused like an undecodable byte).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ..records import Dataset, Movie
from ._common import (
    MAX_DEPTH,
    MAX_KEY_CHARS,
    check_file,
    genre_names,
    has_bad_bytes,
    in_range,
    log,
    names_of,
    resolve_poster,
    stable_key,
    text_of,
    to_float,
    to_int,
    unique_movies,
)

IMDB = re.compile(r"^tt\d{5,10}$")


class RowError(ValueError):
    """A row that cannot be used; the message is the skip reason."""


def _object(pairs: list[tuple[str, object]]) -> dict:
    out = {}
    for k, v in pairs:
        if k in out:
            raise RowError("field given twice")  # json.loads would keep the last one silently
        out[k] = v
    return out


def parse_row(line: str):
    """One JSON line → its value; ``RowError(reason)`` for every way it can be unusable."""
    if has_bad_bytes(line):
        raise RowError("not utf-8")
    try:
        obj = json.loads(line, object_pairs_hook=_object)
    except RowError:
        raise
    except RecursionError:
        raise RowError("nested too deep") from None
    except json.JSONDecodeError:
        raise RowError("bad json") from None
    except ValueError as e:  # e.g. an integer over Python's 4,300-digit conversion limit
        raise RowError("number too long" if "digits" in str(e) else "bad json") from None
    if not isinstance(obj, dict):
        raise RowError("not an object")
    problem = _shape_problem(obj)
    if problem:
        raise RowError(problem)
    return obj


def _shape_problem(obj) -> str | None:
    """ "nested too deep" or "invalid unicode" (a lone surrogate in a key or string), else None."""
    stack = [(obj, 1)]
    while stack:
        v, depth = stack.pop()
        if depth > MAX_DEPTH:
            return "nested too deep"
        if isinstance(v, str):
            if has_bad_bytes(v):
                return "invalid unicode"
        elif isinstance(v, dict):
            if has_bad_bytes(*v):
                return "invalid unicode"
            stack.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)
    return None


def _names(v, field: str, issues: Counter, *, genres: bool = False):
    """A list of names (strings or {"name": ...} objects); None stays None (= unknown)."""
    if v is None:
        return None
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list):
        raise RowError(f"bad {field}")
    return genre_names(v, issues) if genres else names_of(v, field, issues)


def movie_from_obj(obj: dict, poster_root: Path | None, issues: Counter) -> Movie:
    """One record from a JSON object; ``RowError(reason)`` (a ValueError) when the row cannot be used."""
    imdb = text_of(obj.get("imdb_id"), "imdb_id", issues)
    if imdb and not IMDB.match(imdb):
        issues["malformed imdb_id"] += 1
        imdb = None
    tmdb = to_int(obj.get("tmdb_id"))
    tmdb = tmdb if tmdb is not None and 0 < tmdb < 10**12 else None
    title = text_of(obj.get("title"), "title", issues, numbers=True)
    overview = text_of(obj.get("overview"), "overview", issues)
    key = (
        text_of(obj.get("key"), "key", issues, numbers=True)
        or imdb
        or (f"tmdb{tmdb}" if tmdb is not None else None)
    )
    if key is None:
        if not title and not overview:
            raise RowError("no id, title or overview")
        key = stable_key(title, overview, obj.get("year"))
    if len(key) > MAX_KEY_CHARS:
        raise RowError("key too long")
    genres = _names(obj.get("genres"), "genres", issues, genres=True) or ()
    poster, why = resolve_poster(poster_root, obj.get("poster"))
    if why:
        issues[why] += 1
        log.debug("%s: %s (%r)", key, why, obj.get("poster"))
    return Movie(
        key=key,
        title=title,
        overview=overview,
        companies=_names(
            obj.get("production_companies", obj.get("companies")), "production_companies", issues
        ),
        genres=genres,
        poster=poster,
        imdb_id=imdb,
        tmdb_id=tmdb,
        year=in_range(to_int(obj.get("year")), 1800, 2200),
        runtime=in_range(to_float(obj.get("runtime")), 0.0, 10_000.0),
        language=text_of(obj.get("language", obj.get("original_language")), "language", issues),
        country=text_of(obj.get("country"), "country", issues),
        director=text_of(obj.get("director"), "director", issues),
        writer=text_of(obj.get("writer"), "writer", issues),
        cast=_names(obj.get("cast"), "cast", issues),
        keywords=_names(obj.get("keywords"), "keywords", issues),
        tagline=text_of(obj.get("tagline"), "tagline", issues),
    )


def read_jsonl(path: Path, posters: Path | None = None) -> Dataset:
    """Read a JSONL file, streamed line by line; posters resolve against ``posters`` or else the file's
    folder (followed if it is a symlink: it is the user's disk layout)."""
    root = Path(posters or path.parent).absolute()
    skipped, issues = Counter(), Counter()
    movies = unique_movies(iter_jsonl(path, root, skipped, issues), skipped)
    return Dataset(movies, str(path), root, skipped, issues)


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of the non-blank lines, read as a stream (memory does not grow with
    the file). Bytes that are not UTF-8 become lone surrogates, so ``has_bad_bytes`` can skip the row."""
    check_file(path)
    with path.open("rb") as f:
        for n, raw in enumerate(f, 1):
            # split on b"\n" only: U+2028, U+0085 and friends stay text inside the row
            line = raw.decode("utf-8-sig" if n == 1 else "utf-8", errors="surrogateescape")
            line = line.removesuffix("\n").removesuffix("\r")
            if line.strip():
                yield n, line


def iter_jsonl(path: Path, root: Path, skipped: Counter, issues: Counter) -> Iterator[Movie | None]:
    """One ``Movie`` (or ``None`` for a row counted in ``skipped``) per non-blank line, streamed."""
    for n, line in iter_lines(path):
        yield row_movie(path.name, n, line, root, skipped, issues)


def row_movie(name: str, n: int, line: str, root: Path, skipped: Counter, issues: Counter) -> Movie | None:
    """One JSONL line → a Movie, or None after counting why it was skipped."""
    try:
        return movie_from_obj(parse_row(line), root, issues)
    except RowError as e:
        skipped[str(e)] += 1
        log.debug("%s:%d: %s, skipped", name, n, e)
        return None


def count_lines(path: Path) -> int:
    """Non-blank lines of ``path`` (the rows a progress bar expects), counted as a stream."""
    check_file(path)
    with path.open("rb") as f:
        return sum(1 for raw in f if raw.strip())
