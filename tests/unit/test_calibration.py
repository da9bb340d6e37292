"""Expected calibration error and the reliability bins vs values computed by hand."""

import numpy as np
import pytest

from moviegenre.metrics import calibration_report, expected_calibration_error, reliability_bins

# 3 movies x 2 genres; 4 bins with edges 0, .25, .5, .75, 1 (p = 1.0 falls in the last bin)
PROBA = np.array([[0.1, 0.2], [0.6, 0.9], [0.95, 1.0]])
Y = np.array([[0, 1], [1, 1], [0, 1]])


def test_ece_by_hand():
    # bin 0: p .1, .2 (mean .15), positives 1/2 -> |.15 - .5| x 2 cells
    # bin 2: p .6, positives 1/1               -> |.6 - 1|   x 1 cell
    # bin 3: p .9, .95, 1 (mean .95), 2/3      -> |.95 - 2/3| x 3 cells
    want = (0.35 * 2 + 0.4 * 1 + abs(0.95 - 2 / 3) * 3) / 6
    assert expected_calibration_error(Y, PROBA, bins=4) == pytest.approx(want)
    assert want == pytest.approx(0.325)


def test_bins_by_hand():
    bins = reliability_bins(Y, PROBA, bins=4)
    assert [b["count"] for b in bins] == [2, 0, 1, 3]
    assert bins[0]["mean_proba"] == pytest.approx(0.15) and bins[0]["positive_rate"] == pytest.approx(0.5)
    assert bins[1]["mean_proba"] is None and bins[1]["positive_rate"] is None
    assert bins[3]["low"] == 0.75 and bins[3]["high"] == 1.0


def test_macro_ece_is_the_mean_of_each_genres_own_ece():
    # genre 0: p .1 / .6 / .95 vs y 0 / 1 / 0 -> (.1 + .4 + .95) / 3; genre 1: (.8 + 2 x .05) / 3
    rep = calibration_report(Y, PROBA, bins=4)
    assert rep["ece"] == pytest.approx(0.325)
    assert rep["macro_ece"] == pytest.approx(((0.1 + 0.4 + 0.95) / 3 + (0.8 + 0.1) / 3) / 2)
    assert rep["n_bins"] == 4 and len(rep["bins"]) == 4


def test_calibrated_scores_have_zero_ece_and_default_is_15_bins():
    # in each bin the share of positives equals the probability: perfectly calibrated
    y = np.array([[1, 0, 0, 0, 0, 1, 1, 1, 1, 0]]).T
    p = np.array([[0.2] * 5 + [0.8] * 5]).T
    assert expected_calibration_error(y, p) == pytest.approx(0.0)
    assert len(calibration_report(y, p)["bins"]) == 15
    with pytest.raises(ValueError):
        calibration_report(y[:4], p)
