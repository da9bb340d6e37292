"""The experiment's report: ``results.md`` (shaped like the study's table, standard metrics beside the
study's two; then each input alone, all signals, leave one input out, missing-modality robustness and
the default model's calibration), ``results.csv`` (one line per row), ``results.json`` (everything,
per-genre included), the acceptance checks, and the plots (``moviegenre.experiment.plots``).

``analyse(summary)`` derives the new tables from the rows (``leave_one_out``, ``robustness``,
``calibration``, kept in ``results.json``); ``results_block(summary)`` is the part of ``results.md``
that ``scripts/experiment-docs`` copies into docs/experiment.md.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..files import replace_between, write_text
from ..metrics import HEADLINE_METRICS as COLUMNS
from .rows import FUSIONS, STUDY_SETS, skip_summary

# the one command that makes the full multimodal table (shown when the data lacks a study input)
FULL_TABLE_COMMAND = "moviegenre experiment --data ../shared/data/movies --out runs/movies"
# inputs without which the study's table is mostly skipped
STUDY_INPUTS = ("overview", "poster")
DELTA_METRICS = ("micro_f1", "macro_f1", "map")

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


def _ours(rows, inputs, fusion):
    return next(
        (
            r
            for r in rows
            if r["kind"] == "ours" and tuple(r["inputs"]) == tuple(inputs) and r["fusion"] == fusion
        ),
        None,
    )


def _deltas(metrics: dict, ref: dict) -> dict:
    return {
        f"delta_{k}": (None if metrics.get(k) is None or ref.get(k) is None else metrics[k] - ref[k])
        for k in DELTA_METRICS
    }


def _by_delta(entry: dict) -> tuple:
    d = entry["delta_micro_f1"]
    return (d is None, d if d is not None else 0.0)


def leave_one_out(rows: list[dict], everything: list[str], fusion: str) -> list[dict]:
    """All signals minus one input vs all signals (default fusion), largest micro-F1 drop first:
    the first entry is the input that matters most. [] without the all-signals row."""
    full = _ours(rows, everything, fusion)
    if full is None or len(everything) < 2:
        return []
    out = []
    for name in everything:
        r = _ours(rows, [i for i in everything if i != name], fusion)
        if r is not None:
            m = r["metrics"]
            out.append(
                {
                    "left_out": name,
                    "id": r["id"],
                    **{k: m.get(k) for k in DELTA_METRICS},
                    **_deltas(m, full["metrics"]),
                }
            )
    return sorted(out, key=_by_delta)


def robustness(rows: list[dict], everything: list[str], fusion: str) -> list[dict]:
    """The all-signals model (trained once) with each input removed from every test movie, largest
    micro-F1 drop first. [] when that row has no robustness results."""
    full = _ours(rows, everything, fusion)
    if full is None or not full.get("robustness"):
        return []
    out = [
        {"removed": name, **res, **_deltas(res, full["metrics"])} for name, res in full["robustness"].items()
    ]
    return sorted(out, key=_by_delta)


def calibration(rows: list[dict], everything: list[str], fusion: str) -> dict | None:
    """The default model's (all signals, default fusion) calibration on test, or None."""
    full = _ours(rows, everything, fusion)
    if full is None or not full.get("calibration"):
        return None
    return {"id": full["id"], **full["calibration"]}


def analyse(summary: dict) -> dict:
    """The derived tables of ``summary`` (see the functions above), keyed as in ``results.json``."""
    rows, everything, fusion = summary["rows"], summary.get("all_signals") or [], summary["default_fusion"]
    return {
        "leave_one_out": leave_one_out(rows, everything, fusion),
        "robustness": robustness(rows, everything, fusion),
        "calibration": calibration(rows, everything, fusion),
    }


def data_note(summary: dict) -> tuple[str, str] | None:
    """(before, after) the tables, when the data lacks an input the study's table needs (e.g. the
    embedded default: no overview, no poster); None otherwise."""
    counts = summary.get("input_counts") or {}
    lacking = [n for n in STUDY_INPUTS if counts.get(n, 0) == 0]
    if not counts or not lacking:
        return None
    held = ", ".join(n for n, c in counts.items() if c > 0) or "no input at all"
    planned = len(summary["rows"]) + len(summary["skipped_rows"])
    name = "the embedded default" if summary["data"] == "default" else f"`{summary['data']}`"
    before = (
        f"{name[0].upper()}{name[1:]} ({summary['n_movies']:,} movies) holds {held} but no {' and no '.join(lacking)}: "
        f"{len(summary['skipped_rows'])} of {planned} rows are skipped, so this is not the study's full "
        f"multimodal table. That needs movies with overviews and posters: `{FULL_TABLE_COMMAND}`."
    )
    after = (
        f"These numbers come from {held} only (no {' and no '.join(lacking)}); "
        f"for the full multimodal table run `{FULL_TABLE_COMMAND}`."
    )
    return before, after


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


def _sorted_rows(rows: list[dict]) -> list[dict]:
    """Ordered like the study's table: its input sets first, then the others by name; baselines last."""
    order = {s: i for i, s in enumerate(STUDY_SETS)}
    kind_order = {"ours": 0, "replica": 1, "baseline": 2}
    fusion_order = {f: i for i, f in enumerate(FUSIONS)}
    return sorted(
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


def _d(x) -> str:
    """A signed difference: ``+0.004`` / ``−0.012``."""
    return "–" if x is None else f"{'+' if x >= 0 else '−'}{abs(x):.3f}"


def _ece(r) -> str:
    return _f((r.get("calibration") or {}).get("ece"))


def main_table(rows: list[dict]) -> list[str]:
    """Every row, the study's table shape with standard metrics beside the study's two."""
    lines = [
        (
            "| Inputs | Model | Fusion | micro-F1 [95% CI] | macro-F1 [95% CI] | weighted-F1 | samples-F1 | mAP "
            '| macro AUC | micro AUC | Hamming acc. | exact match | study "accuracy" | study "AUC" |'
        ),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    names = {"ours": "ours", "replica": "study replica", "baseline": "baseline"}
    for r in _sorted_rows(rows):
        m = r["metrics"]
        inputs = "+".join(r["inputs"]) or "—"
        lines.append(
            f"| {inputs} | {names[r['kind']]} | {r['fusion']} | {_ci(m, 'micro_f1')} | "
            f"{_ci(m, 'macro_f1')} | {_f(m['weighted_f1'])} | {_f(m['samples_f1'])} | "
            f"{_f(m['map'])} | "
            f"{_f(m['macro_roc_auc'])} | {_f(m['micro_roc_auc'])} | {_f(m['hamming_accuracy'])} | "
            f"{_f(m['subset_accuracy'])} | {_f(m['study_accuracy'])} | {_f(m['study_auc'])} |"
        )
    return lines


def _short_table(rows: list[dict], first: str) -> list[str]:
    lines = [
        f"| {first} | Fusion | micro-F1 [95% CI] | macro-F1 [95% CI] | mAP | macro AUC | ECE |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        m = r["metrics"]
        lines.append(
            f"| {'+'.join(r['inputs'])} | {r['fusion']} | {_ci(m, 'micro_f1')} | {_ci(m, 'macro_f1')} | "
            f"{_f(m['map'])} | {_f(m['macro_roc_auc'])} | {_ece(r)} |"
        )
    return lines


def new_sections(summary: dict, analysis: dict) -> list[str]:
    """Markdown: each input alone, all signals, leave one input out, robustness, calibration."""
    rows, fusion = summary["rows"], summary["default_fusion"]
    everything = summary.get("all_signals") or []
    lines: list[str] = []
    singles = sorted(
        (r for r in rows if r["kind"] == "ours" and len(r["inputs"]) == 1 and r["fusion"] == fusion),
        key=lambda r: -r["metrics"]["micro_f1"],
    )
    if singles:
        lines += [
            f"## Each input alone (`{fusion}` fusion), best first",
            "",
            *_short_table(singles, "Input"),
            "",
        ]
    fusion_order = {f: i for i, f in enumerate(FUSIONS)}
    full = sorted(
        (r for r in rows if r["kind"] == "ours" and r["inputs"] == list(everything) and len(everything) > 1),
        key=lambda r: fusion_order.get(r["fusion"], 9),
    )
    if full:
        lines += [
            "## All signals",
            "",
            f"Every input the data has: {', '.join(everything)}.",
            "",
            *_short_table(full, "Inputs"),
            "",
        ]
    loo = analysis["leave_one_out"]
    if loo:
        top = loo[0]
        lines += [
            f"## Leave one input out (`{fusion}` fusion; Δ vs all signals)",
            "",
            "All signals retrained without one input; the largest drop first.",
            "",
            "| Left out | micro-F1 | Δ micro-F1 | macro-F1 | Δ macro-F1 | mAP | Δ mAP |",
            "|---|---|---|---|---|---|---|",
            *(
                f"| {e['left_out']} | {_f(e['micro_f1'])} | {_d(e['delta_micro_f1'])} | {_f(e['macro_f1'])} | "
                f"{_d(e['delta_macro_f1'])} | {_f(e['map'])} | {_d(e['delta_map'])} |"
                for e in loo
            ),
            "",
            f"The input that matters most: **{top['left_out']}** (micro-F1 {_d(top['delta_micro_f1'])}, "
            f"macro-F1 {_d(top['delta_macro_f1'])} without it).",
            "",
        ]
    rob = analysis["robustness"]
    if rob:
        n_test = summary["split"]["sizes"]["test"]
        lines += [
            "## Missing-modality robustness (Δ vs all signals)",
            "",
            f"The all-signals `{fusion}` model, trained once, scored on the test part with one input removed "
            "from every test movie (as if the source lacked it); the largest drop first.",
            "",
            "| Removed at test time | test movies that had it | micro-F1 | Δ micro-F1 | macro-F1 | Δ macro-F1 "
            "| mAP | Δ mAP |",
            "|---|---|---|---|---|---|---|---|",
            *(
                f"| {e['removed']} | {e['test_movies_with_input']} of {n_test} | {_f(e['micro_f1'])} | "
                f"{_d(e['delta_micro_f1'])} | {_f(e['macro_f1'])} | {_d(e['delta_macro_f1'])} | "
                f"{_f(e['map'])} | {_d(e['delta_map'])} |"
                for e in rob
            ),
            "",
        ]
    cal = analysis["calibration"]
    if cal:
        lines += [
            f"## Calibration of the default model (`{cal['id']}`)",
            "",
            (
                f"Expected calibration error over every test movie × genre probability, {cal['n_bins']} "
                f"equal-width bins: **ECE {_f(cal['ece'])}**; the mean of each genre's own ECE (macro): "
                f"{_f(cal['macro_ece'])}. Reliability plot: `reliability.png`."
            ),
            "",
            "| probability bin | cells | mean probability | share positive |",
            "|---|---|---|---|",
            *(
                f"| {b['low']:.2f}–{b['high']:.2f} | {b['count']} | {_f(b['mean_proba'])} | "
                f"{_f(b['positive_rate'])} |"
                for b in cal["bins"]
                if b["count"]
            ),
            "",
        ]
    return lines


def _acceptance_lines(summary: dict, checks: dict, detail: bool = True) -> list[str]:
    lines = ["## Acceptance checks (test micro-F1)", ""]
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
        for c in checks[name] if detail else [c for c in checks[name] if not c["pass"]]:
            other = (
                f"best single `{c['best_single']}` {c['best_single_micro_f1']:.3f}"
                if name == "adds_never_hurt"
                else f"replica {c['replica_micro_f1']:.3f}"
            )
            lines.append(f"- {'PASS' if c['pass'] else 'FAIL'} `{c['id']}`: {c['micro_f1']:.3f} vs {other}")
        lines.append("")
    return lines


def _study_note() -> list[str]:
    return [
        (
            f'The study reported: {STUDY_REPORTED}. Its "accuracy" is 1 − mean|p − y| over all '
            "movie×genre cells on probabilities (the all-negative baseline row shows what that rewards); "
            'its "AUC" is ROC-AUC of thresholded 0/1 predictions per movie, averaged. Both are shown '
            "only so the old table can be read beside ours; judge by micro/macro-F1, mAP and ROC-AUC."
        ),
        "",
    ]


def _header_lines(summary: dict) -> list[str]:
    sizes = summary["split"]["sizes"]
    return [
        (
            f"Data: `{summary['data']}` — {summary['n_movies']} movies; split seed {summary['split']['seed']}: "
            f"train {sizes['train']}, val {sizes['val']}, test {sizes['test']} (all numbers on test). "
            f"Default fusion: `{summary['default_fusion']}`. "
            f"Bootstrap: {summary['bootstrap']} resamples (95% CI)."
        ),
        (
            f"Time: this run {summary['run_seconds']:.0f} s{_cpu_load(summary)}; "
            f"the rows' own compute {summary['rows_seconds']:.0f} s "
            f"({summary['resumed_rows']} rows resumed from an earlier run)."
        ),
        "",
    ]


def _cpu_load(summary: dict) -> str:
    """ ", 1,234 s CPU, load average 7.9 → 6.1" when the run recorded them (older runs did not)."""
    text = ""
    if summary.get("cpu_seconds") is not None:
        text += f", {summary['cpu_seconds']:,.0f} s CPU"
    if summary.get("load_average"):
        a, b = summary["load_average"]
        text += f", load average {a:.1f} at start, {b:.1f} at end"
    return text


def to_markdown(summary: dict, checks: dict, analysis: dict | None = None) -> str:
    analysis = analysis if analysis is not None else analyse(summary)
    note = data_note(summary)
    lines = ["# Experiment: the study's ablation with standard metrics", ""]
    if note:
        lines += [f"**Note:** {note[0]}", ""]
    lines += _header_lines(summary)
    lines += [*main_table(summary["rows"]), "", *_study_note()]
    lines += new_sections(summary, analysis)
    lines += _acceptance_lines(summary, checks)
    line = skip_summary(summary["skipped_rows"])
    if line:
        lines += ["## Skipped rows", "", line, ""]
    lines += [
        (
            "Plots: `per_genre_f1.png`, `pr_curves.png`, `modality_weights.png`, `reliability.png`. "
            "Per-genre numbers: `results.json`."
        ),
        "",
    ]
    if note:
        lines += [f"**Note:** {note[1]}", ""]
    return "\n".join(lines)


def results_block(summary: dict) -> str:
    """The part of ``results.md`` that docs/experiment.md carries (``scripts/experiment-docs``): the
    run line, every table, the acceptance counts (failures listed) and the skip line."""
    checks = summary.get("acceptance") or acceptance(summary["rows"], summary["default_fusion"])
    analysis = {k: summary[k] for k in ("leave_one_out", "robustness", "calibration") if k in summary}
    analysis = analysis if len(analysis) == 3 else analyse(summary)
    lines = _header_lines(summary)
    lines += [*main_table(summary["rows"]), ""]
    lines += new_sections(summary, analysis)
    lines += _acceptance_lines(summary, checks, detail=False)
    line = skip_summary(summary["skipped_rows"])
    if line:
        lines += [line, ""]
    note = data_note(summary)
    if note:
        lines += [note[1], ""]
    # one level down: the docs page puts the block under its own "## Results on ..." heading
    return "\n".join(f"#{ln}" if ln.startswith("## ") else ln for ln in lines)


def generated_markers(section: str) -> tuple[str, str]:
    """The comment lines around a generated block of docs/experiment.md."""
    return (
        f"<!-- generated from results.json by scripts/experiment-docs --section {section}: do not edit -->",
        f"<!-- end of generated section {section} -->",
    )


def replace_generated(text: str, section: str, block: str) -> str:
    """``text`` with the lines between ``section``'s markers replaced by ``block``; ValueError when the
    markers are not there exactly once."""
    begin, end = generated_markers(section)
    try:
        return replace_between(text, begin, end, block.strip())
    except ValueError as e:
        raise ValueError(f"docs: section {section!r}: {e}") from None


def write_report(summary: dict, out: str | Path, plots: bool = True) -> dict:
    """Write results.json / .csv / .md (+ plots) into ``out``; returns the acceptance checks."""
    out = Path(out)
    checks = acceptance(summary["rows"], summary["default_fusion"])
    summary["acceptance"] = checks
    analysis = analyse(summary)
    summary.update(analysis)  # leave_one_out, robustness, calibration: in results.json too
    write_text(out / "results.json", json.dumps(summary, indent=1) + "\n")
    write_text(out / "results.csv", to_csv(summary["rows"]))
    write_text(out / "results.md", to_markdown(summary, checks, analysis))
    if plots and summary["rows"]:
        from .plots import write_plots  # matplotlib: loaded only when plots are asked for

        write_plots(summary, out)
    return checks
