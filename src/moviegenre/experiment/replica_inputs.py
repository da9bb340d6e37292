"""Inputs of the study replica: a word tokenizer fitted on training text, and 100x100 poster arrays.

Both are computed once per experiment for all movies, then rows index into them:
text -> token ids ``int64 [N, L]`` + lengths ``int64 [N]``; posters -> ``uint8 [N, S, S, 3]`` + present
``bool [N]``. Poster arrays are cached as one ``.npy`` in the feature cache, keyed by the poster paths
and file sizes, so a rerun skips decoding thousands of JPEGs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections import Counter
from pathlib import Path

import numpy as np

from ..data.images import ImageError, open_image
from ..files import atomic_path
from ..progress import progress_bar
from ..records import Movie

log = logging.getLogger("moviegenre.replica")
TEXT_INPUTS = ("overview", "title", "companies")
_WORD = re.compile(r"[a-z0-9']+")
PAD, OOV = 0, 1


def movie_text(movie: Movie, name: str) -> str:
    """The text of a text input ("" when the movie lacks it). Companies become one phrase list."""
    if name == "companies":
        return " ; ".join(movie.companies or ())
    return getattr(movie, name) or ""


class WordTokenizer:
    """Lower-cased word vocabulary fitted on training text; id 0 = padding, 1 = unknown word."""

    def __init__(self, max_words: int = 20000, min_count: int = 2):
        self.max_words = max_words
        self.min_count = min_count

    @staticmethod
    def words(text: str) -> list[str]:
        return _WORD.findall(text.lower())

    def fit(self, texts) -> WordTokenizer:
        counts = Counter(w for t in texts for w in self.words(t))
        common = [w for w, c in counts.most_common(self.max_words) if c >= self.min_count]
        self.vocab_ = {w: i + 2 for i, w in enumerate(common)}
        return self

    @property
    def size(self) -> int:
        return len(self.vocab_) + 2

    def encode(self, texts, max_len: int) -> tuple[np.ndarray, np.ndarray]:
        """Token ids ``[N, max_len]`` (first words kept) and lengths ``[N]`` (>= 1: an empty text is one
        padding token, so the LSTM still runs and learns what "missing" looks like)."""
        texts = list(texts)
        ids = np.zeros((len(texts), max_len), np.int64)
        lengths = np.ones(len(texts), np.int64)
        for i, t in enumerate(texts):
            toks = [self.vocab_.get(w, OOV) for w in self.words(t)][:max_len]
            ids[i, : len(toks)] = toks
            lengths[i] = max(1, len(toks))
        return ids, lengths

    def to_dict(self) -> dict:
        return {"max_words": self.max_words, "min_count": self.min_count, "vocab": self.vocab_}

    @classmethod
    def from_dict(cls, d: dict) -> WordTokenizer:
        tok = cls(d["max_words"], d["min_count"])
        tok.vocab_ = dict(d["vocab"])
        return tok


def _poster_key(movies: list[Movie], size: int) -> str:
    h = hashlib.sha256(f"replica-posters-v1:{size}".encode())
    for m in movies:
        try:
            st = os.stat(m.poster) if m.poster else None
        except OSError:
            st = None
        h.update(f"{m.poster}|{st.st_size if st else -1}\n".encode())
    return h.hexdigest()[:20]


def _atomic_save(path: Path, arr: np.ndarray) -> None:
    with atomic_path(path, suffix=".npy") as tmp:
        np.save(tmp, arr)


def poster_arrays(
    movies, size: int = 100, cache_dir: str | Path | None = None, progress: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Posters squashed to ``size`` x ``size`` RGB: ``uint8 [N, size, size, 3]`` and present ``bool [N]``.

    Unreadable posters are counted, logged once, and treated as absent (zeros), never a crash.
    """
    from PIL import Image

    movies = list(movies)
    cache = None
    if cache_dir is not None:
        cache = Path(cache_dir) / "replica" / f"posters{size}_{_poster_key(movies, size)}.npy"
        mask_file = cache.with_suffix(".present.npy")
        if cache.exists() and mask_file.exists():
            return np.load(cache), np.load(mask_file)
    arr = np.zeros((len(movies), size, size, 3), np.uint8)
    present = np.zeros(len(movies), bool)
    bad: Counter = Counter()
    it = movies
    if progress:
        it = progress_bar(movies, desc=f"posters {size}x{size}", unit="img", leave=False)
    for i, m in enumerate(it):
        if not m.has_poster:
            continue
        try:
            img = open_image(m.poster_bytes if m.poster_bytes is not None else m.poster)
        except ImageError as e:
            bad[e.reason] += 1
            continue
        arr[i] = np.asarray(img.resize((size, size), Image.BILINEAR))
        present[i] = True
    if bad:
        log.warning("replica: %d posters unusable, treated as absent: %s", sum(bad.values()), dict(bad))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        _atomic_save(cache, arr)
        _atomic_save(mask_file, present)
    return arr, present
