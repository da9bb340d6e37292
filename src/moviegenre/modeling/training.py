"""What both training procedures share: seeding, class weights, minibatches, the early-stopping score.

The procedures themselves: ``train_joint`` (concat / sum / gated: the whole network at once) and
``train_late`` (late fusion: heads, out-of-fold logits, stacker). ``GenreClassifier.fit`` picks one.
"""

from __future__ import annotations

import contextlib
import random

import numpy as np
import torch

from .thresholds import tune_thresholds


def seed_everything(seed: int) -> torch.Generator:
    """Fix every random source training touches; returns the generator used for shuffling."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def pos_weight(y: np.ndarray, cap: float = 10.0) -> torch.Tensor:
    """Per-genre BCE positive weight ``sqrt(neg / pos)`` from labels ``[N, G]``, capped: ``float32 [G]``.

    Helps rare genres without drowning precision."""
    pos = y.sum(0).astype(np.float64)
    w = np.sqrt((len(y) - pos) / np.maximum(pos, 1.0))
    return torch.from_numpy(np.clip(w, 1.0, cap).astype(np.float32))


def micro_f1_tuned(y: np.ndarray, proba: np.ndarray) -> float:
    """Micro-F1 after per-genre thresholds tuned on the same data: the early-stopping score."""
    t = tune_thresholds(y, proba, objective="per_genre")
    pred = proba >= t[None, :]
    tp = float((pred & (y > 0)).sum())
    denom = float(pred.sum() + (y > 0).sum())
    return 2 * tp / denom if denom else 0.0


def minibatches(n: int, batch_size: int, gen: torch.Generator) -> list[np.ndarray]:
    """Row indices ``0..n-1`` shuffled by ``gen``, in chunks of ``batch_size``."""
    order = torch.randperm(n, generator=gen).numpy()
    return [order[s : s + batch_size] for s in range(0, n, batch_size)]


@contextlib.contextmanager
def one_thread():
    """Torch on one thread for the block: these layers are tiny, waking other threads costs more than
    it saves, and the machine is shared."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
