"""CSV rows for the Kaggle readers: header checked, broken rows counted instead of fatal.

Rows are cut at ``\\n`` only, and every physical line is accounted for: a row is a movie or a
counted skip, and the lines a quoted line break joins to the row before are counted in
``Dataset.issues`` ("line joined by a quoted line break"). An unbalanced quote would otherwise
swallow every row after it into one giant cell: a row that spans several lines and does not fit the
header is counted as "unbalanced quote" and reading starts again on the next line, so the rows it
swallowed are read one by one. A row may span at most ``MAX_ROW_LINES`` lines (bounds the work).
"""

from __future__ import annotations

import ast
import csv
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import DataError
from ._common import (
    MAX_NAME_BYTES,
    ascii_id,
    has_bad_bytes,
    log,
    read_text,
    resolve_poster,
    unique_movies,
)
from ._common import (
    names_of as names_of,  # re-exported: the readers import it from here
)

csv.field_size_limit(2**27)  # overview cells can be long; the default 128 KB is not enough for odd rows
IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp")
MAX_LITERAL = 200_000  # a genres/companies cell longer than this is garbage, not a list
MAX_ROW_LINES = 64  # real rows have a few quoted line breaks at most
JOINED = "line joined by a quoted line break"


class _Lines:
    """Physical lines from ``start``, at most ``MAX_ROW_LINES`` for the row being read."""

    def __init__(self, lines: list[str], start: int):
        self.lines, self.i, self.row_start = lines, start, start

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.i >= len(self.lines) or self.i - self.row_start >= MAX_ROW_LINES:
            raise StopIteration
        self.i += 1
        return self.lines[self.i - 1]


def _records(lines: list[str], start: int, width: int | None) -> Iterator[tuple[int, int, list | None, str]]:
    """``(first line, lines used, cells | None, reason)`` of each record from line ``start``.

    ``reason`` is "" for a record to use, else why it is skipped. With ``width`` (the header's), a
    record spanning several lines that does not have ``width`` cells is an unbalanced quote: its
    first line is reported as such and parsing restarts on the line after it.
    """
    i = start
    while i < len(lines):
        feed = _Lines(lines, i)
        reader = csv.reader(feed)
        restart = None
        while feed.i < len(lines):
            feed.row_start = feed.i
            try:
                cells, reason = next(reader), ""
            except StopIteration:
                break
            except csv.Error as e:
                cells, reason = None, f"unparseable csv ({str(e).split(' - ')[0]})"
            first, used = feed.row_start, feed.i - feed.row_start
            misfit = cells is not None and width is not None and len(cells) != width and not _blank(cells)
            if used > 1 and (reason or misfit or used >= MAX_ROW_LINES):
                yield first, 1, None, "unbalanced quote"
                restart = first + 1
                break
            yield first, used, cells, reason
        if restart is None:
            return
        i = restart


def _blank(cells: list[str]) -> bool:
    return all(not c.strip() for c in cells)


def csv_rows(
    path: Path, required: set[str], skipped: Counter, issues: Counter | None = None
) -> Iterator[dict[str, str]]:
    """Rows of ``path`` as dicts. Raises DataError when ``required`` columns are missing or a column
    name is given twice; counts and skips rows with the wrong number of cells, undecodable bytes,
    broken quoting or a parse error (truncated file)."""
    issues = Counter() if issues is None else issues
    parts = read_text(path).split("\n")
    lines = [line + "\n" for line in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    header, start = None, 0
    for first, used, cells, _ in _records(lines, 0, None):
        if cells and not _blank(cells):
            header, start = cells, first + used
            break
    if header is None:
        raise DataError(f"{path}: no CSV header")
    header = [h.strip() for h in header]
    missing = sorted(required - set(header))
    if missing:
        shown = ", ".join(h[:40] for h in header[:12])
        raise DataError(f"{path}: missing column(s) {', '.join(missing)} (has {shown})")
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:  # dict(zip(...)) would keep the last silently
        raise DataError(
            f"{path}: column(s) {', '.join(repr(h[:40]) for h in twice)} appear twice in the header"
        )
    for first, used, cells, reason in _records(lines, start, len(header)):
        joined = sum(1 for line in lines[first + 1 : first + used] if line.strip())
        if joined:
            issues[JOINED] += joined
        if reason:
            skipped[reason] += 1
            log.debug("%s line %d: %s; skipped", path.name, first + 1, reason)
            continue
        if not cells or _blank(cells):
            if lines[first].strip():
                skipped["empty row"] += 1
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

    Blank → None (unknown). Raises ValueError when the cell is not a list (or is too long, too
    deeply nested, or holds a number beyond Python's int-string limit).
    """
    if cell is None or not cell.strip() or cell.strip().lower() == "nan":
        return None
    if len(cell) > MAX_LITERAL:
        raise ValueError("cell too long")
    try:
        v = ast.literal_eval(cell) if python else json.loads(cell)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):  # JSONDecodeError too
        raise ValueError("not a list") from None
    if not isinstance(v, list):
        raise ValueError("not a list")
    return v


class PosterFolder:
    """Posters in one folder, found by file stem (TMDB id, IMDb id or the poster_path name).

    The folder is the user's: it may be a symlink (to another disk), and so may the files in it.
    """

    def __init__(self, root: Path | None):
        self.root = Path(root).absolute() if root else None
        self._by_stem: dict[str, str] = {}
        if self.root:
            try:
                with os.scandir(self.root) as it:
                    for e in it:
                        p = Path(e.name)
                        if p.suffix.lower() in IMAGE_EXTS:
                            self._by_stem.setdefault(p.stem, e.name)
            except OSError as e:
                raise DataError(f"{self.root}: poster folder cannot be listed ({e.strerror})") from None

    def find(self, *names: str | None) -> tuple[str | None, str | None]:
        """(absolute path, None) for the first name with a file; (None, reason) when refused or, with a
        poster folder, when no file matches ("poster file missing": counted, never silent)."""
        if not self.root:
            return None, None
        for name in names:
            if not name or len(name) > 4 * MAX_NAME_BYTES:
                continue
            stem = Path(name.replace("\\", "/")).name  # poster_path is "/abc.jpg": keep the file name only
            fname = self._by_stem.get(Path(stem).stem) if Path(stem).suffix else self._by_stem.get(stem)
            if fname:
                return resolve_poster(self.root, fname)
        return None, "poster file missing"


def read_csv_movies(path: Path, posters: Path | None, required: set[str], make_movie: Callable):
    """The Dataset of a CSV source: ``make_movie(row, folder, skipped, issues)`` builds one Movie or
    returns None after counting why; later rows with a key already seen are counted, not kept."""
    from ..records import Dataset

    skipped, issues = Counter(), Counter()
    folder = PosterFolder(posters)
    rows = csv_rows(path, required, skipped, issues)
    movies = unique_movies((make_movie(row, folder, skipped, issues) for row in rows), skipped)
    return Dataset(movies, str(path), folder.root, skipped, issues)


def tmdb_id_of(row: dict, skipped: Counter) -> int | None:
    """The row's TMDB ``id`` (ASCII digits, at most 12); None, counted as "malformed id", for anything
    else (the date-in-id rows of the full file, "٣", "²", a 5,000-digit number)."""
    tmdb = ascii_id(row["id"])
    if tmdb is None:
        skipped["malformed id"] += 1
    return tmdb
