"""Turn a movies file plus a downloaded poster folder into the project's JSONL schema.

Every command reads JSONL whose ``poster`` paths are relative to the file's folder (the schema
of ``../shared/data/movies/movies.jsonl``), so this is the bridge from a Kaggle download to
``train``/``experiment``/``evaluate`` whatever options they take. Reading goes through the data
area's ``read_movies`` (same skips, same poster matching by TMDB id).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from ..errors import DataError
from ..files import write_text


def movie_to_obj(movie, root: Path) -> dict:
    """One JSON object in the movies.jsonl schema; ``poster`` relative to ``root`` (or null)."""
    poster = None
    if movie.poster:  # both absolute without resolving symlinks: a linked poster folder stays inside root
        poster = Path(os.path.abspath(movie.poster)).relative_to(root).as_posix()
    obj = {
        "key": movie.key,
        "imdb_id": movie.imdb_id,
        "tmdb_id": movie.tmdb_id,
        "title": movie.title,
        "overview": movie.overview,
        "genres": list(movie.genres),
        "production_companies": None if movie.companies is None else list(movie.companies),
        "poster": poster,
    }
    for field in ("year", "runtime", "language", "country", "director", "writer"):
        if getattr(movie, field, None) is not None:
            obj[field] = getattr(movie, field)
    for field in ("cast", "keywords"):
        if getattr(movie, field, None) is not None:
            obj[field] = list(getattr(movie, field))
    return obj


def export_jsonl(
    data: str | Path, posters: Path, out: Path, fmt: str | None = None, require_poster: bool = False
) -> dict:
    """Write ``out`` (JSONL) from ``data`` with posters from ``posters``; returns counts.

    ``posters`` must lie inside ``out``'s folder: the JSONL reader refuses paths that escape it.
    """
    from ..data import read_movies

    out = Path(out)
    # compared as written, symlinks not resolved: ``<root>/posters`` may link to another disk
    root = Path(os.path.abspath(out.parent))
    posters = Path(os.path.abspath(posters))
    if not posters.is_dir():
        raise DataError(f"{posters}: poster folder does not exist")
    if root != posters and root not in posters.parents:
        raise DataError(
            f"the poster folder {posters} must be inside the folder of --out ({root}), "
            "because poster paths in JSONL are relative to the file (a symlink there to the "
            f"folder works: ln -s {posters} {root}/posters)"
        )
    ds = read_movies(data, fmt, posters)
    counts = Counter()
    lines = []
    for m in ds:
        if require_poster and not m.poster:
            counts["left out: no poster"] += 1
            continue
        counts["with poster" if m.poster else "without poster"] += 1
        lines.append(json.dumps(movie_to_obj(m, root), ensure_ascii=False))
    root.mkdir(parents=True, exist_ok=True)
    write_text(out, "".join(line + "\n" for line in lines))
    return {
        "movies": len(lines),
        **counts,
        "rows_skipped": dict(ds.skipped),
        "issues": dict(getattr(ds, "issues", {}) or {}),
    }
