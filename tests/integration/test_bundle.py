"""``moviegenre export`` and the torch-free ``BundlePredictor``: equal predictions for every fusion,
no torch in the inference path (checked in a fresh interpreter), tampered bundles refused in one
line, the CLI and the service on a bundle, int8 quantization measured.

The pretrained networks are stand-ins (``tiny_networks``: tiny graphs with MiniLM's and
EfficientNet-Lite's interfaces in a private cache), so this runs in seconds; the real networks and
the shipped model are in ``tests/realdata/test_bundle_real.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tiny_networks
from conftest import make_movies, make_poster

from moviegenre import GenreClassifier
from moviegenre.config import EncoderConfig
from moviegenre.errors import ModelError
from moviegenre.inference.bundle import read_bundle
from moviegenre.inference.export import export_bundle
from moviegenre.inference.predictor import BundlePredictor
from moviegenre.records import Movie

pytest.importorskip("onnx")
POSTER = (64, 48)
ALL = ["overview", "title", "companies", "poster", "metadata"]
FORBIDDEN = ("torch", "transformers", "sentence_transformers", "sklearn", "scipy")


def _fit(root: Path, fusion: str, inputs=ALL, **kw) -> Path:
    movies = make_movies(root, n=60, seed=5)
    clf = GenreClassifier(
        inputs=inputs,
        fusion=fusion,
        encoders=EncoderConfig(poster_size=POSTER[0], poster_width=POSTER[1], backend="onnx"),
        max_epochs=6,
        stack_folds=2,
        cache_dir=root / "cache",
        **kw,
    )
    clf.fit(movies[:40], movies[40:50])
    return clf.save(root / f"model-{fusion}")


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("bundle")
    tiny_networks.install(root / "cache", POSTER)
    return root


@pytest.fixture(scope="module")
def late(root):
    """A late-fusion model on every input (+ the all-text TF-IDF view) and its bundle."""
    folder = _fit(root, "late")
    bundle, report = export_bundle(folder, root / "bundle-late", cache_dir=root / "cache")
    return folder, bundle, report


def _probe_movies(root: Path) -> list[Movie]:
    """New movies with every input, and with some missing (no poster, no text, nothing but metadata)."""
    movies = make_movies(root / "new", n=8, seed=9)
    movies[1] = Movie(key="no-poster", title="Ghost Night", overview="haunted scream", companies=())
    movies[2] = Movie(key="poster-only", poster_bytes=make_poster(root / "p.jpg").read_bytes())
    movies[3] = Movie(key="year-only", year=1999)
    return movies


def _same_details(a: list[dict], b: list[dict], atol: float = 1e-5) -> None:
    for x, y in zip(a, b, strict=True):
        assert x["genres"] == y["genres"]
        np.testing.assert_allclose(list(x["scores"].values()), list(y["scores"].values()), atol=atol)
        assert (x["weights"] is None) == (y["weights"] is None)
        if x["weights"] is not None:
            np.testing.assert_allclose(list(x["weights"].values()), list(y["weights"].values()), atol=atol)


def test_bundle_predicts_what_the_model_predicts(late, root):
    folder, bundle, report = late
    assert report["max_abs_diff"] < 1e-5 and report["decisions_changed"] == 0
    clf = GenreClassifier.load(folder, cache_dir=root / "cache")
    pred = BundlePredictor.load(bundle, cache_dir=root / "other-cache")
    assert pred.genres_ == clf.genres_ and pred.inputs_ == clf.inputs_ and pred.views_ == clf.views_
    assert "text_tfidf" in pred.views_ and np.array_equal(pred.thresholds_, clf.thresholds_)
    movies = _probe_movies(root)
    _same_details(clf.predict_details(movies), pred.predict_details(movies, cache=False))
    assert pred.predict(movies) == clf.predict(movies)
    assert pred.predict_proba([]).shape == (0, len(clf.genres_))
    # the bundle's own graphs, not the cache's exports, compute its features
    assert all(str(e.graphs["graph"]).startswith(str(bundle)) for e in pred.encoders_.values() if e.network)
    names = sorted(str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file())
    assert names == sorted(
        [
            "bundle.json",
            "config.json",
            "labels.json",
            "vocab.json",
            "metrics.json",
            "genrenet.onnx",
            "networks/minilm-l6-v2.onnx",
            "networks/minilm-l6-v2.tokenizer.json",
            f"networks/efficientnet-lite0-{POSTER[0]}x{POSTER[1]}.onnx",
        ]
    )


@pytest.mark.parametrize("fusion", ["gated", "concat", "sum"])
def test_every_fusion_exports_exactly(root, fusion):
    folder = _fit(root, fusion, inputs=["overview", "companies", "poster", "metadata"])
    bundle, report = export_bundle(folder, root / f"bundle-{fusion}", cache_dir=root / "cache")
    assert report["max_abs_diff"] < 1e-5
    movies = _probe_movies(root)
    clf = GenreClassifier.load(folder, cache_dir=root / "cache")
    pred = BundlePredictor.load(bundle, cache_dir=root / "other-cache")
    _same_details(clf.predict_details(movies), pred.predict_details(movies, cache=False))


def _run(code: str, cache: Path, block: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter with the feature cache ``cache``; ``block`` makes those modules
    fail to import (as if not installed)."""
    prelude = "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in block)
    env = {**os.environ, "MOVIEGENRE_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_inference_path_never_imports_torch(late, root):
    """CLI module, loader, bundle predictor and a prediction with every input: no torch, transformers,
    sentence-transformers, scikit-learn or scipy module is loaded."""
    _, bundle, _ = late
    poster = make_poster(root / "subprocess.jpg")
    code = f"""
import json
import moviegenre.cli, moviegenre.cli.predict, moviegenre.cli.serve
from moviegenre.pretrained import load_predictor
from moviegenre.records import Movie
pred = load_predictor({str(bundle)!r})
movie = Movie(key="x", title="The Ghost", overview="haunted scream night", companies=("Horror Studios",),
              poster_bytes=open({str(poster)!r}, "rb").read(), year=1990)
d = pred.predict_details([movie], cache=True)[0]
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {FORBIDDEN!r})
print(json.dumps({{"type": type(pred).__name__, "loaded": loaded, "genres": d["genres"]}}))
"""
    r = _run(code, root / "subprocess-cache")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["type"] == "BundlePredictor" and out["genres"]
    assert out["loaded"] == []


def test_bundle_predicts_when_the_training_stack_is_missing(late, root):
    _, bundle, _ = late
    code = f"""
from moviegenre.pretrained import load_predictor
from moviegenre.records import Movie
print(load_predictor({str(bundle)!r}).predict([Movie(key="x", title="Love Story", overview="love kiss")]))
"""
    r = _run(code, root / "subprocess-cache", block=FORBIDDEN)
    assert r.returncode == 0, r.stderr
    assert "Romance" in r.stdout


def _cli(root: Path, *args: str, block: tuple[str, ...] = ()):
    """``moviegenre ARGS`` in a fresh interpreter; the model's cache holds the stand-in networks."""
    code = f"sys.argv = ['moviegenre', *{list(args)!r}]\nfrom moviegenre.cli import main\nmain()"
    return _run(code, root / "cache", block)


@pytest.mark.parametrize(
    "args",
    [
        ("train", "--data", "movies.jsonl"),
        ("evaluate", "--model", "m", "--data", "movies.jsonl"),
        ("experiment",),
        ("export", "--out", "b"),
        ("embed", "--data", "movies.jsonl"),
    ],
)
def test_training_commands_say_which_extra_to_install(root, args):
    r = _cli(root, *args, block=("torch",))
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().count("\n") == 0 and "Traceback" not in r.stderr
    assert "pip install 'moviegenre[train]'" in r.stderr and "torch" in r.stderr


def test_model_folder_without_torch_is_one_line(late, root):
    folder, _, _ = late
    r = _cli(root, "predict", "--model", str(folder), "--title", "x", block=("torch",))
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0, r.stderr
    assert "moviegenre[train]" in r.stderr and "moviegenre export" in r.stderr


def test_cli_export_then_predict_from_the_bundle(late, root, tmp_path):
    folder, _, _ = late
    out = tmp_path / "cli-bundle"
    r = _cli(root, "export", "--model", str(folder), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "scores differ by at most" in r.stderr and (out / "bundle.json").is_file()
    flags = ("--title", "Ghost Story", "--overview", "haunted scream night", "--companies", "Horror Studios")
    poster = str(make_poster(tmp_path / "p.jpg", (20, 10, 10)))
    from_bundle = _cli(
        root, "predict", "--model", str(out), *flags, "--poster", poster, "--json", block=FORBIDDEN
    )
    assert from_bundle.returncode == 0, from_bundle.stderr
    from_folder = _cli(root, "predict", "--model", str(folder), *flags, "--poster", poster, "--json")
    _same_details([json.loads(from_folder.stdout)], [json.loads(from_bundle.stdout)])
    # a file of movies, through the same loader
    data = tmp_path / "movies.jsonl"
    data.write_text(
        "".join(json.dumps({"title": f"Love {i}", "overview": "love kiss wedding"}) + "\n" for i in range(5))
    )
    r = _cli(
        root,
        "predict",
        "--model",
        str(out),
        "--data",
        str(data),
        "--out",
        str(tmp_path / "p.csv"),
        block=FORBIDDEN,
    )
    assert r.returncode == 0, r.stderr
    assert len((tmp_path / "p.csv").read_text().splitlines()) == 6


def test_export_refuses_to_replace_other_folders(late, root, tmp_path):
    folder, _, _ = late
    keep = tmp_path / "projects"
    keep.mkdir()
    (keep / "notes.txt").write_text("mine")
    with pytest.raises(ModelError, match="not a bundle"):
        export_bundle(folder, keep)
    assert (keep / "notes.txt").read_text() == "mine"
    again, _ = export_bundle(folder, tmp_path / "b", cache_dir=root / "cache")
    again, _ = export_bundle(folder, again, cache_dir=root / "cache")  # an earlier bundle is replaced
    read_bundle(again)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp folders left


def test_service_serves_a_bundle(late):
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from moviegenre.serving.app import create_app

    _, bundle, _ = late
    with TestClient(create_app(bundle)) as client:
        health = client.get("/health").json()
        assert health["model"] == bundle.name and "poster" in health["inputs"]
        r = client.post("/predict", json={"title": "Ghost", "overview": "haunted scream", "companies": ["X"]})
        assert r.status_code == 200, r.text
        assert r.json()["genres"]


def test_int8_bundle_reports_its_change_and_keeps_its_own_cache(late, root):
    folder, bundle, _ = late
    movies = make_movies(root / "labelled", n=12, seed=11)
    q, report = export_bundle(
        folder, root / "bundle-int8", quantize="int8", cache_dir=root / "cache", movies=movies
    )
    assert report["movies"] == 12 and "micro_f1_bundle" in report and report["max_abs_diff"] < 0.5
    spec = json.loads((q / "bundle.json").read_text())
    assert spec["quantize"] == "int8"
    assert (q / "networks/minilm-l6-v2.onnx").stat().st_size < (
        bundle / "networks/minilm-l6-v2.onnx"
    ).stat().st_size
    pred = BundlePredictor.load(q, cache_dir=root / "other-cache")
    assert pred.encoders_["overview"].version.endswith("+int8")  # int8 features never mix with fp32 ones
    with pytest.raises(ModelError, match="unknown --quantize"):
        export_bundle(folder, root / "bundle-int4", quantize="int4")


# -- tampered bundles: one line naming the file, never a path outside the bundle -------------------------
@pytest.fixture
def copy(late, tmp_path):
    import shutil

    return Path(shutil.copytree(late[1], tmp_path / "copy"))


def _edit_json(bundle: Path, name: str, change) -> None:
    """Change a JSON file of the bundle and record its new size and hash (so deeper checks are reached)."""

    path = bundle / name
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))
    if name != "bundle.json":
        _edit_json(bundle, "bundle.json", lambda s: s["files"].update({name: _entry(path)}))


def _entry(path: Path) -> dict:
    from moviegenre.inference.bundle import sha256_of

    return {"bytes": path.stat().st_size, "sha256": sha256_of(path)}


def _refused(bundle: Path, match: str) -> str:
    with pytest.raises(ModelError, match=match) as e:
        BundlePredictor.load(bundle)
    assert "\n" not in str(e.value)
    return str(e.value)


def test_changed_byte_or_truncated_graph_is_refused(copy):
    graph = copy / "genrenet.onnx"
    original = graph.read_bytes()
    data = bytearray(original)
    data[len(data) // 2] ^= 0xFF
    graph.write_bytes(bytes(data))
    assert "genrenet.onnx" in _refused(copy, "sha256")
    graph.write_bytes(original)
    tok = copy / "networks/minilm-l6-v2.tokenizer.json"
    tok.write_bytes(tok.read_bytes()[:100])
    assert "tokenizer.json" in _refused(copy, "bytes")


def test_names_outside_the_bundle_are_refused(copy, tmp_path):
    outside = tmp_path / "secret.json"
    outside.write_text("{}")
    _edit_json(copy, "bundle.json", lambda s: s["files"].update({"../secret.json": _entry(outside)}))
    _refused(copy, "not a file name inside the bundle")


@pytest.mark.parametrize("name", ["/etc/passwd", "networks/../../x.onnx", ".hidden", "", 7])
def test_graph_names_are_plain_relative_names(copy, name):
    _edit_json(copy, "bundle.json", lambda s: s["genrenet"].update(file=name))
    _refused(copy, "not a file name inside the bundle|not a complete bundle")


def test_symlink_out_of_the_bundle_is_refused(copy, tmp_path):
    tok = copy / "networks/minilm-l6-v2.tokenizer.json"
    outside = tmp_path / "tokenizer.json"
    outside.write_bytes(tok.read_bytes())
    tok.unlink()
    tok.symlink_to(outside)
    _refused(copy, "points outside the bundle")


def test_garbage_graph_with_a_matching_hash_is_one_line(copy):
    graph = copy / "networks/minilm-l6-v2.onnx"
    graph.write_bytes(b"not a graph at all")
    _edit_json(
        copy, "bundle.json", lambda s: s["files"].update({"networks/minilm-l6-v2.onnx": _entry(graph)})
    )
    pred = BundlePredictor.load(copy)  # networks load lazily: the first prediction says it
    with pytest.raises(ModelError, match=r"minilm-l6-v2\.onnx.*cannot be loaded"):
        pred.predict([Movie(key="x", overview="hello there")], cache=False)


@pytest.mark.parametrize(
    ("name", "change", "match"),
    [
        ("bundle.json", lambda d: d.update(bundle_version=2), "version 2"),
        ("bundle.json", lambda d: d.update(format="zip"), "not a moviegenre bundle"),
        (
            "bundle.json",
            lambda d: d["encoders"]["overview"].update(version="9"),
            "retrain|export the model again",
        ),
        ("bundle.json", lambda d: d["encoders"]["companies"].update(dim=7), "features"),
        ("bundle.json", lambda d: d["encoders"]["poster"].update(network="minilm-l6-v2"), "network"),
        ("config.json", lambda d: d["config"].update(fusion="magic"), "config.json"),
        ("config.json", lambda d: d["config"]["encoders"].update(cache_dir="/etc"), "config.json"),
        ("labels.json", lambda d: d["thresholds"].update({d["genres"][0]: float("nan")}), "labels.json"),
        ("labels.json", lambda d: d.pop("genres"), "labels.json"),
        ("vocab.json", lambda d: d["text_tfidf"].update(idf=[1.0]), "vocab.json"),
        ("vocab.json", lambda d: d["metadata"].pop("year"), "vocab.json"),
    ],
)
def test_tampered_documents_are_one_line_naming_the_file(copy, name, change, match):
    _edit_json(copy, name, change)
    _refused(copy, match)


def test_genrenet_of_another_shape_is_refused(copy, root):
    other = _fit(root / "other", "concat", inputs=["overview", "companies"])
    b, _ = export_bundle(other, root / "other-bundle", cache_dir=root / "cache")
    (copy / "genrenet.onnx").write_bytes((b / "genrenet.onnx").read_bytes())
    _edit_json(
        copy, "bundle.json", lambda s: s["files"].update({"genrenet.onnx": _entry(copy / "genrenet.onnx")})
    )
    _refused(copy, "genrenet.onnx does not match bundle.json")


def test_not_json_or_missing_bundle_json(copy, tmp_path):
    (copy / "bundle.json").write_text("{nope")
    _refused(copy, "not valid JSON")
    with pytest.raises(ModelError, match="not found"):
        BundlePredictor.load(tmp_path / "nothing")


def test_networks_are_kept_per_cache_folder(tmp_path):
    """Two cache folders with different exports give different networks in one process (a network loaded
    from one folder must never answer for another)."""
    from moviegenre.encoders.networks import text_model

    a, b = tmp_path / "a", tmp_path / "b"
    tiny_networks.install(a, POSTER)
    tiny_networks.text_graph(b / "onnx" / tiny_networks.text_name(), seed=7)
    ea = text_model("onnx", a).embed(["hello world"])
    eb = text_model("onnx", b).embed(["hello world"])
    assert not np.allclose(ea, eb)


def test_graph_whose_weights_point_outside_the_bundle_is_refused(copy, tmp_path):
    """An ONNX graph may keep weights in an external file: one named outside the bundle is refused by
    onnxruntime (the reason for its minimum version in pyproject.toml), as a one-line error."""
    from onnx import TensorProto, helper, numpy_helper

    (tmp_path / "secret.bin").write_bytes(np.arange(4, dtype=np.float32).tobytes())
    w = numpy_helper.from_array(np.zeros(4, np.float32), "w")
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "../secret.bin"), ("offset", "0"), ("length", "16")):
        w.external_data.add(key=k, value=v)
    x = helper.make_tensor_value_info("x0", TensorProto.FLOAT, ["batch", 4])
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 4])
    graph = helper.make_graph([helper.make_node("Add", ["x0", "w"], ["logits"])], "evil", [x], [y], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    (copy / "genrenet.onnx").write_bytes(model.SerializeToString())
    _edit_json(
        copy, "bundle.json", lambda s: s["files"].update({"genrenet.onnx": _entry(copy / "genrenet.onnx")})
    )
    message = _refused(copy, "genrenet.onnx cannot be loaded")
    assert "escapes" in message or "outside" in message
