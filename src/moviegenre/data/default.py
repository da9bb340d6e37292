"""The embedded default: the CC0 Wikidata movie table inside the ``bokeh_sampledata`` package.

The SQLite file ``bokeh_sampledata/_data/movies.db`` is read directly (bokeh is never imported):
tables ``omdb`` and ``tomatoes`` joined on ``ID``; 17,472 movies, comma-separated ``Genre`` over 21
genres, ``Production`` (companies) for about 9,100. No plot and no poster. Key = IMDb id; the two
IMDb ids shared by two rows (a film and its re-cut) give the later row ``wd<ID>``.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from ..errors import DataError
from ..records import Dataset, Movie
from ._common import clean_str, genre_names, has_bad_bytes, to_float, to_int

PACKAGE = "bokeh_sampledata"
# company names that contain ", Inc." etc.: glue the suffix back instead of making it a company
_SUFFIXES = {"inc", "inc.", "llc", "l.l.c.", "ltd", "ltd.", "co.", "s.a.", "gmbh", "corp."}
_QUERY = """
SELECT o.ID, o.imdbID, o.Title, o.Year, o.Runtime, o.Genre, o.Director, o.Writer, o.Cast,
       o.Language, o.Country, t.Production
FROM omdb o LEFT JOIN tomatoes t ON o.ID = t.ID
ORDER BY o.ID
"""


def default_db_path() -> Path:
    """Where ``movies.db`` is, found via import metadata without importing the package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DataError(
            f"the embedded default needs the {PACKAGE} package: "
            "pip install 'moviegenre[data]' (or pass --data PATH)"
        )
    for loc in spec.submodule_search_locations:
        p = Path(loc) / "_data" / "movies.db"
        if p.is_file():
            return p
    raise DataError(f"{PACKAGE} is installed but has no _data/movies.db (need version 2026.1)")


def split_list(s: str | None) -> tuple[str, ...] | None:
    """ "A, B, C" → ("A", "B", "C"); None/blank → None."""
    s = clean_str(s)
    if s is None:
        return None
    out: list[str] = []
    for part in (p.strip() for p in s.split(",")):
        if not part:
            continue
        if out and part.lower() in _SUFFIXES:
            out[-1] = f"{out[-1]}, {part}"
        elif part not in out:
            out.append(part)
    return tuple(out)


def read_default(path: Path | None = None) -> Dataset:
    """Read the Wikidata table (``path``: a movies.db; default: the one in bokeh_sampledata)."""
    path = Path(path) if path else default_db_path()
    if path.is_dir():
        raise DataError(f"{path} is a directory, expected a SQLite file")
    try:
        # immutable=1: a read-only site-packages must not stop us, and nothing is ever written
        uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"  # a "?" or "#" in a name is text
        con = sqlite3.connect(uri, uri=True)
        # undecodable text becomes lone surrogates: that row is counted and skipped, not the whole file
        con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
        try:
            rows = con.execute(_QUERY).fetchall()
        finally:
            con.close()
    except sqlite3.Error as e:
        raise DataError(f"{path}: not the Wikidata movie table ({e})") from None
    movies, seen, skipped, issues = [], set(), Counter(), Counter()
    for wid, imdb, title, year, runtime, genre, director, writer, cast, language, country, production in rows:
        if wid is None:
            skipped["missing ID"] += 1
            continue
        values = (imdb, title, year, runtime, genre, director, writer, cast, language, country, production)
        if any(isinstance(v, bytes) for v in values):
            skipped["not text"] += 1
            continue
        if has_bad_bytes(*values):
            skipped["not utf-8"] += 1
            continue
        imdb = clean_str(imdb)
        key = imdb if imdb and imdb not in seen else f"wd{wid}"
        if key in seen:
            skipped["duplicate key"] += 1
            continue
        seen.add(key)
        countries = split_list(country)
        movies.append(
            Movie(
                key=key,
                title=clean_str(title),
                genres=genre_names(split_list(genre) or (), issues),
                companies=split_list(production),
                imdb_id=imdb,
                year=to_int(year),
                runtime=to_float(runtime),
                director=clean_str(director),
                writer=clean_str(writer),
                cast=split_list(cast),
                language=(split_list(language) or (None,))[0],
                country=countries[0] if countries else None,
            )
        )
    return Dataset(movies, "default", None, skipped, issues)
