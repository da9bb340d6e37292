"""Joint training (concat / sum / gated): the whole ``GenreNet`` at once.

AdamW on minibatches, BCE (optionally class-weighted), modality dropout inside the network, the
epoch with the best validation micro-F1 kept (early stopping with ``patience``).
"""

from __future__ import annotations

import copy

import torch
from torch.nn import functional as F

from ..config import ClassifierConfig
from ..progress import progress_bar
from .network import FeatureSet, GenreNet, predict_logits
from .thresholds import sigmoid
from .training import micro_f1_tuned, minibatches, pos_weight, seed_everything


def train_joint(
    net: GenreNet, train: FeatureSet, val: FeatureSet, cfg: ClassifierConfig, progress: bool = False
) -> dict:
    """Train ``net`` in place; keep the epoch with the best validation micro-F1. Returns the history:
    ``{"val_micro_f1", "epochs", "stopped_early", "history": [score per epoch]}``."""
    gen = seed_everything(cfg.seed)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    pw = pos_weight(train.y) if cfg.class_weighted else None
    best, best_state, since, history = -1.0, copy.deepcopy(net.state_dict()), 0, []
    bar = progress_bar(
        total=cfg.max_epochs, desc=f"train {cfg.fusion}", unit="epoch", enabled=progress, leave=False
    )
    for _epoch in range(cfg.max_epochs):
        net.train()
        for idx in minibatches(len(train), cfg.batch_size, gen):
            xs, mask, y = train.tensors(idx)
            logits, _ = net(xs, mask)
            loss = F.binary_cross_entropy_with_logits(logits, y, pos_weight=pw)
            opt.zero_grad()
            loss.backward()
            opt.step()
        score = micro_f1_tuned(val.y, sigmoid(predict_logits(net, val)))
        history.append(score)
        bar.update()
        bar.set_postfix_str(f"val micro-F1 {max(best, score):.3f}")
        if score > best + 1e-6:
            best, best_state, since = score, copy.deepcopy(net.state_dict()), 0
        else:
            since += 1
            if since >= cfg.patience:
                break
    if len(history) < cfg.max_epochs:  # say why it ended short of its total, not "18%"
        bar.finish(
            f"stopped early at epoch {len(history)}/{cfg.max_epochs}: validation micro-F1 did not improve "
            f"for {cfg.patience} epochs (best {best:.3f} at epoch {history.index(best) + 1})"
        )
    bar.close()
    net.load_state_dict(best_state)
    return {
        "val_micro_f1": best,
        "epochs": len(history),
        "stopped_early": len(history) < cfg.max_epochs,
        "history": history,
    }
