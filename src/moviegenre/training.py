"""Training on feature tensors: AdamW, BCE (optionally class-weighted), early stopping on val micro-F1.

Two procedures, chosen by the fusion:

* ``train_end_to_end`` (concat / sum / gated): the whole ``GenreNet`` at once, minibatches,
  modality dropout, best epoch by validation micro-F1.
* ``stacking.train_late`` (late): each input's head alone (early-stopped on validation, per head); the same
  heads again on K folds of the training set to get out-of-fold logits; the stacker (the
  combiner's weights) fitted on those held-out logits, so it learns how far to trust each head
  on movies that head has not seen.

Inputs are a ``FeatureSet``: features ``[N, D_m]`` ×M, presence ``[N, M]`` bool, labels ``[N, G]`` uint8.
"""

from __future__ import annotations

import copy
import logging
import random

import numpy as np
import torch
from torch.nn import functional as F

from .config import ClassifierConfig
from .model import FeatureSet, GenreNet, predict_logits
from .thresholds import tune_thresholds

log = logging.getLogger(__name__)


def seed_everything(seed: int) -> torch.Generator:
    """Fix every random source training touches; returns the generator used for shuffling."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def pos_weight(y: np.ndarray, cap: float = 10.0) -> torch.Tensor:
    """Per-genre BCE positive weight ``sqrt(neg / pos)``, capped.

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


def _batches(n: int, batch_size: int, gen: torch.Generator):
    order = torch.randperm(n, generator=gen).numpy()
    return [order[s : s + batch_size] for s in range(0, n, batch_size)]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def train_end_to_end(
    net: GenreNet, train: FeatureSet, val: FeatureSet, cfg: ClassifierConfig, progress: bool = False
) -> dict:
    """Train ``net`` in place; keep the epoch with the best validation micro-F1. Returns the history."""
    from tqdm.auto import tqdm

    gen = seed_everything(cfg.seed)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    pw = pos_weight(train.y) if cfg.class_weighted else None
    best, best_state, since, history = -1.0, copy.deepcopy(net.state_dict()), 0, []
    for _epoch in tqdm(range(cfg.max_epochs), desc=f"train {cfg.fusion}", disable=not progress, leave=False):
        net.train()
        for idx in _batches(len(train), cfg.batch_size, gen):
            xs, mask, y = train.tensors(idx)
            logits, _ = net(xs, mask)
            loss = F.binary_cross_entropy_with_logits(logits, y, pos_weight=pw)
            opt.zero_grad()
            loss.backward()
            opt.step()
        score = micro_f1_tuned(val.y, _sigmoid(predict_logits(net, val)))
        history.append(score)
        if score > best + 1e-6:
            best, best_state, since = score, copy.deepcopy(net.state_dict()), 0
        else:
            since += 1
            if since >= cfg.patience:
                break
    net.load_state_dict(best_state)
    return {"val_micro_f1": best, "epochs": len(history), "history": history}


def train(
    net: GenreNet, train: FeatureSet, val: FeatureSet, cfg: ClassifierConfig, progress: bool = False
) -> dict:
    """Fit the normalisation on training features, then the procedure the fusion calls for."""
    net.fit_norms(train.feats, train.present)
    # these layers are tiny: one thread avoids the cost of waking others, and the machine is shared
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        if cfg.fusion == "late":
            from .stacking import train_late

            return train_late(net, train, val, cfg, progress)
        return train_end_to_end(net, train, val, cfg, progress)
    finally:
        torch.set_num_threads(threads)
