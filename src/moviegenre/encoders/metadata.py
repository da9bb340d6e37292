"""Metadata: year, runtime, original language and country, where a source has them.

Features float32 [N, D], all fitted on TRAINING movies only:

- year: standardised value, a "known" flag, and a one-hot decade (decades with fewer than
  ``MIN_BUCKET`` training movies fold into their neighbour towards the middle);
- runtime: standardised value, a "known" flag, and a one-hot length band (``RUNTIME_BANDS``);
- language and country: one-hot over the ``metadata_top_n`` most frequent in training, plus an
  "other" slot and a "known" flag each (an unknown country is itself telling: TV movies of one
  source never list one).

``present`` is False when a movie has none of these fields. ``_compute`` is numpy only.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from ..records import Movie
from .base import Encoder, state_names, state_numbers

RUNTIME_BANDS = (60.0, 80.0, 95.0, 110.0, 130.0, 160.0)  # minutes: band edges (7 bands)
MIN_BUCKET = 20  # training movies a decade needs to keep a slot of its own


def _stats(values: list[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 1.0
    a = np.asarray(values, dtype=np.float64)
    return float(a.mean()), float(a.std() or 1.0)


def _decades(years: list[int]) -> list[int]:
    """The decades with a slot: those with ≥ ``MIN_BUCKET`` training movies (at least the most common)."""
    counts = Counter((y // 10) * 10 for y in years)
    kept = sorted(d for d, c in counts.items() if c >= MIN_BUCKET)
    return kept or ([counts.most_common(1)[0][0]] if counts else [])


class MetadataEncoder(Encoder):
    name = "metadata"
    version = "2"
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

        years = [m.year for m in movies if m.year is not None]
        runtime = _stats([m.runtime for m in movies if m.runtime is not None and m.runtime > 0])
        return self.set_state(
            {
                "year": list(_stats(years)),
                "decades": _decades(years),
                "runtime": list(runtime),
                "languages": top(m.language for m in movies),
                "countries": top(m.country for m in movies),
            }
        )

    def get_state(self) -> dict:
        return {k: list(v) for k, v in self.state_.items()}

    def set_state(self, state: dict):
        self.state_ = {
            "year": state_numbers(state, "year", 2),
            "decades": state_numbers(state, "decades"),
            "runtime": state_numbers(state, "runtime", 2),
            "languages": state_names(state, "languages"),
            "countries": state_names(state, "countries"),
        }
        if self.state_["year"][1] <= 0 or self.state_["runtime"][1] <= 0:
            raise ValueError("the spread of year and runtime must be positive (it divides them)")
        self._decades = [int(d) for d in self.state_["decades"]]
        self._lang = {v: i for i, v in enumerate(self.state_["languages"])}
        self._country = {v: i for i, v in enumerate(self.state_["countries"])}
        # year (value, known, decades), runtime (value, known, bands), language (+ other, known), country (same)
        self._off_runtime = 2 + len(self._decades)
        self._off_lang = self._off_runtime + 2 + len(RUNTIME_BANDS) + 1
        self._off_country = self._off_lang + len(self._lang) + 2
        self.dim = self._off_country + len(self._country) + 2
        return self

    def content(self, movie: Movie):
        fields = (movie.year, movie.runtime if movie.runtime else None, movie.language, movie.country)
        return None if all(f is None for f in fields) else fields

    def _decade_slot(self, year: int) -> int:
        """Index of the kept decade nearest to ``year``'s decade."""
        d = (year // 10) * 10
        return int(np.argmin([abs(d - k) for k in self._decades]))

    def _compute(self, contents, progress=False):
        feats = np.zeros((len(contents), self.dim), dtype=np.float32)
        (ym, ys), (rm, rs) = self.state_["year"], self.state_["runtime"]
        o_run, o_lang, o_country = self._off_runtime, self._off_lang, self._off_country
        for r, (year, runtime, lang, country) in enumerate(contents):
            if year is not None:
                feats[r, 0:2] = ((year - ym) / ys, 1.0)
                if self._decades:
                    feats[r, 2 + self._decade_slot(year)] = 1.0
            if runtime is not None:
                feats[r, o_run : o_run + 2] = ((runtime - rm) / rs, 1.0)
                feats[r, o_run + 2 + int(np.searchsorted(RUNTIME_BANDS, runtime, side="right"))] = 1.0
            if lang is not None:
                slot = self._lang.get(lang, len(self._lang))  # the last slot: any other language
                feats[r, o_lang + slot] = 1.0
                feats[r, o_lang + len(self._lang) + 1] = 1.0
            if country is not None:
                slot = self._country.get(country, len(self._country))
                feats[r, o_country + slot] = 1.0
                feats[r, o_country + len(self._country) + 1] = 1.0
        return feats, np.ones(len(contents), dtype=bool), {}
