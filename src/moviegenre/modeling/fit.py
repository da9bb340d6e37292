"""``fit_network``: input normalisation fitted on training features, then the procedure the fusion
calls for — ``train_late`` (late fusion) or ``train_joint`` (concat / sum / gated)."""

from __future__ import annotations

from ..config import ClassifierConfig
from .network import FeatureSet, GenreNet
from .train_joint import train_joint
from .train_late import train_late
from .training import one_thread


def fit_network(
    net: GenreNet, train: FeatureSet, val: FeatureSet, cfg: ClassifierConfig, progress: bool = False
) -> dict:
    """Train ``net`` in place on ``train``, early stopping / L2 choice on ``val``; returns the history."""
    net.fit_norms(train.feats, train.present)
    trainer = train_late if cfg.fusion == "late" else train_joint
    with one_thread():
        return trainer(net, train, val, cfg, progress)
