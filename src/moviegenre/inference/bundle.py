"""The bundle: a folder holding everything prediction needs, and nothing that needs torch to run.

```
bundle.json            format, bundle_version, model name, created_at, quantize (null | "int8"),
                       library versions, inputs, views, per view the encoder (name, version, dim,
                       network), the networks' files by role, the GenreNet graph, and every file's
                       size and sha256
config.json            the ClassifierConfig
labels.json            ordered genres, per-genre thresholds, the genre vocabulary
vocab.json             fitted encoder state per view (vocabularies, TF-IDF idf, scalers)
metrics.json           the model's reports (validation, test) at export time
genrenet.onnx          the whole GenreNet (input norms + fusion): x0..x{V-1} float32 [B, D_v],
                       mask bool [B, V] → logits float32 [B, G] (+ weights float32 [B, V])
networks/<id>.onnx     each pretrained network the encoders run, e.g. minilm-l6-v2, efficientnet-lite0-224x160
networks/<id>.tokenizer.json
```

``read_bundle(folder)`` checks it before anything runs: the format and version, every file listed
(a plain relative name that stays inside the folder, even through symlinks), its size and sha256.
A tampered or truncated bundle is one ``ModelError`` line naming the file; no name in a bundle can
choose a path outside it.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelError

FORMAT = "moviegenre-bundle"
BUNDLE_VERSION = 1
BUNDLE_FILE = "bundle.json"
DOCS = ("config.json", "labels.json", "vocab.json")  # required besides bundle.json
MAX_JSON_BYTES = 256 * 2**20
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")  # one path part; no "..", no hidden files


def is_bundle(path: str | Path) -> bool:
    """Whether ``path`` is a folder with a ``bundle.json`` (checked properly by ``read_bundle``)."""
    return (Path(path) / BUNDLE_FILE).is_file()


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def inside(folder: Path, name) -> Path:
    """``folder / name`` for a plain relative ``name`` ("a/b.onnx") that stays inside ``folder``."""
    parts = name.split("/") if isinstance(name, str) else []
    if not parts or not all(_NAME.fullmatch(p) for p in parts):
        raise ModelError(f"{folder}/{BUNDLE_FILE}: {name!r} is not a file name inside the bundle")
    path = folder.joinpath(*parts)
    if not path.resolve().is_relative_to(folder.resolve()):
        raise ModelError(f"{path} points outside the bundle {folder}")
    return path


def read_json(path: Path) -> dict:
    """A JSON object from ``path``; a one-line ``ModelError`` naming it otherwise."""
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            raise ModelError(f"{path} is larger than {MAX_JSON_BYTES // 2**20} MB; refusing to read it")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, RecursionError) as e:
        raise ModelError(f"{path} cannot be read ({type(e).__name__})") from None
    except json.JSONDecodeError as e:
        raise ModelError(f"{path} is not valid JSON ({e.msg} at line {e.lineno})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{path}: expected a JSON object")
    return data


@dataclass
class Bundle:
    """A checked bundle: its folder, ``bundle.json`` (``spec``) and the JSON documents by file name."""

    folder: Path
    spec: dict
    docs: dict[str, dict]

    def path(self, name: str) -> Path:
        """The checked path of a file the bundle lists."""
        if name not in self.spec["files"]:
            raise ModelError(f"{self.folder}/{BUNDLE_FILE}: {name!r} is not among the bundle's files")
        return inside(self.folder, name)

    def network_files(self, network: str) -> dict[str, Path]:
        """``{role: path}`` of one pretrained network (``{"graph": ..., "tokenizer": ...}``)."""
        roles = self.spec["networks"].get(network)
        if not isinstance(roles, dict) or "graph" not in roles:
            raise ModelError(f"{self.folder}/{BUNDLE_FILE}: network {network!r} has no graph")
        return {str(role): self.path(name) for role, name in roles.items()}


def _check_files(folder: Path, files) -> None:
    if not isinstance(files, dict) or not files:
        raise ModelError(f"{folder}/{BUNDLE_FILE}: no list of files")
    for name, entry in files.items():
        path = inside(folder, name)
        if not path.is_file():
            raise ModelError(f"{path} is missing from the bundle")
        try:
            size, digest = int(entry["bytes"]), str(entry["sha256"])
        except (KeyError, TypeError, ValueError):
            raise ModelError(f"{folder}/{BUNDLE_FILE}: no size and sha256 for {name}") from None
        if path.stat().st_size != size:
            raise ModelError(
                f"{path} has {path.stat().st_size} bytes, the bundle lists {size}: tampered or truncated"
            )
        if sha256_of(path) != digest:
            raise ModelError(f"{path} does not match its sha256 in {BUNDLE_FILE}: tampered or corrupt")


def read_bundle(folder: str | Path) -> Bundle:
    """The checked bundle at ``folder`` (see the module doc); ``ModelError`` naming the bad file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"bundle folder not found: {folder}")
    spec = read_json(folder / BUNDLE_FILE)
    if spec.get("format") != FORMAT:
        raise ModelError(f"{folder}/{BUNDLE_FILE}: not a moviegenre bundle (format {spec.get('format')!r})")
    if spec.get("bundle_version") != BUNDLE_VERSION:
        raise ModelError(
            f"{folder} is a bundle of version {spec.get('bundle_version')!r}; this moviegenre reads version "
            f"{BUNDLE_VERSION} only: export it again with this version (moviegenre export)"
        )
    for key, kind in (
        ("views", list),
        ("inputs", list),
        ("encoders", dict),
        ("networks", dict),
        ("genrenet", dict),
    ):
        if not isinstance(spec.get(key), kind):
            raise ModelError(f"{folder}/{BUNDLE_FILE}: {key!r} missing or malformed")
    _check_files(folder, spec.get("files"))
    missing = [d for d in (*DOCS, spec["genrenet"].get("file")) if d not in spec["files"]]
    if missing:
        raise ModelError(f"{folder} is not a complete bundle (missing {', '.join(map(str, missing))})")
    docs = {d: read_json(inside(folder, d)) for d in DOCS}
    if "metrics.json" in spec["files"]:
        docs["metrics.json"] = read_json(inside(folder, "metrics.json"))
    return Bundle(folder, spec, docs)
