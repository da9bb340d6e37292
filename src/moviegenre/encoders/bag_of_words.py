"""TF-IDF transform in plain numpy: what scikit-learn's fitted ``TfidfVectorizer`` does, without it.

The inference path must not import scikit-learn or scipy (1 s and ~80 MB of a cold start in a light
install): fitting still uses scikit-learn (``tfidf.TfidfEncoder.fit``), transforming uses this. The
analyzer is the one ``TfidfVectorizer(lowercase=True, strip_accents="unicode", ngram_range=(1, 2))``
builds (default token pattern, no stop words); then counts of vocabulary terms, sublinear tf
(``1 + ln tf``), times idf, rows L2-normalised — in float32 like the vectorizer with
``dtype=np.float32``. A unit test checks both agree on awkward text.

``TfidfTransform(vocabulary, idf).transform(texts) -> float32 [n, V]``; ``.rows(texts)`` gives the
same values as CSR parts ``(data, indices, indptr)`` for callers that keep them sparse.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np

NGRAM_RANGE = (1, 2)
TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


def strip_accents(text: str) -> str:
    """scikit-learn's ``strip_accents_unicode``: NFKD, then drop combining marks (ASCII is left as is)."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def analyze(text: str, ngram_range: tuple[int, int] = NGRAM_RANGE) -> list[str]:
    """The terms of ``text``: lowercased, accents stripped, word tokens, then n-grams joined by " "."""
    tokens = TOKEN.findall(strip_accents(text.lower()))
    lo, hi = ngram_range
    terms = list(tokens) if lo == 1 else []
    for n in range(max(lo, 2), min(hi, len(tokens)) + 1):
        terms.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return terms


class TfidfTransform:
    """A fitted TF-IDF: ``vocabulary`` (term of each column) and ``idf`` ``[V]``."""

    def __init__(self, vocabulary: list[str], idf, ngram_range: tuple[int, int] = NGRAM_RANGE):
        self.index = {t: i for i, t in enumerate(vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float32)
        self.ngram_range = tuple(ngram_range)
        if len(self.idf) != len(self.index):
            raise ValueError(f"{len(self.index)} vocabulary terms but {len(self.idf)} idf weights")

    @property
    def dim(self) -> int:
        return len(self.index)

    def _row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sorted column indices and TF-IDF values (L2-normalised) of one text."""
        counts: dict[int, int] = {}
        for term in analyze(text, self.ngram_range):
            j = self.index.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        cols = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
        tf = np.array([counts[j] for j in cols], dtype=np.float32)
        vals = (np.log(tf) + np.float32(1.0)) * self.idf[cols]
        norm = np.sqrt(np.dot(vals, vals))
        return cols, (vals / norm if norm > 0 else vals).astype(np.float32)

    def rows(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR parts ``(data float32, indices int64, indptr int64)`` of ``[n, V]``."""
        parts = [self._row(t) for t in texts]
        indptr = np.zeros(len(parts) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(c) for c, _ in parts])
        indices = np.concatenate([c for c, _ in parts]) if parts else np.zeros(0, np.int64)
        data = np.concatenate([v for _, v in parts]) if parts else np.zeros(0, np.float32)
        return data.astype(np.float32), indices, indptr

    def transform(self, texts: list[str]) -> np.ndarray:
        """Dense ``float32 [n, V]``."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for r, text in enumerate(texts):
            cols, vals = self._row(text)
            out[r, cols] = vals
        return out
