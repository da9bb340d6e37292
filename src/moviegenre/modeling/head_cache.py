"""``HeadCache``: linear late heads already fitted, reused by later fits on the same data.

The experiment fits a dozen late-fusion models on one split that share most of their inputs (each
input alone, all signals, all signals but one, ...). A linear head is an L2-regularised logistic
regression: its optimum depends only on its own rows (normalised features, labels), the L2 grid
and the class weights — not on the other heads, nor (the problem being strictly convex) on where
L-BFGS starts. So a head is keyed by a digest of exactly those and fitted once per split, not once
per row: the late rows cost their stacker, not their heads again.
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch


class HeadCache:
    """In-memory store of fitted ``Linear`` heads ([D] → [G]) with their chosen L2 and score.

    ``key(...)`` digests what determines the fit; ``get`` / ``put`` copy state so a cached head is
    never changed by the fit that borrowed it. ``hits`` / ``misses`` count lookups (for the log).
    """

    def __init__(self) -> None:
        self._store: dict[str, tuple[dict, float, float]] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(parts: list) -> str:
        """Digest of arrays (numpy / torch; values, dtype and shape) and plain values, in order."""
        h = hashlib.blake2b(digest_size=20)
        for p in parts:
            if isinstance(p, torch.Tensor):
                p = p.detach().cpu().numpy()
            if isinstance(p, np.ndarray):
                a = np.ascontiguousarray(p)
                h.update(f"{a.dtype}{a.shape}".encode())
                h.update(a.tobytes())
            else:
                h.update(repr(p).encode())
            h.update(b"|")
        return h.hexdigest()

    def get(self, key: str) -> tuple[dict, float, float] | None:
        """``(state_dict, l2, score)`` or None."""
        hit = self._store.get(key)
        if hit is None:
            self.misses += 1
            return None
        self.hits += 1
        state, lam, score = hit
        return {k: v.clone() for k, v in state.items()}, lam, score

    def put(self, key: str, linear: torch.nn.Linear, lam: float, score: float) -> None:
        self._store[key] = ({k: v.detach().clone() for k, v in linear.state_dict().items()}, lam, score)

    def __len__(self) -> int:
        return len(self._store)
