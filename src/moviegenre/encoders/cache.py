"""On-disk feature cache: append-only shards, one folder per encoder name + version.

Layout::

    <cache_dir>/features/<encoder name>@<version>/shard-<time>-<pid>-<rand>.safetensors

A shard holds ``keys`` uint8 [n, 32] (sha256 of the input content), ``features`` float32 [n, D]
and ``present`` uint8 [n] (0 = the input could not be used, e.g. a corrupt image; its reason is
kept in the shard's metadata so counts survive a cache hit). Each batch is written as ONE shard,
to a temp file then ``os.replace``d, so a killed run leaves only whole shards and a restart only
computes what is missing. The index is rebuilt by scanning shards (a few dozen files, not one
file per movie, which is what keeps a fully cached run fast). Duplicates (two processes computing
the same key at once) are harmless: the first shard read wins, and ``compact`` drops them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import threading
import time
from pathlib import Path

import numpy as np

from ..files import file_mode

log = logging.getLogger(__name__)

COMPACT_AT = 200  # shards per folder before merging (single-movie writes would otherwise pile up)
_OPEN: dict[Path, FeatureCache] = {}
_OPEN_LOCK = threading.Lock()


def content_key(content: bytes | str) -> bytes:
    """sha256 of the input content (text as UTF-8, images as their file bytes): 32 bytes.

    Any Python string has a key: a lone surrogate (``"\ud800"`` from a JSON escape) is encoded with
    ``surrogatepass``, so it hashes to its own key instead of raising in the middle of a batch."""
    if isinstance(content, str):
        content = content.encode("utf-8", "surrogatepass")
    return hashlib.sha256(content).digest()


class FeatureCache:
    """Features of one encoder (name + version) keyed by content hash. Loaded lazily, once."""

    def __init__(self, cache_dir: str | Path, namespace: str, dim: int | None = None):
        safe = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in namespace)
        self.dir = Path(cache_dir) / "features" / safe
        self._index: dict[bytes, tuple[np.ndarray, bool, str]] | None = None
        self._read: set[str] = set()  # shard files already in the index
        self._lock = threading.RLock()  # one instance may serve several threads (the service)
        self.writable = True
        self._retain = True
        self._streamed: set[str] = set()  # shards written while not retaining: not read back until then
        self.dim: int | None = dim  # when given, shards of another width are ignored

    @property
    def retain(self) -> bool:
        """False: ``put`` writes shards but keeps no copy in memory (nor reads them back) and
        ``compact`` waits for another run (it would load the whole folder), so a streaming ``embed``
        stays flat however many movies. Set back to True, a lookup reads those shards like any other."""
        return self._retain

    @retain.setter
    def retain(self, value: bool) -> None:
        with self._lock:
            self._retain = value
            if value:
                self._streamed.clear()

    @classmethod
    def shared(cls, cache_dir: str | Path, namespace: str, dim: int | None = None) -> FeatureCache:
        """One instance per folder per process, so many encoders (an ablation) load the shards once."""
        probe = cls(cache_dir, namespace, dim)
        key = probe.dir.resolve()
        with _OPEN_LOCK:
            return _OPEN.setdefault(key, probe)

    # -- reading -------------------------------------------------------------------------------
    def _shards(self) -> list[Path]:
        if not self.dir.is_dir():
            return []
        return sorted(p for p in self.dir.glob("shard-*.safetensors"))

    def _load(self) -> dict:
        if self._index is None:
            self.refresh()
        return self._index

    def refresh(self) -> int:
        """Read shards written since the last look (by another process); returns how many."""
        from safetensors import safe_open

        with self._lock:
            if self._index is None:
                self._index = {}
            return self._refresh_locked(safe_open)

    def _refresh_locked(self, safe_open) -> int:
        index = self._index
        new = [p for p in self._shards() if p.name not in self._read and p.name not in self._streamed]
        for path in new:
            self._read.add(path.name)
            try:
                with safe_open(str(path), framework="numpy") as f:
                    meta = f.metadata() or {}
                    keys, feats, present = (
                        f.get_tensor("keys"),
                        f.get_tensor("features"),
                        f.get_tensor("present"),
                    )
                reasons = json.loads(meta.get("reasons", "{}"))
                n = len(keys)
                if not (
                    keys.shape == (n, 32)
                    and feats.ndim == 2
                    and len(feats) == n
                    and present.shape == (n,)
                    and isinstance(reasons, dict)
                ):
                    raise ValueError("tensor shapes do not fit together")
            except FileNotFoundError:  # merged away by a concurrent compact; its rows live on elsewhere
                continue
            except Exception as e:  # a foreign or damaged file: never trust it, never crash on it
                log.warning("ignoring unreadable cache shard %s (%s)", path.name, e)
                continue
            if self.dim is None:
                self.dim = int(feats.shape[1])
            elif feats.shape[1] != self.dim:
                log.warning("ignoring cache shard %s: dim %d != %d", path.name, feats.shape[1], self.dim)
                continue
            for i, k in enumerate(keys):
                kb = k.tobytes()
                if kb not in index:
                    index[kb] = (feats[i], bool(present[i]), reasons.get(str(i), ""))
        return len(new)

    def __len__(self) -> int:
        return len(self._load())

    def __contains__(self, key: bytes) -> bool:
        return key in self._load()

    def get(self, key: bytes) -> tuple[np.ndarray, bool, str] | None:
        """(features [D], present, skip reason) or None when not cached."""
        return self._load().get(key)

    # -- writing -------------------------------------------------------------------------------
    def put(
        self,
        keys: list[bytes],
        features: np.ndarray,
        present: np.ndarray,
        reasons: dict[int, str] | None = None,
    ):
        """Append one shard atomically. ``features`` float32 [n, D], ``present`` bool [n]."""
        if not keys:
            return
        with self._lock:
            self._put_locked(keys, features, present, reasons)

    def _put_locked(self, keys, features, present, reasons):
        from safetensors.numpy import save_file

        index = self._load()
        fresh = [i for i, k in enumerate(keys) if k not in index]
        # within one batch the same content may appear twice (two movies, same poster)
        seen: set[bytes] = set()
        rows = [i for i in fresh if not (keys[i] in seen or seen.add(keys[i]))]
        if not rows:
            return
        feats = np.ascontiguousarray(features[rows], dtype=np.float32)
        pres = np.asarray(present, dtype=bool)[rows]
        why = {str(j): reasons[i] for j, i in enumerate(rows) if reasons and i in reasons}
        key_arr = np.frombuffer(b"".join(keys[i] for i in rows), dtype=np.uint8).reshape(len(rows), 32)
        if not self.writable:
            return
        try:
            written = self._write(
                {"keys": key_arr, "features": feats, "present": pres.astype(np.uint8)}, why, save_file
            )
        except OSError as e:  # read-only or full disk: keep encoding, just without caching
            self.writable = False
            log.warning("feature cache %s is not writable (%s); continuing without caching", self.dir, e)
            return
        if self.dim is None:
            self.dim = int(feats.shape[1])
        if not self._retain:
            self._streamed.add(written.name)
            return
        self._read.add(written.name)
        for j, i in enumerate(rows):
            index[keys[i]] = (feats[j], bool(pres[j]), why.get(str(j), ""))

    def _write(self, tensors: dict, reasons: dict, save_file) -> Path:
        self.dir.mkdir(parents=True, exist_ok=True)
        name = f"shard-{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(3)}.safetensors"
        final = self.dir / name
        tmp = self.dir / f".{name}.tmp"
        save_file(tensors, str(tmp), metadata={"reasons": json.dumps(reasons)})
        os.chmod(tmp, file_mode())  # like any file the user creates: their umask decides who reads it
        os.replace(tmp, final)  # the shard appears whole or not at all
        return final

    def compact(self, min_shards: int = COMPACT_AT) -> bool:
        """Merge all shards into one when there are at least ``min_shards``. Returns True if merged."""
        shards = self._shards()
        if len(shards) < max(min_shards, 2) or not self.writable or not self._retain:
            return False
        from safetensors.numpy import save_file

        self._index, self._read = None, set()
        index = self._load()
        if not index:
            return False
        keys = list(index)
        feats = np.stack([index[k][0] for k in keys]).astype(np.float32)
        pres = np.array([index[k][1] for k in keys], dtype=np.uint8)
        why = {str(i): index[k][2] for i, k in enumerate(keys) if index[k][2]}
        key_arr = np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(len(keys), 32)
        try:
            merged = self._write({"keys": key_arr, "features": feats, "present": pres}, why, save_file)
        except OSError as e:
            log.warning("could not compact %s (%s)", self.dir, e)
            return False
        self._read.add(merged.name)
        for p in shards:  # only after the merged shard is in place
            p.unlink(missing_ok=True)
        return True
