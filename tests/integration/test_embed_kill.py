"""SIGKILL half-way through encoding, then restart: the run completes, computing only what is
missing, and the cache holds every movie exactly once with the right features."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

SCRIPT = r"""
import sys, time
import numpy as np
import pytest
from moviegenre.config import EncoderConfig
from moviegenre.encoders.base import Encoder
from moviegenre.records import Movie

class Slow(Encoder):
    name, version, dim = "slow-test", "1", 8
    def content(self, m):
        return m.title
    def _compute(self, contents, progress=False):
        time.sleep(0.04 * len(contents))  # slow enough to be killed mid-run
        f = np.array([[float(t.split()[-1]) + j for j in range(8)] for t in contents], np.float32)
        return f, np.ones(len(contents), bool), {}

movies = [Movie(f"m{i}", title=f"movie number {i}") for i in range(int(sys.argv[2]))]
enc = Slow(EncoderConfig(batch_size=2), cache_dir=sys.argv[1])  # 8 movies per shard
computed = []
orig = enc._compute
enc._compute = lambda c, progress=False: (computed.extend(c), orig(c))[1]
feats, present = enc.encode(movies)
assert present.all()
assert (feats[:, 0] == np.arange(len(movies))).all()
print("computed", len(computed), flush=True)
"""


def _run(script, cache, n, **kw):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    return subprocess.Popen(
        [sys.executable, str(script), str(cache), str(n)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def test_sigkill_then_resume(tmp_path):
    from safetensors.numpy import load_file

    script = tmp_path / "slow_encode.py"
    script.write_text(SCRIPT)
    cache, n = tmp_path / "cache", 80
    shard_dir = cache / "features" / "slow-test@1"
    proc = _run(script, cache, n)
    deadline = time.time() + 60
    while time.time() < deadline and len(list(shard_dir.glob("shard-*.safetensors"))) < 3:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = sorted(shard_dir.glob("shard-*.safetensors"))
    assert 3 <= len(done_before) < n // 8, "the kill should land half-way"
    for p in done_before:  # only whole shards: each one loads
        assert len(load_file(str(p))["keys"]) == 8

    out, err = _run(script, cache, n).communicate(timeout=120)
    assert "computed" in out, err
    computed = int(out.split()[-1])
    assert computed == n - 8 * len(done_before), "restart computes only what is missing"

    keys = np.concatenate([load_file(str(p))["keys"] for p in shard_dir.glob("shard-*.safetensors")])
    assert len(keys) == n and len({k.tobytes() for k in keys}) == n, "no duplicates, nothing lost"
    out, err = _run(script, cache, n).communicate(timeout=120)
    assert out.split()[-1] == "0", "a third run is all cache"


@pytest.mark.slow
def test_cli_sigkill_then_resume(tmp_path):
    """The same with the real command and poster network: kill `moviegenre embed`, run it again."""
    import json

    from conftest import make_movies
    from safetensors.numpy import load_file

    n = 40
    rows = [
        {
            "imdb_id": f"tt{9200000 + i}",
            "title": m.title,
            "overview": m.overview,
            "genres": list(m.genres),
            "poster": os.path.relpath(m.poster, tmp_path),
        }
        for i, m in enumerate(make_movies(tmp_path, n=n))
    ]
    (tmp_path / "movies.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    cache = tmp_path / "cache"
    cmd = [
        sys.executable,
        "-m",
        "moviegenre",
        "embed",
        "--data",
        str(tmp_path),
        "--inputs",
        "poster",
        "--backend",
        "torch",
        "--batch-size",
        "1",
        "--cache-dir",
        str(cache),
        "--json",
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    shard_dir = cache / "features" / "poster-lite0@224x160.1"
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(shard_dir.glob("shard-*.safetensors"))) < 2:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = len(list(shard_dir.glob("shard-*.safetensors")))
    assert 2 <= before < n // 4  # 4 posters a shard at --batch-size 1
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["inputs"]["poster"]["present"] == n
    keys = np.concatenate([load_file(str(p))["keys"] for p in shard_dir.glob("shard-*.safetensors")])
    assert len(keys) == n == len({k.tobytes() for k in keys})
