"""The figures of docs/serving.md's "Deploy" section, rendered from the benchmarks' results files.

    .venv/bin/python benchmarks/bench_cold_predict.py --json benchmarks/results/deploy_cold_predict.json
    .venv/bin/python benchmarks/bench_deploy_service.py --json benchmarks/results/deploy_service.json
    .venv/bin/python benchmarks/deploy_figures.py --write      # or --check (exit 1 when the doc is stale)

The doc's block between the ``deploy-figures`` markers is replaced; a unit test checks it matches.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from moviegenre.files import write_text

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "serving.md"
START, END = "<!-- deploy-figures:start -->", "<!-- deploy-figures:end -->"


def render(results: Path = RESULTS) -> str:
    cold = json.loads((results / "deploy_cold_predict.json").read_text())
    svc = json.loads((results / "deploy_service.json").read_text())
    q = json.loads((results / "deploy_int8.json").read_text())
    full, light = cold["full"], cold["light"]
    folder, bundle = svc["model folder, full install"], svc["bundle, light install"]
    lines = [
        START,
        f"Cold `moviegenre predict` of one movie with title, overview, companies and poster, medians of "
        f"{cold['runs']} alternating runs (`benchmarks/bench_cold_predict.py`; load average "
        f"{cold['load_avg_1min'][0]:g} on {cold['cpus']} CPUs: a busy machine, so compare the ratios):",
        "",
        "| | wall | CPU | peak memory |",
        "|---|---|---|---|",
        f"| full install, model folder | {full['wall_s']:.2f} s | {full['cpu_s']:.2f} s | {full['peak_mb']:.0f} MB |",
        f"| light install, bundle | {light['wall_s']:.2f} s | {light['cpu_s']:.2f} s | {light['peak_mb']:.0f} MB |",
        f"| light / full | **{cold['wall_ratio']:.2f}×** (target ≤ 0.4×) | {cold['cpu_ratio']:.2f}× | "
        f"target ≤ 400 MB |",
        "",
        f"Both print the same scores (largest difference {cold['max_score_diff']:.1g}); "
        f"{'torch IS installed in' if cold['light_venv_has_torch'] else 'no torch in'} the light venv. Sizes: full venv {cold['venv_mb']['full']:,} MB, light venv "
        f"{cold['venv_mb']['light']} MB, the shipped model's bundle {cold['bundle_mb']} MB. Importing "
        f"scikit-learn's `TfidfVectorizer` (and with it scipy) would add {cold['sklearn_import_cost']['cpu_s']:.1f} s "
        f"of CPU and {cold['sklearn_import_cost']['peak_mb']:.0f} MB to the light start, hence the numpy transform.",
        "",
        f"`--quantize int8` on the shipped model, compared on {q['movies']} movies of `{Path(q['data']).name}` "
        f"(a sample that includes its training movies: read the change, not the level): scores move by "
        f"{q['mean_abs_diff']:.4f} on average and {q['max_abs_diff']:.2f} at most, {q['decisions_changed']} genre "
        f"decisions change in {q['movies_changed']} movies, micro-F1 {q['micro_f1_model']:.4f} → "
        f"{q['micro_f1_bundle']:.4f} ({q['micro_f1_bundle'] - q['micro_f1_model']:+.4f}); the int8 bundle is "
        f"{q['bundle_mb']:.0f} MB.",
        "",
        f"`moviegenre serve` (`benchmarks/bench_deploy_service.py`; load average {svc['load_avg_1min'][0]:g}): "
        f"start-up is until `/health` answers (the app warms every encoder up first); memory is resident "
        f"memory idle, then after {folder['burst']['requests']} multipart requests with posters, "
        f"{folder['burst']['concurrency']} in flight.",
        "",
        "| | start-up | memory idle | after the burst | requests/s |",
        "|---|---|---|---|---|",
    ]
    for name, r in (("model folder, full install", folder), ("bundle, light install", bundle)):
        lines.append(
            f"| {name} | {r['startup_s']:.1f} s | {r['after_start']['rss_mb']} MB | "
            f"{r['after_burst']['rss_mb']} MB | {r['burst']['requests_per_s']:g} ({r['burst']['errors']} errors) |"
        )
    lines.append(END)
    return "\n".join(lines)


def current(doc: Path = DOC) -> str:
    text = doc.read_text(encoding="utf-8")
    start, end = text.index(START), text.index(END) + len(END)
    return text[start:end]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help=f"update {DOC.name}")
    ap.add_argument("--check", action="store_true", help="exit 1 when the doc differs")
    args = ap.parse_args()
    block = render()
    if args.write:
        text = DOC.read_text(encoding="utf-8")
        write_text(DOC, text.replace(current(), block))
    elif args.check:
        sys.exit(0 if current() == block else 1)
    else:
        print(block)


if __name__ == "__main__":
    main()
