"""Reader for the JSONL schema of ``../shared/data/movies/movies.jsonl`` (one JSON object a line).

Fields: imdb_id, tmdb_id, title, overview, genres (list), production_companies (list or null),
poster (path relative to the file's folder); optional year, runtime, language, country, director,
cast, keywords, tagline, key. Bad lines are skipped and counted by reason, never fatal.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ..records import Dataset, Movie
from ._common import (
    check_file,
    clean_names,
    clean_str,
    has_bad_bytes,
    log,
    resolve_poster,
    stable_key,
    to_float,
    to_int,
    unique_movies,
)


def _names(v, field: str):
    """A list of names (strings or {"name": ...} objects); None stays None (= unknown)."""
    if v is None:
        return None
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list):
        raise ValueError(f"bad {field}")
    return clean_names(x.get("name") if isinstance(x, dict) else x for x in v)


def movie_from_obj(obj: dict, poster_root: Path | None, issues: Counter) -> Movie:
    """One record from a JSON object; ValueError(reason) when the row cannot be used."""
    imdb = clean_str(obj.get("imdb_id"))
    tmdb = to_int(obj.get("tmdb_id"))
    title = clean_str(obj.get("title"))
    key = clean_str(obj.get("key")) or imdb or (f"tmdb{tmdb}" if tmdb is not None else None)
    if key is None:
        if not title and not clean_str(obj.get("overview")):
            raise ValueError("no id, title or overview")
        key = stable_key(title, obj.get("overview"), obj.get("year"))
    genres = _names(obj.get("genres"), "genres") or ()
    poster, why = resolve_poster(poster_root, obj.get("poster"))
    if why:
        issues[why] += 1
        log.warning("%s: %s (%r)", key, why, obj.get("poster"))
    return Movie(
        key=key,
        title=title,
        overview=clean_str(obj.get("overview")),
        companies=_names(obj.get("production_companies", obj.get("companies")), "production_companies"),
        genres=genres,
        poster=poster,
        imdb_id=imdb,
        tmdb_id=tmdb,
        year=to_int(obj.get("year")),
        runtime=to_float(obj.get("runtime")),
        language=clean_str(obj.get("language", obj.get("original_language"))),
        country=clean_str(obj.get("country")),
        director=clean_str(obj.get("director")),
        writer=clean_str(obj.get("writer")),
        cast=_names(obj.get("cast"), "cast"),
        keywords=_names(obj.get("keywords"), "keywords"),
        tagline=clean_str(obj.get("tagline")),
    )


def read_jsonl(path: Path, posters: Path | None = None) -> Dataset:
    """Read a JSONL file; posters resolve against ``posters`` or else the file's folder."""
    root = (posters or path.parent).resolve()
    skipped, issues = Counter(), Counter()
    movies = unique_movies(iter_jsonl(path, root, skipped, issues), skipped)
    return Dataset(movies, str(path), root, skipped, issues)


def iter_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of the non-blank lines, read as a stream (memory does not grow with
    the file). Bytes that are not UTF-8 become lone surrogates, so ``has_bad_bytes`` can skip the row."""
    check_file(path)
    with path.open("rb") as f:
        for n, raw in enumerate(f, 1):
            line = raw.decode("utf-8-sig" if n == 1 else "utf-8", errors="surrogateescape")
            if line.strip():
                yield n, line


def iter_jsonl(path: Path, root: Path, skipped: Counter, issues: Counter) -> Iterator[Movie | None]:
    """One ``Movie`` (or ``None`` for a row counted in ``skipped``) per non-blank line, streamed."""
    for n, line in iter_lines(path):
        yield row_movie(path.name, n, line, root, skipped, issues)


def row_movie(name: str, n: int, line: str, root: Path, skipped: Counter, issues: Counter) -> Movie | None:
    """One JSONL line → a Movie, or None after counting why it was skipped."""
    if has_bad_bytes(line):
        skipped["not utf-8"] += 1
        return None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError:
        skipped["bad json"] += 1
        log.warning("%s:%d: not valid JSON, skipped", name, n)
        return None
    if not isinstance(obj, dict):
        skipped["not an object"] += 1
        return None
    try:
        return movie_from_obj(obj, root, issues)
    except ValueError as e:
        skipped[str(e)] += 1
        log.warning("%s:%d: %s, skipped", name, n, e)
        return None


def count_lines(path: Path) -> int:
    """Non-blank lines of ``path`` (the rows a progress bar expects), counted as a stream."""
    check_file(path)
    with path.open("rb") as f:
        return sum(1 for raw in f if raw.strip())
