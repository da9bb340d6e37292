"""Threshold tuning and application on hand-computed cases."""

import numpy as np
import pytest

from moviegenre.modeling.thresholds import DEFAULT, apply_thresholds, tune_thresholds


def test_per_genre_threshold_separates_a_separable_genre():
    y = np.array([[1], [1], [0], [0]], np.uint8)
    p = np.array([[0.9], [0.7], [0.3], [0.1]])
    (t,) = tune_thresholds(y, p, objective="per_genre")
    assert 0.3 < t <= 0.7  # any threshold in (0.3, 0.7] gives F1 = 1
    assert apply_thresholds(p, [t]).ravel().tolist() == [1, 1, 0, 0]


def test_hand_computed_f1_optimum():
    # positives at 0.8 and 0.4, negative at 0.6: threshold ≤ 0.4 → P=2/3 R=1 F1=0.8;
    # (0.4, 0.6] → P=1/2 R=1/2 F1=0.5; (0.6, 0.8] → P=1 R=1/2 F1=2/3. Best: ≤ 0.4.
    y = np.array([[1], [0], [1], [0]], np.uint8)
    p = np.array([[0.8], [0.6], [0.4], [0.05]])
    (t,) = tune_thresholds(y, p, objective="per_genre")
    assert 0.05 < t <= 0.4


def test_genre_without_positives_keeps_the_default():
    y = np.array([[1, 0], [0, 0], [1, 0]], np.uint8)
    p = np.array([[0.9, 0.8], [0.2, 0.1], [0.8, 0.3]])
    for objective in ("micro", "per_genre", "balanced"):
        t = tune_thresholds(y, p, objective=objective)
        assert t[1] == pytest.approx(DEFAULT)


def test_micro_objective_never_lowers_micro_f1_on_the_tuning_data():
    rng = np.random.default_rng(0)
    y = (rng.random((200, 6)) < [0.5, 0.3, 0.2, 0.1, 0.05, 0.02]).astype(np.uint8)
    p = np.clip(y * 0.3 + rng.random(y.shape) * 0.7, 0, 1)

    def micro(t):
        pred = apply_thresholds(p, t)
        tp = (pred & y).sum()
        return 2 * tp / (pred.sum() + y.sum())

    assert micro(tune_thresholds(y, p, "micro")) >= micro(tune_thresholds(y, p, "per_genre")) - 1e-12


def _f1s(y, p, t):
    pred = apply_thresholds(p, t).astype(bool)
    tp, pp, pos = (pred & (y > 0)).sum(0), pred.sum(0), (y > 0).sum(0)
    per = np.where(pp + pos > 0, 2 * tp / np.maximum(pp + pos, 1), 0.0)
    return 2 * tp.sum() / (pp.sum() + pos.sum()), per.mean()


def test_balanced_objective_does_not_starve_a_rare_genre():
    """Micro-F1 alone silences a rare genre that is hard to rank; the balanced objective keeps it,
    at a small cost in micro-F1; with no weight on macro-F1 it is the micro objective."""
    rng = np.random.default_rng(2)
    n = 2000
    common = (rng.random(n) < 0.5).astype(np.uint8)
    rare = (rng.random(n) < 0.05).astype(np.uint8)
    y = np.stack([common, rare], 1)
    logits = np.stack([6 * (common - 0.5), -3 + 1.5 * rare], 1) + rng.normal(size=(n, 2))
    p = 1 / (1 + np.exp(-logits))
    micro_t = tune_thresholds(y, p, "micro")
    bal_t = tune_thresholds(y, p, "balanced")
    (micro_a, macro_a), (micro_b, macro_b) = _f1s(y, p, micro_t), _f1s(y, p, bal_t)
    assert apply_thresholds(p, micro_t)[:, 1].sum() < rare.sum() / 2  # the rare genre is starved
    assert macro_b > macro_a + 0.02 and micro_b > micro_a - 0.02
    assert bal_t[1] < micro_t[1]
    assert np.array_equal(tune_thresholds(y, p, "balanced", macro_weight=0.0), micro_t)


def test_at_least_one_picks_the_genre_closest_to_its_threshold():
    p = np.array([[0.2, 0.1, 0.05], [0.9, 0.1, 0.6]], np.float32)
    t = np.array([0.5, 0.15, 0.5], np.float32)
    assert apply_thresholds(p, t).tolist() == [[0, 0, 0], [1, 0, 1]]
    # row 0: ratios 0.4, 0.67, 0.1 → the second genre
    assert apply_thresholds(p, t, at_least_one=True).tolist() == [[0, 1, 0], [1, 0, 1]]


def test_unknown_objective_is_an_error():
    with pytest.raises(ValueError):
        tune_thresholds(np.zeros((2, 1)), np.zeros((2, 1)), objective="nope")


def test_sigmoid_values_dtype_and_no_overflow():
    from moviegenre.modeling.thresholds import sigmoid

    out = sigmoid(np.array([[0.0, 2.0, -2.0, 1000.0, -1000.0]], np.float64))
    assert out.dtype == np.float32 and out.shape == (1, 5)
    assert out[0, :3].tolist() == pytest.approx([0.5, 1 / (1 + np.exp(-2)), 1 / (1 + np.exp(2))], abs=1e-7)
    # clipped at ±30: finite, and not exactly 0 / 1 for the extremes
    assert out[0, 3] == pytest.approx(1.0) and 0 < out[0, 4] < 1e-12


def test_ties_give_the_middle_of_the_best_run():
    """Every threshold in (0.3, 0.7] separates these: 0.31 ... 0.70 on the grid, the middle is 0.51
    (steadier than the first edge); the micro ascent on one genre keeps it."""
    y = np.array([[1], [1], [0], [0]], np.uint8)
    p = np.array([[0.9], [0.7], [0.3], [0.1]])
    for objective in ("per_genre", "micro", "balanced"):
        assert tune_thresholds(y, p, objective).tolist() == pytest.approx([0.51]), objective


def test_defaults_types_and_error_message():
    rng = np.random.default_rng(3)
    y = (rng.random((50, 3)) < 0.4).astype(np.uint8)
    p = rng.random((50, 3))
    t = tune_thresholds(y, p)
    assert t.dtype == np.float32 and t.shape == (3,)
    assert np.array_equal(t, tune_thresholds(y, p, "micro"))  # the function's default objective
    with pytest.raises(ValueError, match="unknown threshold objective 'nope'"):
        tune_thresholds(y, p, objective="nope")


def test_a_probability_equal_to_its_threshold_is_a_positive():
    from moviegenre.modeling.thresholds import _counts

    y = np.array([[1], [0]], np.uint8)
    p = np.array([[0.3], [0.1]])
    tp, pp = _counts(y, p, np.array([0.3]))
    assert tp.tolist() == [[1.0]] and pp.tolist() == [[1.0]]
    assert apply_thresholds(np.array([[0.3]], np.float32), np.array([0.3], np.float32)).tolist() == [[1]]


def test_decisions_are_taken_in_float32_like_the_models_outputs():
    """Thresholds are stored as float32; a float64 probability (or threshold) equal to it after
    rounding to float32 decides the same way."""
    assert apply_thresholds(np.array([[0.3]], np.float64), np.float32([0.3])).tolist() == [[1]]
    assert apply_thresholds(np.float32([[0.3]]), np.array([0.300000012])).tolist() == [[1]]


def test_at_least_one_fills_every_empty_row_with_its_own_best_genre():
    p = np.array([[0.2, 0.1, 0.05], [0.01, 0.02, 0.4], [0.9, 0.1, 0.6], [0.3, 0.01, 0.01]], np.float32)
    t = np.array([0.5, 0.15, 0.5], np.float32)
    assert apply_thresholds(p, t, at_least_one=True).tolist() == [[0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 0, 0]]


def test_a_genre_without_positives_does_not_move_the_others():
    """A genre nobody has (and the model never predicts) changes neither the micro- nor the
    macro-F1 the ascent weighs for the other genres."""
    rng = np.random.default_rng(4)
    y = (rng.random((300, 3)) < [0.4, 0.2, 0.08]).astype(np.uint8)
    p = np.clip(y * 0.3 + rng.random(y.shape) * 0.7, 0, 1)
    y4 = np.hstack([y, np.zeros((300, 1), np.uint8)])
    p4 = np.hstack([p, np.full((300, 1), 0.01)])
    for objective in ("micro", "balanced"):
        assert np.array_equal(tune_thresholds(y4, p4, objective)[:3], tune_thresholds(y, p, objective))


def _exhaustive_best(y, p, grid, weight):
    def score(t):
        pred = apply_thresholds(p, t).astype(bool)
        tp, pp, pos = (pred & (y > 0)).sum(0), pred.sum(0), (y > 0).sum(0)
        per = np.where(pp + pos > 0, 2 * tp / np.maximum(pp + pos, 1), 0.0)
        return (1 - weight) * 2 * tp.sum() / (pp.sum() + pos.sum()) + weight * per.mean()

    return score, max(score([a, b]) for a in grid for b in grid)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("objective", ["micro", "balanced"])
def test_ascent_reaches_the_exhaustive_optimum_on_two_genres(objective, seed):
    """Two genres (one of them with a single positive), a coarse grid: every pair can be tried, and
    the ascent's thresholds score as well as the best pair on the objective's own blend."""
    rng = np.random.default_rng(seed)
    y = np.zeros((80, 2), np.uint8)
    y[:, 0] = rng.random(80) < 0.4
    y[rng.integers(80), 1] = 1
    p = np.clip(y * 0.3 + rng.random(y.shape) * 0.7, 0, 1)
    grid = np.round(np.arange(0.05, 1.0, 0.05), 2)
    weight = 0.5 if objective == "balanced" else 0.0
    score, best = _exhaustive_best(y, p, grid, weight)
    assert score(tune_thresholds(y, p, objective, grid=grid, passes=3)) == pytest.approx(best)


def _blend(y, p, t, weight=0.5):
    """(1 - weight) · micro-F1 + weight · macro-F1 over the genres that have a positive."""
    pred = apply_thresholds(p, t).astype(bool)
    tp, pp, pos = (pred & (y > 0)).sum(0), pred.sum(0), (y > 0).sum(0)
    ok = pos > 0
    macro = (2 * tp[ok] / (pp[ok] + pos[ok])).mean()
    return (1 - weight) * 2 * tp.sum() / (pp.sum() + pos.sum()) + weight * macro


@pytest.mark.parametrize("seed", [6, 15])
def test_balanced_thresholds_are_a_coordinate_optimum_of_the_blend(seed):
    """Run to convergence, no single genre's threshold can be moved on the grid to raise the blend
    — the blend as defined: macro-F1 over genres with a positive (here one genre has none and one
    a single positive), micro-F1 over all."""
    from moviegenre.modeling.thresholds import GRID

    rng = np.random.default_rng(seed)
    y = (rng.random((300, 3)) < [0.4, 0.2, 0.0]).astype(np.uint8)
    y[rng.integers(300), 2] = 1
    p = np.clip(y * 0.3 + rng.random(y.shape) * 0.7, 0, 1)
    y = np.hstack([y, np.zeros((300, 1), np.uint8)])
    p = np.hstack([p, np.full((300, 1), 0.01)])
    t = tune_thresholds(y, p, "balanced", passes=10)
    best = _blend(y, p, t)
    for g in range(3):
        for v in GRID:
            moved = t.copy()
            moved[g] = v
            assert _blend(y, p, moved) <= best + 1e-9, (g, v)
