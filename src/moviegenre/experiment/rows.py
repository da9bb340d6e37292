"""The rows of the experiment table and how each is run (``moviegenre.experiment.run`` orchestrates).

Rows (``plan_rows``):

- ``ours``: the seven study input sets x {concat, sum, gated, late} with ``GenreClassifier``; each
  other input alone (title, companies, metadata, keywords, people, tagline; default fusion); "all
  signals" (every input the training part has; default fusion, plus ``ALL_SIGNALS_EXTRA_FUSIONS``); and all signals with one
  input left out, for each input (default fusion): which input matters most;
- ``replica``: the study's own model (``moviegenre.experiment.replica``) on the seven sets x {concat, sum};
- ``baseline``: all-negative, per-genre prior, most-frequent-k.

Every row is trained on the same train part, tuned on the same val part and scored on the same
test part; ``Runner.run`` returns the row's result dict (metrics and calibration) and writes its test
probabilities to ``DIR/predictions/<id>.npz`` for the plots. The all-signals row with the default
fusion also carries ``robustness``: the same trained model scored on the test part with each input
removed from every test movie (``without_input``: missing-modality robustness). Rows whose inputs
the data lacks are listed as skipped.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..config import INPUTS, FusionName, choices, default_cache_dir
from ..data.labels import GenreVocabulary
from ..errors import MovieGenreError
from ..files import atomic_path
from ..metrics import calibration_report, evaluate_predictions
from ..modeling.thresholds import apply_thresholds
from ..records import Dataset, Movie
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
# each input not already alone in a study set, alone with the default fusion
SINGLE_INPUTS = [(n,) for n in INPUTS if (n,) not in STUDY_SETS]
# fusions of the all-signals row besides the default one: none, for the time budget (measured on
# ../shared/data/movies, load ~5: concat 42 s, sum 28 s, gated 112 s; all below late's micro-F1)
ALL_SIGNALS_EXTRA_FUSIONS: tuple[str, ...] = ()
REPLICA_FUSIONS = ("concat", "sum")
BASELINE_NAMES = ("all_negative", "prior", "most_frequent_k")
# the Movie fields behind each input: blanking them (``without_input``) removes the input
INPUT_FIELDS: dict[str, tuple[str, ...]] = {
    "overview": ("overview",),
    "title": ("title",),
    "companies": ("companies",),
    "poster": ("poster", "poster_bytes"),
    "metadata": ("year", "runtime", "language", "country"),
    "keywords": ("keywords",),
    "people": ("director", "cast"),
    "tagline": ("tagline",),
}
ROBUSTNESS_METRICS = ("micro_f1", "macro_f1", "map", "macro_roc_auc")


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
    if name == "companies":  # () = none listed: known, and encoded as such
        return movie.companies is not None
    for f in INPUT_FIELDS[name]:
        v = getattr(movie, f)
        if isinstance(v, str):
            if v.strip():
                return True
        elif v not in (None, ()) and not (f == "runtime" and not v):  # runtime 0 = unknown
            return True
    return False


def without_input(movie: Movie, name: str) -> Movie:
    """A copy of ``movie`` with input ``name`` unknown (its fields None), as if the source lacked it."""
    return replace(movie, **dict.fromkeys(INPUT_FIELDS[name]))


def input_counts(movies) -> dict[str, int]:
    """Input → how many of ``movies`` have it (``INPUTS`` order)."""
    return {n: sum(has_input(m, n) for m in movies) for n in INPUTS}


def all_signals(train) -> tuple[str, ...]:
    """Every input some training movie has, in ``INPUTS`` order: the "all signals" row's inputs."""
    return tuple(n for n, c in input_counts(train).items() if c > 0)


def plan_rows(train: Dataset, default_fusion: str) -> tuple[list[Row], list[dict]]:
    """All rows whose inputs some training movie has, and the skipped ones with the reason."""
    counts = input_counts(train)
    everything = tuple(n for n, c in counts.items() if c > 0)  # all_signals(train), counted once
    rows = [Row("ours", s, f) for s in STUDY_SETS for f in FUSIONS]
    rows += [Row("ours", s, default_fusion) for s in SINGLE_INPUTS]
    if len(everything) > 1:
        fusions = [default_fusion, *(f for f in ALL_SIGNALS_EXTRA_FUSIONS if f != default_fusion)]
        rows += [Row("ours", everything, f) for f in fusions]
        # leave one out: which input the all-signals model misses most
        rows += [Row("ours", tuple(i for i in everything if i != n), default_fusion) for n in everything]
    rows += [Row("replica", s, f) for s in STUDY_SETS for f in REPLICA_FUSIONS]
    rows += [Row("baseline", (), b) for b in BASELINE_NAMES]
    kept, skipped, seen = [], [], set()
    for row in rows:
        if row.id in seen:  # e.g. a leave-one-out set that is a study set too
            continue
        seen.add(row.id)
        lacking = [n for n in row.inputs if counts[n] == 0]
        if lacking:
            skipped.append(
                {
                    "id": row.id,
                    "kind": row.kind,
                    "inputs": list(row.inputs),
                    "fusion": row.fusion,
                    "lacking": lacking,
                    "reason": f"the data has no {', '.join(lacking)}",
                }
            )
        else:
            kept.append(row)
    return kept, skipped


def skip_summary(skipped: list[dict]) -> str | None:
    """The skipped rows as one line, e.g. "42 rows skipped: the data has no overview, poster (list in
    results.json)"; None when nothing was skipped."""
    if not skipped:
        return None
    lacking = list(dict.fromkeys(n for s in skipped for n in s.get("lacking", ())))
    failed = [s for s in skipped if not s.get("lacking")]
    why = []
    if lacking:
        why.append(f"the data has no {', '.join(lacking)}")
    if failed:
        why.append(f"{len(failed)} failed ({failed[0]['reason']}{', ...' if len(failed) > 1 else ''})")
    n = len(skipped)
    return f"{n} row{'s' if n != 1 else ''} skipped: {'; '.join(why)} (list in results.json)"


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
        default_fusion: str = "late",
    ):
        self.cache_dir = cache_dir
        self.default_fusion = default_fusion
        self.dataset, (self.train, self.val, self.test) = dataset, parts
        self.out, self.bootstrap, self.seed, self.progress = out, bootstrap, seed, progress
        self.replica_config = replica_config
        self.overrides = dict(classifier_overrides or {})
        # the label columns every row is scored on: the training part's genres, like GenreClassifier's
        self.vocab = GenreVocabulary().fit(self.train)
        self.genres = self.vocab.genres_
        self.y = {p: self.vocab.transform(getattr(self, p)) for p in ("train", "val", "test")}
        self._replica_data = None
        self._replica_single: dict[tuple[str, ...], tuple] = {}
        # late-fusion heads fitted by one row and reused by the next on the same inputs (the rows
        # share their split, so "all signals but X" costs only its stacker); built with the first row
        self.head_cache = None
        # the row whose trained model is also scored with each input removed at test time
        everything = all_signals(self.train)
        self.robustness_row = Row("ours", everything, default_fusion) if len(everything) > 1 else None

    def run(self, row: Row) -> dict:
        t0, cpu0 = time.perf_counter(), time.process_time()
        proba, pred, weights, extra = getattr(self, f"_run_{row.kind}")(row)
        report = _evaluate(self.y["test"], proba, pred, self.genres, self.bootstrap, self.seed)
        result = {
            "id": row.id,
            "kind": row.kind,
            "inputs": list(row.inputs),
            "fusion": row.fusion,
            "seconds": round(time.perf_counter() - t0, 2),
            "cpu_seconds": round(time.process_time() - cpu0, 2),  # all threads: the machine may be shared
            "metrics": report,
            # calibration of the probabilities over every test movie x genre cell (ECE, 15 bins)
            "calibration": calibration_report(self.y["test"], proba),
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
        from ..modeling.head_cache import HeadCache

        if self.head_cache is None:
            self.head_cache = HeadCache()
        clf = GenreClassifier(
            inputs=list(row.inputs),
            fusion=row.fusion,
            seed=self.seed,
            cache_dir=self.cache_dir,
            **self.overrides,
        )
        clf.fit(self.train, self.val, progress=self.progress, head_cache=self.head_cache)
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
        extra = {"val_micro_f1": float(clf.val_report_["micro_f1"])}
        if row == self.robustness_row:
            extra["robustness"] = self.robustness(clf, row.inputs)
        return proba, pred, weights, extra

    def robustness(self, clf, inputs) -> dict:
        """Input → the trained ``clf`` scored on the test part with that input removed from every
        test movie (``without_input``): ``ROBUSTNESS_METRICS`` plus how many test movies had it."""
        out = {}
        for name in inputs:
            test = [without_input(m, name) for m in self.test]
            proba = clf.predict_proba(test)
            report = _evaluate(self.y["test"], proba, clf.decide(proba), self.genres, 0, self.seed)
            out[name] = {
                "test_movies_with_input": int(sum(has_input(m, name) for m in self.test)),
                **{k: report[k] for k in ROBUSTNESS_METRICS},
            }
        return out

    def _run_replica(self, row: Row):
        from .replica import REPLICA_INPUTS, ReplicaConfig, ReplicaInputs, predict_replica, train_replica

        if len(row.inputs) == 1 and row.inputs in self._replica_single:
            # one input: concat and sum build the same network from the same seed, so the same row
            return self._replica_single[row.inputs]
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
        out = proba, apply_thresholds(proba, thresholds, True), None, {"val_micro_f1": info["val_micro_f1"]}
        if len(row.inputs) == 1:
            self._replica_single[row.inputs] = out
        return out

    def _run_baseline(self, row: Row):
        proba, pred = run_baseline(row.fusion, self.y["train"], len(self.test))
        return proba, pred, None, {}


def _evaluate(y, proba, pred, genres, bootstrap, seed) -> dict:
    return evaluate_predictions(y, proba, pred, genres, bootstrap=bootstrap, seed=seed)
