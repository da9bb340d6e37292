"""Odd poster files never crash the poster encoder: unusable ones are absent and counted by reason,
odd-but-valid modes (CMYK, grayscale, palette, alpha, 16-bit) are converted to RGB, used and counted."""

from __future__ import annotations

import io

import numpy as np
import pytest
from test_encoders_contract import FakeImage

from moviegenre.config import EncoderConfig
from moviegenre.encoders import build_encoder
from moviegenre.encoders.poster import load_pixels
from moviegenre.records import Movie


def _img_bytes(mode, size=(40, 60), fmt="PNG", color=None):
    from PIL import Image

    img = Image.new(mode, size, color if color is not None else 0)
    if mode == "P":
        img.putpalette([i % 256 for i in range(768)])
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def _jpeg(seed=0, size=(40, 60)):
    from PIL import Image

    arr = np.random.default_rng(seed).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG")
    return buf.getvalue()


def _corrupt_png():
    """A PNG whose pixel data is damaged (the header still says it is a PNG)."""
    data = bytearray(_img_bytes("RGB", size=(50, 50), color=(1, 2, 3)))
    start = data.index(b"IDAT") + 8
    data[start : start + 20] = b"\xff" * 20
    return bytes(data)


GOOD = {
    "rgb": (_jpeg(), None),
    "cmyk": (_img_bytes("CMYK", fmt="JPEG", color=(0, 255, 0, 0)), "CMYK"),
    "grayscale": (_img_bytes("L", fmt="JPEG", color=128), "L"),
    "palette": (_img_bytes("P", color=7), "P"),
    "alpha": (_img_bytes("RGBA", color=(255, 0, 0, 0)), "RGBA"),
    "gray-alpha": (_img_bytes("LA", color=(10, 100)), "LA"),
    "16-bit": (_img_bytes("I;16", color=40000), "I;16"),
    "tiny": (_img_bytes("RGB", size=(1, 1)), None),
}
BAD = {
    "corrupt": (_corrupt_png(), "corrupt image"),
    "garbage after header": (_jpeg()[:20] + b"\x00garbage" * 50, "not an image"),
    "truncated": (_jpeg(1, size=(200, 300))[:600], "corrupt image"),
    "not an image": (b"this is plain text, not a poster", "not an image"),
    "bomb": (_img_bytes("1", size=(8000, 6000)), "too many pixels"),
}


@pytest.fixture
def encoder(monkeypatch, tmp_path):
    monkeypatch.setattr("moviegenre.encoders.poster.image_model", lambda *a, **k: FakeImage())
    return build_encoder("poster", EncoderConfig(batch_size=3), cache_dir=tmp_path / "cache")


@pytest.mark.parametrize("kind", sorted(GOOD))
def test_odd_but_valid_images_are_used(encoder, kind, tmp_path):
    data, mode = GOOD[kind]
    path = tmp_path / f"{kind}.img"
    path.write_bytes(data)
    feats, present = encoder.encode([Movie("f", poster=str(path)), Movie("b", poster_bytes=data)])
    assert present.all() and feats.shape == (2, 1280)
    np.testing.assert_array_equal(feats[0], feats[1])
    assert encoder.converted == ({mode: 2} if mode else {})
    assert not encoder.skipped


def test_alpha_composited_on_white():
    px = load_pixels(GOOD["alpha"][0], (8, 6))
    assert px.shape == (8, 6, 3) and px.dtype == np.uint8 and (px == 255).all()


@pytest.mark.parametrize("kind", sorted(BAD))
def test_unusable_images_are_absent_and_counted(encoder, kind, tmp_path):
    data, reason = BAD[kind]
    path = tmp_path / f"{kind}.img"
    path.write_bytes(data)
    movies = [
        Movie("ok", poster_bytes=_jpeg(3)),
        Movie("bad", poster=str(path)),
        Movie("bad2", poster_bytes=data),
    ]
    feats, present = encoder.encode(movies)
    assert present.tolist() == [True, False, False]
    assert not feats[1:].any()
    assert encoder.skipped == {reason: 2}
    # a cache hit keeps the count: the second run reports the same skips
    _feats2, present2 = encoder.encode(movies)
    assert present2.tolist() == [True, False, False] and encoder.skipped == {reason: 2}


def test_missing_empty_and_folder_paths(encoder, tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    movies = [
        Movie("a", poster=str(tmp_path / "missing.jpg")),
        Movie("b", poster=str(tmp_path / "empty.jpg")),
        Movie("c", poster=str(tmp_path)),
        Movie("d"),
    ]
    feats, present = encoder.encode(movies)
    assert not present.any() and not feats.any()
    assert encoder.skipped == {"missing file": 1, "empty file": 1, "not a file": 1}


def test_many_posters_keep_their_order(encoder, tmp_path):
    """Batches are decoded ahead of inference in threads; rows must still line up with movies."""
    colors = [(i * 20 % 256, 255 - i * 20 % 256, i * 7 % 256) for i in range(11)]
    movies = []
    for i, c in enumerate(colors):
        if i == 4:
            movies.append(Movie(f"m{i}", poster_bytes=b"broken"))
        else:
            movies.append(Movie(f"m{i}", poster_bytes=_img_bytes("RGB", size=(20, 30), color=c)))
    feats, present = encoder.encode(movies, cache=False)
    assert present.tolist() == [i != 4 for i in range(11)]
    for i, c in enumerate(colors):
        if i != 4:
            np.testing.assert_allclose(feats[i, :3], c, atol=1.0)
