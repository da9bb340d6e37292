"""CSV rows for the Kaggle readers: header checked, broken rows counted instead of fatal."""

from __future__ import annotations

import ast
import csv
import io
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import DataError
from ._common import has_bad_bytes, log, read_text, resolve_poster, unique_movies

csv.field_size_limit(2**27)  # overview cells can be long; the default 128 KB is not enough for odd rows
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp")
MAX_LITERAL = 200_000  # a genres/companies cell longer than this is garbage, not a list


def csv_rows(path: Path, required: set[str], skipped: Counter) -> Iterator[dict[str, str]]:
    """Rows of ``path`` as dicts. Raises DataError when ``required`` columns are missing; counts and
    skips rows with the wrong number of cells, undecodable bytes, or a parse error (truncated file)."""
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise DataError(f"{path}: no CSV header") from None
    header = [h.strip() for h in header]
    missing = sorted(required - set(header))
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)} (has {', '.join(header[:12])})")
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            skipped["unparseable csv"] += 1
            log.warning("%s line %d: %s; skipped", path.name, reader.line_num, e)
            continue
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            skipped["wrong number of columns"] += 1
            continue
        if has_bad_bytes(*cells):
            skipped["not utf-8"] += 1
            continue
        yield dict(zip(header, cells, strict=True))


def parse_list(cell: str | None, *, python: bool) -> list | None:
    """A list cell: Python literal (``ast.literal_eval``, never ``eval``) or JSON.

    Blank → None (unknown). Raises ValueError when the cell is not a list.
    """
    if cell is None or not cell.strip() or cell.strip().lower() == "nan":
        return None
    if len(cell) > MAX_LITERAL:
        raise ValueError("cell too long")
    try:
        v = ast.literal_eval(cell) if python else json.loads(cell)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError, json.JSONDecodeError):
        raise ValueError("not a list") from None
    if not isinstance(v, list):
        raise ValueError("not a list")
    return v


def names_of(items: list | None) -> tuple[str, ...] | None:
    """``[{"name": ...}, ...]`` → names in order (unique, non-blank); None stays None."""
    if items is None:
        return None
    out: dict[str, None] = {}
    for it in items:
        name = it.get("name") if isinstance(it, dict) else it
        if isinstance(name, str) and name.strip():
            out.setdefault(name.strip(), None)
    return tuple(out)


class PosterFolder:
    """Posters in one folder, found by file stem (TMDB id, IMDb id or the poster_path name)."""

    def __init__(self, root: Path | None):
        self.root = root.resolve() if root else None
        self._by_stem: dict[str, str] = {}
        if self.root:
            with os.scandir(self.root) as it:
                for e in it:
                    p = Path(e.name)
                    if p.suffix.lower() in IMAGE_EXTS:
                        self._by_stem.setdefault(p.stem, e.name)

    def find(self, *names: str | None) -> tuple[str | None, str | None]:
        """(absolute path, None) for the first name with a file; (None, reason) when refused."""
        if not self.root:
            return None, None
        for name in names:
            if not name:
                continue
            stem = Path(name.replace("\\", "/")).name  # poster_path is "/abc.jpg": keep the file name only
            fname = self._by_stem.get(Path(stem).stem) if Path(stem).suffix else self._by_stem.get(stem)
            if fname:
                return resolve_poster(self.root, fname)
        return None, None


def read_csv_movies(path: Path, posters: Path | None, required: set[str], make_movie: Callable):
    """The Dataset of a CSV source: ``make_movie(row, folder, skipped, issues)`` builds one Movie or
    returns None after counting why; later rows with a key already seen are counted, not kept."""
    from ..records import Dataset

    skipped, issues = Counter(), Counter()
    folder = PosterFolder(posters)
    rows = csv_rows(path, required, skipped)
    movies = unique_movies((make_movie(row, folder, skipped, issues) for row in rows), skipped)
    return Dataset(movies, str(path), folder.root, skipped, issues)


def tmdb_id_of(row: dict, skipped: Counter) -> int | None:
    """The row's TMDB ``id``; None (counted as "malformed id") for the date-in-id rows of the full file."""
    raw_id = row["id"].strip()
    if not raw_id.isdigit():
        skipped["malformed id"] += 1
        return None
    return int(raw_id)
