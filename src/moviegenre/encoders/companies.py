"""Production companies as a multi-hot vector over the companies seen in training.

The ``companies_top_n`` most frequent training companies get a slot each; any other company sets
the last slot ("other"). Features: float32 [N, top_n + 1] (fewer when training saw fewer
companies). ``present`` is False when the companies are unknown (``None``); an empty list is a real
"none listed" and encodes as all zeros with ``present`` True.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..records import Movie
from .base import Encoder, state_names


class CompaniesMultiHot(Encoder):
    name = "companies-multihot"
    version = "1"
    input_name = "companies"
    pretrained = False

    def __init__(self, config=None):
        super().__init__(config)
        self.vocabulary_: list[str] = []
        self._index: dict[str, int] = {}

    def fit(self, movies):
        counts = Counter(c for m in movies if m.companies for c in set(m.companies))
        # ties broken by name so the vocabulary is deterministic
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: self.config.companies_top_n]
        return self.set_state({"vocabulary": [c for c, _ in top]})

    def get_state(self) -> dict:
        return {"vocabulary": list(self.vocabulary_)}

    def set_state(self, state: dict):
        self.vocabulary_ = state_names(state, "vocabulary")
        self._index = {c: i for i, c in enumerate(self.vocabulary_)}
        self.dim = len(self.vocabulary_) + 1
        return self

    def content(self, movie: Movie):
        return movie.companies

    def _compute(self, contents, progress=False):
        feats = np.zeros((len(contents), self.dim), dtype=np.float32)
        other = self.dim - 1
        for r, companies in enumerate(contents):
            for c in companies:
                feats[r, self._index.get(c, other)] = 1.0
        return feats, np.ones(len(contents), dtype=bool), {}
