"""The experiment's plots (matplotlib, Agg backend: no display needed), written atomically as PNG.

- ``per_genre_f1.png``: test F1 per genre for the best row of ours, the best replica row and the
  prior baseline;
- ``pr_curves.png``: micro-averaged precision-recall curves of selected rows (left) and per-genre
  curves of our best row (right), from ``predictions/<id>.npz`` and ``predictions/labels.npz``;
- ``modality_weights.png``: mean per-input weight on test movies for gated and late rows;
- ``reliability.png``: the default model's reliability diagram (mean probability vs share of
  positives per probability bin, every test movie x genre cell) with the cells per bin below.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..files import atomic_path

log = logging.getLogger("moviegenre.report")


def _save(fig, path: Path) -> None:
    with atomic_path(path, suffix=".png") as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight")


def _best(rows, kind):
    cands = [r for r in rows if r["kind"] == kind]
    return max(cands, key=lambda r: r["metrics"]["micro_f1"]) if cands else None


def _label(r) -> str:
    name = f"{r['kind']}: {'+'.join(r['inputs']) or r['fusion']}"
    return name + (f" ({r['fusion']})" if r["inputs"] else "")


def per_genre_f1(summary, out: Path, plt) -> None:
    rows = summary["rows"]
    picks = [
        r
        for r in (
            _best(rows, "ours"),
            _best(rows, "replica"),
            next((r for r in rows if r["id"] == "baseline-prior"), None),
        )
        if r
    ]
    genres = summary["genres"]
    support = [rows[0]["metrics"]["per_genre"][g]["support"] for g in genres]
    order = np.argsort(support)  # most frequent genre at the top
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(genres) + 1.5))
    h = 0.8 / max(len(picks), 1)
    for k, r in enumerate(picks):
        f1 = [r["metrics"]["per_genre"][genres[i]]["f1"] or 0.0 for i in order]
        ax.barh(np.arange(len(genres)) + k * h, f1, height=h, label=_label(r))
    ax.set_yticks(np.arange(len(genres)) + h * (len(picks) - 1) / 2)
    ax.set_yticklabels([f"{genres[i]} ({support[i]})" for i in order])
    ax.set_xlabel("test F1 (genre, test support)")
    ax.set_xlim(0, 1)
    ax.legend(loc="lower right", fontsize=8)
    _save(fig, out / "per_genre_f1.png")
    plt.close(fig)


def pr_curves(summary, out: Path, plt) -> None:
    from sklearn.metrics import precision_recall_curve

    labels = out / "predictions" / "labels.npz"
    if not labels.exists():
        return
    y = np.load(labels)["y"]
    rows = summary["rows"]
    best = _best(rows, "ours")
    picks = [best, _best(rows, "replica"), next((r for r in rows if r["id"] == "baseline-prior"), None)]
    if best is not None:  # our best row's single inputs, to show what fusion adds
        picks += [
            r
            for r in rows
            if r["kind"] == "ours"
            and len(r["inputs"]) == 1
            and r["inputs"][0] in best["inputs"]
            and r["fusion"] == best["fusion"]
        ]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5))
    for r in [p for p in picks if p]:
        proba = np.load(out / "predictions" / f"{r['id']}.npz")["proba"]
        p, rc, _ = precision_recall_curve(y.ravel(), proba.ravel())
        ax1.plot(rc, p, label=f"{_label(r)} mAP {r['metrics']['map'] or 0:.3f}")
    ax1.set(xlabel="recall", ylabel="precision", title="micro-averaged, test", xlim=(0, 1), ylim=(0, 1))
    ax1.legend(fontsize=7)
    if best is not None:
        proba = np.load(out / "predictions" / f"{best['id']}.npz")["proba"]
        genres = summary["genres"]
        for g in np.argsort(-y.sum(0))[:10]:
            if 0 < y[:, g].sum() < len(y):
                p, rc, _ = precision_recall_curve(y[:, g], proba[:, g])
                ax2.plot(rc, p, label=f"{genres[g]} AP {best['metrics']['per_genre'][genres[g]]['ap']:.2f}")
        ax2.set(
            xlabel="recall", ylabel="precision", title=f"per genre, {_label(best)}", xlim=(0, 1), ylim=(0, 1)
        )
        ax2.legend(fontsize=7)
    _save(fig, out / "pr_curves.png")
    plt.close(fig)


def modality_weights(summary, out: Path, plt) -> None:
    rows = [r for r in summary["rows"] if r.get("mean_weights") and len(r["inputs"]) > 1]
    fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(rows) + 2), 4))
    if not rows:
        ax.text(0.5, 0.5, "no multi-input gated/late rows", ha="center", va="center")
        ax.set_axis_off()
    inputs = sorted({i for r in rows for i in r["inputs"]})
    w = 0.8 / max(len(inputs), 1)
    for k, name in enumerate(inputs):
        vals = [r["mean_weights"].get(name) or 0.0 for r in rows]
        ax.bar(np.arange(len(rows)) + k * w, vals, width=w, label=name)
    if rows:
        ax.set_xticks(np.arange(len(rows)) + w * (len(inputs) - 1) / 2)
        ax.set_xticklabels(
            [f"{'+'.join(r['inputs'])}\n{r['fusion']}" for r in rows], rotation=60, ha="right", fontsize=7
        )
        ax.set_ylabel("mean weight on test movies having the input")
        ax.legend(fontsize=8)
    _save(fig, out / "modality_weights.png")
    plt.close(fig)


def reliability(summary, out: Path, plt) -> None:
    cal = summary.get("calibration")
    if not cal:
        return
    bins = [b for b in cal["bins"] if b["count"]]
    fig, (ax1, ax2) = plt.subplots(
        2, 1, figsize=(5.5, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    ax1.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfectly calibrated")
    ax1.plot(
        [b["mean_proba"] for b in bins],
        [b["positive_rate"] for b in bins],
        marker="o",
        label=f"default model (all signals, {cal['id'].rsplit('-', 1)[-1]})\nECE {cal['ece']:.3f}, {cal['n_bins']} bins",
    )
    ax1.set(
        ylabel="share of positives", xlim=(0, 1), ylim=(0, 1), title="reliability, test movie × genre cells"
    )
    ax1.legend(fontsize=8, loc="lower right")
    width = 1 / cal["n_bins"]
    ax2.bar([b["low"] for b in cal["bins"]], [b["count"] for b in cal["bins"]], width=width, align="edge")
    ax2.set_yscale("log")
    ax2.set(xlabel="predicted probability", ylabel="cells")
    _save(fig, out / "reliability.png")
    plt.close(fig)


def write_plots(summary: dict, out: str | Path) -> None:
    """All four plots; a plot that fails is logged and skipped (the tables matter more)."""
    # matplotlib logs font-cache chatter at INFO on first use; the CLI's log shows only warnings of it
    mpl_log = logging.getLogger("matplotlib")
    if mpl_log.getEffectiveLevel() < logging.WARNING:
        mpl_log.setLevel(logging.WARNING)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out)
    for plot in (per_genre_f1, pr_curves, modality_weights, reliability):
        try:
            plot(summary, out, plt)
        except (OSError, KeyError, ValueError) as e:
            log.warning("plot %s skipped: %s", plot.__name__, e)
