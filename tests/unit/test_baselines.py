"""Trivial baselines and the threshold helpers, on label matrices small enough to check by eye."""

import numpy as np
import pytest

from moviegenre.experiment.baselines import all_negative, most_frequent_k, prior, run_baseline
from moviegenre.metrics import evaluate_predictions

# prevalence: 0.75, 0.5, 0.25, 0.0; median labels per movie = 1.5 -> k = 1
Y_TRAIN = np.array([[1, 1, 0, 0], [1, 0, 0, 0], [1, 1, 1, 0], [0, 0, 0, 0]], np.uint8)


def test_all_negative():
    proba, pred = all_negative(Y_TRAIN, 3)
    assert proba.shape == pred.shape == (3, 4)
    assert not proba.any() and not pred.any()


def test_prior_uses_training_prevalence():
    proba, pred = prior(Y_TRAIN, 2)
    assert proba[0] == pytest.approx([0.75, 0.5, 0.25, 0.0])
    assert pred.tolist() == [[1, 1, 0, 0]] * 2  # >= 0.5


def test_most_frequent_k():
    _, pred = most_frequent_k(Y_TRAIN, 2)
    assert pred.tolist() == [[1, 0, 0, 0]] * 2
    _, pred = most_frequent_k(Y_TRAIN, 1, k=3)
    assert pred.tolist() == [[1, 1, 1, 0]]


def test_baselines_go_through_metrics_without_crash():
    y_test = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [1, 0, 0, 0]], np.uint8)  # genres 2,3 absent
    for name in ("all_negative", "prior", "most_frequent_k"):
        proba, pred = run_baseline(name, Y_TRAIN, len(y_test))
        r = evaluate_predictions(y_test, proba, pred, list("abcd"))
        assert r["macro_roc_auc"] == pytest.approx(0.5)  # constant scores rank nothing
        assert set(r["skipped_genres"]) == {"c", "d"}
    with pytest.raises(ValueError, match="unknown baseline"):
        run_baseline("oracle", Y_TRAIN, 1)
