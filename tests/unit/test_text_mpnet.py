"""``text_model="mpnet"``: config, loading from split-zip parts, onnxruntime ≡ torch, its own feature cache.

The real all-mpnet-base-v2 is 439 MB; these tests build a stand-in with the same architecture family
(MPNet, hidden size 768 as the real one, one layer, a 40-word vocabulary, random weights) and the same
folder layout, so they stay fast and offline.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from moviegenre.config import ClassifierConfig, EncoderConfig
from moviegenre.encoders import build_encoder
from moviegenre.errors import ConfigError, ModelError
from moviegenre.records import Movie

pytest.importorskip("transformers")
pytest.importorskip("onnxruntime")

WORDS = "a the detective city love wedding space ship war ghost house night killer family school dog".split()


def _write_standin(folder: Path) -> Path:
    """A tiny random MPNet saved like a sentence-transformers folder (config, safetensors, tokenizer)."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import MPNetConfig, MPNetModel

    vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3} | {w: i + 4 for i, w in enumerate(WORDS)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    folder.mkdir(parents=True, exist_ok=True)
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "PreTrainedTokenizerFast", "pad_token": "<pad>", "unk_token": "<unk>"})
    )
    torch.manual_seed(0)
    cfg = MPNetConfig(
        vocab_size=len(vocab),
        hidden_size=768,
        num_hidden_layers=1,
        num_attention_heads=12,
        intermediate_size=64,
        max_position_embeddings=514,
        pad_token_id=1,
    )
    MPNetModel(cfg).eval().save_pretrained(str(folder), safe_serialization=True)
    return folder


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    return _write_standin(tmp_path_factory.mktemp("mpnet") / "all-mpnet-base-v2")


@pytest.fixture
def mpnet_env(standin, monkeypatch, tmp_path):
    monkeypatch.setenv("MOVIEGENRE_MPNET_DIR", str(standin))
    return tmp_path / "cache"


def test_config_accepts_mpnet_and_rejects_others():
    assert EncoderConfig(text_model="mpnet").text_model == "mpnet"
    cfg = ClassifierConfig.from_dict({"encoders": {"text_model": "mpnet"}})
    assert cfg.encoders.text_model == "mpnet"
    with pytest.raises(ConfigError, match="text_model"):
        EncoderConfig(text_model="mpnet-large")


def test_encoder_per_model_has_its_own_name_dim_network():
    mini = build_encoder("overview", EncoderConfig())
    mp = build_encoder("overview", EncoderConfig(text_model="mpnet"))
    tag = build_encoder("tagline", EncoderConfig(text_model="mpnet"))
    assert (mini.name, mini.dim, mini.network) == ("overview-minilm", 384, "minilm-l6-v2")
    assert (mp.name, mp.dim, mp.network) == ("overview-mpnet", 768, "all-mpnet-base-v2")
    assert tag.name == "tagline-mpnet"
    assert f"{mini.name}@{mini.version}" != f"{mp.name}@{mp.version}"  # separate cache folders


@pytest.mark.slow  # ~20 s: transformers import, a 768-wide stand-in, one ONNX export
def test_mpnet_onnx_matches_torch_and_is_cached_by_model(mpnet_env):
    movies = [
        Movie("m1", overview="A detective hunts a killer in the city at night"),
        Movie("m2", overview="Love and a wedding"),
        Movie("m3", overview="   "),  # blank: absent
        Movie("m4", overview="space ship war " * 200),  # longer than the 384-token limit
    ]
    out = {}
    for backend in ("torch", "onnx"):
        enc = build_encoder(
            "overview", EncoderConfig(text_model="mpnet", backend=backend), cache_dir=mpnet_env
        )
        feats, present = enc.encode(movies, cache=False)
        assert feats.shape == (4, 768) and present.tolist() == [True, True, False, True]
        np.testing.assert_allclose(np.linalg.norm(feats[present], axis=1), 1.0, atol=1e-4)
        out[backend] = feats[present]
    cos = (out["torch"] * out["onnx"]).sum(1)
    assert cos.min() >= 0.999
    assert (mpnet_env / "onnx" / "all-mpnet-base-v2-pooled.v1.onnx").is_file()

    # through the feature cache: its own folder, and a second encode is served from it
    enc = build_encoder("overview", EncoderConfig(text_model="mpnet"), cache_dir=mpnet_env)
    first, _ = enc.encode(movies)
    assert (mpnet_env / "features" / f"overview-mpnet@{enc.version}").is_dir()
    assert not (mpnet_env / "features" / "overview-minilm@minilm-l6-v2.1").exists()
    again = build_encoder("overview", EncoderConfig(text_model="mpnet"), cache_dir=mpnet_env)
    again._compute = lambda *a, **k: pytest.fail("cached features were recomputed")
    cached, _ = again.encode(movies)
    np.testing.assert_array_equal(first, cached)


def test_unpacks_split_zip_parts_once(standin, tmp_path, monkeypatch):
    from moviegenre.encoders.networks import mpnet_files

    whole = tmp_path / "all-mpnet-base-v2.zip"
    with zipfile.ZipFile(whole, "w") as z:
        for f in standin.iterdir():
            z.write(f, f"all-mpnet-base-v2/{f.name}")
    data = whole.read_bytes()
    cut = [0, *sorted(len(data) * k // 5 for k in range(1, 5)), len(data)]
    parts = []
    for i in range(5):
        p = tmp_path / f"all-mpnet-base-v2.zip.00{i + 1}"
        p.write_bytes(data[cut[i] : cut[i + 1]])
        parts.append(p)
    monkeypatch.delenv(mpnet_files.MPNET_DIR_ENV, raising=False)
    monkeypatch.setattr(mpnet_files, "part_files", lambda: parts)
    folder = mpnet_files.mpnet_folder(tmp_path / "cache")
    assert folder == tmp_path / "cache" / "models" / "all-mpnet-base-v2"
    assert (folder / "model.safetensors").read_bytes() == (standin / "model.safetensors").read_bytes()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no temp left
    monkeypatch.setattr(mpnet_files, "part_files", lambda: pytest.fail("unpacked twice"))
    assert mpnet_files.mpnet_folder(tmp_path / "cache") == folder


def test_missing_parts_is_one_line_with_the_install_hint(tmp_path, monkeypatch):
    from moviegenre.encoders.networks import mpnet_files

    monkeypatch.delenv(mpnet_files.MPNET_DIR_ENV, raising=False)
    monkeypatch.setattr(mpnet_files, "PART_PACKAGES", ("moviegenre-no-such-part-001",))
    with pytest.raises(ModelError, match=r"moviegenre\[mpnet\]"):
        mpnet_files.mpnet_folder(tmp_path / "cache")
    monkeypatch.setenv(mpnet_files.MPNET_DIR_ENV, str(tmp_path / "empty"))
    with pytest.raises(ModelError, match="lacks"):
        mpnet_files.mpnet_folder(tmp_path / "cache")


@pytest.mark.slow  # ~30 s: a tiny late model on the stand-in, saved, loaded, exported as a bundle
def test_mpnet_model_trains_saves_and_exports(mpnet_env, tmp_path):
    """Through the normal config: fit, save, load (same predictions), export a bundle that runs mpnet's graph."""
    from conftest import make_movies

    from moviegenre import GenreClassifier
    from moviegenre.inference.export import export_bundle
    from moviegenre.inference.predictor import BundlePredictor

    movies = make_movies(tmp_path, n=50, seed=3, posters=False)
    clf = GenreClassifier(
        inputs=["overview", "title"],
        tfidf_views=[],
        encoders=EncoderConfig(text_model="mpnet", backend="onnx"),
        max_epochs=4,
        stack_folds=2,
        cache_dir=mpnet_env,
    ).fit(movies[:36], movies[36:44])
    folder = clf.save(tmp_path / "model")
    saved = json.loads((folder / "config.json").read_text())
    assert saved["config"]["encoders"]["text_model"] == "mpnet"
    loaded = GenreClassifier.load(folder, cache_dir=mpnet_env)
    assert loaded.config.encoders.text_model == "mpnet"
    probe = movies[44:]
    np.testing.assert_allclose(loaded.predict_proba(probe), clf.predict_proba(probe), atol=1e-6)
    bundle, report = export_bundle(folder, tmp_path / "bundle", cache_dir=mpnet_env)
    assert report["decisions_changed"] == 0
    assert (bundle / "networks" / "all-mpnet-base-v2.onnx").is_file()
    pred = BundlePredictor.load(bundle, cache_dir=tmp_path / "other-cache")
    np.testing.assert_allclose(pred.predict_proba(probe, cache=False), clf.predict_proba(probe), atol=1e-5)
