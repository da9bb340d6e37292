"""Poster files on disk: final names, atomic writes, validity checks and leftovers of killed runs.

A poster is written to ``.<name>.<pid>.part`` in the same folder, fsynced, then renamed over its
final name ``<tmdb_id>.jpg``, so a killed run never leaves a half file under a final name; the
``.part`` files it may leave are removed by the next run (only those whose process is gone).
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from pathlib import Path

from ..data.images import ImageError, open_image

log = logging.getLogger("moviegenre.download")

_PART = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{8}\.part$")


def poster_file(out_dir: Path, tmdb_id: int) -> Path:
    """The file the data readers look for: ``<tmdb_id>.jpg`` (the bytes keep TMDB's own format)."""
    return out_dir / f"{tmdb_id}.jpg"


def check_image(data_or_path: bytes | Path, max_bytes: int) -> str | None:
    """None when the image decodes within the caps, else the short reason it does not."""
    try:
        open_image(data_or_path, max_bytes=max_bytes)
    except ImageError as e:
        return e.reason
    return None


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder + fsync + os.replace."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_parts(out_dir: Path) -> int:
    """Delete ``.part`` files left by runs that no longer exist; returns how many."""
    removed = 0
    for p in out_dir.glob(".*.part"):
        m = _PART.match(p.name)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            p.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("removed %d partial files left by an interrupted run", removed)
    return removed
