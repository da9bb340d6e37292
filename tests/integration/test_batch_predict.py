"""``predict --data`` streaming: Parquet out through the CLI, and a run killed half-way (SIGTERM, SIGKILL)
leaves no half-written output. Stand-in predictors; tiny files made here."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from serving_helpers import GENRES, FakeClassifier
from typer.testing import CliRunner


def _jsonl(path: Path, n: int, bad: int = 0) -> Path:
    lines = [json.dumps({"imdb_id": f"tt{i:07d}", "title": f"funny ghost {i}"}) for i in range(n)]
    lines[1:1] = ["{broken"] * bad
    path.write_text("\n".join(lines) + "\n")
    return path


def test_cli_parquet_out_streams_in_batches(tmp_path, monkeypatch):
    from moviegenre.cli import build_app
    from moviegenre.cli import predict as predict_cli

    fake = FakeClassifier()
    monkeypatch.setattr(predict_cli, "load_classifier", lambda model: fake)
    data = _jsonl(tmp_path / "m.jsonl", 25, bad=2)
    out = tmp_path / "preds.parquet"
    r = CliRunner().invoke(
        build_app(), ["predict", "--data", str(data), "--out", str(out), "--batch-size", "10"]
    )
    assert r.exit_code == 0, r.output
    assert fake.calls == [10, 10, 5]  # bounded batches, not the whole file at once
    t = pq.read_table(out)
    assert t.num_rows == 25 and {f"score_{g}" for g in GENRES} <= set(t.column_names)
    assert t.column("genres").to_pylist()[0] == ["Comedy", "Horror"]
    assert "wrote 25 predictions" in r.output and "'bad json': 2" in r.output


SCRIPT = r"""
import sys, time
from moviegenre.batch import predict_file

class Slow:
    genres_, inputs_ = ["A", "B"], ["title"]
    def predict_details(self, movies, cache=True):
        time.sleep(0.2)
        print("batch", flush=True)
        return [{"genres": ["A"], "scores": {"A": 0.9, "B": 0.1}, "weights": None} for _ in movies]

predict_file(sys.argv[1], sys.argv[2], load=Slow, progress=False)
print("done", flush=True)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_killed_run_leaves_no_output(tmp_path, sig):
    script = tmp_path / "slow_predict.py"
    script.write_text(SCRIPT)
    data = _jsonl(tmp_path / "m.jsonl", 2000)  # 8 batches of 256, 0.2 s each
    outdir = tmp_path / "out"
    out = outdir / "preds.parquet"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(data), str(out)], env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "batch"  # half-way: the output is being written
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert proc.returncode != 0 and not out.exists()
    left = os.listdir(outdir)
    if sig == signal.SIGKILL:  # nothing can clean up after SIGKILL: at most a hidden temp file remains
        assert all(n.startswith(".preds.parquet.") and n.endswith(".tmp") for n in left)
    else:
        assert left == []

    t = time.perf_counter()
    done = subprocess.run([sys.executable, str(script), str(data), str(out)], env=env, capture_output=True)
    assert done.returncode == 0 and pq.read_metadata(out).num_rows == 2000, time.perf_counter() - t
