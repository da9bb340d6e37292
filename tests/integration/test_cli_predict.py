"""``moviegenre predict`` with a stand-in model: flags, --json, --poster, --data → .jsonl/.csv, errors."""

from __future__ import annotations

import csv
import json

import pytest
from conftest import make_movies, make_poster
from serving_helpers import GENRES, FakeClassifier
from typer.testing import CliRunner

from moviegenre.errors import MovieGenreError


@pytest.fixture
def run(monkeypatch):
    from moviegenre.cli import build_app
    from moviegenre.cli import predict as serve_cli

    fake = FakeClassifier()
    monkeypatch.setattr(serve_cli, "load_classifier", lambda model: fake)
    app = build_app()
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_one_movie_from_flags(run):
    r = run("predict", "--title", "Ghost Train", "--overview", "a funny night", "--companies", "A; B")
    assert r.exit_code == 0, r.output
    assert "Horror" in r.output and "Comedy" in r.output and "How much each input counted" in r.output


def test_json_output_with_poster(run, tmp_path):
    poster = make_poster(tmp_path / "p.jpg")
    r = run("predict", "--title", "Love Boat", "--poster", str(poster), "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["genres"] == ["Romance"]
    assert d["weights"]["poster"] == pytest.approx(0.5) and d["weights"]["overview"] == 0


def test_bad_input_is_a_one_line_error(run, tmp_path):
    r = run("predict")
    assert isinstance(r.exception, MovieGenreError) and "at least one" in str(r.exception)
    r = run("predict", "--title", "x", "--poster", str(tmp_path / "nope.jpg"))
    assert isinstance(r.exception, MovieGenreError) and "missing file" in str(r.exception)
    (tmp_path / "notes.txt").write_text("words")
    r = run("predict", "--title", "x", "--poster", str(tmp_path / "notes.txt"))
    assert isinstance(r.exception, MovieGenreError) and "not an image" in str(r.exception)
    r = run("predict", "--data", str(tmp_path / "notes.txt"))
    assert isinstance(r.exception, MovieGenreError) and "--out" in str(r.exception)


def _write_jsonl(tmp_path, n=7):
    path = tmp_path / "movies.jsonl"
    with path.open("w") as f:
        for m in make_movies(tmp_path, n=n, posters=False):
            f.write(
                json.dumps(
                    {
                        "imdb_id": m.key,
                        "title": m.title,
                        "overview": m.overview,
                        "genres": list(m.genres),
                        "production_companies": m.companies,
                    }
                )
                + "\n"
            )
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_batch_file(run, tmp_path, suffix):
    data = _write_jsonl(tmp_path)
    out = tmp_path / "out" / f"preds{suffix}"
    r = run("predict", "--data", str(data), "--out", str(out), "--batch-size", "3")
    assert r.exit_code == 0, r.output
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert len(rows) == 7 and {"key", "genres", "scores", "weights"} <= set(rows[0])
    else:
        rows = list(csv.DictReader(out.open()))
        assert len(rows) == 7 and set(GENRES) <= set(rows[0])
    assert not list(out.parent.glob("*.tmp"))  # atomic write left no temp file


def test_bad_out_suffix(run, tmp_path):
    r = run("predict", "--data", str(_write_jsonl(tmp_path)), "--out", str(tmp_path / "p.txt"))
    assert isinstance(r.exception, MovieGenreError) and ".jsonl or .csv" in str(r.exception)


def test_missing_model_folder_is_clear(tmp_path):
    from moviegenre.pretrained import resolve_model_dir

    with pytest.raises(MovieGenreError, match="not found"):
        resolve_model_dir(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(MovieGenreError, match="not a model folder"):
        resolve_model_dir(tmp_path / "empty")
