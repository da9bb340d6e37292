"""``moviegenre train`` / ``moviegenre evaluate`` end to end on synthetic JSONL files."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_movies
from typer.testing import CliRunner

from moviegenre.cli import build_app

KEYS = [
    "micro_f1",
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
    "per_genre",
    "skipped_genres",
]


def write_jsonl(folder: Path, n: int, seed: int, posters: bool = True) -> Path:
    """A movies.jsonl in the shared schema, posters beside it in ``folder/posters``."""
    folder.mkdir(parents=True, exist_ok=True)
    movies = make_movies(folder, n=n, seed=seed, posters=posters)
    with open(folder / "movies.jsonl", "w") as f:
        f.writelines(
            json.dumps(
                {
                    "imdb_id": f"tt{seed}{m.key[1:]}",
                    "title": m.title,
                    "overview": m.overview,
                    "genres": list(m.genres),
                    "production_companies": None if m.companies is None else list(m.companies),
                    "poster": f"posters/{Path(m.poster).name}" if m.poster else None,
                }
            )
            + "\n"
            for m in movies
        )
    return folder / "movies.jsonl"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MOVIEGENRE_CACHE", str(tmp_path / "cache"))
    return tmp_path


def run(*args):
    result = CliRunner().invoke(build_app(), [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_train_then_evaluate_json(env):
    data = write_jsonl(env / "train", 150, seed=1, posters=False)
    out = env / "model"
    run(
        "train",
        "--data",
        data,
        "--inputs",
        "overview,title,companies",
        "--text-model",
        "tfidf",
        "--out",
        out,
        "--epochs",
        "30",
    )
    assert {
        "config.json",
        "labels.json",
        "vocab.json",
        "model.safetensors",
        "metrics.json",
        "meta.json",
        "split.json",
    } <= {p.name for p in out.iterdir()}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["test"]["micro_f1"] > 0.5 and metrics["fitted_on"].startswith("train+test")

    other = write_jsonl(env / "other", 40, seed=2, posters=False)
    report = json.loads(run("evaluate", "--model", out, "--data", other, "--json").stdout)
    assert list(report)[: len(KEYS)] == KEYS
    assert report["micro_f1"] > 0.5
    assert set(report["per_genre"]) >= {"Action", "Drama"}


def test_train_with_a_split_file_and_no_refit(env):
    data = write_jsonl(env / "d", 120, seed=3, posters=False)
    run("data", "split", "--data", data, "--out", env / "split.json")
    report = json.loads(
        run(
            "train",
            "--data",
            data,
            "--inputs",
            "overview,companies",
            "--text-model",
            "tfidf",
            "--split",
            env / "split.json",
            "--out",
            env / "m",
            "--no-refit",
            "--fusion",
            "gated",
            "--epochs",
            "5",
            "--json",
        ).stdout
    )
    assert all(k in report for k in KEYS)
    assert json.loads((env / "m" / "metrics.json").read_text())["fitted_on"] == "train"
    part = json.loads(
        run(
            "evaluate",
            "--model",
            env / "m",
            "--data",
            data,
            "--split",
            env / "split.json",
            "--part",
            "val",
            "--json",
        ).stdout
    )
    assert part["n_movies"] == len(json.loads((env / "split.json").read_text())["val"])


def test_user_errors_are_one_line(env):
    exe = Path(sys.executable).with_name("moviegenre")
    bad = env / "not-a-model"
    bad.mkdir()
    res = subprocess.run(
        [exe, "evaluate", "--model", bad, "--data", "default"],
        check=False,
        capture_output=True,
        text=True,
        env={"MOVIEGENRE_CACHE": str(env / "cache"), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin"},
    )
    assert res.returncode == 2
    assert res.stderr.strip().startswith("error:") and len(res.stderr.strip().splitlines()) == 1
    data = write_jsonl(env / "d", 30, seed=4, posters=False)
    res = subprocess.run(
        [exe, "train", "--data", data, "--inputs", "overview,plot", "--out", env / "m"],
        check=False,
        capture_output=True,
        text=True,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin"},
    )
    assert res.returncode == 2 and "'plot' is not one of" in res.stderr


@pytest.mark.slow
def test_evaluate_jsonl_with_posters_beside_it(env):
    """Train with the poster input, then evaluate other movies whose posters sit beside their JSONL."""
    data = write_jsonl(env / "train", 90, seed=5)
    out = env / "model"
    run(
        "train",
        "--data",
        data,
        "--inputs",
        "overview,poster",
        "--text-model",
        "tfidf",
        "--out",
        out,
        "--epochs",
        "10",
        "--no-refit",
    )
    other = write_jsonl(env / "elsewhere" / "new", 24, seed=6)
    report = json.loads(run("evaluate", "--model", out, "--data", other.parent, "--json").stdout)
    assert report["n_movies"] == 24 and report["micro_f1"] > 0.3
