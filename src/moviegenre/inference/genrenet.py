"""The GenreNet graph of a bundle, run by onnxruntime: the same logits as the torch module.

``OnnxGenreNet(path, dims, n_genres)(feats, present)``: ``feats`` V arrays ``float32 [N, D_v]``,
``present`` ``bool [N, V]`` → ``(logits float32 [N, G], weights float32 [N, V] | None)``. The graph's
inputs are ``x0 .. x{V-1}`` and ``mask``; its outputs ``logits`` and, for fusions that can say how
much each input counted (gated, late), ``weights``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..encoders.networks.onnx_backend import session
from ..errors import ModelError

BATCH = 2048


def input_names(n_views: int) -> list[str]:
    return [f"x{m}" for m in range(n_views)] + ["mask"]


class OnnxGenreNet:
    def __init__(self, path: Path, dims: list[int], n_genres: int):
        try:
            self.session = session(path, threads=1)  # a few matrix products: threads cost more than they save
        except Exception as e:
            raise ModelError(f"{path} cannot be loaded by onnxruntime ({_first_line(e)})") from None
        self.dims, self.n_genres = list(dims), int(n_genres)
        want = input_names(len(dims))
        got = [i.name for i in self.session.get_inputs()]
        outputs = [o.name for o in self.session.get_outputs()]
        widths = [i.shape[1] for i in self.session.get_inputs()[: len(dims)]] if got == want else []
        if got != want or widths != self.dims or outputs[:1] != ["logits"]:
            raise ModelError(
                f"{path} does not match bundle.json (inputs {got} of widths {widths}, outputs {outputs}; "
                f"expected {want} of widths {self.dims})"
            )
        self.has_weights = "weights" in outputs

    def __call__(self, feats: list[np.ndarray], present: np.ndarray):
        n = len(present)
        if n == 0:
            return np.zeros((0, self.n_genres), np.float32), None
        logits, weights = [], []
        for s in range(0, n, BATCH):
            feed = {
                f"x{m}": np.ascontiguousarray(f[s : s + BATCH], dtype=np.float32) for m, f in enumerate(feats)
            }
            feed["mask"] = np.ascontiguousarray(present[s : s + BATCH], dtype=bool)
            out = self.session.run(None, feed)
            logits.append(out[0])
            if self.has_weights:
                weights.append(out[1])
        return np.concatenate(logits).astype(np.float32), (
            np.concatenate(weights).astype(np.float32) if self.has_weights else None
        )


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:300]
