"""Held-out quality of the default recipe: ``moviegenre train`` with its defaults on split seeds 0, 1, 2.

Each seed: a stratified 70/15/15 split of the movies; fit on train (validation picks the L2 strengths
and, with the training movies' out-of-fold predictions, the thresholds); evaluated once on test.
Prints each seed and the mean of the headline metrics, the fit time and the machine's load.

    .venv/bin/python benchmarks/heldout.py [--data ../shared/data/movies] [--seeds 0,1,2] [--json OUT]

Uses the real CLI (``moviegenre train --no-refit --json``), so what it measures is what a user gets.
Features come from the shared cache when ``moviegenre embed`` filled it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

METRICS = ("micro_f1", "macro_f1", "macro_roc_auc", "map")
TARGETS = {"micro_f1": 0.70, "macro_f1": 0.60, "macro_roc_auc": 0.93, "map": 0.64}
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "movies"


def run_seed(data: str, seed: int, extra: list[str]) -> dict:
    """The test report and fit seconds of ``moviegenre train --seed SEED --no-refit``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "model"
        cmd = [sys.executable, "-m", "moviegenre", "train", "--data", data, "--out", str(out)]
        cmd += ["--seed", str(seed), "--no-refit", "--json", *extra]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"seed {seed}: moviegenre train failed:\n{proc.stderr[-2000:]}")
        report = json.loads(proc.stdout)
        saved = json.loads((out / "metrics.json").read_text())
        config = json.loads((out / "config.json").read_text())
    return {
        "seed": seed,
        **{k: report[k] for k in METRICS},
        "per_genre_f1": {g: d.get("f1") for g, d in (report.get("per_genre") or {}).items()},
        "fit_seconds": saved.get("fit_seconds"),
        "views": config.get("views"),
        "load": round(os.getloadavg()[0], 1),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("train_args", nargs="*", help="extra `moviegenre train` options, after --")
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    print(f"{'seed':>6} " + " ".join(f"{k:>13}" for k in METRICS) + "   fit s  load", flush=True)
    for seed in seeds:
        r = run_seed(args.data, seed, args.train_args)
        rows.append(r)
        print(
            f"{seed:>6} "
            + " ".join(f"{r[k]:>13.4f}" for k in METRICS)
            + f" {r['fit_seconds']:>7} {r['load']:>5}",
            flush=True,
        )
    mean = {k: sum(r[k] for r in rows) / len(rows) for k in METRICS}
    print(f"{'mean':>6} " + " ".join(f"{mean[k]:>13.4f}" for k in METRICS))
    print(f"{'target':>6} " + " ".join(f"{TARGETS[k]:>13.2f}" for k in METRICS))
    verdict = all(mean[k] >= TARGETS[k] for k in METRICS)
    print(f"views: {', '.join(rows[0]['views'] or [])}; targets {'met' if verdict else 'NOT met'}")
    genres = sorted(rows[0]["per_genre_f1"])
    per_genre = {g: sum(r["per_genre_f1"].get(g) or 0.0 for r in rows) / len(rows) for g in genres}
    print(
        "per-genre F1 (mean): "
        + ", ".join(f"{g} {v:.2f}" for g, v in sorted(per_genre.items(), key=lambda kv: kv[1]))
    )
    if args.json:
        args.json.write_text(json.dumps({"seeds": rows, "mean": mean, "per_genre_f1": per_genre}, indent=1))


if __name__ == "__main__":
    main()
