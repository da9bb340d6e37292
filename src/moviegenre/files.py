"""Writing files safely: every file the program writes appears whole or not at all.

``atomic_path(path)`` yields a temporary sibling to write to; on success it gets the user's umask
permissions (like any file a program creates) and is renamed over ``path``; on failure it is
removed. ``write_text`` / ``write_json`` are the common cases; ``jsonable`` turns numpy values into
JSON ones (NaN/inf → null: JSON has neither).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np


def umask() -> int:
    """The process umask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Permissions of a new file under the user's umask (0o644 under the usual 022)."""
    return 0o666 & ~umask()


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside ``path``; renamed to ``path`` when the block ends without error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        tmp.chmod(file_mode())  # mkstemp makes 0600; the result is a file like any other
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> Path:
    """``text`` (UTF-8) to ``path``, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
    return Path(path)


def write_json(path: str | Path, obj, *, indent: int | None = 1, sort_keys: bool = False) -> Path:
    """``obj`` (numpy values allowed) as JSON to ``path``, atomically."""
    text = json.dumps(jsonable(obj), indent=indent, sort_keys=sort_keys, ensure_ascii=False) + "\n"
    return write_text(path, text)


def jsonable(x):
    """numpy scalars/arrays → Python; NaN/inf → None (JSON has neither)."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
