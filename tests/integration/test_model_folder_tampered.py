"""Issue 11, item 3: a tampered model folder is a one-line ``ModelError`` naming the file, never a
crash, a huge allocation or silent nonsense; nothing in a folder chooses a path on the user's machine."""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path

import pytest
from conftest import make_movies
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moviegenre import GenreClassifier
from moviegenre.config import EncoderConfig
from moviegenre.errors import ModelError

INPUTS = ["overview", "title", "companies", "metadata"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("model")
    os.environ.setdefault("MOVIEGENRE_CACHE", str(tmp / "cache"))
    movies = make_movies(tmp, n=60, posters=False)
    movies = [m.with_(year=1990 + i % 20, language="en" if i % 2 else "fr") for i, m in enumerate(movies)]
    clf = GenreClassifier(
        inputs=INPUTS,
        fusion="late",
        encoders=EncoderConfig(text_model="tfidf"),
        max_epochs=5,
        patience=2,
        stack_folds=2,
    ).fit(movies[:45], movies[45:])
    return clf.save(tmp / "base")


@pytest.fixture
def folder(saved, tmp_path) -> Path:
    return Path(shutil.copytree(saved, tmp_path / "model"))


def edit(folder: Path, name: str, change) -> None:
    doc = json.loads((folder / name).read_text(encoding="utf-8"))
    change(doc)
    (folder / name).write_text(json.dumps(doc), encoding="utf-8")


def refused(folder: Path, file: str, *words: str) -> str:
    with pytest.raises(ModelError) as e:
        GenreClassifier.load(folder)
    msg = str(e.value)
    assert "\n" not in msg and len(msg) < 600, msg
    assert file in msg, msg
    for w in words:
        assert w in msg, msg
    return msg


def test_untouched_folder_loads(folder):
    assert GenreClassifier.load(folder).genres_


# -- sizes inconsistent with the weights: nothing is allocated ----------------------------------------
def test_dimension_of_ten_to_the_twelve(folder):
    edit(folder, "config.json", lambda d: d["encoders"]["overview"].update(dim=10**12))
    refused(folder, "config.json", "dim")


def test_hidden_size_of_ten_to_the_twelve_allocates_nothing(folder):
    edit(folder, "config.json", lambda d: d["config"].update(head_hidden_dim=10**12))
    refused(folder, "model.safetensors", "does not match")


def test_dimension_inconsistent_with_the_weights(folder):
    edit(folder, "config.json", lambda d: d["encoders"]["metadata"].update(dim=7))
    refused(folder, "vocab.json", "features")


# -- deep, huge, non-UTF-8 JSON ---------------------------------------------------------------------
@pytest.mark.parametrize("name", ["config.json", "labels.json", "vocab.json", "metrics.json", "meta.json"])
def test_deep_json(folder, name):
    (folder / name).write_text('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    refused(folder, name, "nested")


def test_moderately_deep_json(folder):
    edit(folder, "meta.json", lambda d: d.update(x=json.loads("[" * 200 + "]" * 200)))
    refused(folder, "meta.json", "nested deeper")


def test_huge_json(folder):
    edit(folder, "config.json", lambda d: d.update(padding="x" * (2 << 20)))
    refused(folder, "config.json", "over")


@pytest.mark.parametrize("name", ["config.json", "labels.json", "vocab.json"])
def test_non_utf8_json(folder, name):
    data = (folder / name).read_bytes()
    (folder / name).write_bytes(data.replace(b'"', b'"\xff', 1))
    refused(folder, name, "UTF-8")


def test_huge_number_in_json(folder):
    (folder / "labels.json").write_text('{"genres": ' + "9" * 5000 + "}")
    refused(folder, "labels.json")


def test_lone_surrogate_genre(folder):
    text = (folder / "labels.json").read_text()
    (folder / "labels.json").write_text(text.replace('"Action"', '"Act\\ud800ion"'))
    refused(folder, "labels.json")


# -- wrong types in vocab.json and elsewhere ------------------------------------------------------------
@pytest.mark.parametrize(
    "view,key,value",
    [
        ("companies", "vocabulary", 5),
        ("companies", "vocabulary", [1, 2]),
        ("companies", "vocabulary", ["A", "A"]),
        ("overview", "vocabulary", {"a": 1}),
        ("overview", "idf", ["x"]),
        ("overview", "idf", [1.0]),  # length differs from the vocabulary
        ("title", "idf", None),
        ("metadata", "year", [1990, 0]),
        ("metadata", "year", "1990"),
        ("metadata", "languages", [None]),
    ],
)
def test_wrong_types_in_vocab_json(folder, view, key, value):
    edit(folder, "vocab.json", lambda d: d[view].update({key: value}))
    refused(folder, "vocab.json", view)


@pytest.mark.parametrize("state", [None, 5, [], "x"])
def test_encoder_state_not_an_object(folder, state):
    edit(folder, "vocab.json", lambda d: d.update(companies=state))
    refused(folder, "vocab.json", "companies")


def test_vocab_json_not_an_object(folder):
    (folder / "vocab.json").write_text("[1, 2]")
    refused(folder, "vocab.json", "object")


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(views="overview"),
        lambda d: d.update(views=["overview", "overview", "title", "companies", "metadata"]),
        lambda d: d.update(views=["overview", "../../etc"]),
        lambda d: d.update(encoders=["overview"]),
        lambda d: d["encoders"].update(title={"name": "title-tfidf", "version": "1", "dim": -1}),
        lambda d: d["encoders"].update(title={"name": "title-tfidf", "version": "1", "dim": True}),
        lambda d: d.update(n_genres=999),
        lambda d: d.update(config=[1]),
        lambda d: d["config"].update(fusion="telepathy"),
        lambda d: d["config"].update(dropout=float("1e400")),
        lambda d: d.update(format_version=True),
        lambda d: d.update(format_version="1"),
        lambda d: d.update(inputs=["poster"]),
    ],
)
def test_wrong_values_in_config_json(folder, change):
    edit(folder, "config.json", change)
    with pytest.raises(ModelError) as e:
        GenreClassifier.load(folder)
    assert "\n" not in str(e.value) and ("config.json" in str(e.value) or "format version" in str(e.value))


# -- thresholds and genres --------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["NaN", "-Infinity", "Infinity", "null", "2.0", "-0.1", '"0.5"', "true"])
def test_bad_thresholds(folder, value):
    doc = json.loads((folder / "labels.json").read_text())
    genre = doc["genres"][0]
    text = json.dumps(doc).replace(f'"{genre}": {doc["thresholds"][genre]}', f'"{genre}": {value}', 1)
    assert text != json.dumps(doc)
    (folder / "labels.json").write_text(text)
    refused(folder, "labels.json")


def test_threshold_missing_for_a_genre(folder):
    edit(folder, "labels.json", lambda d: d["thresholds"].pop(d["genres"][0]))
    refused(folder, "labels.json", "threshold")


def test_duplicated_genre_names(folder):
    def dup(d):
        d["genres"][1] = d["genres"][0]

    edit(folder, "labels.json", dup)
    refused(folder, "labels.json", "twice")


def test_duplicated_threshold_key(folder):
    doc = json.loads((folder / "labels.json").read_text())
    g = doc["genres"][0]
    text = json.dumps(doc).replace('"thresholds": {', f'"thresholds": {{"{g}": 0.5, ', 1)
    (folder / "labels.json").write_text(text)
    refused(folder, "labels.json", "twice")


@pytest.mark.parametrize("genre", ["Action, Drama", "", 18, ["Drama"]])
def test_junk_genre_name(folder, genre):
    def junk(d):
        old = d["genres"][0]
        d["genres"][0] = genre
        d["thresholds"] = {str(genre): d["thresholds"].pop(old), **d["thresholds"]}

    edit(folder, "labels.json", junk)
    refused(folder, "labels.json")


def test_vocabulary_other_than_genres(folder):
    edit(folder, "labels.json", lambda d: d["vocabulary"].update(genres=list(reversed(d["genres"]))))
    refused(folder, "labels.json", "misaligned")


# -- the weights ----------------------------------------------------------------------------------
def _rewrite_header(path: Path, change) -> None:
    data = path.read_bytes()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    change(header)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data[8 + n :])


def test_safetensors_header_lying_about_shapes(folder):
    key = next(
        k for k in json.loads((folder / "model.safetensors").read_bytes()[8:].split(b"}}", 1)[0] + b"}}")
    )
    _rewrite_header(folder / "model.safetensors", lambda h: h[key].update(shape=[10**6, 10**6]))
    refused(folder, "model.safetensors")


def test_safetensors_header_claiming_a_huge_header(folder):
    data = (folder / "model.safetensors").read_bytes()
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", 2**62) + data[8:])
    refused(folder, "model.safetensors")


def test_weights_of_another_shape(folder):
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(folder / "model.safetensors"))
    key = next(k for k in tensors if k.endswith(".weight"))
    tensors[key] = tensors[key][:, :1].contiguous()
    save_file(tensors, str(folder / "model.safetensors"))
    refused(folder, "model.safetensors", key)


@pytest.mark.parametrize("value", [float("nan"), float("-inf")])
def test_non_finite_weights(folder, value):
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(folder / "model.safetensors"))
    key = next(k for k in tensors if k.endswith(".weight"))
    tensors[key].view(-1)[0] = value
    save_file(tensors, str(folder / "model.safetensors"))
    refused(folder, "model.safetensors", "NaN")


def test_zero_scale(folder):
    from safetensors.torch import load_file, save_file

    tensors = load_file(str(folder / "model.safetensors"))
    tensors["norms.0.scale"].fill_(0)
    save_file(tensors, str(folder / "model.safetensors"))
    refused(folder, "model.safetensors", "positive")


def test_garbage_weights(folder):
    (folder / "model.safetensors").write_bytes(os.urandom(300))
    refused(folder, "model.safetensors")


# -- files that are not the folder's own -------------------------------------------------------------
def test_symlink_leaving_the_folder(folder, tmp_path):
    outside = tmp_path / "elsewhere.json"
    shutil.move(folder / "meta.json", outside)
    (folder / "meta.json").symlink_to(outside)
    refused(folder, "meta.json", "outside")


def test_fifo_in_the_folder_does_not_hang(folder):
    (folder / "metrics.json").unlink()
    os.mkfifo(folder / "metrics.json")
    refused(folder, "metrics.json", "regular")


def test_folder_itself_may_be_a_symlink(folder, tmp_path):
    (tmp_path / "link").symlink_to(folder)
    assert GenreClassifier.load(tmp_path / "link").genres_


# -- nothing in a folder chooses a path ----------------------------------------------------------------
def test_no_setting_in_a_folder_chooses_a_path(tmp_path, monkeypatch):
    """The feature cache and the ONNX exports go where the user says (argument, then environment),
    whatever the folder's config.json holds."""
    import numpy as np

    from moviegenre.encoders import poster as poster_module

    asked = []

    class FakeNet:
        def features(self, pixels):
            return np.repeat(pixels.reshape(len(pixels), -1).mean(1, keepdims=True), 1280, 1).astype(
                np.float32
            )

    def fake_image_model(variant, size, backend, cache_dir, graphs=None):
        asked.append(Path(cache_dir))  # where the ONNX export would be written and read
        return FakeNet()

    monkeypatch.setattr(poster_module, "image_model", fake_image_model)
    movies = make_movies(tmp_path, n=40)
    clf = GenreClassifier(
        inputs=["companies", "poster"], max_epochs=3, stack_folds=2, cache_dir=tmp_path / "fit"
    )
    folder = clf.fit(movies[:30], movies[30:]).save(tmp_path / "model")
    evil = tmp_path / "evil"
    edit(folder, "config.json", lambda d: d["config"]["encoders"].update(cache_dir=str(evil)))
    mine = tmp_path / "mine"
    loaded = GenreClassifier.load(folder, cache_dir=mine)
    assert loaded.encoders_["poster"].cache_dir == mine
    loaded.predict(movies[:3])
    assert asked[-1] == mine and any((mine / "features").iterdir())
    monkeypatch.setenv("MOVIEGENRE_CACHE", str(tmp_path / "env"))
    GenreClassifier.load(folder).predict(movies[3:6])
    assert asked[-1] == tmp_path / "env"
    assert not evil.exists()


def test_unknown_fields_are_refused_not_obeyed(folder, tmp_path):
    evil = tmp_path / "evil"
    edit(folder, "config.json", lambda d: d["config"].update(cache_dir=str(evil)))
    refused(folder, "config.json", "unknown")
    assert not evil.exists()


# -- a fresh batch: random changes anywhere in the JSON files ------------------------------------------
JSON_VALUE = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**15), 10**15),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=12),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            yield from _paths(v, (*prefix, i))


@settings(
    derandomize=True,
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(["config.json", "labels.json", "vocab.json", "metrics.json", "meta.json"]),
    data=st.data(),
)
def test_random_changes_load_or_are_a_one_line_model_error(saved, tmp_path_factory, name, data):
    folder = Path(shutil.copytree(saved, tmp_path_factory.mktemp("fuzz") / "m"))
    doc = json.loads((folder / name).read_text())
    path = data.draw(st.sampled_from(list(_paths(doc))[1:]))
    value = data.draw(JSON_VALUE)
    target = doc
    for k in path[:-1]:
        target = target[k]
    if data.draw(st.booleans()) and isinstance(target, dict):
        target.pop(path[-1])
    else:
        target[path[-1]] = value
    (folder / name).write_text(json.dumps(doc))
    try:
        clf = GenreClassifier.load(folder)
    except ModelError as e:
        assert "\n" not in str(e) and len(str(e)) < 600
        return
    import numpy as np

    proba = clf.predict_proba(make_movies(folder, n=4, posters=False))
    assert np.isfinite(proba).all()
