"""The inference surface every predictor shares: ``GenreClassifier`` (torch) and ``BundlePredictor``
(an exported bundle, onnxruntime only; ``moviegenre.inference``).

A predictor has ``genres_``, ``thresholds_ [G]``, ``inputs_``, ``views_``, ``config`` (a
``ClassifierConfig``), ``vocabulary_`` and implements ``_predict(movies, progress=, cache=)`` →
``(proba float32 [N, G], weights float32 [N, V] | None, present bool [N, V])``; this class turns that
into ``predict_proba``, ``decide``, ``predict``, ``predict_details`` and ``evaluate``.
Pure numpy: no torch here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..metrics import evaluate_predictions
from ..records import Movie
from .thresholds import apply_thresholds
from .views import inputs_of


class Predictor:
    """Mixin: everything a predictor offers once it can compute ``_predict``."""

    def _predict(self, movies, *, progress: bool = False, cache: bool = True):
        raise NotImplementedError

    def _check_fitted(self) -> None:
        """Raise ``ModelError`` when there is nothing to predict with."""

    def predict_proba(
        self, movies: Sequence[Movie], *, progress: bool = False, cache: bool = True
    ) -> np.ndarray:
        """Probabilities ``float32 [N, G]``, columns = ``genres_``."""
        return self._predict(movies, progress=progress, cache=cache)[0]

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """0/1 decisions ``uint8 [N, G]`` from probabilities, with the tuned thresholds."""
        return apply_thresholds(proba, self.thresholds_, self.config.at_least_one)

    def predict(self, movies: Sequence[Movie], **kw) -> list[tuple[str, ...]]:
        """Genre tuples after the per-genre thresholds (most probable first)."""
        return [d["genres"] for d in self.predict_details(movies, **kw)]

    def predict_details(
        self, movies: Sequence[Movie], *, progress: bool = False, cache: bool = True
    ) -> list[dict]:
        """Per movie ``{"genres": [...], "scores": {genre: p}, "weights": {input: w} | None}``.

        ``weights``: how much each input counted for this movie (gated and late fusion; 0 for an
        input the movie lacks; an extra view of an input, e.g. ``overview_tfidf``, counts for its
        input, so the weights are per input and sum to 1); None for concat and sum, which cannot say.
        """
        proba, weights, present = self._predict(movies, progress=progress, cache=cache)
        pred = self.decide(proba)
        out = []
        for i in range(len(proba)):
            chosen = sorted(np.flatnonzero(pred[i]), key=lambda j: -proba[i, j])
            out.append(
                {
                    "genres": tuple(self.genres_[j] for j in chosen),
                    "scores": {g: float(proba[i, j]) for j, g in enumerate(self.genres_)},
                    "weights": None if weights is None else self._input_weights(weights[i], present[i]),
                }
            )
        return out

    def _input_weights(self, weights: np.ndarray, present: np.ndarray) -> dict[str, float]:
        """Per-view weights ``[V]`` of one movie → ``{input: w}``: an extra view counts for its input;
        the all-text view is shared equally by the text inputs this movie has (all of them if none)."""
        out = dict.fromkeys(self.inputs_, 0.0)
        has = {v: bool(present[m]) for m, v in enumerate(self.views_)}
        for m, view in enumerate(self.views_):
            if not present[m]:
                continue
            reads = inputs_of(view, self.inputs_)
            shared = [i for i in reads if has.get(i)] or list(reads)
            for i in shared:
                out[i] += float(weights[m]) / len(shared)
        return out

    def evaluate(self, movies: Sequence[Movie], *, bootstrap: int = 0, progress: bool = False) -> dict:
        """The metrics report (``moviegenre.metrics.evaluate_predictions``) on the labelled ``movies``.

        Movies without genres are left out (an unknown label is not "no genre"), and counted in
        ``n_unlabelled_movies``: ``train``'s test report and ``evaluate --split --part test`` both come
        from here, so they score the same movies."""
        from ..errors import DataError

        given = list(movies)
        if not given:
            raise DataError("no movies to evaluate")
        movies = [m for m in given if m.genres]
        if not movies:
            raise DataError(f"none of the {len(given):,} movies has genre labels to evaluate against")
        self._check_fitted()
        y = self.vocabulary_.transform(movies)
        unknown = dict(self.vocabulary_.unknown_)
        proba = self.predict_proba(movies, progress=progress)
        report = self._report(y, proba, bootstrap=bootstrap)
        report["n_unlabelled_movies"] = len(given) - len(movies)
        if unknown:
            report["unknown_genres"] = unknown  # labels the model has no column for; not scored
        return report

    def _report(self, y: np.ndarray, proba: np.ndarray, bootstrap: int = 0) -> dict:
        report = evaluate_predictions(
            y, proba, self.decide(proba), self.genres_, bootstrap=bootstrap, seed=self.config.seed
        )
        report["thresholds"] = {g: float(t) for g, t in zip(self.genres_, self.thresholds_, strict=True)}
        return report
