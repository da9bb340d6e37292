"""From logits to genres: the sigmoid, per-genre thresholds tuned on validation, applying them.

``sigmoid(logits [N, G])`` → probabilities ``float32 [N, G]``.
``tune_thresholds(y [N, G] uint8, proba [N, G] float, objective)`` → ``float32 [G]``.
``apply_thresholds(proba [N, G], thresholds [G], at_least_one)`` → ``uint8 [N, G]``.
Pure numpy: used at inference, so no training-only imports here.
"""

from __future__ import annotations

import numpy as np

GRID = np.round(np.arange(0.02, 0.96, 0.01), 2)  # candidate thresholds
DEFAULT = 0.5  # for a genre with no positive in validation: nothing to tune on


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Probabilities ``float32``, same shape; logits clipped to ±30 so ``exp`` never overflows."""
    return (1.0 / (1.0 + np.exp(-np.clip(np.asarray(x, dtype=np.float32), -30, 30)))).astype(np.float32)


def _counts(y: np.ndarray, proba: np.ndarray, grid: np.ndarray):
    """True positives, predicted positives per (threshold, genre): ``[T, G]`` each."""
    pred = proba[None, :, :] >= grid[:, None, None]  # [T, N, G]
    tp = (pred & (y[None] > 0)).sum(1)
    return tp.astype(np.float64), pred.sum(1).astype(np.float64)


def tune_thresholds(
    y: np.ndarray,
    proba: np.ndarray,
    objective: str = "micro",
    grid=GRID,
    passes: int = 2,
    macro_weight: float = 0.5,
) -> np.ndarray:
    """Thresholds ``[G]`` maximising each genre's F1 (``per_genre``), the overall micro-F1 (``micro``)
    or ``(1 - macro_weight) · micro-F1 + macro_weight · macro-F1`` (``balanced``).

    ``micro`` and ``balanced`` start from the per-genre optimum and then do coordinate ascent: a genre's
    threshold moves only when that raises the objective. Micro-F1 alone favours the frequent genres
    it weighs most and starves the rare ones (raising their thresholds until they are seldom
    predicted); the macro term gives every genre the same say. Genres without positives in ``y``
    keep ``DEFAULT``.
    """
    if objective not in ("micro", "per_genre", "balanced"):
        raise ValueError(f"unknown threshold objective {objective!r}")
    y = np.asarray(y) > 0
    proba = np.asarray(proba, dtype=np.float64)
    grid = np.asarray(grid, dtype=np.float64)
    n_genres = y.shape[1]
    pos = y.sum(0).astype(np.float64)  # [G]
    tp, pp = _counts(y, proba, grid)
    f1 = np.where(pos + pp > 0, 2 * tp / np.maximum(pos + pp, 1e-12), 0.0)  # [T, G]
    # ties → the middle of the best run of thresholds, which is steadier than its first edge
    best = np.empty(n_genres, dtype=int)
    for g in range(n_genres):
        ties = np.flatnonzero(f1[:, g] >= f1[:, g].max() - 1e-12)
        best[g] = ties[len(ties) // 2]
    if objective != "per_genre":
        w = macro_weight if objective == "balanced" else 0.0
        total_pos, cols, scored = pos.sum(), np.arange(n_genres), max(int((pos > 0).sum()), 1)
        for _ in range(passes):
            for g in np.flatnonzero(pos > 0):
                tp_rest = tp[best, cols].sum() - tp[best[g], g]
                pp_rest = pp[best, cols].sum() - pp[best[g], g]
                micro = 2 * (tp_rest + tp[:, g]) / np.maximum(total_pos + pp_rest + pp[:, g], 1e-12)
                score = micro
                if w > 0:
                    macro = (f1[best, cols].sum() - f1[best[g], g] + f1[:, g]) / scored
                    score = (1 - w) * micro + w * macro
                ties = np.flatnonzero(score >= score.max() - 1e-12)
                best[g] = ties[len(ties) // 2]
    out = grid[best].astype(np.float32)
    out[pos == 0] = DEFAULT
    return out


def apply_thresholds(proba: np.ndarray, thresholds: np.ndarray, at_least_one: bool = False) -> np.ndarray:
    """0/1 predictions ``uint8 [N, G]``; with ``at_least_one`` an empty row gets its most probable genre.

    "Most probable" is measured relative to each genre's threshold (``proba / threshold``) so a
    rare genre with a low threshold is not drowned by a frequent one that merely missed its own.
    """
    proba = np.asarray(proba, dtype=np.float32)
    thresholds = np.asarray(thresholds, dtype=np.float32)
    pred = (proba >= thresholds[None, :]).astype(np.uint8)
    if at_least_one and pred.size:
        empty = pred.sum(1) == 0
        if empty.any():
            best = np.argmax(proba[empty] / np.maximum(thresholds[None, :], 1e-6), axis=1)
            pred[np.flatnonzero(empty), best] = 1
    return pred
