"""The metrics report: standard multi-label metrics plus, clearly labelled, the study's two numbers.

``evaluate_predictions(y_true, proba, y_pred, genres)`` returns one JSON-serialisable dict:

- ``micro_f1`` ``macro_f1`` ``weighted_f1`` ``samples_f1`` (from ``y_pred``); macro F1 averages the
  genres where F1 is defined (a genre with no positives *and* no predictions is left out, not scored 0);
- ``macro_roc_auc`` ``micro_roc_auc`` ``map`` (from ``proba``) over the genres that have positives and
  negatives in the evaluation set; the others are listed in ``skipped_genres`` (reasons in
  ``skipped_reasons``) -- never a crash;
- ``hamming_accuracy`` (1 - Hamming loss) and ``subset_accuracy`` (exact match);
- ``per_genre``: precision, recall, F1, ROC-AUC, AP, support, predicted count;
- ``micro_f1_ci`` / ``macro_f1_ci``: bootstrap 95% intervals over movies (when ``bootstrap > 0``);
- ``study_accuracy``: the study's "accuracy", 1 - mean |p - y| over every movie x genre cell on
  *probabilities* (an all-negative model scores about 1 - label density, ~0.88);
- ``study_auc``: the study's "AUC", ROC-AUC of the thresholded 0/1 predictions against the labels,
  computed per movie and averaged over movies that have both a positive and a negative genre.

Calibration (``calibration_report``, separate from the report above): ``expected_calibration_error``
over equal-width probability bins, every movie x genre cell one prediction, and per genre averaged.
"""

from __future__ import annotations

import math

import numpy as np

STUDY_NOTE = (
    "study_accuracy and study_auc reproduce the 2018 study's definitions for comparison only: "
    "'accuracy' = 1 - mean|p - y| over all cells (all-negative scores ~0.88), "
    "'AUC' = ROC-AUC on thresholded 0/1 predictions per movie, averaged."
)


# The report's scalar metrics in display order (the CLI table, results.csv, the model card).
HEADLINE_METRICS = (
    "micro_f1",
    "macro_f1",
    "weighted_f1",
    "samples_f1",
    "macro_roc_auc",
    "micro_roc_auc",
    "map",
    "hamming_accuracy",
    "subset_accuracy",
    "study_accuracy",
    "study_auc",
)


def _num(x) -> float | None:
    """A JSON-friendly float: NaN/inf become None."""
    x = float(x)
    return x if math.isfinite(x) else None


def _check(y_true, proba, y_pred, genres) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true).astype(np.uint8)
    proba = np.asarray(proba, dtype=np.float64)
    y_pred = np.asarray(y_pred).astype(np.uint8)
    if y_true.ndim != 2 or proba.shape != y_true.shape or y_pred.shape != y_true.shape:
        raise ValueError(
            f"shapes differ: y_true {y_true.shape}, proba {proba.shape}, y_pred {y_pred.shape} (want [N, G])"
        )
    if y_true.shape[1] != len(genres):
        raise ValueError(f"{y_true.shape[1]} label columns but {len(genres)} genres")
    if not np.isfinite(proba).all():
        raise ValueError("proba contains NaN or inf")
    return y_true, proba, y_pred


def study_accuracy(y_true: np.ndarray, proba: np.ndarray) -> float:
    """The study's "accuracy": 1 - mean |p - y| over every movie x genre cell. ``[N, G]`` each."""
    return float(1.0 - np.abs(np.asarray(proba, float) - np.asarray(y_true, float)).mean())


def study_auc(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[float | None, int]:
    """The study's "AUC": per movie, ROC-AUC of 0/1 predictions vs labels; mean over movies.

    Movies whose label row is all 0 or all 1 have no AUC and are left out. With binary scores the
    AUC equals (TPR + TNR) / 2, which is what ``roc_auc_score`` gives; computed vectorised here.
    Returns (mean AUC or None, number of movies used).
    """
    y_true = np.asarray(y_true, bool)
    y_pred = np.asarray(y_pred, bool)
    pos = y_true.sum(1)
    neg = y_true.shape[1] - pos
    ok = (pos > 0) & (neg > 0)
    if not ok.any():
        return None, 0
    tpr = (y_true & y_pred).sum(1)[ok] / pos[ok]
    tnr = (~y_true & ~y_pred).sum(1)[ok] / neg[ok]
    return float(((tpr + tnr) / 2).mean()), int(ok.sum())


def reliability_bins(y_true, proba, bins: int = 15) -> list[dict]:
    """Equal-width bins of the probabilities: per bin its edges, cell count, mean probability and
    share of positives (``None`` for an empty bin). ``y_true``/``proba``: any shape, e.g. ``[N, G]``;
    every cell counts. Bin ``b`` holds ``b/bins <= p < (b+1)/bins``, the last one also ``p = 1``."""
    y = np.asarray(y_true, np.float64).ravel()
    p = np.asarray(proba, np.float64).ravel()
    if y.shape != p.shape:
        raise ValueError(f"shapes differ: y_true {np.shape(y_true)}, proba {np.shape(proba)}")
    if bins < 1:
        raise ValueError(f"bins must be >= 1, got {bins}")
    idx = np.clip(np.floor(p * bins).astype(np.int64), 0, bins - 1)
    count = np.bincount(idx, minlength=bins)
    sum_p = np.bincount(idx, weights=p, minlength=bins)
    sum_y = np.bincount(idx, weights=y, minlength=bins)
    out = []
    for b in range(bins):
        n = int(count[b])
        out.append(
            {
                "low": b / bins,
                "high": (b + 1) / bins,
                "count": n,
                "mean_proba": float(sum_p[b] / n) if n else None,
                "positive_rate": float(sum_y[b] / n) if n else None,
            }
        )
    return out


def expected_calibration_error(y_true, proba, bins: int = 15) -> float | None:
    """ECE: ``sum_b (n_b / n) * |mean p in b - share of positives in b|`` over equal-width bins
    (``reliability_bins``), every cell of ``[N, G]`` one prediction. None when there are no cells."""
    return _ece_of(reliability_bins(y_true, proba, bins))


def _ece_of(table: list[dict]) -> float | None:
    total = sum(b["count"] for b in table)
    if total == 0:
        return None
    return float(
        sum(b["count"] * abs(b["mean_proba"] - b["positive_rate"]) for b in table if b["count"]) / total
    )


def calibration_report(y_true, proba, bins: int = 15) -> dict:
    """``ece`` over every movie x genre cell, ``macro_ece`` (mean of each genre's own ECE over its
    column), and the ``bins`` of the reliability diagram. ``y_true``, ``proba``: ``[N, G]``."""
    y = np.asarray(y_true, np.float64)
    p = np.asarray(proba, np.float64)
    if y.ndim != 2 or y.shape != p.shape:
        raise ValueError(f"shapes differ: y_true {y.shape}, proba {p.shape} (want [N, G])")
    per_genre = [expected_calibration_error(y[:, g], p[:, g], bins) for g in range(y.shape[1])]
    per_genre = [e for e in per_genre if e is not None]
    table = reliability_bins(y, p, bins)
    return {
        "n_bins": bins,
        "ece": _ece_of(table),
        "macro_ece": float(np.mean(per_genre)) if per_genre else None,
        "bins": table,
    }


def _f1_from_counts(tp, fp, fn) -> tuple[float, float]:
    """Micro and macro F1 from per-genre counts ``[G]`` (macro over genres where F1 is defined)."""
    denom = 2 * tp + fp + fn
    micro = 2 * tp.sum() / denom.sum() if denom.sum() > 0 else 0.0
    defined = denom > 0
    macro = (2 * tp[defined] / denom[defined]).mean() if defined.any() else 0.0
    return float(micro), float(macro)


def bootstrap_f1(y_true, y_pred, n: int, seed: int = 0) -> dict:
    """95% percentile intervals of micro/macro F1 over ``n`` resamples of movies (with replacement).

    Each resample is a vector of per-movie counts ``[N]``, so the per-genre TP/FP/FN are one matrix
    product each -- thousands of resamples take well under a second.
    """
    y_true = np.asarray(y_true, np.float64)
    y_pred = np.asarray(y_pred, np.float64)
    num = y_true.shape[0]
    rng = np.random.default_rng(seed)
    tp_m, fp_m, fn_m = y_true * y_pred, (1 - y_true) * y_pred, y_true * (1 - y_pred)
    micro, macro = [], []
    for _ in range(n):
        w = np.bincount(rng.integers(0, num, num), minlength=num).astype(np.float64)
        mi, ma = _f1_from_counts(w @ tp_m, w @ fp_m, w @ fn_m)
        micro.append(mi)
        macro.append(ma)
    q = [2.5, 97.5]
    return {
        "micro_f1_ci": [float(v) for v in np.percentile(micro, q)],
        "macro_f1_ci": [float(v) for v in np.percentile(macro, q)],
        "bootstrap": int(n),
    }


def evaluate_predictions(y_true, proba, y_pred, genres: list[str], bootstrap: int = 0, seed: int = 0) -> dict:
    """The full metrics report (see the module docstring). ``y_true``/``y_pred`` uint8 ``[N, G]``,
    ``proba`` float ``[N, G]``, ``genres`` the ``G`` column names."""
    from sklearn.metrics import (
        accuracy_score,
        average_precision_score,
        f1_score,
        hamming_loss,
        precision_recall_fscore_support,
        roc_auc_score,
    )

    genres = list(genres)
    y_true, proba, y_pred = _check(y_true, proba, y_pred, genres)
    num, num_genres = y_true.shape
    report: dict = {"n_movies": int(num), "n_genres": int(num_genres), "genres": genres}
    if num == 0:
        raise ValueError("no movies to evaluate")

    # F1 family. zero_division=nan drops undefined per-genre F1 (no positives, no predictions) from
    # the macro mean instead of counting it as 0 -- the genre simply was not in play.
    report["micro_f1"] = float(f1_score(y_true, y_pred, average="micro", zero_division=0))
    macro = f1_score(y_true, y_pred, average="macro", zero_division=np.nan)
    report["macro_f1"] = _num(macro) if not np.isnan(macro) else 0.0
    report["weighted_f1"] = float(f1_score(y_true, y_pred, average="weighted", zero_division=0))
    report["samples_f1"] = float(f1_score(y_true, y_pred, average="samples", zero_division=0))
    report["hamming_accuracy"] = float(1.0 - hamming_loss(y_true, y_pred))
    report["subset_accuracy"] = float(accuracy_score(y_true, y_pred))

    # Ranking metrics need both classes per genre; the rest are listed, not fatal.
    pos = y_true.sum(0)
    skipped_reasons = {}
    for g, name in enumerate(genres):
        if pos[g] == 0:
            skipped_reasons[name] = "no positives"
        elif pos[g] == num:
            skipped_reasons[name] = "no negatives"
    valid = np.array([name not in skipped_reasons for name in genres], bool)
    report["skipped_genres"] = [g for g in genres if g in skipped_reasons]
    report["skipped_reasons"] = skipped_reasons
    auc_g = np.full(num_genres, np.nan)
    ap_g = np.full(num_genres, np.nan)
    for g in np.flatnonzero(valid):
        auc_g[g] = roc_auc_score(y_true[:, g], proba[:, g])
        ap_g[g] = average_precision_score(y_true[:, g], proba[:, g])
    if valid.any():
        report["macro_roc_auc"] = float(np.nanmean(auc_g[valid]))
        report["map"] = float(np.nanmean(ap_g[valid]))
        report["micro_roc_auc"] = float(roc_auc_score(y_true[:, valid].ravel(), proba[:, valid].ravel()))
    else:
        report["macro_roc_auc"] = report["map"] = report["micro_roc_auc"] = None

    # the study's numbers, kept apart by name
    report["study_accuracy"] = study_accuracy(y_true, proba)
    report["study_auc"], report["study_auc_movies"] = study_auc(y_true, y_pred)
    report["study_note"] = STUDY_NOTE

    prec, rec, f1, _ = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=np.nan)
    report["per_genre"] = {
        name: {
            "precision": _num(prec[g]),
            "recall": _num(rec[g]),
            "f1": _num(f1[g]),
            "roc_auc": _num(auc_g[g]),
            "ap": _num(ap_g[g]),
            "support": int(pos[g]),
            "predicted": int(y_pred[:, g].sum()),
        }
        for g, name in enumerate(genres)
    }
    report["label_cardinality"] = float(y_true.sum(1).mean())
    report["predicted_cardinality"] = float(y_pred.sum(1).mean())
    if bootstrap > 0:
        report.update(bootstrap_f1(y_true, y_pred, bootstrap, seed))
    return report
