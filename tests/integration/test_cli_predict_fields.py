"""``moviegenre predict`` with every field a movie may carry, and blank input (stand-in model)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from serving_helpers import ALL_INPUTS, FakeClassifier
from typer.testing import CliRunner

from moviegenre.errors import MovieGenreError

FLAGS = [
    "--title",
    "The Vault",
    "--keywords",
    "heist; explosion",
    "--director",
    "Jane Doe",
    "--cast",
    "First Actor; Second Actor",
    "--tagline",
    "Nobody gets out.",
    "--year",
    "2001",
    "--runtime",
    "104",
    "--language",
    "EN",
    "--country",
    "us",
]


@pytest.fixture
def fake():
    return FakeClassifier(inputs=ALL_INPUTS)


@pytest.fixture
def run(monkeypatch, fake):
    from moviegenre.cli import build_app
    from moviegenre.cli import predict as predict_cli

    monkeypatch.setattr(predict_cli, "load_classifier", lambda model: fake)
    app = build_app()
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_blank_title_is_a_one_line_error_exit_2():
    r = subprocess.run(
        [sys.executable, "-m", "moviegenre", "predict", "--title", "   "],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=False,
    )
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("error: give at least one of --title") and r.stderr.count("\n") == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--title", "   "],
        ["--overview", "\t\n"],
        ["--companies", " ; ;"],
        ["--cast", ";"],
        ["--tagline", ""],
        ["--title", " ", "--keywords", " "],
    ],
)
def test_blank_text_counts_as_absent(run, fake, args):
    r = run("predict", *args)
    assert isinstance(r.exception, MovieGenreError) and "at least one of" in str(r.exception)
    assert fake.seen == []  # nothing was predicted


def test_every_field_reaches_the_model(run, fake):
    r = run("predict", *FLAGS, "--json")
    assert r.exit_code == 0, r.output
    m = fake.seen[-1]
    assert (m.title, m.keywords, m.director, m.cast, m.tagline) == (
        "The Vault",
        ("heist", "explosion"),
        "Jane Doe",
        ("First Actor", "Second Actor"),
        "Nobody gets out.",
    )
    assert (m.year, m.runtime, m.language, m.country) == (2001, 104.0, "en", "US")
    details = json.loads(r.output)
    assert details["genres"] == ["Action"]  # "explosion" came through the keywords
    assert list(details["weights"]) == ALL_INPUTS  # every input the model has


def test_weights_table_lists_every_input(run):
    r = run("predict", *FLAGS)
    assert r.exit_code == 0, r.output
    for name in ALL_INPUTS:
        assert f"  {name}" in r.output


def test_fields_the_model_does_not_read_are_an_error(monkeypatch):
    from moviegenre.cli import build_app
    from moviegenre.cli import predict as predict_cli

    monkeypatch.setattr(predict_cli, "load_classifier", lambda model: FakeClassifier())
    r = CliRunner().invoke(build_app(), ["predict", "--year", "2001", "--director", "Jane Doe"])
    assert isinstance(r.exception, MovieGenreError)
    assert "reads only overview, title, companies, poster" in str(r.exception)
    assert "ignores --director, --year" in str(r.exception)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--title", "x", "--language", "English"], "--language"),
        (["--title", "x", "--country", "USA"], "--country"),
    ],
)
def test_bad_codes_are_one_line_errors(run, args, message):
    r = run("predict", *args)
    assert isinstance(r.exception, MovieGenreError) and message in str(r.exception)


@pytest.mark.parametrize(
    "args", [["--year", "1869"], ["--year", "2101"], ["--runtime", "0"], ["--year", "soon"]]
)
def test_out_of_range_numbers_are_usage_errors(run, args):
    r = run("predict", "--title", "x", *args)
    assert r.exit_code == 2 and r.exception is not None


def test_data_passes_every_field_through(run, fake, tmp_path):
    rows = [
        {
            "imdb_id": "tt0000001",
            "title": "The Vault",
            "genres": [],
            "keywords": ["heist", "explosion"],
            "director": "Jane Doe",
            "cast": ["First Actor", "Second Actor"],
            "tagline": "Nobody gets out.",
            "year": 2001,
            "runtime": 104,
            "language": "en",
            "country": "US",
        },
        {"imdb_id": "tt0000002", "title": "Plain", "genres": []},
    ]
    data = tmp_path / "movies.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    out = tmp_path / "preds.jsonl"
    r = run("predict", "--data", str(data), "--out", str(out))
    assert r.exit_code == 0, r.output
    full, plain = fake.seen
    assert (full.keywords, full.director, full.cast, full.tagline) == (
        ("heist", "explosion"),
        "Jane Doe",
        ("First Actor", "Second Actor"),
        "Nobody gets out.",
    )
    assert (full.year, full.runtime, full.language, full.country) == (2001, 104, "en", "US")
    assert plain.keywords is None and plain.year is None
    preds = [json.loads(line) for line in out.read_text().splitlines()]
    assert preds[0]["genres"] == ["Action"] and list(preds[0]["weights"]) == ALL_INPUTS
