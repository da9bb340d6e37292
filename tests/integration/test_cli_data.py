"""``moviegenre data info`` / ``data split`` end to end on tiny synthetic files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import make_movies
from typer.testing import CliRunner

from moviegenre.cli import build_app


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _folder(tmp_path, n=60):
    rows = []
    for m in make_movies(tmp_path, n=n):
        rows.append(
            {
                "imdb_id": f"tt{9000000 + int(m.key[1:])}",
                "tmdb_id": int(m.key[1:]),
                "title": m.title,
                "overview": m.overview,
                "genres": list(m.genres),
                "production_companies": list(m.companies) if m.companies is not None else None,
                "poster": os.path.relpath(m.poster, tmp_path),
            }
        )
    (tmp_path / "posters" / "m0.jpg").write_bytes(b"not a jpeg at all")
    return write_jsonl(tmp_path / "movies.jsonl", rows).parent


def test_info_json(tmp_path):
    folder = _folder(tmp_path)
    res = CliRunner().invoke(build_app(), ["data", "info", "--data", str(folder), "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    for key in ("movies", "skipped", "genres", "with_overview", "with_poster", "with_companies"):
        assert key in info
    assert info["movies"] == 60 and info["skipped"] == {}
    assert info["with_poster"] == 59 and info["poster_failures"] == {"not an image": 1}
    assert info["with_companies"] == 48 and sum(info["genres"].values()) >= 60


def test_info_tables(tmp_path):
    res = CliRunner().invoke(build_app(), ["data", "info", "--data", str(_folder(tmp_path, 20))])
    assert res.exit_code == 0 and "20 movies read" in res.stdout and "poster (opens)" in res.stdout


def test_split_twice_is_byte_identical(tmp_path):
    folder = _folder(tmp_path)
    app = build_app()
    for name in ("a.json", "b.json"):
        res = CliRunner().invoke(
            app,
            [
                "data",
                "split",
                "--data",
                str(folder),
                "--out",
                str(tmp_path / name),
                "--min-genre-count",
                "3",
                "--json",
            ],
        )
        assert res.exit_code == 0, res.output
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    rep = json.loads(res.stdout)
    assert sum(rep["sizes"].values()) == 60 and rep["genres_missing_from_a_part"] == {}
    saved = json.loads((tmp_path / "a.json").read_text())
    assert saved["seed"] == 0 and saved["train"] == sorted(saved["train"])


def test_bad_input_is_one_line_exit_2(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "moviegenre", "data", "info", "--data", str(tmp_path / "empty.csv")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr.strip().count("\n") == 0 and proc.stderr.startswith("error:") and "empty" in proc.stderr
    )
