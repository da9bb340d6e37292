"""The one contract every encoder follows, and the cache plumbing they share.

``encode(movies) -> (features float32 [N, D], present bool [N])``; features are zeros where
``present`` is False (the movie lacks the input, or it was unusable — counted in ``skipped``).
Subclasses say what a movie's input is (``content``) and how to turn a batch of inputs into
features (``_compute``); this class does the cache lookup, batching and bookkeeping.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..config import EncoderConfig, default_cache_dir
from ..errors import ModelError
from ..records import Movie
from .cache import FeatureCache, content_key

log = logging.getLogger(__name__)
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_content(text) -> str | None:
    """A text input as encoders see it: stripped, None when missing or blank. A lone surrogate (a
    ``"\ud800"`` escape a JSON body may carry) becomes U+FFFD: tokenizers and the JSON state of a
    fitted encoder need valid Unicode."""
    if not isinstance(text, str) or not text.strip():
        return None
    return valid_unicode(text.strip())


def valid_unicode(text: str) -> str:
    """``text`` with any lone surrogate replaced by U+FFFD (unchanged, and cheap, when valid)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def state_names(state: dict, key: str) -> list[str]:
    """``state[key]`` as a list of unique strings (a fitted vocabulary); TypeError/ValueError otherwise.
    A saved state may come from a tampered model folder: nothing in it is trusted."""
    v = state[key]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise TypeError(f"{key!r} must be a list of text")
    if len(set(v)) != len(v):
        raise ValueError(f"{key!r} lists an entry twice")
    return list(v)


def state_numbers(state: dict, key: str, n: int | None = None, *, positive: bool = False) -> list[float]:
    """``state[key]`` as a list of finite numbers (of length ``n`` when given)."""
    v = state[key]
    # type(x) is exact: a bool is no number here, and numpy would turn "1.5" into one
    if not isinstance(v, list) or not all(type(x) in (int, float) for x in v):
        raise TypeError(f"{key!r} must be a list of finite numbers")
    try:
        finite = bool(np.isfinite(np.asarray(v, dtype=np.float64)).all())
    except OverflowError:  # an integer beyond float range
        finite = False
    if not finite:
        raise TypeError(f"{key!r} must be a list of finite numbers")
    if n is not None and len(v) != n:
        raise ValueError(f"{key!r} has {len(v)} values, expected {n}")
    if positive and any(x <= 0 for x in v):
        raise ValueError(f"{key!r} must be positive")
    return [float(x) for x in v]


class Encoder:
    """Base class. ``name``/``version`` identify the features (and their cache folder)."""

    name: str = "encoder"
    version: str = "1"
    input_name: str = ""
    pretrained: bool = True  # pretrained encoders need no fit and use the disk cache
    dim: int = 0
    network: str = ""  # the pretrained network this encoder runs, e.g. "minilm-l6-v2" ("" if none)

    def __init__(self, config: EncoderConfig | None = None, cache_dir: str | Path | None = None):
        self.config = config or EncoderConfig()
        # where pretrained features (and ONNX exports) are cached: the user's choice, not the model's
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.skipped: Counter = Counter()  # reason -> movies whose input was unusable (last encode)
        self.skipped_total: Counter = Counter()  # the same, over every encode of this encoder
        self._cache: FeatureCache | None = None
        # the network's files to run instead of the cache's ONNX exports (an exported bundle's,
        # ``moviegenre.inference``): {"graph": .onnx, ...}; None: the cache's
        self.graphs: dict[str, Path] | None = None

    # -- to override -----------------------------------------------------------------------------
    def content(self, movie: Movie):
        """The movie's input (str / bytes / tuple), or None when the movie lacks it."""
        raise NotImplementedError

    def _compute(
        self, contents: list, progress: bool = False
    ) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
        """Features float32 [n, D] for non-None ``contents``; plus ok bool [n] and {row: reason} of failures."""
        raise NotImplementedError

    def network_files(self) -> dict[str, Path]:
        """The files of ``network`` (``{"graph": .onnx, ...}``), exported into the cache first if needed
        (torch): what ``moviegenre export`` copies into a bundle. ``{}`` for encoders without a network."""
        return {}

    def _reset_counts(self) -> None:
        self.skipped = Counter()

    def _hash_content(self, content) -> bytes:
        return content_key(content if isinstance(content, str | bytes) else repr(content))

    # -- public ------------------------------------------------------------------------------------
    def fit(self, movies: Sequence[Movie]) -> Encoder:
        """No-op for pretrained encoders; fitted encoders learn from TRAINING movies only."""
        return self

    def get_state(self) -> dict:
        """JSON-serialisable fitted state ({} for pretrained encoders)."""
        return {}

    def set_state(self, state: dict) -> Encoder:
        return self

    def _check_fitted(self) -> None:
        if not self.dim:
            raise ModelError(f"encoder {self.name} used before fit()")

    @property
    def cache(self) -> FeatureCache:
        if self._cache is None:
            self._cache = FeatureCache.shared(self.cache_dir, f"{self.name}@{self.version}", dim=self.dim)
        return self._cache

    def encode(self, movies: Sequence[Movie], *, progress: bool = False, cache: bool = True):
        """Features float32 [N, D] and present bool [N] for ``movies`` (in order)."""
        self._check_fitted()
        movies = list(movies)
        n = len(movies)
        feats = np.zeros((n, self.dim), dtype=np.float32)
        present = np.zeros(n, dtype=bool)
        self._reset_counts()
        contents = [self.content(m) for m in movies]
        todo = [i for i, c in enumerate(contents) if c is not None]
        use_cache = cache and self.pretrained
        keys: dict[int, bytes] = {}
        if use_cache and todo:
            store = self.cache
            for i in todo:
                keys[i] = self._hash_content(contents[i])
            if any(keys[i] not in store for i in todo):
                store.refresh()  # another process may have computed them meanwhile
            missing = []
            for i in todo:
                hit = store.get(keys[i])
                if hit is None:
                    missing.append(i)
                else:
                    feats[i], present[i] = hit[0], hit[1]
                    contents[i] = None  # drop the image bytes / text early: only misses need them
                    if not hit[1]:
                        self.skipped[hit[2] or "unusable"] += 1
            todo = missing
        if todo:
            self._encode_rows(movies, contents, todo, keys if use_cache else None, feats, present, progress)
        self.skipped_total.update(self.skipped)
        if self.skipped:
            log.warning(
                "%s: %d movies with unusable input: %s",
                self.name,
                sum(self.skipped.values()),
                dict(self.skipped),
            )
        return feats, present

    def _encode_rows(self, movies, contents, rows, keys, feats, present, progress):
        """Compute ``rows`` in chunks; with a cache, each chunk becomes one shard as soon as it is done."""
        chunk = max(1, self.config.batch_size) * (4 if keys is not None else 10**9)
        bar = None
        if progress and len(rows) > chunk:
            from ..progress import progress_bar

            bar = progress_bar(total=len(rows), desc=self.name, unit="movie", leave=False)
        for s in range(0, len(rows), chunk):
            part = rows[s : s + chunk]
            f, ok, reasons = self._compute([contents[i] for i in part], progress=progress and bar is None)
            for j, i in enumerate(part):
                feats[i] = f[j] if ok[j] else 0.0
                present[i] = bool(ok[j])
                if not ok[j]:
                    self.skipped[reasons.get(j, "unusable")] += 1
                    log.info("%s: %s skipped (%s)", self.name, movies[i].key, reasons.get(j, "unusable"))
            if keys is not None:
                self.cache.put([keys[i] for i in part], f, ok, reasons)
            if bar is not None:
                bar.update(len(part))
        if bar is not None:
            bar.close()
        if keys is not None:
            self.cache.compact()
