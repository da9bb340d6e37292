"""Every encoder keeps one contract: float32 [N, D] features, bool [N] present, zeros where absent.

The pretrained networks are replaced by tiny deterministic fakes here (fast); the real ones are
exercised in test_encoders_backends.py (marked slow).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from moviegenre.config import INPUTS, EncoderConfig
from moviegenre.encoders import BUILDERS, build_encoder
from moviegenre.errors import ConfigError, ModelError
from moviegenre.records import Movie


class FakeText:
    calls = 0

    def embed(self, texts, batch_size=64, progress=False):
        FakeText.calls += len(texts)
        out = (
            np.stack(
                [np.frombuffer(hashlib.sha256(t.encode()).digest() * 48, dtype=np.uint8)[:384] for t in texts]
            ).astype(np.float32)
            + 1.0
        )
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class FakeImage:
    def features(self, batch):
        # mean colour per channel, repeated: enough to tell posters apart
        return np.tile(batch.reshape(len(batch), -1, 3).mean(1), (1, 1280 // 3 + 1))[:, :1280].astype(
            np.float32
        )


@pytest.fixture
def fake_models(monkeypatch):
    monkeypatch.setattr("moviegenre.encoders.text.text_model", lambda *a, **k: FakeText())
    monkeypatch.setattr("moviegenre.encoders.poster.image_model", lambda *a, **k: FakeImage())


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.setenv("MOVIEGENRE_CACHE", str(tmp_path / "cache"))
    return EncoderConfig()


CASES = [
    ("overview", {}, 384),
    ("title", {}, 384),
    ("companies", {"companies_model": "minilm"}, 384),
    ("companies", {}, None),
    ("poster", {}, 1280),
    ("metadata", {}, None),
    ("overview", {"text_model": "tfidf"}, None),
    ("title", {"text_model": "tfidf"}, None),
    ("keywords", {}, None),
    ("people", {}, None),
    ("tagline", {}, 384),
]


@pytest.mark.parametrize("inp,over,dim", CASES)
def test_contract(fake_models, cfg, synthetic_movies, inp, over, dim):
    enc = build_encoder(inp, EncoderConfig(**{**cfg.to_dict(), **over})).fit(synthetic_movies)
    feats, present = enc.encode(synthetic_movies)
    assert feats.dtype == np.float32 and present.dtype == np.bool_
    assert feats.shape == (len(synthetic_movies), enc.dim) and present.shape == (len(synthetic_movies),)
    assert dim is None or enc.dim == dim
    assert not feats[~present].any(), "features must be zeros where the input is absent"
    assert isinstance(enc.name, str) and isinstance(enc.version, str)
    json.dumps(enc.get_state())  # JSON-serialisable
    again, present2 = enc.encode(synthetic_movies, cache=False)
    np.testing.assert_allclose(again, feats, atol=1e-6)
    assert (present2 == present).all()


def test_missing_inputs(fake_models, cfg, tmp_path):
    movies = [
        Movie("a", title="T", overview="words here", companies=("X",), poster=None),
        Movie("b", title=None, overview="   ", companies=None, poster=str(tmp_path / "nope.jpg")),
        Movie("c", title="", overview=None, companies=(), poster=None),
    ]
    pres = {}
    for inp, over in [
        ("overview", {}),
        ("title", {}),
        ("companies", {}),
        ("poster", {}),
        ("metadata", {}),
        ("companies", {"companies_model": "minilm"}),
    ]:
        enc = build_encoder(inp, EncoderConfig(**{**cfg.to_dict(), **over})).fit(movies)
        feats, present = enc.encode(movies)
        pres[enc.name] = present.tolist()
        assert not feats[~present].any()
        if inp == "poster":
            assert enc.skipped == {"missing file": 1}
    assert pres["overview-minilm"] == [True, False, False]
    assert pres["title-minilm"] == [True, False, False]
    # unknown companies (None) are absent; an empty list is "none listed", a real value
    assert pres["companies-multihot"] == [True, False, True]
    assert pres["companies-minilm"] == [True, False, True]
    assert pres["poster-lite0"] == [False, False, False]
    assert pres["metadata"] == [False, False, False]


def test_multihot_fits_on_training_only(cfg):
    train = [Movie("a", companies=("A", "B")), Movie("b", companies=("A",)), Movie("c", companies=("C",))]
    enc = build_encoder("companies", EncoderConfig(**{**cfg.to_dict(), "companies_top_n": 2})).fit(train)
    assert enc.get_state() == {"vocabulary": ["A", "B"]} and enc.dim == 3
    feats, present = enc.encode([Movie("t", companies=("B", "Unseen", "C")), Movie("u", companies=())])
    assert feats.tolist() == [[0, 1, 1], [0, 0, 0]] and present.tolist() == [True, True]


@pytest.mark.parametrize(
    "inp,over", [("companies", {}), ("metadata", {}), ("overview", {"text_model": "tfidf"})]
)
def test_fitted_state_round_trip(cfg, synthetic_movies, inp, over):
    c = EncoderConfig(**{**cfg.to_dict(), **over})
    train, test = synthetic_movies[:30], synthetic_movies[30:]
    enc = build_encoder(inp, c).fit(train)
    state = json.loads(json.dumps(enc.get_state()))
    clone = build_encoder(inp, c).set_state(state)
    assert clone.dim == enc.dim
    np.testing.assert_array_equal(clone.encode(test)[0], enc.encode(test)[0])


def test_tfidf_vocabulary_from_training_only(cfg):
    train = [Movie("a", overview="alpha beta"), Movie("b", overview="alpha gamma")]
    enc = build_encoder("overview", EncoderConfig(**{**cfg.to_dict(), "text_model": "tfidf"})).fit(train)
    assert "zeta" not in enc.get_state()["vocabulary"]
    feats, present = enc.encode([Movie("t", overview="zeta zeta")])
    assert present.tolist() == [True] and not feats.any()


def test_metadata_scaled_and_one_hot(cfg):
    train = [
        Movie(str(i), year=1990 + i % 2 * 20, runtime=100.0 + i % 2 * 20, language="en") for i in range(40)
    ]
    train[1] = train[1].with_(language="fr", country="FR")
    enc = build_encoder("metadata", cfg).fit(train)
    state = enc.get_state()
    assert state["decades"] == [1990, 2010] and state["languages"] == ["en", "fr"]
    feats, present = enc.encode(
        [Movie("t", year=2000, language="en"), Movie("u", language="xx"), Movie("v", year=1955, country="FR")]
    )
    assert present.tolist() == [True, True, True]
    assert feats[0, :4].tolist() == [0.0, 1.0, 1.0, 0.0]  # mean year, known, the nearest kept decade
    assert not feats[0, enc._off_runtime : enc._off_lang].any()  # runtime unknown
    lang = feats[:, enc._off_lang : enc._off_country]
    assert lang[0].tolist() == [1.0, 0.0, 0.0, 1.0]  # en, known
    assert lang[1].tolist() == [0.0, 0.0, 1.0, 1.0]  # an unseen language: "other", known
    assert not lang[2].any() and feats[2, 2] == 1.0  # 1950s → the oldest kept decade
    assert feats[2, enc._off_country :].tolist() == [1.0, 0.0, 1.0]  # FR, known


def test_errors(cfg):
    with pytest.raises(ConfigError, match="unknown input"):
        build_encoder("plot", cfg)
    with pytest.raises(ConfigError, match=r"EncoderConfig\.text_model: 'bert'"):
        build_encoder("overview", EncoderConfig(text_model="bert"))
    with pytest.raises(ModelError, match="before fit"):
        build_encoder("companies", cfg).encode([Movie("a", companies=("A",))])
    assert set(INPUTS) == set(BUILDERS)


def test_text_cache_reused_and_deduplicated(fake_models, cfg):
    movies = [Movie(f"m{i}", title="Same Title") for i in range(5)] + [Movie("x", title="Other")]
    enc = build_encoder("title", cfg)
    FakeText.calls = 0
    feats, _ = enc.encode(movies)
    assert FakeText.calls == 2  # one per distinct text
    np.testing.assert_array_equal(feats[0], feats[4])
    fresh = build_encoder("title", cfg)  # a new process would see the same shards
    FakeText.calls = 0
    np.testing.assert_array_equal(fresh.encode(movies)[0], feats)
    assert FakeText.calls == 0


def test_unwritable_cache_still_encodes(fake_models, tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    enc = build_encoder("title", EncoderConfig(), cache_dir=blocker / "cache")
    movies = [Movie("a", title="One"), Movie("b", title="Two")]
    feats, present = enc.encode(movies)
    assert present.all() and feats.any()
    assert "not writable" in caplog.text
    assert enc.encode(movies)[1].all()  # and keeps working, warning once


def test_onnx_failure_falls_back_to_torch_with_auto(monkeypatch, caplog):
    from moviegenre.encoders import networks as runtime

    monkeypatch.setattr(runtime, "_MODELS", {})
    monkeypatch.setattr(runtime, "resolve_backend", lambda b: "onnx" if b in ("auto", "onnx") else "torch")

    def broken():
        raise OSError("read-only file system")

    torch_model = object()
    assert runtime._onnx_or_torch("auto", ("text",), broken, lambda: torch_model) is torch_model
    assert "using torch" in caplog.text
    assert runtime._onnx_or_torch("auto", ("text",), broken, lambda: None) is torch_model  # not retried
    with pytest.raises(ModelError, match="onnxruntime backend unavailable"):
        runtime._onnx_or_torch("onnx", ("image",), broken, lambda: torch_model)
