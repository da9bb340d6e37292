"""Metrics vs values computed by hand on a 4-movie x 3-genre case (genre C has no positives)."""

import json

import numpy as np
import pytest

from moviegenre.metrics import evaluate_predictions, study_auc

GENRES = ["A", "B", "C"]
Y = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 0], [0, 0, 0]], np.uint8)
PRED = np.array([[1, 0, 1], [0, 0, 0], [1, 1, 0], [1, 0, 0]], np.uint8)
PROBA = np.array([[0.9, 0.2, 0.6], [0.3, 0.15, 0.1], [0.8, 0.7, 0.2], [0.6, 0.1, 0.3]], np.float32)


@pytest.fixture  # per test (cheap): mutmut then credits each metric to the test that checks it
def report():
    return evaluate_predictions(Y, PROBA, PRED, GENRES)


def test_f1_family_by_hand(report):
    # A: tp2 fp1 fn0 -> F1 0.8; B: tp1 fp0 fn1 -> 2/3; C: tp0 fp1 -> 0 (defined, so it counts)
    assert report["micro_f1"] == pytest.approx(6 / 9)
    assert report["macro_f1"] == pytest.approx((0.8 + 2 / 3 + 0) / 3)
    assert report["weighted_f1"] == pytest.approx((0.8 * 2 + 2 / 3 * 2) / 4)
    assert report["samples_f1"] == pytest.approx((2 / 3 + 0 + 1 + 0) / 4)
    assert report["hamming_accuracy"] == pytest.approx(1 - 3 / 12)
    assert report["subset_accuracy"] == pytest.approx(0.25)


def test_ranking_metrics_skip_genre_without_positives(report):
    assert report["skipped_genres"] == ["C"]
    assert report["skipped_reasons"] == {"C": "no positives"}
    # A ranks perfectly; B has one of four pairs wrong (0.15 < 0.2)
    assert report["macro_roc_auc"] == pytest.approx((1.0 + 0.75) / 2)
    assert report["micro_roc_auc"] == pytest.approx(13 / 16)
    assert report["map"] == pytest.approx((1.0 + (1 + 2 / 3) / 2) / 2)
    assert report["per_genre"]["C"]["roc_auc"] is None
    assert report["per_genre"]["C"]["support"] == 0


def test_per_genre_by_hand(report):
    a = report["per_genre"]["A"]
    assert (a["precision"], a["recall"], a["f1"]) == pytest.approx((2 / 3, 1.0, 0.8))
    assert a["support"] == 2 and a["predicted"] == 3
    b = report["per_genre"]["B"]
    assert (b["precision"], b["recall"], b["roc_auc"]) == pytest.approx((1.0, 0.5, 0.75))


def test_study_metrics_by_hand(report):
    assert report["study_accuracy"] == pytest.approx(1 - 3.85 / 12)
    # per movie (TPR + TNR) / 2: 0.75, 0.5, 1.0; the all-negative movie has no AUC
    assert report["study_auc"] == pytest.approx(0.75)
    assert report["study_auc_movies"] == 3
    assert "study" in report["study_note"]


def test_study_auc_matches_sklearn_per_movie():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    y = (rng.random((30, 6)) < 0.3).astype(np.uint8)
    p = (rng.random((30, 6)) < 0.3).astype(np.uint8)
    rows = [i for i in range(30) if 0 < y[i].sum() < 6]
    expected = np.mean([roc_auc_score(y[i], p[i]) for i in rows])
    assert study_auc(y, p) == (pytest.approx(expected), len(rows))


def test_undefined_f1_is_left_out_of_macro():
    pred = PRED.copy()
    pred[:, 2] = 0  # C: no positives, no predictions -> undefined, not a zero
    r = evaluate_predictions(Y, PROBA, pred, GENRES)
    assert r["macro_f1"] == pytest.approx((0.8 + 2 / 3) / 2)
    assert r["per_genre"]["C"]["f1"] is None


def test_all_negative_model_scores_high_study_accuracy():
    y = np.zeros((10, 8), np.uint8)
    y[:, 0] = 1
    zeros = np.zeros_like(y)
    r = evaluate_predictions(y, zeros.astype(float), zeros, list("abcdefgh"))
    assert r["study_accuracy"] == pytest.approx(1 - 1 / 8)
    assert r["micro_f1"] == 0.0
    assert r["skipped_genres"] == list("abcdefgh")  # a: no negatives; the rest: no positives
    assert r["skipped_reasons"]["a"] == "no negatives"
    assert r["macro_roc_auc"] is None and r["map"] is None and r["micro_roc_auc"] is None


def test_bootstrap_intervals_are_deterministic_and_bracket_estimate():
    rng = np.random.default_rng(0)
    y = (rng.random((200, 5)) < 0.3).astype(np.uint8)
    p = np.clip(y * 0.6 + rng.random(y.shape) * 0.5, 0, 1)
    pred = (p >= 0.5).astype(np.uint8)
    r1 = evaluate_predictions(y, p, pred, list("abcde"), bootstrap=300, seed=3)
    r2 = evaluate_predictions(y, p, pred, list("abcde"), bootstrap=300, seed=3)
    assert r1["micro_f1_ci"] == r2["micro_f1_ci"]
    for key in ("micro_f1", "macro_f1"):
        lo, hi = r1[f"{key}_ci"]
        assert lo <= r1[key] <= hi and hi - lo < 0.2
    json.dumps(r1)  # the whole report is JSON-serialisable


def test_bad_shapes_are_clear_errors():
    with pytest.raises(ValueError, match="shapes"):
        evaluate_predictions(Y, PROBA[:, :2], PRED, GENRES)
    with pytest.raises(ValueError, match="genres"):
        evaluate_predictions(Y, PROBA, PRED, GENRES[:2])


def test_f1_from_counts_by_hand():
    from moviegenre.metrics import _f1_from_counts

    # genre 0: tp 2 fp 1 fn 1 → 4/6; genre 1: one miss (tp 0 fp 0 fn 1) → 0; genre 2: nothing → undefined
    tp, fp, fn = np.array([2.0, 0, 0]), np.array([1.0, 0, 0]), np.array([1.0, 1, 0])
    micro, macro = _f1_from_counts(tp, fp, fn)
    assert micro == pytest.approx(4 / 7)
    assert macro == pytest.approx((4 / 6 + 0) / 2)  # the undefined genre is left out, not scored 0
    assert _f1_from_counts(np.zeros(2), np.zeros(2), np.zeros(2)) == (0.0, 0.0)
    assert isinstance(micro, float) and isinstance(macro, float)


def _resampled_f1(y, pred, n, seed):
    """The bootstrap the slow way: index the movies of each resample and score them."""
    rng = np.random.default_rng(seed)
    micro, macro = [], []
    for _ in range(n):
        idx = rng.integers(0, len(y), len(y))
        yy, pp = y[idx].astype(bool), pred[idx].astype(bool)
        tp, fp, fn = (yy & pp).sum(0), (~yy & pp).sum(0), (yy & ~pp).sum(0)
        denom = 2 * tp + fp + fn
        micro.append(2 * tp.sum() / denom.sum())
        macro.append(np.mean(2 * tp[denom > 0] / denom[denom > 0]))
    return np.percentile(micro, [2.5, 97.5]), np.percentile(macro, [2.5, 97.5])


def test_bootstrap_matches_resampling_movies_one_by_one():
    from moviegenre.metrics import bootstrap_f1

    rng = np.random.default_rng(1)
    y = (rng.random((60, 4)) < [0.5, 0.3, 0.1, 0.02]).astype(np.uint8)
    pred = np.where(rng.random(y.shape) < 0.8, y, 1 - y).astype(np.uint8)
    got = bootstrap_f1(y, pred, 50, seed=7)
    micro, macro = _resampled_f1(y, pred, 50, 7)
    assert got["bootstrap"] == 50
    assert got["micro_f1_ci"] == pytest.approx(micro.tolist(), abs=1e-12)
    assert got["macro_f1_ci"] == pytest.approx(macro.tolist(), abs=1e-12)
    assert got["micro_f1_ci"][0] < got["micro_f1_ci"][1]
    assert bootstrap_f1(y, pred, 50, seed=8) != got  # the seed matters


def test_report_header_and_input_errors():
    r = evaluate_predictions(Y, PROBA, PRED, GENRES)
    assert (r["n_movies"], r["n_genres"], r["genres"]) == (4, 3, GENRES)
    one = evaluate_predictions(Y[:1], PROBA[:1], PRED[:1], GENRES)  # one movie is enough
    assert one["n_movies"] == 1 and one["micro_f1"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="no movies to evaluate"):
        evaluate_predictions(Y[:0], PROBA[:0], PRED[:0], GENRES)
    bad = PROBA.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="proba contains NaN or inf"):
        evaluate_predictions(Y, bad, PRED, GENRES)


def test_nothing_to_find_and_nothing_predicted_scores_zero_not_one():
    """No labels and no predictions: every F1 is undefined; the report says 0 (never a perfect 1)."""
    y = np.zeros((3, 2), np.uint8)
    r = evaluate_predictions(y, np.full((3, 2), 0.1), y, ["a", "b"])
    for key in ("micro_f1", "macro_f1", "weighted_f1", "samples_f1"):
        assert r[key] == 0.0, key


def test_cardinalities_and_average_precision(report):
    assert report["label_cardinality"] == pytest.approx(4 / 4)
    assert report["predicted_cardinality"] == pytest.approx(5 / 4)
    # A: positives at 0.9 and 0.8 ranked first → AP 1; B: positives at 0.7 (1st) and 0.15 (3rd) → (1 + 2/3) / 2
    assert report["per_genre"]["A"]["ap"] == pytest.approx(1.0)
    assert report["per_genre"]["B"]["ap"] == pytest.approx((1 + 2 / 3) / 2)


def test_report_bootstrap_uses_the_given_count_and_seed():
    from moviegenre.metrics import bootstrap_f1

    assert "micro_f1_ci" not in evaluate_predictions(Y, PROBA, PRED, GENRES)
    assert evaluate_predictions(Y, PROBA, PRED, GENRES, bootstrap=1)["bootstrap"] == 1
    r = evaluate_predictions(Y, PROBA, PRED, GENRES, bootstrap=20, seed=5)
    assert {k: r[k] for k in ("micro_f1_ci", "macro_f1_ci", "bootstrap")} == bootstrap_f1(Y, PRED, 20, 5)


def test_study_auc_leaves_out_movies_with_all_or_no_genres():
    y = np.array([[1, 1], [0, 0], [1, 0]], np.uint8)
    p = np.array([[1, 0], [1, 1], [1, 0]], np.uint8)
    assert study_auc(y, p) == (1.0, 1)  # only the last movie has a positive and a negative
    assert study_auc(y[:2], p[:2]) == (None, 0)
