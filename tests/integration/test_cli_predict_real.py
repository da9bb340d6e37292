"""``moviegenre predict`` as a user runs it: a subprocess, a real saved model, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import make_poster
from serving_helpers import tiny_model_dir

pytestmark = pytest.mark.slow
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def mg(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "moviegenre", *args],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def test_predict_json_with_poster(tmp_path):
    poster = make_poster(tmp_path / "p.jpg", (230, 120, 170))
    r = mg(
        "predict",
        "--model",
        str(tiny_model_dir()),
        "--title",
        "Love Story",
        "--overview",
        "love kiss wedding heart",
        "--companies",
        "Romance Studios",
        "--poster",
        str(poster),
        "--json",
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["genres"] and set(d["scores"]) == {"Action", "Comedy", "Drama", "Horror", "Romance"}
    assert d["weights"]["poster"] > 0


def test_batch_to_csv(tmp_path):
    data = tmp_path / "movies.jsonl"
    data.write_text(
        "\n".join(
            json.dumps(m)
            for m in [
                {"imdb_id": "x1", "title": "Ghost Night", "overview": "ghost scream haunted"},
                {"imdb_id": "x2", "title": "Party Time", "production_companies": ["Comedy Studios"]},
            ]
        )
        + "\n"
    )
    out = tmp_path / "preds.csv"
    r = mg("predict", "--model", str(tiny_model_dir()), "--data", str(data), "--out", str(out))
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("key,title,genres,") and len(lines) == 3


def test_errors_are_one_line_with_status_2(tmp_path):
    r = mg("predict", "--model", str(tmp_path / "missing"), "--title", "x")
    assert (
        r.returncode == 2
        and r.stderr.strip().startswith("error:")
        and len(r.stderr.strip().splitlines()) == 1
    )
    (tmp_path / "notes.txt").write_text("words")
    r = mg(
        "predict", "--model", str(tiny_model_dir()), "--title", "x", "--poster", str(tmp_path / "notes.txt")
    )
    assert r.returncode == 2 and "not an image" in r.stderr
