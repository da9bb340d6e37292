"""Metadata (the study's "more features"): year, runtime, language, country where a source has them.

Features: float32 [N, 4 + L + C]: standardised year and runtime plus their "known" flags, then
one-hot original language and country over those seen in training (``metadata_top_n`` most
frequent each; others → all zeros). Scalers and vocabularies are fitted on TRAINING movies only.
``present`` is False when a movie has none of these fields (e.g. the JSONL set, which has none).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..records import Movie
from .base import Encoder, state_names, state_numbers


def _stats(values: list[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 1.0
    a = np.asarray(values, dtype=np.float64)
    return float(a.mean()), float(a.std() or 1.0)


class MetadataEncoder(Encoder):
    name = "metadata"
    version = "1"
    input_name = "metadata"
    pretrained = False

    def __init__(self, config=None):
        super().__init__(config)
        self.state_: dict = {}

    def fit(self, movies):
        top_n = self.config.metadata_top_n

        def top(values):
            counts = Counter(v for v in values if v)
            return [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top_n]]

        year = _stats([m.year for m in movies if m.year is not None])
        runtime = _stats([m.runtime for m in movies if m.runtime is not None and m.runtime > 0])
        return self.set_state(
            {
                "year": list(year),
                "runtime": list(runtime),
                "languages": top(m.language for m in movies),
                "countries": top(m.country for m in movies),
            }
        )

    def get_state(self) -> dict:
        return dict(self.state_)

    def set_state(self, state: dict):
        self.state_ = {
            "year": state_numbers(state, "year", 2),
            "runtime": state_numbers(state, "runtime", 2),
            "languages": state_names(state, "languages"),
            "countries": state_names(state, "countries"),
        }
        if self.state_["year"][1] <= 0 or self.state_["runtime"][1] <= 0:
            raise ValueError("the spread of year and runtime must be positive (it divides them)")
        self._lang = {v: i for i, v in enumerate(self.state_["languages"])}
        self._country = {v: i for i, v in enumerate(self.state_["countries"])}
        self.dim = 4 + len(self._lang) + len(self._country)
        return self

    def content(self, movie: Movie):
        fields = (movie.year, movie.runtime if movie.runtime else None, movie.language, movie.country)
        return None if all(f is None for f in fields) else fields

    def _compute(self, contents, progress=False):
        feats = np.zeros((len(contents), self.dim), dtype=np.float32)
        (ym, ys), (rm, rs) = self.state_["year"], self.state_["runtime"]
        off_c = 4 + len(self._lang)
        for r, (year, runtime, lang, country) in enumerate(contents):
            if year is not None:
                feats[r, 0:2] = ((year - ym) / ys, 1.0)
            if runtime is not None:
                feats[r, 2:4] = ((runtime - rm) / rs, 1.0)
            if lang in self._lang:
                feats[r, 4 + self._lang[lang]] = 1.0
            if country in self._country:
                feats[r, off_c + self._country[country]] = 1.0
        return feats, np.ones(len(contents), dtype=bool), {}
