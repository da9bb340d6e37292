"""Helpers every reader shares: safe poster paths, text decoding, small value cleaners."""

from __future__ import annotations

import hashlib
import logging
import math
from pathlib import Path

from ..errors import DataError

log = logging.getLogger("moviegenre.data")


def resolve_poster(root: Path | None, rel: str | None) -> tuple[str | None, str | None]:
    """An absolute poster path under ``root`` for ``rel``, or ``(None, reason)``.

    Refuses anything that resolves outside ``root`` (``../../etc/passwd``, absolute paths elsewhere,
    symlinks pointing out) — a data file must not make us read arbitrary files.
    Returns ``(path, None)`` on success, ``(None, None)`` when there is no poster at all.
    """
    if rel is None or (isinstance(rel, str) and not rel.strip()):
        return None, None
    if not isinstance(rel, str):
        return None, "poster path not a string"
    if root is None:
        return None, "no poster folder"
    base = root.resolve()
    try:
        full = (base / rel).resolve()
    except (OSError, RuntimeError, ValueError):
        return None, "poster path invalid"
    if not full.is_relative_to(base):
        return None, "poster path escapes folder"
    if not full.is_file():
        return None, "poster file missing"
    return str(full), None


def unique_movies(candidates, skipped) -> list:
    """The movies of ``candidates`` (``None`` = a row already counted as skipped), first of each key kept;
    later ones with the same key are counted under "duplicate key" in ``skipped``."""
    return list(iter_unique(candidates, skipped))


def iter_unique(candidates, skipped, seen: set | None = None):
    """``unique_movies`` as a stream; ``seen`` (the keys met so far) is the only state it keeps."""
    seen = set() if seen is None else seen
    for m in candidates:
        if m is None:
            continue
        if m.key in seen:
            skipped["duplicate key"] += 1
            continue
        seen.add(m.key)
        yield m


def read_text(path: Path) -> str:
    """The whole file as text. Bytes that are not UTF-8 become lone surrogates so the row that
    holds them can be counted and skipped (see ``has_bad_bytes``) instead of failing the file."""
    check_file(path)
    return path.read_bytes().decode("utf-8-sig", errors="surrogateescape")


def has_bad_bytes(*values) -> bool:
    """True when any string holds an undecodable byte (a surrogate from ``read_text``)."""
    for v in values:
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def check_file(path: Path) -> None:
    """One-line errors for the usual mistakes: missing, a directory, empty."""
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path} is a directory, expected a file")
    if path.stat().st_size == 0:
        raise DataError(f"{path} is empty")


def clean_str(v) -> str | None:
    """Stripped text, or None for missing / blank / NaN."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).replace("\x00", "").strip()  # NUL bytes break downstream tokenisers and terminals
    return s or None


def clean_names(items) -> tuple[str, ...]:
    """Unique non-blank names in source order."""
    out: dict[str, None] = {}
    for it in items:
        s = clean_str(it)
        if s:
            out.setdefault(s, None)
    return tuple(out)


def to_int(v) -> int | None:
    try:
        f = float(str(v).strip())
    except (TypeError, ValueError):
        return None
    return int(f) if math.isfinite(f) and f == int(f) else None


def to_float(v) -> float | None:
    try:
        f = float(str(v).strip())
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def year_of(date: str | None) -> int | None:
    """Year of an ISO date ("1995-10-30") or a bare year."""
    if not date:
        return None
    y = to_int(str(date).strip()[:4])
    return y if y and 1800 < y < 2200 else None


def stable_key(*parts) -> str:
    """A key that depends only on the row's content, so it is the same on every machine."""
    h = hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8", "replace"))
    return "h" + h.hexdigest()[:12]
