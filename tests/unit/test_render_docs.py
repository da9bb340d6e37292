"""scripts/render_docs.py: the README's and docs' numbers are rendered from results files, never typed."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rd():
    spec = importlib.util.spec_from_file_location("render_docs", ROOT / "scripts" / "render_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _row(kind, inputs, fusion, micro, auc=0.8, ci=None):
    rid = f"baseline-{fusion}" if kind == "baseline" else f"{kind}-{'+'.join(inputs)}-{fusion}"
    metrics = {
        "micro_f1": micro,
        "macro_f1": micro / 2,
        "macro_roc_auc": auc,
        "map": micro - 0.1,
        "study_accuracy": 0.88,
        "micro_f1_ci": ci,
        "macro_f1_ci": None,
        "per_genre": {"Drama": {"f1": 0.5}},  # the summary must not keep it
        "genres": ["Drama"],
    }
    return {"id": rid, "kind": kind, "inputs": list(inputs), "fusion": fusion, "metrics": metrics}


def fake_results(extra_rows=()) -> dict:
    four = ["poster", "overview", "companies", "title"]  # any order: rows are matched by their input set
    rows = [
        _row("baseline", (), "all_negative", 0.0, 0.5),
        _row("baseline", (), "prior", 0.3, 0.5),
        _row("replica", ("overview", "poster"), "concat", 0.50),
        _row("replica", ("overview", "poster"), "sum", 0.52),
        _row("replica", four, "concat", 0.53),
        _row("replica", four, "sum", 0.55),
        _row("ours", ("overview",), "late", 0.60),
        _row("ours", ("overview",), "concat", 0.61),
        _row("ours", ("overview", "poster"), "late", 0.64),
        _row("ours", four, "late", 0.67, 0.91, [0.65, 0.69]),
        _row("ours", four, "gated", 0.66),
        *extra_rows,
    ]
    return {
        "data": "/somewhere/shared/data/movies",
        "n_movies": 4947,
        "split": {"file": "split.json", "id": "x", "seed": 0, "sizes": {"train": 10, "val": 5, "test": 738}},
        "genres": ["Drama"],
        "default_fusion": "late",
        "bootstrap": 200,
        "rows": rows,
        "skipped_rows": [{"id": "ours-metadata-late", "reason": "the data has no metadata"}],
        "acceptance": {
            "adds_never_hurt": [{"pass": True}] * 3,
            "beats_replica": [{"pass": True}, {"pass": False}],
        },
    }


def table_rows(text: str) -> list[list[str]]:
    return [
        [c.strip() for c in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("| ") and not line.startswith(("| inputs", "| genre", "| metric"))
    ]


def test_headline_picks_rows_by_input_set_and_fusion(rd):
    text = rd.render_headline(rd.summarize(fake_results()))
    rows = table_rows(text)
    assert [(r[0], r[1]) for r in rows] == [
        ("all-negative baseline", "—"),
        ("overview + poster", "study replica (LSTM + CNN, concat)"),
        ("poster + overview + companies + title", "study replica (LSTM + CNN, sum)"),  # the best replica
        ("overview", "ours (late, default)"),
        ("overview + poster", "ours (late, default)"),
        ("poster + overview + companies + title", "ours (late, default)"),
    ]
    assert rows[-1][2] == "**0.670** [0.65, 0.69]"  # the best micro-F1: bold, with its interval
    assert rows[3][2] == "0.600"  # the default fusion's row, not the better concat one
    assert "`../shared/data/movies`" in text and "test = 738 movies" in text
    assert "in 3 of 3 cases" in text and "in 1 of 2" in text


def test_headline_tolerates_extra_and_missing_rows(rd):
    every = ("overview", "title", "companies", "poster", "keywords", "people", "tagline", "metadata")
    extra = [
        _row("ours", ("keywords",), "late", 0.55),
        _row("ours", every, "late", 0.71, 0.93, [0.69, 0.72]),
        _row("ours", every[1:], "late", 0.69),  # leave-one-out
        _row("ours", every, "concat", 0.68),
    ]
    results = fake_results(extra)
    results["rows"] = [r for r in results["rows"] if r["id"] != "ours-overview-late"]
    rows = table_rows(rd.render_headline(rd.summarize(results)))
    assert ("overview", "ours (late, default)") not in [(r[0], r[1]) for r in rows]
    assert rows[-1][0] == " + ".join(every) and rows[-1][2] == "**0.710** [0.69, 0.72]"
    assert len(rows) == 6


def test_summary_keeps_numbers_only(rd):
    summary = rd.summarize(fake_results())
    text = json.dumps(summary)
    assert "per_genre" not in text and "Drama" not in text and "/somewhere" not in text
    assert summary["acceptance"] == {
        "adds_never_hurt": {"pass": 3, "total": 3},
        "beats_replica": {"pass": 1, "total": 2},
    }
    assert set(summary["rows"][0]["metrics"]) == set(rd.SUMMARY_METRICS)


def fake_metrics() -> dict:
    per = {
        "Drama": {"precision": 0.60, "recall": 0.90, "f1": 0.72, "roc_auc": 0.85, "support": 400},
        "Mystery": {"precision": 0.40, "recall": 0.10, "f1": 0.16, "roc_auc": 0.81, "support": 40},
        "Foreign": {"precision": None, "recall": 0.0, "f1": 0.0, "roc_auc": None, "support": 6},
    }
    test = {
        "n_movies": 738,
        "micro_f1": 0.7034,
        "micro_f1_ci": [0.69, 0.72],
        "macro_f1": 0.5,
        "map": 0.66,
        "macro_roc_auc": 0.93,
        "bootstrap": 200,
        "per_genre": per,
    }
    return {"test": test, "split": {"seed": 0, "sizes": {"train": 3466, "val": 743, "test": 738}}}


def test_model_card_from_metrics(rd):
    blocks = rd.render_model_card(fake_metrics(), None)
    held = blocks["model-card-heldout"]
    assert "| micro-F1 | 0.703 (95% CI 0.690–0.720) |" in held and "| mAP | 0.660 |" in held
    assert "weighted-F1" not in held  # a metric the report lacks is left out
    genres = table_rows(blocks["model-card-genres"])
    assert [r[0] for r in genres] == ["Drama", "Mystery", "Foreign"]  # by support
    assert genres[2] == ["Foreign", "6", "–", "0.00", "0.00", "–"]
    lim = blocks["model-card-limitations"]
    assert lim.index("Foreign (F1 0.00") < lim.index("Mystery (F1 0.16")  # weakest first
    assert "Drama recall 0.90 at precision 0.60" in lim
    assert "low scores" not in lim
    lim = rd.render_model_card(fake_metrics(), None, {"Drama": 0.4, "Foreign": 0.09, "Mystery": 0.12})[
        "model-card-limitations"
    ]
    assert "predicted on low scores (threshold under 0.15): Foreign from 0.09, Mystery from 0.12;" in lim


def test_model_card_with_the_seed_mean(rd):
    heldout = {
        "seeds": [{"seed": 0}, {"seed": 1}],
        "mean": {"micro_f1": 0.71, "macro_f1": 0.6, "macro_roc_auc": 0.935, "map": 0.67},
        "per_genre_f1": {"Drama": 0.8, "Mystery": 0.45, "Foreign": 0.2},
    }
    blocks = rd.render_model_card(fake_metrics(), heldout)
    assert "mean of split seeds 0, 1" in blocks["model-card-heldout"]
    assert "| micro-F1 | 0.703 (95% CI 0.690–0.720) | 0.710 |" in blocks["model-card-heldout"]
    assert table_rows(blocks["model-card-genres"])[0][-1] == "0.80"
    assert "Mystery (F1 0.45" in blocks["model-card-limitations"]  # the steadier mean decides


def test_replace_blocks_touches_only_named_blocks(rd):
    text = "a\n<!-- generated:one -->\nold\n<!-- /generated -->\nb\n<!-- generated:two -->\nkeep\n<!-- /generated -->\n"
    out = rd.replace_blocks(text, {"one": "new\n"})
    assert out == text.replace("old", "new")
    assert rd.block_names(text) == ["one", "two"]


def test_check_mode_fails_on_a_stale_doc_and_writes_nothing(rd, tmp_path):
    (tmp_path / "results.json").write_text(json.dumps(fake_results()))
    model = tmp_path / "model"
    model.mkdir()
    (model / "metrics.json").write_text(json.dumps(fake_metrics()))
    doc = tmp_path / "README.md"
    doc.write_text("# x\n<!-- generated:headline -->\nstale\n<!-- /generated -->\n")
    args = [
        "--summary",
        str(tmp_path / "summary.json"),
        "--model-dir",
        str(model),
        "--heldout",
        str(tmp_path / "no"),
    ]
    args += ["--docs", str(doc)]
    assert rd.main([*args, "--results", str(tmp_path / "results.json"), "--check"]) == 1
    assert "stale" in doc.read_text() and not (tmp_path / "summary.json").exists()
    assert rd.main([*args, "--results", str(tmp_path / "results.json")]) == 0
    assert "stale" not in doc.read_text() and "| overview + poster |" in doc.read_text()
    assert rd.main([*args, "--check"]) == 0
    assert rd.main([*args, "--results", str(tmp_path / "results.json"), "--check"]) == 0  # the summary too


def test_committed_docs_equal_the_rendered_results_files(rd):
    """README.md, docs/model.md: every number block equals what the committed results files give."""
    summary = json.loads(rd.SUMMARY.read_text())
    metrics = json.loads((rd.MODEL_DIR / "metrics.json").read_text())
    heldout = json.loads(rd.HELDOUT.read_text())
    blocks = rd.number_blocks(summary, metrics, heldout, rd.MODEL_DIR)
    seen = set()
    for doc in rd.DOCS:
        text = doc.read_text(encoding="utf-8")
        assert rd.replace_blocks(text, blocks) == text, f"{doc.name} is stale: run ./scripts/render-docs"
        seen.update(rd.block_names(text))
    assert set(blocks) <= seen  # every number block has its place in some doc


def test_summary_file_is_json_with_one_line_a_row(rd):
    summary = rd.summarize(fake_results())
    text = rd.dump_summary(summary)
    assert json.loads(text) == summary
    assert len(text.splitlines()) == len(summary) - 1 + len(summary["rows"]) + 4
