"""The experiment report's acceptance rules and table rendering, on hand-made rows."""

from moviegenre.experiment.report import acceptance, to_csv, to_markdown


def _row(kind, inputs, fusion, micro):
    keys = (
        "macro_f1",
        "weighted_f1",
        "samples_f1",
        "macro_roc_auc",
        "micro_roc_auc",
        "map",
        "hamming_accuracy",
        "subset_accuracy",
        "study_accuracy",
        "study_auc",
    )
    metrics = dict.fromkeys(keys, 0.5)
    metrics["micro_f1"] = micro
    return {
        "id": f"{kind}-{'+'.join(inputs)}-{fusion}",
        "kind": kind,
        "inputs": list(inputs),
        "fusion": fusion,
        "metrics": metrics,
        "seconds": 1.0,
    }


ROWS = [
    _row("ours", ["overview"], "late", 0.60),
    _row("ours", ["poster"], "late", 0.50),
    _row("ours", ["overview", "poster"], "late", 0.62),
    _row("ours", ["overview", "poster"], "concat", 0.58),  # below overview alone, but not the default fusion
    _row("replica", ["overview", "poster"], "concat", 0.45),
    _row("replica", ["overview", "poster"], "sum", 0.59),  # beats the concat row above
    _row("baseline", [], "prior", 0.30),
]


def test_acceptance_rules():
    checks = acceptance(ROWS, "late")
    adds = {c["id"]: c for c in checks["adds_never_hurt"]}
    assert list(adds) == ["ours-overview+poster-late"]
    late = adds["ours-overview+poster-late"]
    assert late["best_single"] == "overview" and late["pass"]
    beats = {c["id"]: c["pass"] for c in checks["beats_replica"]}
    assert beats == {"ours-overview+poster-late": True, "ours-overview+poster-concat": False}
    assert not checks["all_pass"]


def test_tables_render_every_row():
    summary = {
        "rows": ROWS,
        "split": {"sizes": {"train": 7, "val": 2, "test": 2}, "seed": 0},
        "data": "x",
        "n_movies": 11,
        "default_fusion": "late",
        "bootstrap": 0,
        "run_seconds": 3.0,
        "rows_seconds": 7.0,
        "resumed_rows": 0,
        "skipped_rows": [{"id": "r", "reason": "no poster"}],
    }
    md = to_markdown(summary, acceptance(ROWS, "late"))
    assert md.count("| overview+poster |") == 4 and "FAIL `ours-overview+poster-concat`" in md
    # skipped rows: one summary line (the ids are in results.json)
    assert "1 row skipped: 1 failed (no poster) (list in results.json)" in md and "`r`" not in md
    assert "study" in md
    assert len(to_csv(ROWS).splitlines()) == len(ROWS) + 1
