"""Bag-of-words text features: TF-IDF fitted on TRAINING texts only (the study's starting point).

Features: float32 [N, V] with V ≤ ``tfidf_max_features`` (L2-normalised rows, sublinear tf,
unigrams + bigrams). The fitted vocabulary and idf weights are the JSON state, so a saved model
encodes new movies exactly as at training time. ``present`` is False for a missing/blank text.

scikit-learn's ``TfidfVectorizer`` fits the vocabulary; encoding is done here with the same
analyzer (lower-case, accents stripped, words of 2+ letters or digits, unigrams + bigrams) in plain
Python + numpy, so a fitted encoder runs without scikit-learn or scipy (the torch-free bundle).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata

import numpy as np

from ..records import Movie
from .bag import rows_to_csr
from .base import Encoder


class TfidfEncoder(Encoder):
    version = "1"
    pretrained = False

    def __init__(self, input_name: str, config=None):
        super().__init__(config)
        self.input_name = input_name
        self.name = f"{input_name}-tfidf"

    def _vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        # short fields (titles) keep every word; overviews need a word in ≥ min_df texts
        min_df = 1 if self.input_name == "title" else self.config.tfidf_min_df
        return TfidfVectorizer(
            max_features=self.config.tfidf_max_features,
            ngram_range=(1, 2),
            sublinear_tf=True,
            min_df=min_df,
            strip_accents="unicode",
            dtype=np.float32,
        )

    def content(self, movie: Movie):
        text = getattr(movie, self.input_name)
        return text.strip() if isinstance(text, str) and text.strip() else None

    def fit(self, movies):
        texts = [t for t in (self.content(m) for m in movies) if t is not None]
        vec = self._vectorizer()
        try:
            vec.fit(texts)
        except ValueError:  # no usable words at all (tiny or empty training set): an empty vocabulary
            return self.set_state({"vocabulary": [], "idf": []})
        vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
        return self.set_state({"vocabulary": vocab, "idf": [float(x) for x in vec.idf_]})

    def get_state(self) -> dict:
        return dict(self.state_)

    def set_state(self, state: dict):
        vocab, idf = list(state["vocabulary"]), [float(x) for x in state["idf"]]
        if len(vocab) != len(idf):
            raise ValueError(f"{self.name}: {len(vocab)} words but {len(idf)} idf weights")
        self.state_ = {"vocabulary": vocab, "idf": idf}
        self.dim = max(1, len(vocab))
        self._index = {w: i for i, w in enumerate(vocab)}
        self._idf = np.asarray(idf, dtype=np.float32)
        return self

    def _rows(self, contents):
        """Per text ``(columns int64 [k], values float32 [k])``: sublinear tf x idf, L2-normalised."""
        out = []
        for text in contents:
            counts: dict[int, int] = {}
            for term in analyze(text):
                j = self._index.get(term)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
            tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), np.float32, len(counts))
            vals = tf * self._idf[cols] if len(cols) else tf
            norm = float(np.sqrt((vals.astype(np.float64) ** 2).sum())) or 1.0
            out.append((cols, (vals / norm).astype(np.float32)))
        return out

    def _compute(self, contents, progress=False):
        feats = np.zeros((len(contents), self.dim), dtype=np.float32)
        for r, (cols, vals) in enumerate(self._rows(contents)):
            feats[r, cols] = vals
        return feats, np.ones(len(contents), dtype=bool), {}

    def encode_sparse(self, movies):
        """``(features scipy.sparse.csr_matrix float32 [N, V], present bool [N])``: the same values as
        ``encode`` without the dense [N, V] array (a late-fusion head fits on it in sparse form)."""
        self._check_fitted()
        contents = [self.content(m) for m in movies]
        return rows_to_csr(self._rows([c or "" for c in contents]), self.dim), np.array(
            [c is not None for c in contents], dtype=bool
        )


_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


def _strip_accents(text: str) -> str:
    """scikit-learn's ``strip_accents_unicode``: NFKD, combining marks dropped."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def analyze(text: str) -> list[str]:
    """The terms of ``text`` as ``TfidfVectorizer(ngram_range=(1, 2), strip_accents="unicode")`` sees
    them: lower-cased, accents stripped, words of 2+ characters, then each pair of neighbours."""
    words = _TOKEN.findall(_strip_accents(text.lower()))
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
