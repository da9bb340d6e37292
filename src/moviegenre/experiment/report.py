"""The experiment's report: ``results.md`` (shaped like the study's table, standard metrics beside the
study's two), ``results.csv`` (one line per row), ``results.json`` (everything, per-genre included),
the acceptance checks, and the plots (``moviegenre.experiment.plots``).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..files import write_text
from ..metrics import HEADLINE_METRICS as COLUMNS
from .rows import FUSIONS, STUDY_SETS

STUDY_REPORTED = (
    "overview+poster, concat: accuracy 0.8645, AUC 0.6914 (the study's best, its own data and split)"
)


def _f(x, nd=3) -> str:
    return "–" if x is None else f"{x:.{nd}f}"


def _key(row) -> tuple:
    return (tuple(row["inputs"]), row["kind"], row["fusion"])


def acceptance(rows: list[dict], default_fusion: str) -> dict:
    """The issue's two rules, on test micro-F1.

    ``adds_never_hurt``: every multimodal ``ours`` row with the default fusion >= the best ``ours``
    single-input row (default fusion) among its inputs. ``beats_replica``: every ``ours`` row >
    the best replica row with the same inputs.
    """
    by = {_key(r): r["metrics"]["micro_f1"] for r in rows}
    adds, beats = [], []
    for r in rows:
        if r["kind"] != "ours":
            continue
        inputs, micro = tuple(r["inputs"]), r["metrics"]["micro_f1"]
        singles = {i: by.get(((i,), "ours", default_fusion)) for i in inputs}
        if len(inputs) > 1 and r["fusion"] == default_fusion and all(v is not None for v in singles.values()):
            best_input = max(singles, key=singles.get)
            adds.append(
                {
                    "id": r["id"],
                    "micro_f1": micro,
                    "best_single": best_input,
                    "best_single_micro_f1": singles[best_input],
                    "pass": micro >= singles[best_input],
                }
            )
        rep = [by[k] for k in by if k[0] == inputs and k[1] == "replica"]
        if rep:
            beats.append(
                {"id": r["id"], "micro_f1": micro, "replica_micro_f1": max(rep), "pass": micro > max(rep)}
            )
    return {"adds_never_hurt": adds, "beats_replica": beats, "all_pass": all(c["pass"] for c in adds + beats)}


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "id",
            "kind",
            "inputs",
            "fusion",
            *COLUMNS,
            "micro_f1_ci_low",
            "micro_f1_ci_high",
            "macro_f1_ci_low",
            "macro_f1_ci_high",
            "seconds",
            "mean_weights",
        ]
    )
    for r in rows:
        m = r["metrics"]
        ci = [*(m.get("micro_f1_ci") or [None, None]), *(m.get("macro_f1_ci") or [None, None])]
        weights = ";".join(f"{k}={v:.3f}" for k, v in (r.get("mean_weights") or {}).items() if v is not None)
        w.writerow(
            [
                r["id"],
                r["kind"],
                "+".join(r["inputs"]),
                r["fusion"] or "",
                *[("" if m.get(c) is None else round(m[c], 5)) for c in COLUMNS],
                *[("" if v is None else round(v, 5)) for v in ci],
                r.get("seconds", ""),
                weights,
            ]
        )
    return buf.getvalue()


def _ci(m, key) -> str:
    ci = m.get(f"{key}_ci")
    return f"{_f(m[key])} [{_f(ci[0], 2)}, {_f(ci[1], 2)}]" if ci else _f(m[key])


def to_markdown(summary: dict, checks: dict) -> str:
    rows, sizes = summary["rows"], summary["split"]["sizes"]
    order = {s: i for i, s in enumerate(STUDY_SETS)}
    kind_order = {"ours": 0, "replica": 1, "baseline": 2}
    fusion_order = {f: i for i, f in enumerate(FUSIONS)}
    rows = sorted(
        rows,
        key=lambda r: (
            kind_order[r["kind"]] == 2,
            order.get(tuple(r["inputs"]), 99),
            "+".join(r["inputs"]),
            kind_order[r["kind"]],
            fusion_order.get(r["fusion"], 9),
            r["fusion"] or "",
        ),
    )
    lines = [
        "# Experiment: the study's ablation with standard metrics",
        "",
        (
            f"Data: `{summary['data']}` — {summary['n_movies']} movies; split seed {summary['split']['seed']}: "
            f"train {sizes['train']}, val {sizes['val']}, test {sizes['test']} (all numbers on test). "
            f"Default fusion: `{summary['default_fusion']}`. "
            f"Bootstrap: {summary['bootstrap']} resamples (95% CI)."
        ),
        (
            f"Time: this run {summary['run_seconds']:.0f} s; "
            f"the rows' own compute {summary['rows_seconds']:.0f} s "
            f"({summary['resumed_rows']} rows resumed from an earlier run)."
        ),
        "",
        (
            "| Inputs | Model | Fusion | micro-F1 [95% CI] | macro-F1 [95% CI] | weighted-F1 | samples-F1 | mAP "
            '| macro AUC | micro AUC | Hamming acc. | exact match | study "accuracy" | study "AUC" |'
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    names = {"ours": "ours", "replica": "study replica", "baseline": "baseline"}
    for r in rows:
        m = r["metrics"]
        inputs = "+".join(r["inputs"]) or "—"
        lines.append(
            f"| {inputs} | {names[r['kind']]} | {r['fusion']} | {_ci(m, 'micro_f1')} | "
            f"{_ci(m, 'macro_f1')} | {_f(m['weighted_f1'])} | {_f(m['samples_f1'])} | "
            f"{_f(m['map'])} | "
            f"{_f(m['macro_roc_auc'])} | {_f(m['micro_roc_auc'])} | {_f(m['hamming_accuracy'])} | "
            f"{_f(m['subset_accuracy'])} | {_f(m['study_accuracy'])} | {_f(m['study_auc'])} |"
        )
    lines += [
        "",
        (
            f'The study reported: {STUDY_REPORTED}. Its "accuracy" is 1 − mean|p − y| over all '
            "movie×genre cells on probabilities (the all-negative baseline row shows what that rewards); "
            'its "AUC" is ROC-AUC of thresholded 0/1 predictions per movie, averaged. Both are shown '
            "only so the old table can be read beside ours; judge by micro/macro-F1, mAP and ROC-AUC."
        ),
        "",
    ]
    lines += ["## Acceptance checks (test micro-F1)", ""]
    for name, title in (
        (
            "adds_never_hurt",
            (
                f"Adding an input never hurts (`{summary['default_fusion']}` "
                "fusion vs the best single input it contains)"
            ),
        ),
        ("beats_replica", "Every row beats the study replica with the same inputs"),
    ):
        lines.append(
            f"**{title}**: "
            + (
                "no rows to check"
                if not checks[name]
                else f"{sum(c['pass'] for c in checks[name])}/{len(checks[name])} pass"
            )
        )
        for c in checks[name]:
            other = (
                f"best single `{c['best_single']}` {c['best_single_micro_f1']:.3f}"
                if name == "adds_never_hurt"
                else f"replica {c['replica_micro_f1']:.3f}"
            )
            lines.append(f"- {'PASS' if c['pass'] else 'FAIL'} `{c['id']}`: {c['micro_f1']:.3f} vs {other}")
        lines.append("")
    if summary["skipped_rows"]:
        lines += ["## Skipped rows", ""]
        by_reason: dict[str, list[str]] = {}
        for s in summary["skipped_rows"]:
            by_reason.setdefault(s["reason"], []).append(s["id"])
        lines += [
            f"- {reason} ({len(ids)} rows): " + ", ".join(f"`{i}`" for i in ids)
            for reason, ids in by_reason.items()
        ]
        lines.append("")
    lines += [
        (
            "Plots: `per_genre_f1.png`, `pr_curves.png`, `modality_weights.png`. Per-genre numbers: "
            "`results.json`."
        ),
        "",
    ]
    return "\n".join(lines)


def write_report(summary: dict, out: str | Path, plots: bool = True) -> dict:
    """Write results.json / .csv / .md (+ plots) into ``out``; returns the acceptance checks."""
    out = Path(out)
    checks = acceptance(summary["rows"], summary["default_fusion"])
    summary["acceptance"] = checks
    write_text(out / "results.json", json.dumps(summary, indent=1) + "\n")
    write_text(out / "results.csv", to_csv(summary["rows"]))
    write_text(out / "results.md", to_markdown(summary, checks))
    if plots and summary["rows"]:
        from .plots import write_plots  # matplotlib: loaded only when plots are asked for

        write_plots(summary, out)
    return checks
