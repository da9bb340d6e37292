"""``moviegenre embed`` end to end on tiny synthetic data: throughput table, cache reuse, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import make_movies
from typer.testing import CliRunner

from moviegenre.cli import build_app


def _folder(tmp_path, n=30):
    rows = []
    for m in make_movies(tmp_path, n=n):
        rows.append(
            {
                "imdb_id": f"tt{9100000 + int(m.key[1:])}",
                "title": m.title,
                "overview": m.overview,
                "genres": list(m.genres),
                "year": m.year,
                "runtime": m.runtime,
                "language": m.language,
                "production_companies": list(m.companies) if m.companies is not None else None,
                "poster": os.path.relpath(m.poster, tmp_path),
            }
        )
    (tmp_path / "posters" / "m3.jpg").write_bytes(b"\x89PNG but not really")
    (tmp_path / "movies.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return tmp_path


def _embed(*args):
    res = CliRunner().invoke(build_app(), ["embed", *args, "--json"])
    assert res.exit_code == 0, (res.output, res.exception)
    return json.loads(res.stdout[res.stdout.index("{") :])


def test_fitted_inputs_fast(tmp_path):
    folder = _folder(tmp_path)
    out = _embed(
        "--data",
        str(folder),
        "--inputs",
        "companies,metadata,overview",
        "--companies-model",
        "multihot",
        "--text-model",
        "tfidf",
        "--cache-dir",
        str(tmp_path / "cache"),
    )
    assert out["movies"] == 30
    assert out["inputs"]["companies"]["present"] == 24  # every 5th movie has unknown companies
    assert out["inputs"]["metadata"]["present"] == 30
    assert out["inputs"]["overview"]["encoder"] == "overview-tfidf"
    assert all(v["movies_per_s"] > 0 for v in out["inputs"].values())


def test_unknown_input_is_one_line_error(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    res = subprocess.run(
        [sys.executable, "-m", "moviegenre", "embed", "--data", str(_folder(tmp_path)), "--inputs", "plot"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert res.returncode == 2
    assert res.stderr.strip().splitlines()[-1].startswith("error: unknown inputs ['plot']")


@pytest.mark.slow
def test_real_encoders_then_all_from_cache(tmp_path):
    folder = _folder(tmp_path)
    args = [
        "--data",
        str(folder),
        "--inputs",
        "overview,title,companies,poster",
        "--cache-dir",
        str(tmp_path / "c"),
    ]
    first = _embed(*args)
    assert first["inputs"]["poster"]["present"] == 29
    assert first["inputs"]["poster"]["skipped"] == {"not an image": 1}
    # embed's defaults are the config's: it caches exactly the features a default `train` reads
    assert first["inputs"]["companies"]["encoder"] == "companies-multihot"
    second = _embed(*args)
    for name, v in second["inputs"].items():
        assert v["present"] == first["inputs"][name]["present"]
        assert v["skipped"] == first["inputs"][name]["skipped"]  # reasons survive a cache hit
    assert sum(v["seconds"] for v in second["inputs"].values()) < 2.0
