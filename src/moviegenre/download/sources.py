"""Which posters to fetch: TMDB ids (and poster paths when known) from a movies file.

Reads Kaggle's ``movies_metadata.csv`` (or any CSV with an ``id`` column, e.g. TMDB-5000) and
JSONL files with ``tmdb_id``. Only two fields matter here, so this is a deliberately small,
forgiving reader: rows with a malformed id (the full Kaggle file has dates in ``id`` and shifted
columns) are counted and skipped, never fatal.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError

log = logging.getLogger("moviegenre.download")

# TMDB poster paths look like "/rhIRbceoE9lR4veEXuwCC2wARtG.jpg"; anything else is not put in a URL
POSTER_PATH = re.compile(r"^/[A-Za-z0-9_-]{1,64}\.(?:jpe?g|png|webp)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PosterJob:
    """One poster to fetch: the TMDB id names the file; ``poster_path`` None means "ask the API"."""

    tmdb_id: int
    poster_path: str | None = None


def clean_poster_path(value: object) -> str | None:
    """A safe TMDB poster path or None (empty, NaN, or anything that could bend the URL)."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if POSTER_PATH.match(value) else None


def _parse_id(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value > 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        n = int(value.strip())
        return n if n > 0 else None
    return None


def _rows_csv(path: Path):
    csv.field_size_limit(sys.maxsize)  # overviews and JSON-ish columns can be long
    with path.open(newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise DataError(f"{path.name}: no 'id' column (columns: {(reader.fieldnames or [])[:8]})")
        for row in reader:
            yield row.get("id"), row.get("poster_path")


def _rows_jsonl(path: Path, skipped: Counter):
    with path.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                skipped["bad json"] += 1
                continue
            if not isinstance(obj, dict):
                skipped["bad json"] += 1
                continue
            yield obj.get("tmdb_id", obj.get("id")), obj.get("poster_path")


def read_jobs(source: str | Path, limit: int | None = None) -> tuple[list[PosterJob], Counter]:
    """Poster jobs from ``source`` (CSV, JSONL, or a folder holding movies.jsonl), first seen id wins.

    Returns ``(jobs, skipped)``: ``skipped`` counts rows dropped by reason (plus kept rows whose
    poster_path was unusable, which the API is asked about instead).
    """
    path = Path(source)
    if path.is_dir():
        path = path / "movies.jsonl"
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    skipped: Counter = Counter()
    rows = _rows_jsonl(path, skipped) if path.suffix.lower() in (".jsonl", ".json") else _rows_csv(path)
    jobs: list[PosterJob] = []
    seen: set[int] = set()
    for raw_id, raw_path in rows:
        tmdb_id = _parse_id(raw_id)
        if tmdb_id is None:
            skipped["malformed id"] += 1
            continue
        if tmdb_id in seen:
            skipped["duplicate id"] += 1
            continue
        seen.add(tmdb_id)
        poster_path = clean_poster_path(raw_path)
        if poster_path is None and isinstance(raw_path, str) and raw_path.strip() not in ("", "nan", "None"):
            skipped["bad poster_path (asking the API)"] += 1  # counted, but the movie is kept
        jobs.append(PosterJob(tmdb_id, poster_path))
        if limit is not None and len(jobs) >= limit:
            break
    if skipped:
        log.warning("%s: %s", path.name, ", ".join(f"{n} {r}" for r, n in sorted(skipped.items())))
    return jobs, skipped
