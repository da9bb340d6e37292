"""The network: normalise each input → (modality dropout in training) → fusion → genre logits.

``GenreNet(dims, n_genres, fusion, ...)`` takes a list of M feature tensors ``[B, D_m]`` and a
presence mask ``[B, M]`` and returns ``(logits [B, G], weights [B, M] | None)``. Normalisation
statistics are buffers fitted on training features, so they travel in ``model.safetensors``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from .fusion import build_fusion


@dataclass
class FeatureSet:
    """Features of N movies.

    ``feats``: M arrays ``float32 [N, D_m]`` (numpy, or scipy.sparse CSR for a TF-IDF view: it
    stays sparse for fitting and is densified batch by batch in ``tensors``); ``present``:
    ``bool [N, M]``; ``y``: ``uint8 [N, G]``.
    """

    feats: list[np.ndarray]
    present: np.ndarray
    y: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.present)

    def take(self, idx) -> FeatureSet:
        return FeatureSet(
            [f[idx] for f in self.feats], self.present[idx], None if self.y is None else self.y[idx]
        )

    def tensors(self, idx=None):
        """``(xs list of [n, D_m], mask [n, M], y [n, G] float | None)`` as torch tensors."""
        s = self if idx is None else self.take(idx)
        xs = [torch.from_numpy(np.ascontiguousarray(_dense(f), dtype=np.float32)) for f in s.feats]
        y = None if s.y is None else torch.from_numpy(s.y.astype(np.float32))
        return xs, torch.from_numpy(s.present.astype(bool)), y


def _dense(f):
    return f.toarray() if hasattr(f, "toarray") else f


class InputNorm(nn.Module):
    """``(x - mean) / scale`` on present rows; absent rows stay exactly zero.

    ``scale`` is ONE number per input (the RMS of the centred features), not one per dimension:
    per-dimension scaling would blow a rare multi-hot company up to huge values.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("scale", torch.ones(()))

    def fit(self, x: np.ndarray, present: np.ndarray) -> None:
        rows = x[present] if present.any() else np.zeros((1, x.shape[1]), np.float32)
        if hasattr(rows, "toarray"):  # scipy.sparse: the same statistics without densifying
            mean = np.asarray(rows.mean(0), np.float64).ravel()
            sq = float(rows.multiply(rows).sum()) / rows.shape[0]
            rms = float(np.sqrt(max(sq - float((mean**2).sum()), 0.0) / rows.shape[1])) or 1.0
        else:
            mean = rows.mean(0)
            rms = float(np.sqrt(((rows - mean) ** 2).mean())) or 1.0
        self.mean.copy_(torch.from_numpy(mean.astype(np.float32)))
        self.scale.fill_(rms)

    def forward(self, x: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.scale * present.unsqueeze(-1).to(x.dtype)


class GenreNet(nn.Module):
    """Inputs ``[B, D_m]`` ×M + mask ``[B, M]`` → ``(logits [B, G], weights [B, M] | None)``."""

    def __init__(
        self,
        dims: list[int],
        n_genres: int,
        fusion: str = "late",
        *,
        hidden_dim: int = 256,
        head_hidden_dim: int = 0,
        dropout: float = 0.3,
        input_dropout: float = 0.2,
        modality_dropout: float = 0.0,
    ):
        super().__init__()
        self.dims, self.n_genres, self.modality_dropout = list(dims), n_genres, modality_dropout
        self.norms = nn.ModuleList(InputNorm(d) for d in dims)
        self.fusion = build_fusion(
            fusion,
            dims,
            n_genres,
            hidden_dim=hidden_dim,
            head_hidden_dim=head_hidden_dim,
            dropout=dropout,
            input_dropout=input_dropout,
        )

    @classmethod
    def from_config(cls, dims: list[int], n_genres: int, config) -> GenreNet:
        """The network a ``ClassifierConfig`` describes (used by ``fit`` and by loading a folder)."""
        return cls(
            dims,
            n_genres,
            config.fusion,
            hidden_dim=config.hidden_dim,
            head_hidden_dim=config.head_hidden_dim,
            dropout=config.dropout,
            input_dropout=config.input_dropout,
            modality_dropout=config.modality_dropout,
        )

    def fit_norms(self, feats: list[np.ndarray], present: np.ndarray) -> None:
        """Fit the input normalisation on training features ``[N, D_m]`` ×M, ``present [N, M]``."""
        for m, (norm, x) in enumerate(zip(self.norms, feats, strict=True)):
            norm.fit(x, present[:, m])

    def drop_modalities(self, mask: torch.Tensor) -> torch.Tensor:
        """Training only: hide each present input with chance ``modality_dropout``, keeping ≥ 1.

        Teaches the model to predict when an input is missing, and stops one strong input from
        drowning the others.
        """
        if not self.training or self.modality_dropout <= 0 or mask.shape[1] < 2:
            return mask
        keep = torch.rand(mask.shape, device=mask.device) >= self.modality_dropout
        dropped = mask & keep
        empty = ~dropped.any(1) & mask.any(1)
        return torch.where(empty.unsqueeze(1), mask, dropped)  # fall back to the original row

    def normalise(self, xs: list[torch.Tensor], mask: torch.Tensor) -> list[torch.Tensor]:
        return [norm(x, mask[:, m]) for m, (norm, x) in enumerate(zip(self.norms, xs, strict=True))]

    def forward(self, xs: list[torch.Tensor], mask: torch.Tensor):
        mask = self.drop_modalities(mask)
        return self.fusion(self.normalise(xs, mask), mask)


@torch.no_grad()
def predict_outputs(net: GenreNet, data: FeatureSet, batch_size: int = 2048):
    """Eval-mode ``(logits float32 [N, G], weights float32 [N, M] | None)``, in batches."""
    net.eval()
    logits, weights = [], []
    for s in range(0, len(data), batch_size):
        xs, mask, _ = data.tensors(slice(s, s + batch_size))
        z, w = net(xs, mask)
        logits.append(z)
        weights.append(w)
    if not logits:
        return np.zeros((0, net.n_genres), np.float32), None
    has_weights = weights[0] is not None
    return torch.cat(logits).numpy(), (torch.cat(weights).numpy() if has_weights else None)


def predict_logits(net: GenreNet, data: FeatureSet, batch_size: int = 2048) -> np.ndarray:
    """Eval-mode logits ``float32 [N, G]``."""
    return predict_outputs(net, data, batch_size)[0]
