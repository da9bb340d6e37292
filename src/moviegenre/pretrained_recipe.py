"""The recipe of the shipped model (run by ``scripts/train-pretrained``; see docs/serving.md).

1. Fixed split of the data (``make_split`` seed 0, 70/15/15, stratified per genre).
2. Fit on train (validation: early stopping + thresholds), evaluate once on test → held-out report.
3. Refit the same config on train + test (validation kept for early stopping/thresholds) and save.

The folder's ``metrics.json`` gets ``heldout_test`` (the report of step 2, numbers only) and
``recipe`` (data, split, sizes) beside the validation report ``GenreClassifier.save`` writes. Before the folder replaces the shipped one it is checked:
weights ≤ 10 MB, and no overview or title of the data appears in any of its text files.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from pathlib import Path

log = logging.getLogger("moviegenre.pretrained_recipe")
MAX_WEIGHTS_BYTES = 10 * 2**20
HEADLINE = (
    "micro_f1",
    "macro_f1",
    "weighted_f1",
    "samples_f1",
    "micro_roc_auc",
    "macro_roc_auc",
    "map",
    "hamming_accuracy",
    "subset_accuracy",
    "study_accuracy",
    "study_auc",
)


def _jsonable(x):
    import numpy as np

    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    return x


def check_folder(folder: Path, movies) -> None:
    """Refuse a folder with oversized weights or any copied overview/title text (copyright)."""
    weights = folder / "model.safetensors"
    if weights.stat().st_size > MAX_WEIGHTS_BYTES:
        raise SystemExit(f"{weights} is {weights.stat().st_size / 2**20:.1f} MB, over the 10 MB budget")
    texts = {
        f.name: f.read_text(errors="ignore") for f in folder.iterdir() if f.suffix in (".json", ".md", ".txt")
    }
    for m in movies:
        for s in (m.overview, m.title if m.title and len(m.title) > 25 else None):
            if s and len(s) > 20:
                for name, text in texts.items():
                    if s in text:
                        raise SystemExit(
                            f"{name} contains text copied from the data (movie {m.key}); refusing"
                        )


def card_markdown(report: dict, sizes: dict) -> str:
    """The held-out part of the model card, as markdown (numbers only)."""
    intro = (
        f"Held-out test split: {sizes['test']} movies (the model evaluated was fitted on {sizes['train']}, "
        f"validation {sizes['val']})."
    )
    lines = [intro, "", "| metric | value |", "|---|---|"]
    for k in HEADLINE:
        v = report.get(k)
        if isinstance(v, int | float):
            ci = report.get(f"{k}_ci")
            extra = f" (95% CI {ci[0]:.3f}–{ci[1]:.3f})" if ci else ""
            lines.append(f"| {k} | {v:.3f}{extra} |")
    per = report.get("per_genre") or {}
    if isinstance(per, dict) and per:
        lines += [
            "",
            "| genre | test support | precision | recall | F1 | ROC AUC |",
            "|---|---|---|---|---|---|",
        ]

        def f(x):
            return "" if x is None else f"{x:.2f}"

        for g, d in sorted(per.items(), key=lambda kv: -(kv[1].get("support") or 0)):
            lines.append(
                f"| {g} | {d.get('support', '')} | {f(d.get('precision'))} | {f(d.get('recall'))} | "
                f"{f(d.get('f1'))} | {f(d.get('roc_auc'))} |"
            )
    if report.get("skipped_genres"):
        lines.append(f"\nSkipped genres (no positive in test): {report['skipped_genres']}")
    return "\n".join(lines)


def print_card(folder: Path) -> None:
    """``--card FOLDER``: the markdown of a saved folder's held-out report (to paste in the docs)."""
    metrics = json.loads((folder / "metrics.json").read_text())
    print(card_markdown(metrics["heldout_test"], metrics["recipe"]["split"]["sizes"]))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="train-pretrained", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "data", nargs="?", help="movies folder/file (default in the script: ../shared/data/movies)"
    )
    ap.add_argument("--card", type=Path, default=None, help="only print the card of this saved folder")
    ap.add_argument("--out", type=Path, help="model folder to (re)write")
    ap.add_argument("--inputs", default="overview,title,companies,poster")
    ap.add_argument("--fusion", default="late")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-refit", action="store_true", help="ship the model evaluated in step 2 as is")
    args = ap.parse_args(argv)
    if args.card:
        return print_card(args.card)
    if not (args.data and args.out):
        ap.error("DATA and --out are needed")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from . import ClassifierConfig, GenreClassifier
    from .data import read_movies
    from .data.split import make_split
    from .records import Dataset

    t0 = time.time()
    ds = read_movies(args.data)
    split = make_split(ds, seed=args.seed)
    train, val, test = split.apply(ds)
    sizes = {"train": len(train), "val": len(val), "test": len(test)}
    log.info("data %s: %d movies, split %s", args.data, len(ds), sizes)
    config = ClassifierConfig(inputs=args.inputs.split(","), fusion=args.fusion, seed=args.seed)

    clf = GenreClassifier(config).fit(train, val, progress=True)
    report = _jsonable(clf.evaluate(test, bootstrap=200, progress=True))
    card = card_markdown(report, sizes)
    print(card)

    final = clf
    if not args.no_refit:
        log.info("refitting on train + test (%d movies)", len(train) + len(test))
        final = GenreClassifier(config).fit(
            Dataset(list(train) + list(test), source=str(args.data)), val, progress=True
        )

    out = args.out
    tmp = out.with_name(f".{out.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    recipe = {
        "command": "scripts/train-pretrained",
        "data": str(args.data),
        "movies": len(ds),
        "split": {"seed": args.seed, "fractions": list(split.fractions), "sizes": sizes},
        "heldout_test": "evaluated with the model fitted on train only (step 2)",
        "shipped_model_fitted_on": "train+test" if not args.no_refit else "train",
        "seconds": round(time.time() - t0),
    }
    final.save(tmp, extra_metrics={"heldout_test": report, "recipe": recipe})
    check_folder(tmp, ds)
    GenreClassifier.load(tmp)  # the folder must load before it replaces the shipped one
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.replace(out, old)
    os.replace(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
    print(
        f"\nsaved {out} ({(out / 'model.safetensors').stat().st_size / 2**20:.2f} MB of weights) "
        f"in {time.time() - t0:.0f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
