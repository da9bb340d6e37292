"""``fit_network``: input normalisation fitted on training features, then the procedure the fusion
calls for — ``train_late`` (late fusion) or ``train_joint`` (concat / sum / gated)."""

from __future__ import annotations

from ..config import ClassifierConfig
from .head_cache import HeadCache
from .network import FeatureSet, GenreNet
from .train_joint import train_joint
from .train_late import train_late
from .training import one_thread


def fit_network(
    net: GenreNet,
    train: FeatureSet,
    val: FeatureSet,
    cfg: ClassifierConfig,
    progress: bool = False,
    head_cache: HeadCache | None = None,
) -> dict:
    """Train ``net`` in place on ``train``, early stopping / L2 choice on ``val``; returns the history.

    ``head_cache``: late fusion's linear heads fitted by earlier calls are reused (other fusions
    ignore it)."""
    net.fit_norms(train.feats, train.present)
    with one_thread():
        if cfg.fusion == "late":
            return train_late(net, train, val, cfg, progress, head_cache)
        return train_joint(net, train, val, cfg, progress)
