"""Bags of tokens (keywords, people) weighted by idf, vocabulary fitted on TRAINING movies only.

A subclass says which tokens a movie has (``tokens(movie) -> tuple[str, ...] | None``; None =
unknown). ``fit`` keeps the tokens found in at least ``min_count`` training movies (at most
``max_features``, most frequent first, ties by name) and their smoothed idf
``ln((1 + n) / (1 + df)) + 1``. A movie's features: float32 [N, V + 1], each known token its idf,
the last slot ("other") the share of the movie's tokens outside the vocabulary (an obscure cast
says something too), the row L2-normalised. ``present`` is False when the tokens are unknown or
the movie has none at all (nothing to go on; the stacker then leaves this head out).

Fitted state is JSON (``vocabulary``, ``idf``); ``_compute`` is numpy only (no torch, no sklearn:
it runs in the torch-free bundle). ``encode_sparse`` builds the same values as a CSR matrix for
fitting (scipy, training only).
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ..records import Movie
from .base import Encoder, state_names, state_numbers


class BagEncoder(Encoder):
    """Base class; subclasses set ``name``, ``input_name`` and define ``tokens`` and ``_limits``."""

    version = "1"
    pretrained = False

    def __init__(self, config=None):
        super().__init__(config)
        self.vocabulary_: list[str] = []
        self.idf_: np.ndarray = np.zeros(0, np.float32)
        self._index: dict[str, int] = {}

    # -- to override ---------------------------------------------------------------------------------
    def tokens(self, movie: Movie) -> tuple[str, ...] | None:
        raise NotImplementedError

    def _limits(self) -> tuple[int, int]:
        """``(min_count, max_features)`` from the config."""
        raise NotImplementedError

    # -- the contract ---------------------------------------------------------------------------------
    def content(self, movie: Movie):
        toks = self.tokens(movie)
        return toks if toks else None  # unknown, or none listed: nothing to encode

    def fit(self, movies):
        docs = [c for c in (self.content(m) for m in movies) if c is not None]
        df = Counter(t for doc in docs for t in set(doc))
        min_count, max_features = self._limits()
        kept = sorted(((t, c) for t, c in df.items() if c >= min_count), key=lambda kv: (-kv[1], kv[0]))
        kept = kept[:max_features]
        n = len(docs)
        return self.set_state(
            {
                "vocabulary": [t for t, _ in kept],
                "idf": [round(math.log((1 + n) / (1 + c)) + 1.0, 6) for _, c in kept],
            }
        )

    def get_state(self) -> dict:
        return {"vocabulary": list(self.vocabulary_), "idf": [float(x) for x in self.idf_]}

    def set_state(self, state: dict):
        # a saved state may come from a tampered model folder: checked, not trusted
        vocab = state_names(state, "vocabulary")
        idf = state_numbers(state, "idf", len(vocab), positive=True)
        self.vocabulary_, self.idf_ = vocab, np.asarray(idf, np.float32)
        self._index = {t: i for i, t in enumerate(vocab)}
        self.dim = len(vocab) + 1
        return self

    def _rows(self, contents):
        """Per movie ``(columns int [k], values float32 [k])``, L2-normalised."""
        other = self.dim - 1
        out = []
        for toks in contents:
            uniq = list(dict.fromkeys(toks))
            known = [self._index[t] for t in uniq if t in self._index]
            cols = np.asarray(known, dtype=np.int64)
            vals = self.idf_[cols] if len(cols) else np.zeros(0, np.float32)
            n_other = len(uniq) - len(known)
            if n_other:
                cols = np.append(cols, other)
                vals = np.append(vals, np.float32(n_other / len(uniq)))
            norm = float(np.sqrt((vals.astype(np.float64) ** 2).sum())) or 1.0
            out.append((cols, (vals / norm).astype(np.float32)))
        return out

    def _compute(self, contents, progress=False):
        feats = np.zeros((len(contents), self.dim), dtype=np.float32)
        for r, (cols, vals) in enumerate(self._rows(contents)):
            feats[r, cols] = vals
        return feats, np.ones(len(contents), dtype=bool), {}

    def encode_sparse(self, movies):
        """``(features scipy.sparse.csr_matrix float32 [N, V + 1], present bool [N])``: the values of
        ``encode`` without a dense ``[N, V]`` array (the late head fits on it in sparse form)."""
        self._check_fitted()
        contents = [self.content(m) for m in movies]
        present = np.array([c is not None for c in contents], dtype=bool)
        return rows_to_csr(self._rows([c or () for c in contents]), self.dim), present


def rows_to_csr(rows, dim: int):
    """``[(columns, values), ...]`` → scipy CSR float32 ``[len(rows), dim]`` (scipy: training path)."""
    import scipy.sparse as sp

    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    for r, (cols, _) in enumerate(rows):
        indptr[r + 1] = indptr[r] + len(cols)
    indices = np.concatenate([c for c, _ in rows]) if rows else np.zeros(0, np.int64)
    data = np.concatenate([v for _, v in rows]) if rows else np.zeros(0, np.float32)
    return sp.csr_matrix((data.astype(np.float32), indices, indptr), shape=(len(rows), dim), dtype=np.float32)
