"""The rows of the experiment table and how each is run (``moviegenre.experiment.run`` orchestrates).

Rows (``plan_rows``):

- ``ours``: the seven study input sets x {concat, sum, gated, late} with ``GenreClassifier``, plus
  single-input rows for title, companies and metadata (default fusion), plus every input the data
  has x the four fusions when that is not already a study set (e.g. title+companies+metadata);
- ``replica``: the study's own model (``moviegenre.experiment.replica``) on the seven sets x {concat, sum};
- ``baseline``: all-negative, per-genre prior, most-frequent-k.

Every row is trained on the same train part, tuned on the same val part and scored on the same
test part; ``Runner.run`` returns the row's result dict and writes its test probabilities to
``DIR/predictions/<id>.npz`` for the plots. Rows whose inputs the data lacks are listed as skipped.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import FusionName, choices, default_cache_dir
from ..data.labels import GenreVocabulary
from ..errors import MovieGenreError
from ..files import atomic_path
from ..metrics import evaluate_predictions
from ..modeling.thresholds import apply_thresholds
from ..records import METADATA_FIELDS, Dataset, Movie
from .baselines import run_baseline

log = logging.getLogger("moviegenre.experiment")

STUDY_SETS = [
    ("overview",),
    ("poster",),
    ("overview", "poster"),
    ("title", "poster"),
    ("companies", "poster"),
    ("overview", "title", "poster"),
    ("overview", "title", "companies", "poster"),
]
FUSIONS = choices(FusionName)
SINGLE_INPUTS = [("title",), ("companies",), ("metadata",)]
REPLICA_FUSIONS = ("concat", "sum")
BASELINE_NAMES = ("all_negative", "prior", "most_frequent_k")


@dataclass(frozen=True)
class Row:
    kind: str  # "ours" | "replica" | "baseline"
    inputs: tuple[str, ...]
    fusion: str | None  # fusion mode, or the baseline's name

    @property
    def id(self) -> str:
        if self.kind == "baseline":
            return f"baseline-{self.fusion}"
        return f"{self.kind}-{'+'.join(self.inputs)}-{self.fusion}"


def has_input(movie: Movie, name: str) -> bool:
    """Whether the movie carries the raw input at all (the encoder may still refuse it later)."""
    if name == "poster":
        return movie.has_poster
    if name == "companies":
        return movie.companies is not None
    if name == "metadata":
        return any(getattr(movie, f) not in (None, "", ()) for f in METADATA_FIELDS)
    return bool((getattr(movie, name) or "").strip())


def plan_rows(train: Dataset, default_fusion: str) -> tuple[list[Row], list[dict]]:
    """All rows whose inputs some training movie has, and the skipped ones with the reason."""
    counts = {
        n: sum(has_input(m, n) for m in train)
        for n in ("overview", "title", "companies", "poster", "metadata")
    }
    rows = [Row("ours", s, f) for s in STUDY_SETS for f in FUSIONS]
    # everything the data has, when that is not a study set (the embedded default: title+companies+metadata)
    everything = tuple(n for n, c in counts.items() if c > 0)
    if len(everything) > 1 and everything not in STUDY_SETS:
        rows += [Row("ours", everything, f) for f in FUSIONS]
    rows += [Row("ours", s, default_fusion) for s in SINGLE_INPUTS]
    rows += [Row("replica", s, f) for s in STUDY_SETS for f in REPLICA_FUSIONS]
    rows += [Row("baseline", (), b) for b in BASELINE_NAMES]
    kept, skipped = [], []
    for row in rows:
        lacking = [n for n in row.inputs if counts[n] == 0]
        if lacking:
            skipped.append(
                {
                    "id": row.id,
                    "kind": row.kind,
                    "inputs": list(row.inputs),
                    "fusion": row.fusion,
                    "reason": f"the data has no {', '.join(lacking)}",
                }
            )
        else:
            kept.append(row)
    return kept, skipped


def _save_predictions(path: Path, proba: np.ndarray, pred: np.ndarray, weights=None) -> None:
    arrays = {"proba": proba.astype(np.float32), "pred": pred.astype(np.uint8)}
    if weights is not None:
        arrays["weights"] = np.asarray(weights, np.float32)
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez_compressed(tmp, **arrays)


class Runner:
    """Runs rows on one split; holds what rows share (labels, replica tensors)."""

    def __init__(
        self,
        dataset: Dataset,
        parts,
        out: Path,
        *,
        bootstrap: int,
        seed: int,
        replica_config=None,
        classifier_overrides: dict | None = None,
        progress: bool = False,
        cache_dir: str | Path | None = None,
    ):
        self.cache_dir = cache_dir
        self.dataset, (self.train, self.val, self.test) = dataset, parts
        self.out, self.bootstrap, self.seed, self.progress = out, bootstrap, seed, progress
        self.replica_config = replica_config
        self.overrides = dict(classifier_overrides or {})
        # the label columns every row is scored on: the training part's genres, like GenreClassifier's
        self.vocab = GenreVocabulary().fit(self.train)
        self.genres = self.vocab.genres_
        self.y = {p: self.vocab.transform(getattr(self, p)) for p in ("train", "val", "test")}
        self._replica_data = None

    def run(self, row: Row) -> dict:
        t0 = time.perf_counter()
        proba, pred, weights, extra = getattr(self, f"_run_{row.kind}")(row)
        report = _evaluate(self.y["test"], proba, pred, self.genres, self.bootstrap, self.seed)
        result = {
            "id": row.id,
            "kind": row.kind,
            "inputs": list(row.inputs),
            "fusion": row.fusion,
            "seconds": round(time.perf_counter() - t0, 2),
            "metrics": report,
            **extra,
        }
        if weights is not None:
            # mean over the test movies having each input; None when none has it (JSON has no NaN)
            seen = ~np.isnan(weights)
            means = np.where(seen.any(0), np.nansum(weights, 0) / np.maximum(seen.sum(0), 1), np.nan)
            result["mean_weights"] = {
                n: (float(w) if np.isfinite(w) else None) for n, w in zip(row.inputs, means, strict=True)
            }
        _save_predictions(self.out / "predictions" / f"{row.id}.npz", proba, pred, weights)
        return result

    def _run_ours(self, row: Row):
        from ..modeling.classifier import GenreClassifier  # torch: loaded when an "ours" row runs

        clf = GenreClassifier(
            inputs=list(row.inputs),
            fusion=row.fusion,
            seed=self.seed,
            cache_dir=self.cache_dir,
            **self.overrides,
        )
        clf.fit(self.train, self.val, progress=self.progress)
        if clf.genres_ != self.genres:
            raise MovieGenreError(f"classifier genres differ from the experiment's: {clf.genres_}")
        details = clf.predict_details(self.test)
        proba = np.array([[d["scores"][g] for g in self.genres] for d in details], np.float32)
        pred = clf.decide(proba)
        weights = None
        if details and details[0]["weights"] is not None:
            # per movie and input; NaN where the movie lacks the input, so means are over present movies
            weights = np.array(
                [
                    [d["weights"][n] if has_input(m, n) else np.nan for n in row.inputs]
                    for d, m in zip(details, self.test, strict=True)
                ],
                np.float32,
            )
        return proba, pred, weights, {"val_micro_f1": float(clf.val_report_["micro_f1"])}

    def _run_replica(self, row: Row):
        from .replica import REPLICA_INPUTS, ReplicaConfig, ReplicaInputs, predict_replica, train_replica

        cfg = self.replica_config or ReplicaConfig(seed=self.seed)
        movies = [*self.train, *self.val, *self.test]
        n_tr, n_va = len(self.train), len(self.val)
        if self._replica_data is None:
            # tokenize and decode posters once for all fourteen rows
            self._replica_data = ReplicaInputs.build(
                movies,
                np.arange(n_tr),
                REPLICA_INPUTS,
                cfg,
                cache_dir=self.cache_dir or default_cache_dir(),
                progress=self.progress,
            )
        y = np.concatenate([self.y["train"], self.y["val"], self.y["test"]])
        idx = np.arange(len(movies))
        net, thresholds, info = train_replica(
            self._replica_data,
            list(row.inputs),
            row.fusion,
            y,
            idx[:n_tr],
            idx[n_tr : n_tr + n_va],
            cfg,
            progress=self.progress,
        )
        proba = predict_replica(net, self._replica_data, list(row.inputs), idx[n_tr + n_va :])
        return proba, apply_thresholds(proba, thresholds, True), None, {"val_micro_f1": info["val_micro_f1"]}

    def _run_baseline(self, row: Row):
        proba, pred = run_baseline(row.fusion, self.y["train"], len(self.test))
        return proba, pred, None, {}


def _evaluate(y, proba, pred, genres, bootstrap, seed) -> dict:
    return evaluate_predictions(y, proba, pred, genres, bootstrap=bootstrap, seed=seed)
