"""Late fusion's training: per-input heads, out-of-fold logits, a stacker fitted on them.

1. Linear heads (the default) are L2-regularised logistic regressions fitted exactly by L-BFGS, the L2
   strength of each picked on validation mAP; hidden-layer heads train with AdamW and early stopping.
   A sparse view (the overview's TF-IDF head) is fitted on its CSR matrix directly (``_HeadRows``).
2. The heads are refitted on K folds of the training set; their logits on the held-out fold are
   out-of-fold logits ``z [N, M, G]``.
3. The combiner (``LateFusion.w, c, b``) is fitted on those, so it learns how far to trust each
   head on movies that head has not seen; its out-of-fold predictions also help tune thresholds.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch.nn import functional as F

from ..config import ClassifierConfig
from ..progress import progress_bar
from .head_cache import HeadCache
from .network import FeatureSet, GenreNet, predict_logits
from .thresholds import sigmoid
from .training import micro_f1_tuned, minibatches, pos_weight, seed_everything

# Weight of the stacker's copy of the training rows with inputs hidden. Measured on the shared
# movies (3 splits): 0 leaves a poster-less movie badly mis-calibrated (micro-F1 0.49 instead of
# 0.64), 0.05 fixes that while costing complete movies nothing measurable (0.668 → 0.668).
STACK_HIDDEN_WEIGHT = 0.05
# L-BFGS memory for a sparse (TF-IDF, 20,000 x G weights) head: the default 100 pairs make each step's
# two-loop recursion cost more than the sparse products; 20 cut that head's time by a third (split 0:
# 12.7 → 8.6 s CPU for its 10 fits) for the same test scores (micro-F1 0.668 / 0.669).
SPARSE_HISTORY = 20


def _fit_heads(
    net: GenreNet,
    train: FeatureSet,
    val: FeatureSet,
    cfg: ClassifierConfig,
    gen: torch.Generator,
    pw: torch.Tensor | None,
    desc: str,
    progress: bool,
) -> list[float]:
    """Train each late head on its own loss (rows where its input is present).

    AdamW, early stopping per head on validation micro-F1; each head's best epoch is restored."""
    heads = net.fusion.heads
    n_heads = len(heads)
    opt = torch.optim.AdamW(heads.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    best = [-1.0] * n_heads
    best_state = [copy.deepcopy(h.state_dict()) for h in heads]
    since = [0] * n_heads
    vxs, vmask, _ = val.tensors()
    bar = progress_bar(total=cfg.max_epochs, desc=desc, unit="epoch", enabled=progress, leave=False)
    for epoch in range(cfg.max_epochs):
        heads.train()
        for idx in minibatches(len(train), cfg.batch_size, gen):
            xs, mask, y = train.tensors(idx)
            z = net.fusion.head_logits(net.normalise(xs, mask))  # [B, M, G]
            m = mask.to(z.dtype)
            per = F.binary_cross_entropy_with_logits(
                z, y.unsqueeze(1).expand_as(z), pos_weight=pw, reduction="none"
            ).mean(-1)  # [B, M]
            loss = ((per * m).sum(0) / m.sum(0).clamp(min=1.0)).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        heads.eval()
        with torch.no_grad():
            vz = sigmoid(net.fusion.head_logits(net.normalise(vxs, vmask)).numpy())
        for k in range(n_heads):
            rows = val.present[:, k]
            score = micro_f1_tuned(val.y[rows], vz[rows, k]) if rows.any() else 0.0
            if score > best[k] + 1e-6:
                best[k], best_state[k], since[k] = score, copy.deepcopy(heads[k].state_dict()), 0
            else:
                since[k] += 1
        bar.update()
        if min(since) >= cfg.patience:
            bar.finish(
                f"stopped early at epoch {epoch + 1}/{cfg.max_epochs}: no head's validation micro-F1 "
                f"improved for {cfg.patience} epochs"
            )
            break
    bar.close()
    for h, state in zip(heads, best_state, strict=True):
        h.load_state_dict(state)
    return best


@torch.no_grad()
def _head_logits(net: GenreNet, data: FeatureSet) -> np.ndarray:
    net.eval()
    xs, mask, _ = data.tensors()
    return net.fusion.head_logits(net.normalise(xs, mask)).numpy()


def _fit_combiner(
    net: GenreNet,
    z: np.ndarray,
    mask: np.ndarray,
    y: np.ndarray,
    cfg: ClassifierConfig,
    pw: torch.Tensor | None,
    gen: torch.Generator,
    l2: float = 1e-3,
    hide: float = 0.5,
    hidden_weight: float | None = None,
) -> None:
    """Fit the stacker (w, c, b) on held-out head logits ``z [N, M, G]`` by L-BFGS, full batch.

    With modality dropout on, a copy of the rows with each input hidden with chance ``hide``
    (at least one kept) is added at a small weight (``hidden_weight``, default
    ``STACK_HIDDEN_WEIGHT`` when ``cfg.modality_dropout`` > 0): the bias then stays sensible for
    a movie that lacks an input every training movie had (a poster-less upload), while the stack
    stays tuned for complete movies.
    """
    fusion = net.fusion
    zt, mt, yt = torch.from_numpy(z), torch.from_numpy(mask), torch.from_numpy(y.astype(np.float32))
    weight = torch.ones(len(zt), 1)
    hidden_weight = (
        (STACK_HIDDEN_WEIGHT if cfg.modality_dropout > 0 else 0.0) if hidden_weight is None else hidden_weight
    )
    if hidden_weight > 0 and mask.shape[1] > 1:
        hidden = mt & (torch.rand(mt.shape, generator=gen) >= hide)
        hidden = torch.where((~hidden.any(1) & mt.any(1)).unsqueeze(1), mt, hidden)
        zt, mt, yt = torch.cat([zt, zt]), torch.cat([mt, hidden]), torch.cat([yt, yt])
        weight = torch.cat([weight, torch.full_like(weight, hidden_weight)])
    weight = weight / weight.mean()
    params = [fusion.w, fusion.c, fusion.b]
    w0 = fusion.w.detach().clone()
    opt = torch.optim.LBFGS(params, lr=0.5, max_iter=300, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        logits, _ = fusion.combine(zt, mt)
        loss = F.binary_cross_entropy_with_logits(logits, yt, weight=weight, pos_weight=pw)
        loss = loss + l2 * (((fusion.w - w0) ** 2).mean() + (fusion.c**2).mean())
        loss.backward()
        return loss

    opt.step(closure)


def _map(y: np.ndarray, proba: np.ndarray) -> float:
    """Macro average precision over genres with a positive: the stable score for picking L2."""
    from sklearn.metrics import average_precision_score

    ok = y.sum(0) > 0
    return float(average_precision_score(y[:, ok], proba[:, ok], average="macro")) if ok.any() else 0.0


class _HeadRows:
    """Head m's normalised input on the rows where it is present, ready for a ``Linear`` [D] → [G].

    Dense features: the ``[n, D]`` tensor ``(x - mean) / scale``. Sparse ones (a TF-IDF view): the
    CSR rows stay sparse and the centring moves into the bias, ``(x W^T - mean W^T) / scale + b``,
    the same logits without ever building the dense ``[n, V]`` matrix (what made the view 4x slower).
    """

    def __init__(self, net: GenreNet, data: FeatureSet, m: int):
        norm, f, rows = net.norms[m], data.feats[m], data.present[:, m]
        self.sparse = hasattr(f, "tocsr")
        with torch.no_grad():
            if self.sparse:
                sub = f[rows]
                self.x, self.xt = _torch_csr(sub.tocsr()), _torch_csr(sub.T.tocsr())
                self.scale, self.offset = norm.scale.clone(), (norm.mean / norm.scale).clone()
            else:
                x = torch.from_numpy(np.ascontiguousarray(f[rows], dtype=np.float32))
                self.x = (x - norm.mean) / norm.scale

    def parts(self) -> list:
        """What the fit sees of these rows, for ``HeadCache.key``."""
        if not self.sparse:
            return [self.x]
        return [self.x.crow_indices(), self.x.col_indices(), self.x.values(), self.scale, self.offset]

    def logits(self, linear: torch.nn.Linear) -> torch.Tensor:
        """``[n, G]``."""
        if not self.sparse:
            return linear(self.x)
        xw = _SparseMatmul.apply(linear.weight, self.x, self.xt)
        return xw / self.scale - linear.weight @ self.offset + linear.bias


def _torch_csr(m) -> torch.Tensor:
    """scipy CSR → torch CSR (float32)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta")
        return torch.sparse_csr_tensor(
            torch.from_numpy(m.indptr.astype(np.int64)),
            torch.from_numpy(m.indices.astype(np.int64)),
            torch.from_numpy(m.data.astype(np.float32)),
            m.shape,
            check_invariants=False,  # scipy built it; checking costs time and only warns otherwise
        )


class _SparseMatmul(torch.autograd.Function):
    """``X W^T`` for a constant CSR ``X [n, V]`` (and its transpose, also CSR): the weight gradient
    ``g^T X`` as a CSR product, ~5x faster than autograd through a COO ``sparse.mm``."""

    @staticmethod
    def forward(ctx, w, x, xt):  # w [G, V] → [n, G]
        ctx.xt = xt
        return x @ w.t()

    @staticmethod
    def backward(ctx, g):  # g [n, G] → dW [G, V]
        return (ctx.xt @ g).t(), None, None


def _lbfgs_logistic(
    linear: torch.nn.Linear, x: _HeadRows, y: torch.Tensor, lam: float, pw: torch.Tensor | None
) -> None:
    """Fit ``linear`` ([D] → [G]) as L2-regularised logistic regression, full batch, in place.

    The problem is strictly convex, so the optimum does not depend on the starting point: warm
    starts (the previous value on the L2 path, the full-data fit for a fold) only save time.
    """
    opt = torch.optim.LBFGS(
        linear.parameters(),
        lr=1.0,
        max_iter=200,
        tolerance_grad=1e-6,
        line_search_fn="strong_wolfe",
        history_size=SPARSE_HISTORY if x.sparse else 100,
    )

    def closure():
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(x.logits(linear), y, pos_weight=pw)
        loss = loss + 0.5 * lam * linear.weight.square().sum()
        loss.backward()
        return loss

    opt.step(closure)


def _fit_linear_heads(
    net: GenreNet,
    train: FeatureSet,
    val: FeatureSet | None,
    cfg: ClassifierConfig,
    pw: torch.Tensor | None,
    lams: list[float] | None = None,
    cache: HeadCache | None = None,
) -> tuple[list[float], list[float]]:
    """Linear late heads as logistic regressions; each head's L2 picked on validation mAP (when
    ``lams`` is None, from ``cfg.head_l2_grid``, strongest first; else the given one per head).
    With a ``cache``, a head whose rows, labels, grid and class weights were fitted before is
    taken from it instead of refitted (the same optimum: the problem is strictly convex)."""
    heads = net.fusion.heads
    chosen, scores = [], []
    for m, head in enumerate(heads):
        linear, rows = head[-1], train.present[:, m]
        grid = sorted(cfg.head_l2_grid, reverse=True) if lams is None else [lams[m]]
        best, best_state, best_lam = -1.0, None, grid[0]
        if not rows.any():  # a small fold may lack this input entirely: keep the head as it is
            chosen.append(best_lam)
            scores.append(0.0)
            continue
        x, y = _HeadRows(net, train, m), torch.from_numpy(train.y[rows].astype(np.float32))
        vx = _HeadRows(net, val, m) if len(grid) > 1 else None
        key = None
        if cache is not None:
            vparts = [*vx.parts(), val.y[val.present[:, m]]] if vx is not None else []
            key = cache.key([*x.parts(), y, grid, pw, *vparts])
            if (hit := cache.get(key)) is not None:
                linear.load_state_dict(hit[0])
                chosen.append(hit[1])
                scores.append(hit[2])
                continue
        for lam in grid:
            _lbfgs_logistic(linear, x, y, lam, pw)
            if len(grid) == 1:
                best_lam = lam
                break
            vrows = val.present[:, m]
            with torch.no_grad():
                vp = torch.sigmoid(vx.logits(linear)).numpy()
            score = _map(val.y[vrows], vp) if vrows.any() else 0.0
            if score > best + 1e-6:
                best, best_state, best_lam = score, copy.deepcopy(linear.state_dict()), lam
        if best_state is not None:
            linear.load_state_dict(best_state)
        chosen.append(best_lam)
        scores.append(best)
        if key is not None:
            cache.put(key, linear, best_lam, best)
    return chosen, scores


def train_late(
    net: GenreNet,
    train: FeatureSet,
    val: FeatureSet,
    cfg: ClassifierConfig,
    progress: bool = False,
    head_cache: HeadCache | None = None,
) -> dict:
    """Late fusion: heads on all of train, heads on K folds → out-of-fold logits → stacker. In place.

    Linear heads (``head_hidden_dim=0``, the default) are logistic regressions fitted exactly by
    L-BFGS, their L2 strength chosen on validation mAP; hidden-layer heads train with AdamW and
    early stopping on validation micro-F1 like the other fusions. ``head_cache`` (linear heads
    only) reuses heads fitted by an earlier call on the same rows.
    """
    gen = seed_everything(cfg.seed)
    pw = pos_weight(train.y) if cfg.class_weighted else None
    linear = cfg.head_hidden_dim <= 0
    init = copy.deepcopy(net.fusion.heads.state_dict())
    if linear:
        lams, head_scores = _fit_linear_heads(net, train, val, cfg, pw, cache=head_cache)
    else:
        head_scores = _fit_heads(net, train, val, cfg, gen, pw, "late heads", progress)
    full_heads = copy.deepcopy(net.fusion.heads.state_dict())

    n_folds = min(cfg.stack_folds, len(train))
    oof = None
    if net.fusion.w.shape[0] > 1 and n_folds >= 2:
        z = np.zeros((len(train), len(net.dims), net.n_genres), np.float32)
        folds = np.arange(len(train)) % n_folds
        folds = folds[np.random.default_rng(cfg.seed).permutation(len(train))]
        for k in progress_bar(
            range(n_folds), desc="stacking folds", unit="fold", enabled=progress, leave=False
        ):
            part = train.take(folds != k)
            if linear:
                net.fusion.heads.load_state_dict(full_heads)  # warm start; the optimum does not depend on it
                _fit_linear_heads(net, part, None, cfg, pw, lams, cache=head_cache)
            else:
                net.fusion.heads.load_state_dict(init)
                _fit_heads(net, part, val, cfg, gen, pw, f"fold {k + 1}/{n_folds}", progress)
            z[folds == k] = _head_logits(net, train.take(folds == k))
        net.fusion.heads.load_state_dict(full_heads)
        _fit_combiner(net, z, train.present, train.y, cfg, pw, gen)
        with torch.no_grad():
            oof = net.fusion.combine(torch.from_numpy(z), torch.from_numpy(train.present))[0].numpy()
    else:
        # one input: nothing to stack; the combiner stays the identity (w = 1, c = 0, b = 0)
        net.fusion.heads.load_state_dict(full_heads)
    score = micro_f1_tuned(val.y, sigmoid(predict_logits(net, val)))
    out = {"val_micro_f1": score, "head_val_score": head_scores}
    if linear:
        out["head_l2"] = lams
    if oof is not None:
        # stacked predictions for training movies from heads that never saw them: more movies
        # to tune the decision thresholds on than validation alone (steadier thresholds)
        out["oof_proba"] = sigmoid(oof)
    return out
