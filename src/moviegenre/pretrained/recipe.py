"""Installing the shipped model (run by ``scripts/train-pretrained``; see the model card in README.md).

The model itself is made by ``moviegenre train`` with its defaults (fixed split, fit on train, one
evaluation on test, refit on train + test); its folder's ``metrics.json`` holds that held-out ``test``
report. This module checks such a folder before it replaces the shipped one — weights ≤ 10 MB, no
overview, tagline, long title or keyword phrase of the data in any of its text files, it loads — and prints the model card's
held-out table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from ..data import read_movies
from ..metrics import HEADLINE_METRICS as HEADLINE
from ..modeling.classifier import GenreClassifier

MAX_WEIGHTS_BYTES = 10 * 2**20


def copied_texts(movie) -> list[str]:
    """The texts of ``movie`` a shipped folder must not contain: overview, tagline, a long title, and
    its keywords joined as a phrase (a single keyword or word in a vocabulary is fine: that is what a
    bag-of-words model is)."""
    out = [movie.overview, movie.tagline, movie.title if movie.title and len(movie.title) > 25 else None]
    if movie.keywords and len(movie.keywords) > 2:
        out.append(" ".join(movie.keywords[:3]))
    return [s for s in out if s and len(s) > 20]


def check_folder(folder: Path, movies) -> None:
    """Refuse a folder with oversized weights or any copied overview/tagline/title/keywords text."""
    weights = folder / "model.safetensors"
    if weights.stat().st_size > MAX_WEIGHTS_BYTES:
        raise SystemExit(f"{weights} is {weights.stat().st_size / 2**20:.1f} MB, over the 10 MB budget")
    texts = {
        f.name: f.read_text(errors="ignore") for f in folder.iterdir() if f.suffix in (".json", ".md", ".txt")
    }
    for m in movies:
        for s in copied_texts(m):
            if s:
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
    """The markdown of a saved folder's held-out report (to paste in the model card)."""
    metrics = json.loads((folder / "metrics.json").read_text())
    print(card_markdown(metrics["test"], metrics["split"]["sizes"]))


def install(trained: Path, data: str, out: Path) -> None:
    """Check the folder ``moviegenre train`` wrote at ``trained`` and move it to ``out`` atomically."""
    check_folder(trained, read_movies(data))
    GenreClassifier.load(trained)  # the folder must load before it replaces the shipped one
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.replace(out, old)
    os.replace(trained, out)
    shutil.rmtree(old, ignore_errors=True)
    (out / "split.json").unlink(missing_ok=True)  # movie keys only; the card states the split recipe
    print_card(out)
    size = (out / "model.safetensors").stat().st_size / 2**20
    print(f"\ninstalled {out} ({size:.2f} MB of weights)", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="moviegenre.pretrained.recipe", description=__doc__.split("\n\n")[0])
    ap.add_argument("--card", type=Path, help="only print the held-out card of this model folder")
    ap.add_argument(
        "--install", type=Path, help="a folder written by `moviegenre train` to check and install"
    )
    ap.add_argument("--data", help="the movies it was trained on (for the copied-text check)")
    ap.add_argument("--out", type=Path, help="where the shipped model lives")
    args = ap.parse_args(argv)
    if args.card:
        return print_card(args.card)
    if not (args.install and args.data and args.out):
        ap.error("--install, --data and --out are needed (or --card)")
    install(args.install, args.data, args.out)


if __name__ == "__main__":
    main()
