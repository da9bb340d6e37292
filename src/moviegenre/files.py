"""Reading and writing files safely: every file the program writes appears whole or not at all.

``atomic_path(path)`` yields a temporary sibling to write to; on success it gets the user's umask
permissions (like any file a program creates) and is renamed over ``path``; on failure it is
removed. ``write_text`` / ``write_json`` are the common cases; ``jsonable`` turns numpy values into
JSON ones (NaN/inf → null: JSON has neither).

``check_output_file`` / ``check_output_dir`` refuse an output path that cannot be written (an
existing folder given as a file, a file given as a folder, a read-only place, a name longer than
the OS allows) before a command starts its work. ``read_json`` reads a JSON file someone else may
have written (a model folder, a split file): bounded size and depth, UTF-8, no field given twice,
no NaN, valid Unicode; anything else is a one-line error naming the file.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .errors import MovieGenreError

MAX_NAME_BYTES = 255  # one path component (NAME_MAX)


def umask() -> int:
    """The process umask (read without changing it for good)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Permissions of a new file under the user's umask (0o644 under the usual 022)."""
    return 0o666 & ~umask()


def dir_mode() -> int:
    """Permissions of a new folder under the user's umask (0o755 under the usual 022)."""
    return 0o777 & ~umask()


def _stat(path: Path, option: str):
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, ValueError) as e:
        raise MovieGenreError(f"{option} {str(path)[:200]}: {getattr(e, 'strerror', None) or e}") from None


def _check_name(path: Path, option: str) -> None:
    try:
        long = [p for p in path.parts if len(os.fsencode(p)) > MAX_NAME_BYTES]
    except UnicodeEncodeError:
        raise MovieGenreError(f"{option}: the path is not valid Unicode") from None
    if long:
        raise MovieGenreError(
            f"{option}: the name {long[0][:40]}... is longer than the OS allows ({MAX_NAME_BYTES} bytes)"
        )
    if "\x00" in str(path):
        raise MovieGenreError(f"{option}: the path holds a NUL character")


def _check_parent(path: Path, option: str) -> None:
    """The nearest existing ancestor of ``path`` must be a folder we can create entries in."""
    parent = Path(os.path.abspath(path)).parent
    while _stat(parent, option) is None and parent != parent.parent:
        parent = parent.parent
    st = _stat(parent, option)
    if st is None or not stat.S_ISDIR(st.st_mode):
        raise MovieGenreError(f"{option} {path}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise MovieGenreError(f"{option} {path}: cannot write in {parent} (permission denied)")


def check_output_file(path: str | Path, option: str = "--out") -> Path:
    """Refuse, before any work, a file path that cannot be written: an existing folder, a pipe or
    device, an unwritable or missing-and-uncreatable folder, a name over the OS limit."""
    path = Path(path).expanduser()
    _check_name(path, option)
    st = _stat(path, option)
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise MovieGenreError(f"{option} {path} is a folder; give a file name")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise MovieGenreError(f"{option} {path} exists and is not a regular file")
    _check_parent(path, option)
    return path


def check_output_dir(path: str | Path, option: str = "--out", *, replace_only: str | None = None) -> Path:
    """Refuse, before any work, a folder path that cannot be written: an existing file, an unwritable
    place, a name over the OS limit. ``replace_only``: the folder is replaced as a whole, so an
    existing non-empty folder must hold this file (a model folder holds ``config.json``)."""
    path = Path(path).expanduser()
    _check_name(path, option)
    st = _stat(path, option)
    if st is None:
        _check_parent(path, option)
        return path
    if not stat.S_ISDIR(st.st_mode):
        raise MovieGenreError(f"{option} {path} exists and is not a folder")
    if replace_only:
        if any(path.iterdir()) and not (path / replace_only).is_file():
            raise MovieGenreError(
                f"{option} {path} exists and is not a model folder; refusing to replace it "
                "(choose another --out)"
            )
        _check_parent(path, option)  # the old folder is swapped out in its parent
    elif not os.access(path, os.W_OK | os.X_OK):
        raise MovieGenreError(f"{option} {path}: cannot write in it (permission denied)")
    return path


@contextlib.contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside ``path``; renamed to ``path`` when the block ends without error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the temp name stays within the OS limit however long the final name is
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:64]}.", suffix=suffix)
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


def replace_between(text: str, begin: str, end: str, body: str) -> str:
    """``text`` with the lines between the marker comments ``begin`` and ``end`` replaced by ``body``
    (how the docs' generated blocks are refreshed); ValueError when a marker is missing or repeated."""
    if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
        raise ValueError(f"markers missing or repeated: {begin} ... {end}")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}\n{end}{tail}"


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


class _JsonProblem(ValueError):
    """Why a JSON document is refused (the message)."""


def _object_pairs(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise _JsonProblem(f"field {k[:60]!r} given twice")
        out[k] = v
    return out


def _no_constant(name: str):
    raise _JsonProblem(f"{name} is not JSON")


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _json_shape_problem(doc, text: str, max_depth: int) -> str | None:
    """Too deep, or a lone surrogate in a string (only looked for when the text has such an escape)."""
    strings = bool(_SURROGATE_ESCAPE.search(text))  # a valid pair is two escapes: checked below
    stack = [(doc, 1)]
    while stack:
        v, depth = stack.pop()
        if depth > max_depth and isinstance(v, dict | list):
            return f"nested deeper than {max_depth} levels"
        if isinstance(v, dict):
            children = [*v.keys(), *v.values()] if strings else v.values()
        elif isinstance(v, list):
            children = v
        else:
            if strings and isinstance(v, str):
                try:
                    v.encode("utf-8")
                except UnicodeEncodeError:
                    return "holds invalid Unicode (a lone surrogate escape)"
            continue
        if strings:
            stack.extend((x, depth + 1) for x in children)
        else:
            stack.extend((x, depth + 1) for x in children if type(x) is dict or type(x) is list)
    return None


def read_json(path: str | Path, *, max_bytes: int, max_depth: int = 32, error=MovieGenreError):
    """The JSON value of ``path`` after refusing what a hostile or damaged file could hold.

    Raises ``error`` (one line naming the file) for: not a regular file, over ``max_bytes``, not
    UTF-8, not JSON, NaN/Infinity, a field given twice, deeper than ``max_depth``, a lone surrogate,
    a number over Python's int-string limit.
    """
    path = Path(path)
    try:
        # O_NONBLOCK: a FIFO named like the file must not hang the open; fstat then refuses it
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as e:
        raise error(f"{path} cannot be read ({getattr(e, 'strerror', None) or e})") from None
    with open(fd, "rb", buffering=0) as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise error(f"{path} is not a regular file")
        try:
            data = f.read(max_bytes + 1)
        except OSError as e:
            raise error(f"{path} cannot be read ({e.strerror})") from None
    if len(data) > max_bytes:
        raise error(f"{path} is over {max_bytes:,} bytes; refusing to read it")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(f"{path} is not UTF-8 text (byte {e.start})") from None
    try:
        doc = json.loads(text, object_pairs_hook=_object_pairs, parse_constant=_no_constant)
    except _JsonProblem as e:
        raise error(f"{path}: {e}") from None
    except json.JSONDecodeError as e:
        raise error(f"{path} is not valid JSON ({e.msg} at line {e.lineno})") from None
    except RecursionError:
        raise error(f"{path}: nested deeper than {max_depth} levels") from None
    except ValueError as e:  # an integer over the 4,300-digit conversion limit
        raise error(f"{path}: {str(e).splitlines()[0][:120]}") from None
    problem = _json_shape_problem(doc, text, max_depth)
    if problem:
        raise error(f"{path}: {problem}")
    return doc
