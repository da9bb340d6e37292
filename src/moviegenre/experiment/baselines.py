"""Trivial baselines on label matrices: the floor every real model has to clear.

Each baseline sees only the training labels ``y_train`` uint8 ``[N_train, G]`` (no movie content) and
returns ``(proba float32 [N, G], pred uint8 [N, G])`` for ``N`` evaluation movies:

- ``all_negative``: predicts no genre, probability 0 everywhere (the study's "accuracy" already
  gives it ~0.88);
- ``prior``: probability = the genre's training prevalence; predicts genres with prior >= 0.5;
- ``most_frequent_k``: predicts the ``k`` most common training genres for every movie, ``k`` = the
  median number of labels per training movie; probability = prevalence (so its ranking metrics
  equal the prior's: one constant score per genre gives ROC-AUC 0.5).
"""

from __future__ import annotations

import numpy as np

BASELINES = ("all_negative", "prior", "most_frequent_k")


def _prevalence(y_train: np.ndarray) -> np.ndarray:
    y_train = np.asarray(y_train)
    if y_train.ndim != 2 or len(y_train) == 0:
        raise ValueError(f"y_train must be a non-empty [N, G] matrix, got shape {y_train.shape}")
    return y_train.mean(0).astype(np.float32)


def all_negative(y_train: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Zeros ``[n, G]`` for both probability and prediction."""
    g = np.asarray(y_train).shape[1]
    return np.zeros((n, g), np.float32), np.zeros((n, g), np.uint8)


def prior(y_train: np.ndarray, n: int, threshold: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """Training prevalence as the probability of every movie; predict genres with prior >= threshold."""
    p = _prevalence(y_train)
    proba = np.broadcast_to(p, (n, len(p))).copy()
    return proba, (proba >= threshold).astype(np.uint8)


def most_frequent_k(y_train: np.ndarray, n: int, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most common training genres for every movie (``k`` = median labels per movie, >= 1)."""
    p = _prevalence(y_train)
    if k is None:
        k = max(1, int(np.median(np.asarray(y_train).sum(1))))
    top = np.argsort(-p, kind="stable")[:k]
    pred = np.zeros((n, len(p)), np.uint8)
    pred[:, top] = 1
    return np.broadcast_to(p, (n, len(p))).copy(), pred


def run_baseline(name: str, y_train: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Dispatch by name (one of ``BASELINES``)."""
    funcs = {"all_negative": all_negative, "prior": prior, "most_frequent_k": most_frequent_k}
    if name not in funcs:
        raise ValueError(f"unknown baseline {name!r}; choose from {list(BASELINES)}")
    return funcs[name](y_train, n)
