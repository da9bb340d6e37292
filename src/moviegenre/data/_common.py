"""Helpers every reader shares: safe poster paths, text decoding, strict value cleaners.

Readers trust nothing in a data file: ids are ASCII digits of a bounded length, numbers are ASCII
and finite, text fields are text (a list or a number is not a title), genre names are checked one
by one (``genre_names``: an invalid entry is counted in ``Dataset.issues``, never a label), and a
poster path a row names must stay inside the poster folder *by name* (no ``..``, no absolute path
elsewhere). The folder itself and any symlink in it are the user's own disk layout and are
followed (a poster folder that is a symlink to another disk works).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import stat
import unicodedata
from pathlib import Path

from ..errors import DataError

log = logging.getLogger("moviegenre.data")

MAX_KEY_CHARS = 256  # a movie key longer than this is garbage (and would bloat every output row)
MAX_NAME_BYTES = 255  # one path component (NAME_MAX on Linux file systems)
MAX_PATH_CHARS = 4096
MAX_GENRE_CHARS = 64
MAX_NAME_CHARS = 500  # a company, person or keyword
MAX_DEPTH = 32  # a JSON row nested deeper than this is not a movie
# every reason resolve_poster / PosterFolder give starts with "poster" (Dataset.issues → poster summary)
POSTER_ISSUE_PREFIX = "poster"

_INT = re.compile(r"[+-]?[0-9]{1,18}")
_FLOAT = re.compile(r"[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})(?:[eE][+-]?[0-9]{1,4})?")
_SEPARATORS = re.compile(r"[,;|]")


def resolve_poster(root: Path | None, rel) -> tuple[str | None, str | None]:
    """An absolute poster path under ``root`` for the name ``rel`` a data row gives, or ``(None, reason)``.

    The name is checked as text: relative (or absolute but lexically inside ``root``), no ``..``
    component, no NUL, each component within the OS limit. What it reaches on disk is followed like
    any path the user names (symlinks included), and must be a regular file: a FIFO or a device
    named as a poster is refused here, before anything opens it.
    Returns ``(path, None)`` on success, ``(None, None)`` when there is no poster at all.
    """
    if rel is None or (isinstance(rel, str) and not rel.strip()):
        return None, None
    if not isinstance(rel, str):
        return None, "poster path not a string"
    if root is None:
        return None, "poster named but no poster folder"
    base = Path(os.path.abspath(root))
    if "\x00" in rel or len(rel) > MAX_PATH_CHARS:
        return None, "poster path invalid"
    p = Path(rel)
    if ".." in p.parts:
        return None, "poster path escapes folder"
    if p.is_absolute():
        if not p.is_relative_to(base):
            return None, "poster path escapes folder"
        p = p.relative_to(base)
    try:
        if any(len(os.fsencode(part)) > MAX_NAME_BYTES for part in p.parts):
            return None, "poster path too long"
    except UnicodeEncodeError:
        return None, "poster path invalid"
    full = base / p
    try:
        st = os.stat(full)
    except (FileNotFoundError, NotADirectoryError):
        return None, "poster file missing"
    except (OSError, ValueError):  # ENAMETOOLONG, ELOOP, EACCES, ...
        return None, "poster path invalid"
    if not stat.S_ISREG(st.st_mode):
        return None, "poster not a regular file"
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
    with open(path, "rb") as f:  # a regular file (checked): its size is what we read
        data = f.read()
    return data.decode("utf-8-sig", errors="surrogateescape")


def lines_of(text: str) -> list[str]:
    """Physical lines split on ``\\n`` only (a trailing ``\\r`` dropped): U+2028, U+0085, form feeds
    and other characters ``str.splitlines`` treats as line ends are text inside a row."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def has_bad_bytes(*values) -> bool:
    """True when any string holds an undecodable byte or a lone surrogate (``"\\ud800"`` in JSON)."""
    for v in values:
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return True
    return False


def check_file(path: Path) -> None:
    """One-line errors for the usual mistakes: missing, a directory, a pipe or device, empty."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as e:
        raise DataError(f"{path}: cannot be read ({e.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError(f"{path} is a directory, expected a file")
    if not stat.S_ISREG(st.st_mode):
        raise DataError(f"{path} is not a regular file (a pipe or a device?); give a file")
    if st.st_size == 0:
        raise DataError(f"{path} is empty")


def clean_str(v) -> str | None:
    """Stripped text, or None for missing / blank / NaN."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    s = str(v).replace("\x00", "").strip()  # NUL bytes break downstream tokenisers and terminals
    return s or None


def text_of(v, field: str, issues, *, numbers: bool = False) -> str | None:
    """A text field of a JSON row: a string (stripped; blank → None). A number is text only where
    ``numbers`` (a title such as 1917); a list, an object or a bool is junk, counted in ``issues``."""
    if v is None:
        return None
    if isinstance(v, str):
        return clean_str(v)
    if numbers and isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        return clean_str(v)
    issues[f"{field} not text"] += 1
    return None


def clean_names(items) -> tuple[str, ...]:
    """Unique non-blank names in source order."""
    out: dict[str, None] = {}
    for it in items:
        s = clean_str(it)
        if s:
            out.setdefault(s, None)
    return tuple(out)


def names_of(items, field: str = "name", issues=None) -> tuple[str, ...] | None:
    """Unique names (companies, cast, keywords) from strings or ``{"name": ...}`` objects; None stays
    None. An entry that is not text (a number, a nested list) or absurdly long is counted in
    ``issues`` (when given), never stringified."""
    if items is None:
        return None
    out: dict[str, None] = {}
    for it in items:
        name = it.get("name") if isinstance(it, dict) else it
        s = clean_str(name) if isinstance(name, str) else None
        why = (
            "not text" if not isinstance(name, str) else "too long" if s and len(s) > MAX_NAME_CHARS else None
        )
        if why:
            if issues is not None:
                issues[f"invalid {field} entry: {why}"] += 1
            continue
        if s:
            out.setdefault(s, None)
    return tuple(out)


def genre_problem(name) -> str | None:
    """Why ``name`` cannot be a genre label, or None when it can."""
    if not isinstance(name, str):
        return "not text"
    s = name.strip()
    if not s:
        return "blank"
    if len(s) > MAX_GENRE_CHARS:
        return "too long"
    if _SEPARATORS.search(s):
        return "several genres in one entry"
    if any(unicodedata.category(c)[0] == "C" or unicodedata.category(c) in ("Zl", "Zp") for c in s):
        return "control characters"
    if not any(c.isalpha() for c in s):
        return "no letters"
    return None


def genre_names(items, issues) -> tuple[str, ...]:
    """Valid genre names of ``items`` (strings or ``{"name": ...}`` objects), unique, in order.

    ``"Action, Drama"`` (several genres in one entry), a number, a nested list, a blank or an
    overlong name is not a label: each is counted in ``issues`` as ``"invalid genre: <why>"``.
    """
    out: dict[str, None] = {}
    for it in items:
        name = it.get("name") if isinstance(it, dict) else it
        why = genre_problem(name)
        if why:
            issues[f"invalid genre: {why}"] += 1
            continue
        out.setdefault(name.strip(), None)
    return tuple(out)


def to_int(v) -> int | None:
    """A whole number from an int, an integral float or ASCII text ("1995", "1995.0"); anything else
    (non-ASCII digits such as "٣" or "²", 5,000-digit numbers, bools) is None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v if abs(v) < 10**18 else None
    f = to_float(v)
    return int(f) if f is not None and f.is_integer() and abs(f) < 1e18 else None


def to_float(v) -> float | None:
    """A finite float from a number or ASCII decimal text; None otherwise."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return float(v) if abs(v) < 10**300 else None
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if not isinstance(v, str):
        return None
    s = v.strip()
    if len(s) > 80 or not _FLOAT.fullmatch(s):
        return None
    f = float(s)
    return f if math.isfinite(f) else None


def ascii_id(v, max_digits: int = 12) -> int | None:
    """A positive id of ASCII digits only ("19995"), at most ``max_digits`` long; else None."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v if 0 <= v < 10**max_digits else None
    if not isinstance(v, str):
        return None
    s = v.strip()
    if not (0 < len(s) <= max_digits and s.isascii() and s.isdigit()):
        return None
    return int(s)


def in_range(v, lo: float, hi: float):
    """``v`` when ``lo <= v <= hi``, else None (a year of 99999 is junk, not metadata)."""
    return v if v is not None and lo <= v <= hi else None


def year_of(date: str | None) -> int | None:
    """Year of an ISO date ("1995-10-30") or a bare year."""
    if not date:
        return None
    y = to_int(str(date).strip()[:4])
    return y if y and 1800 < y < 2200 else None


def stable_key(*parts) -> str:
    """A key that depends only on the row's content, so it is the same on every machine."""
    h = hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8", "surrogatepass"))
    return "h" + h.hexdigest()[:12]
