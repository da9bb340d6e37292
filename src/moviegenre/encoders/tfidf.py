"""Bag-of-words text features: TF-IDF fitted on TRAINING texts only (the study's starting point).

Features: float32 [N, V] with V ≤ ``tfidf_max_features`` (L2-normalised rows, sublinear tf,
unigrams + bigrams). The fitted vocabulary and idf weights are the JSON state, so a saved model
encodes new movies exactly as at training time. ``present`` is False for a missing/blank text.
scikit-learn fits the vocabulary; transforming runs in numpy (``bag_of_words``), so predicting
needs neither scikit-learn nor scipy.
"""

from __future__ import annotations

import numpy as np

from ..records import Movie
from .bag_of_words import NGRAM_RANGE, TfidfTransform
from .base import Encoder, state_names, state_numbers, text_content


class TfidfEncoder(Encoder):
    version = "1"
    pretrained = False

    def __init__(self, input_name: str, config=None):
        super().__init__(config)
        self.input_name = input_name
        self.name = f"{input_name}-tfidf"
        self._tfidf: TfidfTransform | None = None

    def _vectorizer(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        # short fields (titles) keep every word; overviews need a word in ≥ min_df texts
        min_df = 1 if self.input_name == "title" else self.config.tfidf_min_df
        return TfidfVectorizer(
            max_features=self.config.tfidf_max_features,
            ngram_range=NGRAM_RANGE,
            sublinear_tf=True,
            min_df=min_df,
            strip_accents="unicode",
            dtype=np.float32,
        )

    def content(self, movie: Movie):
        return text_content(getattr(movie, self.input_name))

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
        vocab = state_names(state, "vocabulary")
        self.state_ = {"vocabulary": vocab, "idf": state_numbers(state, "idf", len(vocab), positive=True)}
        self.dim = max(1, len(self.state_["vocabulary"]))
        self._tfidf = (
            TfidfTransform(self.state_["vocabulary"], self.state_["idf"])
            if self.state_["vocabulary"]
            else None
        )
        return self

    def _compute(self, contents, progress=False):
        if self._tfidf is None:
            feats = np.zeros((len(contents), self.dim), dtype=np.float32)
        else:
            feats = self._tfidf.transform(contents)
        return feats, np.ones(len(contents), dtype=bool), {}

    def encode_sparse(self, movies):
        """``(features scipy.sparse.csr_matrix float32 [N, V], present bool [N])``: the same values as
        ``encode`` without the dense [N, V] array (a late-fusion head fits on it in sparse form)."""
        import scipy.sparse as sp

        self._check_fitted()
        contents = [self.content(m) for m in movies]
        present = np.array([c is not None for c in contents], dtype=bool)
        if self._tfidf is None or not present.any():
            return sp.csr_matrix((len(contents), self.dim), dtype=np.float32), present
        # a missing text is transformed as "": an exactly-zero row
        data, indices, indptr = self._tfidf.rows([c or "" for c in contents])
        return sp.csr_matrix((data, indices, indptr), shape=(len(contents), self.dim)), present
