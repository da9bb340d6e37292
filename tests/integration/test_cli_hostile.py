"""Issue 11, items 1, 2 and 7 at the command line: output paths checked before the work, a closed pipe
ends quietly, written files follow the umask, one loud line (and a count in --json) when none of
the posters the data names can be used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import make_movies, make_poster
from serving_helpers import FakeClassifier
from test_cli_model import write_jsonl
from typer.testing import CliRunner

from moviegenre.cli import build_app
from moviegenre.errors import MovieGenreError


def invoke(*args):
    return CliRunner().invoke(build_app(), [str(a) for a in args])


def one_line_error(result, *words) -> str:
    assert result.exit_code != 0
    assert isinstance(result.exception, MovieGenreError), result.exception
    msg = str(result.exception)
    assert "\n" not in msg and len(msg) < 500
    for w in words:
        assert w in msg, msg
    return msg


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("MOVIEGENRE_CACHE", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """A small saved model (TF-IDF text, companies): loads in a second, no pretrained network."""
    from moviegenre import GenreClassifier
    from moviegenre.config import EncoderConfig

    tmp = tmp_path_factory.mktemp("tiny")
    movies = make_movies(tmp, n=40, posters=False)
    clf = GenreClassifier(
        inputs=["overview", "title", "companies"],
        encoders=EncoderConfig(text_model="tfidf"),
        max_epochs=3,
        stack_folds=2,
        cache_dir=tmp / "cache",
    )
    return clf.fit(movies[:30], movies[30:]).save(tmp / "model")


# -- --out checked before the work, for every command that writes ------------------------------------
def test_out_checked_before_the_work(env):
    folder = env / "results"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    a_file = env / "file.txt"
    a_file.write_text("x")
    missing = env / "no-such-data.jsonl"  # reading it would fail: the --out error must come first
    cases = [
        (["data", "split", "--data", missing, "--out", folder], "is a folder"),
        (["train", "--data", missing, "--out", folder], "not a model folder"),
        (["train", "--data", missing, "--out", a_file], "not a folder"),
        (["experiment", "--data", missing, "--out", a_file], "not a folder"),
        (["posters", "to-jsonl", "--data", missing, "--posters", env, "--out", folder], "is a folder"),
        (["posters", "download", "--data", missing, "--out", a_file], "not a folder"),
        (["posters", "download", "--data", missing, "--out", env / "p", "--failures", folder], "is a folder"),
        (["embed", "--data", missing, "--cache-dir", a_file], "not a folder"),
        (["data", "split", "--data", missing, "--out", env / ("x" * 300 + ".json")], "longer than the OS"),
        (["data", "split", "--data", missing, "--out", a_file / "split.json"], "not a folder"),
    ]
    for args, words in cases:
        one_line_error(invoke(*args), words)
    assert (folder / "notes.txt").read_text() == "mine"


def test_predict_out_checked_before_loading_the_model(env, monkeypatch):
    from moviegenre.cli import predict as predict_cli

    def never(model):
        raise AssertionError("the model was loaded before --out was checked")

    monkeypatch.setattr(predict_cli, "load_classifier", never)
    (env / "preds.jsonl").mkdir()
    one_line_error(invoke("predict", "--data", env / "m.jsonl", "--out", env / "preds.jsonl"), "is a folder")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_out_in_a_read_only_folder(env):
    ro = env / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    one_line_error(invoke("data", "split", "--data", env / "x.jsonl", "--out", ro / "s.json"), "permission")


# -- a closed pipe ends quietly --------------------------------------------------------------------
def run_closed(*args) -> tuple[int, str]:
    """Run the CLI with its stdout already closed by the reader (``| head -0``, before any write)."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "80"}
    p = subprocess.Popen(
        [sys.executable, "-m", "moviegenre", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    p.stdout.close()
    err = p.stderr.read().decode()
    p.wait(timeout=120)
    return p.returncode, err


def quiet(rc: int, err: str) -> None:
    assert rc in (0, 141), (rc, err)
    assert "Traceback" not in err and "rror" not in err and "Exception" not in err, err


def test_closed_pipe_ends_quietly(env, tiny_model):
    data = write_jsonl(env / "d", 30, seed=1, posters=False)
    quiet(*run_closed("data", "info", "--data", data))
    quiet(*run_closed("data", "info", "--data", data, "--json"))
    quiet(*run_closed("--help"))
    quiet(*run_closed("predict", "--model", tiny_model, "--title", "ghost night", "--overview", "a scream"))
    quiet(*run_closed("predict", "--model", tiny_model, "--title", "ghost night", "--json"))


def test_head_minus_one(env, tiny_model):
    """The shell's own ``| head -1``: many lines, the reader leaves after the first."""
    data = write_jsonl(env / "d", 30, seed=1, posters=False)
    for args in (["data", "info", "--data", data], ["predict", "--model", tiny_model, "--title", "ghost"]):
        cmd = " ".join([sys.executable, "-m", "moviegenre", *map(str, args)]) + " | head -1"
        r = subprocess.run(
            ["bash", "-c", "set -o pipefail; " + cmd],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
        assert r.stdout.count("\n") == 1
        quiet(r.returncode, r.stderr)


# -- written files follow the user's umask --------------------------------------------------------
@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield 0o640
    os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_written_files_follow_the_umask(env, umask_027, tiny_model, monkeypatch):
    from moviegenre import GenreClassifier
    from moviegenre.cli import predict as predict_cli
    from moviegenre.download.export import export_jsonl
    from moviegenre.download.storage import write_atomic
    from moviegenre.encoders.cache import FeatureCache, content_key
    from moviegenre.files import write_text

    data = write_jsonl(env / "d", 30, seed=1, posters=False)
    assert mode(write_text(env / "a.txt", "x")) == 0o640
    assert invoke("data", "split", "--data", data, "--out", env / "split.json").exit_code == 0
    assert mode(env / "split.json") == 0o640
    monkeypatch.setattr(predict_cli, "load_classifier", lambda model: FakeClassifier())
    assert invoke("predict", "--data", data, "--out", env / "p.csv").exit_code == 0
    assert mode(env / "p.csv") == 0o640
    saved = GenreClassifier.load(tiny_model).save(env / "model")  # a model folder
    assert mode(saved) == 0o750 and {mode(p) for p in saved.iterdir()} == {0o640}
    cache = FeatureCache(env / "cache2", "x@1")  # feature-cache shards (were a fixed 0o644)
    cache.put([content_key("a")], np.ones((1, 3), np.float32), np.ones(1, bool))
    (shard,) = (env / "cache2" / "features" / "x@1").iterdir()
    assert mode(shard) == 0o640
    (env / "posters").mkdir()
    write_atomic(env / "posters" / "1.jpg", b"x")  # the downloader's writes
    assert mode(env / "posters" / "1.jpg") == 0o640
    export_jsonl(data, env / "posters", env / "export.jsonl")  # posters to-jsonl
    assert mode(env / "export.jsonl") == 0o640


def test_onnx_export_follows_the_umask(env, umask_027):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from moviegenre.encoders.networks.export import _export

    path = _export(torch.nn.Linear(3, 2), (torch.zeros(1, 3),), env / "x.onnx", ["a"], ["b"], {})
    assert mode(path) == 0o640


def test_shared_cache_umask_002(env):
    from moviegenre.encoders.cache import FeatureCache, content_key

    old = os.umask(0o002)
    try:
        FeatureCache(env / "c", "x@1").put([content_key("a")], np.ones((1, 2), np.float32), np.ones(1, bool))
    finally:
        os.umask(old)
    (shard,) = (env / "c" / "features" / "x@1").iterdir()
    assert mode(shard) == 0o664  # a group sharing the cache can add to it


# -- one loud line and a count in --json when no poster can be used --------------------------------------
def _no_posters(env) -> Path:
    """A JSONL that names a poster for every movie, with no poster folder beside it."""
    data = write_jsonl(env / "np", 40, seed=2, posters=True)
    for p in (env / "np" / "posters").iterdir():
        p.unlink()
    (env / "np" / "posters").rmdir()
    return data


def _loud(stderr: str, n: int) -> None:
    lines = [line for line in stderr.splitlines() if "posters the data names" in line]
    assert len(lines) == 1, stderr
    assert f"none of the {n} posters" in lines[0] and "check the poster folder" in lines[0]  # not wrapped
    assert stderr.count("poster file missing") <= 1  # not one warning a movie


def test_data_info_says_no_poster_can_be_used(env):
    data = _no_posters(env)
    r = invoke("data", "info", "--data", data, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["posters"]["unusable"] == 40
    _loud(r.stderr, 40)


def test_train_says_no_poster_can_be_used(env):
    data = _no_posters(env)
    r = invoke(
        "train", "--data", data, "--out", env / "m", "--text-model", "tfidf", "--epochs", "3", "--json"
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["posters"] == {
        "named": 40,
        "usable": 0,
        "unusable": 40,
        "reasons": {"poster file missing": 40},
    }
    _loud(r.stderr, 40)


def test_predict_data_says_no_poster_can_be_used(env, monkeypatch):
    from moviegenre.cli import predict as predict_cli

    monkeypatch.setattr(predict_cli, "load_classifier", lambda model: FakeClassifier())
    data = _no_posters(env)
    r = invoke("predict", "--data", data, "--out", env / "p.jsonl", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["posters"]["unusable"] == 40
    _loud(r.stderr, 40)


@pytest.fixture
def fake_poster_net(monkeypatch):
    """EfficientNet stand-in (mean colour × 1280): fast, deterministic."""
    from moviegenre.encoders import poster as poster_module

    class FakeNet:
        def features(self, pixels):
            return np.repeat(pixels.reshape(len(pixels), -1).mean(1, keepdims=True), 1280, 1).astype(
                np.float32
            )

    monkeypatch.setattr(poster_module, "image_model", lambda *a, **k: FakeNet())


def test_evaluate_and_embed_say_no_poster_can_be_used(env, fake_poster_net):
    from moviegenre import GenreClassifier

    movies = make_movies(env, n=40)
    model = GenreClassifier(inputs=["companies", "poster"], max_epochs=3, stack_folds=2)
    model.fit(movies[:30], movies[30:]).save(env / "pm")
    data = write_jsonl(env / "bad", 20, seed=3, posters=True)
    for p in (env / "bad" / "posters").iterdir():
        p.write_bytes(b"<html>404</html>")  # every poster exists and is no image
    r = invoke("evaluate", "--model", env / "pm", "--data", data, "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["posters"]["reasons"] == {"not an image": 20}
    _loud(r.stderr, 20)
    r = invoke("embed", "--data", data, "--inputs", "poster", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout[r.stdout.index("{") :])
    assert report["posters"]["unusable"] == 20
    _loud(r.stderr, 20)


def test_no_loud_line_when_posters_work(env):
    data = write_jsonl(env / "ok", 10, seed=4, posters=True)
    make_poster(env / "unused.jpg")
    r = invoke("data", "info", "--data", data, "--json")
    assert json.loads(r.stdout)["posters"] == {"named": 10, "usable": 10, "unusable": 0, "reasons": {}}
    assert "posters the data names" not in r.stderr


def test_os_errors_are_one_line(env, monkeypatch, capsys):
    """A disk that fills up mid-run: one ``error:`` line and status 2, not a traceback."""
    import errno

    from moviegenre.cli import main
    from moviegenre.data.split import Split

    def full(self, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(Split, "save", full)
    data = write_jsonl(env / "d", 20, seed=1, posters=False)
    monkeypatch.setattr(
        sys, "argv", ["moviegenre", "data", "split", "--data", str(data), "--out", str(env / "s.json")]
    )
    with pytest.raises(SystemExit) as e:
        main()
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"error: {env / 's.json'}: No space left on device"
