"""Fusion heads: per-input feature tensors in, genre logits out.

Every fusion receives ``xs``, a list of M tensors ``[B, D_m]`` (one per input, already
normalised; zeros where the movie lacks the input) and ``mask``, a bool tensor ``[B, M]``
(True = the movie has input m). It returns ``(logits [B, G], weights [B, M] | None)`` where
``weights`` says how much each input counted for each movie (rows sum to 1 over present
inputs) for the fusions that can say so. Fusion never imports an encoder.

Missing inputs are masked, never imputed: a movie with no poster is predicted from the rest.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..errors import ConfigError


class Projection(nn.Sequential):
    """Dropout → Linear → GELU → Dropout: ``[B, D_m] → [B, H]``."""

    def __init__(self, in_dim: int, out_dim: int, dropout: float, input_dropout: float):
        super().__init__(
            nn.Dropout(input_dropout), nn.Linear(in_dim, out_dim), nn.GELU(), nn.Dropout(dropout)
        )


def _masked(h: torch.Tensor, present: torch.Tensor) -> torch.Tensor:
    """Zero the rows ``[B, H]`` of movies without this input (``present`` is ``[B]`` bool)."""
    return h * present.unsqueeze(-1).to(h.dtype)


class _ProjectedFusion(nn.Module):
    """Shared start of concat and sum: one ``Projection`` per input, ``[B, D_m] → [B, H]``."""

    def __init__(
        self,
        dims: list[int],
        n_out: int,
        hidden_dim: int = 256,
        dropout: float = 0.3,
        input_dropout: float = 0.2,
    ):
        super().__init__()
        self.proj = nn.ModuleList(Projection(d, hidden_dim, dropout, input_dropout) for d in dims)
        self.head = nn.Linear(self._head_in(hidden_dim, len(dims)), n_out)

    @staticmethod
    def _head_in(hidden_dim: int, n_inputs: int) -> int:
        raise NotImplementedError


class ConcatFusion(_ProjectedFusion):
    """The study's concatenation: projections side by side (plus the presence mask) → linear head.

    ``[B, D_m]`` ×M → ``[B, M·H + M]`` → logits ``[B, G]``.
    """

    @staticmethod
    def _head_in(hidden_dim: int, n_inputs: int) -> int:
        return hidden_dim * n_inputs + n_inputs

    def forward(self, xs, mask):
        hs = [_masked(p(x), mask[:, i]) for i, (p, x) in enumerate(zip(self.proj, xs, strict=True))]
        # the mask is an input too, so the head can shift its bias when an input is missing
        return self.head(torch.cat([*hs, mask.to(hs[0].dtype)], dim=-1)), None


class SumFusion(_ProjectedFusion):
    """The study's summation, as a mean over the present inputs: ``[B, H]`` → linear head.

    A mean rather than a raw sum keeps the scale the same whether 1 or M inputs are present.
    """

    @staticmethod
    def _head_in(hidden_dim: int, n_inputs: int) -> int:
        return hidden_dim

    def forward(self, xs, mask):
        m = mask.to(xs[0].dtype)
        total = sum(_masked(p(x), mask[:, i]) for i, (p, x) in enumerate(zip(self.proj, xs, strict=True)))
        return self.head(total / m.sum(1, keepdim=True).clamp(min=1.0)), None


class GatedFusion(nn.Module):
    """Gated multimodal unit (Arevalo et al. 2017) generalised to M inputs.

    ``h_m = tanh(W_m x_m)`` ``[B, H]``; a gate reads all the ``h_m`` (and the presence mask) and
    gives, per hidden unit, a softmax over the present inputs ``z [B, M, H]``;
    ``h = Σ_m z_m ⊙ h_m`` → head. The per-movie weight of input m is ``mean_H z_m``. The gate
    reads the ``h_m`` rather than the raw features: on 384 + 1280 + ... dimensional inputs a
    gate on raw features has millions of weights and overfits. Each input has its own ``W_m``
    (the widely copied bug feeds the second input through the first input's layer; the gradient
    test catches that).
    """

    def __init__(
        self,
        dims: list[int],
        n_out: int,
        hidden_dim: int = 256,
        dropout: float = 0.3,
        input_dropout: float = 0.2,
    ):
        super().__init__()
        self.drop_in = nn.Dropout(input_dropout)
        self.value = nn.ModuleList(nn.Linear(d, hidden_dim) for d in dims)
        self.n, self.hidden = len(dims), hidden_dim
        self.gate = nn.Linear(hidden_dim * len(dims) + len(dims), hidden_dim * len(dims))
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_dim, n_out)

    def forward(self, xs, mask):
        m = mask.to(xs[0].dtype)
        # absent inputs are zeroed: the gate sees every input, so garbage must not leak in
        h = torch.stack(
            [
                _masked(torch.tanh(v(self.drop_in(x))), mask[:, i])
                for i, (v, x) in enumerate(zip(self.value, xs, strict=True))
            ],
            dim=1,
        )  # [B, M, H]
        g = self.gate(torch.cat([h.flatten(1), m], dim=-1)).view(-1, self.n, self.hidden)
        present = mask.unsqueeze(-1)
        # a large negative rather than -inf: a movie with no input at all gets z = 0, not NaN
        z = torch.softmax(g.masked_fill(~present, -1e4), dim=1) * present.to(g.dtype)  # [B, M, H]
        fused = (z * h).sum(1)
        return self.head(self.drop(fused)), z.mean(-1)


class LateFusion(nn.Module):
    """Per-input heads whose logits are combined by learned non-negative weights (a stacker).

    Head m: ``[B, D_m] → z_m [B, G]`` (linear = logistic regression, or one hidden layer).
    Combiner: ``logit_g = b_g + Σ_m mask_m · (softplus(w_mg) · z_mg + c_mg)``; ``c`` lets the bias
    move when an input is missing, and non-negative ``w`` lets the stacker ignore a useless
    input (weight → 0) but never turn it against the others. Training fits the heads first and
    the combiner on out-of-fold head predictions (``moviegenre.stacking``); the module is also
    trainable end to end. Per-movie weights: each input's share of ``Σ_g |softplus(w_mg) · z_mg|``.
    """

    def __init__(
        self,
        dims: list[int],
        n_out: int,
        head_hidden_dim: int = 0,
        dropout: float = 0.3,
        input_dropout: float = 0.2,
    ):
        super().__init__()
        self.heads = nn.ModuleList(
            self._head(d, n_out, head_hidden_dim, dropout, input_dropout) for d in dims
        )
        # softplus(0.5413) = 1: start as a plain sum of log-odds
        self.w = nn.Parameter(torch.full((len(dims), n_out), 0.5413))
        self.c = nn.Parameter(torch.zeros(len(dims), n_out))
        self.b = nn.Parameter(torch.zeros(n_out))

    @staticmethod
    def _head(d: int, n_out: int, hidden: int, dropout: float, input_dropout: float) -> nn.Module:
        if hidden <= 0:
            return nn.Sequential(nn.Dropout(input_dropout), nn.Linear(d, n_out))
        return nn.Sequential(
            nn.Dropout(input_dropout),
            nn.Linear(d, hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_out),
        )

    def head_logits(self, xs) -> torch.Tensor:
        """Each head's own logits, ``[B, M, G]``."""
        return torch.stack([h(x) for h, x in zip(self.heads, xs, strict=True)], dim=1)

    def combine(self, z: torch.Tensor, mask: torch.Tensor):
        """``z [B, M, G]``, ``mask [B, M]`` → ``(logits [B, G], weights [B, M])``."""
        m = mask.unsqueeze(-1).to(z.dtype)
        contrib = F.softplus(self.w) * z  # [B, M, G]
        logits = self.b + (m * (contrib + self.c)).sum(1)
        share = (m * contrib.abs()).sum(-1)  # [B, M]
        weights = share / share.sum(1, keepdim=True).clamp(min=1e-12)
        return logits, weights

    def forward(self, xs, mask):
        return self.combine(self.head_logits(xs), mask)


# The one registry of fusion modes; ``config.FusionName`` lists the same names for validation
# (a unit test keeps the two equal). Everything else derives the names from one of them.
FUSIONS: dict[str, type[nn.Module]] = {
    "concat": ConcatFusion,
    "sum": SumFusion,
    "gated": GatedFusion,
    "late": LateFusion,
}


def build_fusion(
    name: str,
    dims: list[int],
    n_out: int,
    *,
    hidden_dim: int,
    head_hidden_dim: int,
    dropout: float,
    input_dropout: float,
) -> nn.Module:
    """The fusion ``name`` over inputs of widths ``dims`` with ``n_out`` outputs; each mode gets the
    settings it uses (late fusion has no shared hidden width, the others no per-head one)."""
    if name not in FUSIONS:
        raise ConfigError(f"unknown fusion {name!r}; choose from {', '.join(FUSIONS)}")
    if name == "late":
        return LateFusion(
            dims, n_out, head_hidden_dim=head_hidden_dim, dropout=dropout, input_dropout=input_dropout
        )
    return FUSIONS[name](dims, n_out, hidden_dim=hidden_dim, dropout=dropout, input_dropout=input_dropout)
