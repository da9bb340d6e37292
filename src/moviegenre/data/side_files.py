"""Keywords and credits kept in side files, joined onto movies by TMDB id.

- The Movies Dataset's ``keywords.csv``: ``id`` (TMDB id), ``keywords`` (a Python-literal list of
  ``{'id', 'name'}``); the original repeats some ids.
- The Movies Dataset's ``credits.csv``: ``cast``, ``crew`` (Python-literal lists of dicts: cast
  ``name``, ``order``; crew ``name``, ``job``), ``id``.
- TMDB-5000's ``tmdb_5000_credits.csv``: ``movie_id``, ``title``, ``cast``, ``crew`` as JSON strings.

A side file only fills what a movie does not know yet (``None``): keywords, director (the first crew
member whose job is Director), cast (up to ``MAX_CAST`` names in billing order). Rows that cannot be
used (a malformed id, a cell that is not a list) are counted as issues of the dataset
(``"<file kind>: <reason>"``), never fatal; a missing file or missing columns is a ``DataError``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

from ..errors import DataError
from ..records import Dataset
from ._csv import csv_rows, names_of, parse_list

MAX_CAST = 5  # as in ../shared/data/movies: the top-billed five
# file name → kind, for side files found beside the movie file without being named
BESIDE = {
    "tmdb5000": {"tmdb_5000_credits.csv": "credits"},
    "movies_metadata": {"keywords.csv": "keywords", "credits.csv": "credits"},
}


def _id_of(row: dict, column: str, issues: Counter, kind: str) -> int | None:
    raw = (row.get(column) or "").strip()
    if not raw.isdigit():
        issues[f"{kind}: malformed id"] += 1
        return None
    return int(raw)


def _list(cell: str | None) -> list | None:
    """A list cell in either dialect: JSON (TMDB-5000) or a Python literal (The Movies Dataset)."""
    try:
        return parse_list(cell, python=False)
    except ValueError:
        return parse_list(cell, python=True)


def read_keywords(path: str | Path, issues: Counter) -> dict[int, tuple[str, ...]]:
    """TMDB id → keyword names from a ``keywords.csv`` (first row of a repeated id wins)."""
    path = Path(path).expanduser()
    skipped: Counter = Counter()
    out: dict[int, tuple[str, ...]] = {}
    for row in csv_rows(path, {"id", "keywords"}, skipped):
        tmdb = _id_of(row, "id", issues, "keywords")
        if tmdb is None:
            continue
        try:
            names = names_of(_list(row["keywords"]))
        except ValueError:
            issues["keywords: bad keywords cell"] += 1
            continue
        if tmdb in out:
            issues["keywords: repeated id"] += 1
            continue
        out[tmdb] = names if names is not None else ()
    for reason, n in skipped.items():
        issues[f"keywords: {reason}"] += n
    return out


def _director(crew: list) -> str | None:
    for person in crew:
        if isinstance(person, dict) and person.get("job") == "Director":
            name = person.get("name")
            if isinstance(name, str) and name.strip():
                return " ".join(name.split())
    return None


def _cast(cast: list) -> tuple[str, ...]:
    def order(item):
        o = item[1].get("order") if isinstance(item[1], dict) else None
        return (o if isinstance(o, int) else 10**6, item[0])  # billing order; file order breaks ties

    billed = [p for _, p in sorted(enumerate(cast), key=order) if isinstance(p, dict)]
    names = names_of(billed) or ()
    return names[:MAX_CAST]


def read_credits(path: str | Path, issues: Counter) -> dict[int, tuple[str | None, tuple[str, ...]]]:
    """TMDB id → (director, cast) from a ``credits.csv`` or ``tmdb_5000_credits.csv``."""
    path = Path(path).expanduser()
    skipped: Counter = Counter()
    with path.open("rb") as f:
        header = f.readline().decode("utf-8-sig", errors="replace").lower()
    id_col = "movie_id" if "movie_id" in header else "id"
    out: dict[int, tuple[str | None, tuple[str, ...]]] = {}
    for row in csv_rows(path, {id_col, "cast", "crew"}, skipped):
        tmdb = _id_of(row, id_col, issues, "credits")
        if tmdb is None:
            continue
        try:
            cast, crew = _list(row["cast"]), _list(row["crew"])
        except ValueError:
            issues["credits: bad cast or crew cell"] += 1
            continue
        if tmdb in out:
            issues["credits: repeated id"] += 1
            continue
        out[tmdb] = (_director(crew or []), _cast(cast or []))
    for reason, n in skipped.items():
        issues[f"credits: {reason}"] += n
    return out


def find_beside(movie_file: Path | None, fmt: str) -> dict[str, Path]:
    """Side files sitting beside ``movie_file`` under their usual names: ``{"credits": path, ...}``."""
    if movie_file is None:
        return {}
    found = {}
    for name, kind in BESIDE.get(fmt, {}).items():
        p = movie_file.parent / name
        if p.is_file() and p != movie_file:
            found[kind] = p
    return found


def join_side_files(
    dataset: Dataset, keywords: str | Path | None = None, credits: str | Path | None = None
) -> Dataset:
    """``dataset`` with keywords / director / cast filled in from side files, by TMDB id (in place).

    Bad side-file rows are counted in ``dataset.issues``; coverage shows in ``moviegenre data info``."""
    for path in (keywords, credits):
        if path is not None and not Path(path).expanduser().is_file():
            raise DataError(f"{path}: no such side file")
    kw = read_keywords(keywords, dataset.issues) if keywords else {}
    cr = read_credits(credits, dataset.issues) if credits else {}
    if not kw and not cr:
        return dataset
    for i, m in enumerate(dataset.movies):
        if m.tmdb_id is None:
            continue
        changes = {}
        if m.keywords is None and m.tmdb_id in kw:
            changes["keywords"] = kw[m.tmdb_id]
        if m.tmdb_id in cr:
            director, cast = cr[m.tmdb_id]
            if m.director is None and director is not None:
                changes["director"] = director
            if m.cast is None:
                changes["cast"] = cast
        if changes:
            dataset.movies[i] = replace(m, **changes)
    return dataset
