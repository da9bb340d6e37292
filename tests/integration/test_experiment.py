"""The experiment end to end on tiny synthetic data: rows, skips, resume, report files, the CLI.

The row plan is narrowed (two input sets, two fusions) and the text encoder is TF-IDF so this
stays a few seconds; the full plan is the same code with more rows.
"""

import json
import logging
from pathlib import Path

import numpy as np
import pytest
from conftest import make_movies

from moviegenre.experiment import rows as experiment_rows
from moviegenre.experiment import run_experiment
from moviegenre.experiment.replica import ReplicaConfig
from moviegenre.records import Dataset


@pytest.fixture
def small_plan(monkeypatch, tmp_path):
    sets = [("overview",), ("poster",), ("overview", "companies")]
    monkeypatch.setattr(experiment_rows, "STUDY_SETS", sets)
    monkeypatch.setattr(experiment_rows, "FUSIONS", ("concat", "late"))
    monkeypatch.setattr(experiment_rows, "SINGLE_INPUTS", [("companies",), ("keywords",)])
    monkeypatch.setenv("MOVIEGENRE_CACHE", str(tmp_path / "cache"))
    return {
        "replica_config": ReplicaConfig(embed_dim=8, hidden=8, epochs=2, batch_size=16, poster_size=24),
        "classifier_overrides": {
            "encoders": {"text_model": "tfidf"},
            "max_epochs": 3,
            "stack_folds": 2,
            "hidden_dim": 16,
        },
        "bootstrap": 20,
        "workers": 1,  # monkeypatches reach rows run in this process only
        "progress": False,
    }


def test_experiment_rows_skips_resume_and_report(tmp_path, small_plan, caplog):
    caplog.set_level(logging.INFO)  # like the CLI's log: matplotlib must not add its INFO lines
    logging.getLogger("matplotlib").setLevel(logging.NOTSET)
    movies = make_movies(tmp_path, n=60, posters=False)  # no posters: poster rows must be skipped
    # fewer inputs keep the all-signals and leave-one-out rows few (a few seconds)
    for name in ("metadata", "people", "tagline"):
        movies = [experiment_rows.without_input(m, name) for m in movies]
    out = tmp_path / "exp"
    from moviegenre.experiment import replica

    trained = []
    real_train = replica.train_replica

    def counting_train(data, inputs, fusion, *a, **kw):
        trained.append((tuple(inputs), fusion))
        return real_train(data, inputs, fusion, *a, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(replica, "train_replica", counting_train)
        s = run_experiment(Dataset(movies, "synthetic"), out, **small_plan)
    # one input: concat and sum are the same network, trained once and reported twice
    assert trained.count((("overview",), "concat")) == 1 and (("overview",), "sum") not in trained

    ids = {r["id"] for r in s["rows"]}
    by_id = {r["id"]: r for r in s["rows"]}
    assert {
        "ours-overview-concat",
        "ours-overview+companies-late",
        "ours-companies-late",
        "ours-keywords-late",
        "replica-overview+companies-sum",
        "baseline-all_negative",
        "baseline-prior",
        "baseline-most_frequent_k",
    } <= ids
    skipped = {r["id"]: r["reason"] for r in s["skipped_rows"]}
    assert "replica-poster-concat" in skipped and "poster" in skipped["ours-poster-late"]
    assert not any("poster" in i for i in ids)

    for r in s["rows"]:
        m = r["metrics"]
        assert 0 <= m["micro_f1"] <= 1 and len(m["micro_f1_ci"]) == 2
    late = next(r for r in s["rows"] if r["id"] == "ours-overview+companies-late")
    assert set(late["mean_weights"]) == {"overview", "companies"}
    assert by_id["replica-overview-sum"]["metrics"] == by_id["replica-overview-concat"]["metrics"]
    base = next(r for r in s["rows"] if r["id"] == "baseline-all_negative")
    assert base["metrics"]["micro_f1"] == 0 and base["metrics"]["study_accuracy"] > 0.5

    for name in (
        "results.md",
        "results.csv",
        "results.json",
        "split.json",
        "per_genre_f1.png",
        "pr_curves.png",
        "modality_weights.png",
        "reliability.png",
    ):
        assert (out / name).is_file(), name
    md = (out / "results.md").read_text()
    assert "study replica" in md and "Acceptance checks" in md and "Skipped rows" in md
    # the skipped rows: one summary line, not one line each
    skip_lines = [ln for ln in md.splitlines() if "rows skipped" in ln or "-poster-" in ln]
    assert skip_lines == [f"{len(skipped)} rows skipped: the data has no poster (list in results.json)"]

    # all signals (no posters here), leave one out and robustness
    everything = ["overview", "title", "companies", "keywords"]
    assert s["all_signals"] == everything
    full = by_id["ours-" + "+".join(everything) + "-late"]
    loo = s["leave_one_out"]
    assert sorted(e["left_out"] for e in loo) == sorted(everything)
    for e in loo:
        rest = "+".join(i for i in everything if i != e["left_out"])
        assert e["id"] == f"ours-{rest}-late"
        assert e["delta_micro_f1"] == pytest.approx(
            by_id[e["id"]]["metrics"]["micro_f1"] - full["metrics"]["micro_f1"]
        )
    assert [e["delta_micro_f1"] for e in loo] == sorted(
        e["delta_micro_f1"] for e in loo
    )  # largest drop first
    rob = s["robustness"]
    assert sorted(e["removed"] for e in rob) == sorted(everything)
    assert all(0 <= e["micro_f1"] <= 1 and e["test_movies_with_input"] > 0 for e in rob)
    assert not any("robustness" in r for r in s["rows"] if r is not full)
    # calibration of the default model: ECE over every cell, 15 bins
    cal = s["calibration"]
    assert cal["id"] == full["id"] and 0 <= cal["ece"] <= 1 and cal["n_bins"] == 15
    assert sum(b["count"] for b in cal["bins"]) == s["split"]["sizes"]["test"] * len(s["genres"])
    for title in (
        "## Each input alone",
        "## All signals",
        "## Leave one input out",
        "## Missing-modality robustness",
        "## Calibration of the default model",
    ):
        assert title in md, title
    assert "The input that matters most: **" + loo[0]["left_out"] + "**" in md
    # the docs block: the same tables from results.json, between the section's markers only
    from moviegenre.experiment.report import generated_markers, replace_generated, results_block

    block = results_block(json.loads((out / "results.json").read_text()))
    assert "\n### Leave one input out" in block and "\n### Calibration of the default model" in block
    begin, end = generated_markers("movies")
    page = f"intro\n{begin}\nold numbers\n{end}\noutro\n"
    new_page = replace_generated(page, "movies", block)
    assert new_page.startswith(f"intro\n{begin}\n") and new_page.endswith(f"{end}\noutro\n")
    assert "old numbers" not in new_page and block.strip() in new_page
    with pytest.raises(ValueError):
        replace_generated("no markers", "movies", block)
    # matplotlib's INFO chatter stays out of the log
    assert logging.getLogger("matplotlib").getEffectiveLevel() >= logging.WARNING
    assert not [r for r in caplog.records if r.name.startswith("matplotlib") and r.levelno < logging.WARNING]
    assert len((out / "results.csv").read_text().splitlines()) == len(s["rows"]) + 1
    checks = json.loads((out / "results.json").read_text())["acceptance"]
    assert any(c["id"] == "ours-overview+companies-late" for c in checks["adds_never_hurt"])
    assert checks["beats_replica"]

    # rerun: everything resumed, nothing retrained; one deleted row is recomputed identically
    first = {r["id"]: r["metrics"]["micro_f1"] for r in s["rows"]}
    (out / "rows" / "ours-overview-concat.json").unlink()
    s2 = run_experiment(Dataset(movies, "synthetic"), out, **small_plan)
    assert s2["resumed_rows"] == len(s["rows"]) - 1
    assert {r["id"]: r["metrics"]["micro_f1"] for r in s2["rows"]} == pytest.approx(first)


def test_plan_adds_single_inputs_all_signals_and_leave_one_out(tmp_path):
    """The plan on data without posters: each input alone, all signals x fusions, all signals minus
    each input; rows needing a poster skipped with what they lack."""
    train = Dataset(make_movies(tmp_path, n=30, posters=False), "synthetic")
    rows, skipped = experiment_rows.plan_rows(train, "late")
    ids = [r.id for r in rows]
    assert len(ids) == len(set(ids))
    everything = ("overview", "title", "companies", "metadata", "keywords", "people", "tagline")
    assert experiment_rows.all_signals(train) == everything
    for name in ("title", "companies", "metadata", "keywords", "people", "tagline", "overview"):
        assert f"ours-{name}-late" in ids, name
    all_id = "ours-" + "+".join(everything)
    assert [i for i in ids if i.startswith(all_id + "-")] == [f"{all_id}-late"]
    # the other fusions of all signals when asked for (off by default: the time budget)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(experiment_rows, "ALL_SIGNALS_EXTRA_FUSIONS", ("concat", "late"))
        more = [r.id for r in experiment_rows.plan_rows(train, "late")[0]]
    assert [i for i in more if i.startswith(all_id + "-")] == [f"{all_id}-late", f"{all_id}-concat"]
    for left in everything:
        assert "ours-" + "+".join(i for i in everything if i != left) + "-late" in ids, left
    assert "ours-poster-late" not in ids
    poster_rows = [s for s in skipped if "poster" in s["inputs"]]
    assert poster_rows and all(s["lacking"] == ["poster"] for s in poster_rows)
    assert len(skipped) == len(poster_rows)
    line = experiment_rows.skip_summary(skipped)
    assert line == f"{len(skipped)} rows skipped: the data has no poster (list in results.json)"
    assert "\n" not in line and experiment_rows.skip_summary([]) is None


def test_without_input_blanks_every_field_of_the_input(tmp_path):
    movie = make_movies(tmp_path, n=3)[2]  # has every input
    for name in experiment_rows.INPUT_FIELDS:
        assert experiment_rows.has_input(movie, name), name
        blank = experiment_rows.without_input(movie, name)
        assert not experiment_rows.has_input(blank, name), name
        others = [n for n in experiment_rows.INPUT_FIELDS if n != name]
        assert all(experiment_rows.has_input(blank, n) for n in others), name
        assert blank.genres == movie.genres and blank.key == movie.key


def test_robustness_scores_the_model_with_each_input_removed(tmp_path):
    """``Runner.robustness`` hands the model test movies lacking exactly that input, all of them."""
    movies = make_movies(tmp_path, n=40, posters=False)
    parts = (Dataset(movies[:24]), Dataset(movies[24:32]), Dataset(movies[32:]))
    runner = experiment_rows.Runner(Dataset(movies), parts, tmp_path, bootstrap=0, seed=0)
    seen = {}

    class Recorder:  # stands in for a trained classifier: scores a movie by what it still has
        def predict_proba(self, test):
            name = next(n for n in asked if not any(experiment_rows.has_input(m, n) for m in test))
            seen[name] = test
            return np.full((len(test), len(runner.genres)), 0.5 if name == "keywords" else 0.2, np.float32)

        def decide(self, proba):
            return (proba > 0.3).astype(np.uint8)

    asked = ("title", "keywords", "people")
    res = runner.robustness(Recorder(), asked)
    assert set(res) == set(seen) == {"title", "keywords", "people"}
    for name, test in seen.items():
        assert [m.key for m in test] == [m.key for m in parts[2]]
        assert not any(experiment_rows.has_input(m, name) for m in test)
        assert res[name]["test_movies_with_input"] == sum(
            experiment_rows.has_input(m, name) for m in parts[2]
        )
    assert res["keywords"]["micro_f1"] > 0 and res["title"]["micro_f1"] == 0  # each scored on its own


def test_split_is_saved_and_reused(tmp_path, small_plan):
    from moviegenre.data.split import Split

    movies = make_movies(tmp_path, n=40, posters=False)
    out = tmp_path / "exp"
    run_experiment(Dataset(movies, "synthetic"), out, kinds=("baseline",), **small_plan)
    before = (out / "split.json").read_bytes()
    run_experiment(Dataset(movies, "synthetic"), out, kinds=("baseline",), **small_plan)
    assert (out / "split.json").read_bytes() == before
    assert len(Split.load(out / "split.json").test) > 0


def test_cli_experiment_on_jsonl(tmp_path, small_plan):
    from typer.testing import CliRunner

    from moviegenre.cli import build_app

    movies = make_movies(tmp_path / "data", n=40)
    with (tmp_path / "data" / "movies.jsonl").open("w") as f:
        for m in movies:
            f.write(
                json.dumps(
                    {
                        "imdb_id": f"tt{int(m.key[1:]):07d}",
                        "title": m.title,
                        "overview": m.overview,
                        "genres": list(m.genres),
                        "production_companies": m.companies,
                        "poster": str(Path(m.poster).relative_to(tmp_path / "data")),
                    }
                )
                + "\n"
            )
    out = tmp_path / "out"
    res = CliRunner().invoke(
        build_app(),
        [
            "experiment",
            "--data",
            str(tmp_path / "data"),
            "--out",
            str(out),
            "--kinds",
            "baseline",
            "--bootstrap",
            "0",
        ],
    )
    assert res.exit_code == 0, res.output
    assert (out / "results.md").is_file()
    rows = np.loadtxt(out / "results.csv", delimiter=",", dtype=str, skiprows=1, usecols=0)
    assert sorted(rows.tolist()) == ["baseline-all_negative", "baseline-most_frequent_k", "baseline-prior"]
    res = CliRunner().invoke(
        build_app(), ["experiment", "--data", str(tmp_path / "data"), "--out", str(out), "--kinds", "oracle"]
    )
    assert res.exit_code != 0


@pytest.mark.realdata
def test_baseline_rows_on_real_data(shared_data, tmp_path):
    """Reading, split and scoring on the real movies (baselines only: seconds, no encoders)."""
    s = run_experiment(
        shared_data / "movies",
        tmp_path / "exp",
        kinds=("baseline",),
        bootstrap=0,
        progress=False,
        plots=False,
    )
    by = {r["id"]: r["metrics"] for r in s["rows"]}
    assert s["split"]["sizes"]["test"] > 500 and len(s["genres"]) >= 18
    # what the study's "accuracy" rewards: predicting nothing scores ~0.88
    assert 0.85 < by["baseline-all_negative"]["study_accuracy"] < 0.92
    assert 0.35 < by["baseline-most_frequent_k"]["micro_f1"] < 0.5


def test_cli_on_data_without_overview_or_poster_says_so_before_and_after(tmp_path, small_plan):
    """Like the embedded default: what the data holds, what the full table needs and the one command
    that makes it, before and after; the skipped rows as one line; no line cut at 80 columns."""
    from typer.testing import CliRunner

    from moviegenre.cli import build_app
    from moviegenre.cli.common import console
    from moviegenre.experiment.report import FULL_TABLE_COMMAND

    data = tmp_path / "movies.jsonl"
    with data.open("w") as f:
        for m in make_movies(tmp_path, n=40, posters=False):
            row = {"imdb_id": f"tt{int(m.key[1:]):07d}", "title": m.title, "genres": list(m.genres)}
            f.write(json.dumps({**row, "production_companies": m.companies, "year": m.year}) + "\n")
    res = CliRunner().invoke(
        build_app(),
        [
            "experiment",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "o"),
            "--kinds",
            "baseline",
            "--bootstrap",
            "0",
        ],
    )
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    notes = [i for i, ln in enumerate(lines) if FULL_TABLE_COMMAND in ln]
    summary = next(i for i, ln in enumerate(lines) if ln.startswith("3 rows"))
    assert len(notes) == 2 and notes[0] < summary and notes[1] == len(lines) - 1, res.output
    assert "holds title, companies, metadata but no overview and no poster" in lines[notes[0]]
    skip = [ln for ln in lines if "skipped:" in ln]
    assert len(skip) == 1 and "the data has no overview, poster" in skip[0]
    assert skip[0].endswith("(list in results.json)")
    md = (tmp_path / "o" / "results.md").read_text().splitlines()
    assert FULL_TABLE_COMMAND in md[2] and FULL_TABLE_COMMAND in md[-1]
    # not a terminal: rich does not wrap at 80 columns
    assert not console.is_terminal and console.width > 80


def test_replica_rows_in_a_second_process_give_the_same_results(tmp_path, monkeypatch):
    """``workers=2`` (the default) runs the replica's rows in a spawned process, beside ours."""
    from moviegenre.experiment import run as experiment_run

    monkeypatch.setenv("MOVIEGENRE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(experiment_rows, "STUDY_SETS", [("overview",), ("overview", "companies")])
    movies = make_movies(tmp_path, n=50, posters=False)
    plan = {
        "replica_config": ReplicaConfig(embed_dim=8, hidden=8, epochs=2, batch_size=16),
        "kinds": ("replica",),
        "bootstrap": 0,
        "progress": False,
        "plots": False,
    }
    apart_calls = []
    real = experiment_run._run_rows_apart
    monkeypatch.setattr(experiment_run, "_run_rows_apart", lambda *a: apart_calls.append(1) or real(*a))
    one = run_experiment(Dataset(movies, "synthetic"), tmp_path / "one", workers=1, **plan)
    assert not apart_calls
    # the pool pickles the function it runs by name: the real one runs in the child
    monkeypatch.setattr(experiment_run, "_run_rows_apart", real)
    spawned = []
    real_pool = experiment_run.ProcessPoolExecutor

    def pool(*a, **kw):
        spawned.append(1)
        return real_pool(*a, **kw)

    monkeypatch.setattr(experiment_run, "ProcessPoolExecutor", pool)
    two = run_experiment(Dataset(movies, "synthetic"), tmp_path / "two", workers=2, **plan)
    assert spawned
    assert [r["id"] for r in two["rows"]] == [r["id"] for r in one["rows"]]
    for a, b in zip(one["rows"], two["rows"], strict=True):
        assert a["metrics"]["micro_f1"] == pytest.approx(b["metrics"]["micro_f1"], abs=1e-6), a["id"]
    assert (tmp_path / "two" / "rows" / f"{two['rows'][0]['id']}.json").exists()
