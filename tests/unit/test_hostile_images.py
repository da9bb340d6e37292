"""Issue 11, item 2: posters are read only from regular files, with a bounded read; the user's
symlinks (a poster folder on another disk) are followed; a poster summary says when none can be used."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from pathlib import Path

import pytest
from conftest import make_poster
from hypothesis import given, settings
from hypothesis import strategies as st
from test_data_readers import MM_HEADER, jsonl_row, mm_row, write_csv, write_jsonl

from moviegenre.data import read_movies
from moviegenre.data.images import ImageError, open_image, read_image_bytes
from moviegenre.data.info import poster_summary, poster_warning, summarize
from moviegenre.records import Dataset, Movie


@contextlib.contextmanager
def no_hang(seconds: int = 5):
    """Fail (instead of hanging the suite) when the block blocks, e.g. on opening a FIFO."""

    def stop(*_):
        raise TimeoutError("hung")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_fifo_named_as_a_poster_does_not_hang(tmp_path):
    fifo = tmp_path / "poster.jpg"
    os.mkfifo(fifo)
    with no_hang():
        for read in (read_image_bytes, open_image):
            with pytest.raises(ImageError) as e:
                read(fifo)
            assert e.value.reason == "not a regular file"
        from moviegenre.encoders.poster import PosterEncoder

        enc = PosterEncoder(cache_dir=tmp_path / "cache")
        assert enc.content(Movie(key="a", poster=str(fifo))) is None  # counted, not read
        assert enc.skipped == {"not a regular file": 1}
        assert summarize(Dataset([Movie(key="a", poster=str(fifo))]))["poster_failures"] == {
            "not a regular file": 1
        }


def test_fifo_or_device_in_the_data_is_refused_while_reading(tmp_path):
    (tmp_path / "posters").mkdir()
    os.mkfifo(tmp_path / "posters" / "tt1000000.jpg")
    (tmp_path / "posters" / "tt1000001.jpg").symlink_to("/dev/zero")
    (tmp_path / "posters" / "tt1000002.jpg").mkdir()
    write_jsonl(tmp_path / "movies.jsonl", [jsonl_row(i) for i in range(3)])
    with no_hang():
        ds = read_movies(tmp_path)
    assert all(m.poster is None for m in ds) and ds.issues == {"poster not a regular file": 3}


def test_dev_zero_is_not_read_without_bound():
    with no_hang():
        with pytest.raises(ImageError) as e:
            read_image_bytes("/dev/zero")
    assert e.value.reason == "not a regular file"


def test_read_is_bounded_whatever_st_size_says(tmp_path):
    """``/proc`` files are regular with ``st_size`` 0 yet have content: the read stops at the cap."""
    proc = Path("/proc/self/maps")
    if not proc.exists() or proc.stat().st_size != 0:
        pytest.skip("needs Linux /proc")
    with pytest.raises(ImageError) as e:
        read_image_bytes(proc, max_bytes=64)
    assert e.value.reason == "too large"
    sparse = tmp_path / "big.jpg"
    with open(sparse, "wb") as f:
        f.truncate(30 * 2**20)  # 30 MB by st_size, nothing on disk: refused before any read
    with pytest.raises(ImageError) as e:
        read_image_bytes(sparse)
    assert e.value.reason == "too large"


def test_symlinked_poster_folder_works_for_jsonl(tmp_path):
    """The user's own layout: ``data/posters`` links to a folder on another disk."""
    other = tmp_path / "other-disk" / "posters"
    for i in range(3):
        make_poster(other / f"tt{1000000 + i}.jpg", seed=i)
    data = tmp_path / "data"
    data.mkdir()
    (data / "posters").symlink_to(other)
    write_jsonl(data / "movies.jsonl", [jsonl_row(i) for i in range(3)])
    ds = read_movies(data)
    assert not ds.issues and all(m.poster for m in ds)
    assert all(Path(m.poster).parent == data / "posters" for m in ds)  # as named, not resolved
    open_image(ds[0].poster)


def test_symlinked_poster_folder_and_files_work_for_csv(tmp_path):
    other = tmp_path / "disk2"
    make_poster(other / "700.jpg")
    make_poster(other / "elsewhere" / "tt2000001.jpg")
    (tmp_path / "posters").symlink_to(other)
    (other / "tt2000001.jpg").symlink_to(other / "elsewhere" / "tt2000001.jpg")
    path = write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, [mm_row(0), mm_row(1), mm_row(2)])
    ds = read_movies(path, posters=tmp_path / "posters")
    assert [bool(m.poster) for m in ds] == [True, True, False]
    assert ds.issues == {"poster file missing": 1}  # the third has none: counted, not silent


def test_names_in_data_still_cannot_leave_the_folder(tmp_path):
    """Following the user's symlinks does not let a data row name a path outside the folder."""
    make_poster(tmp_path / "secret.jpg")
    write_jsonl(
        tmp_path / "data" / "movies.jsonl",
        [
            jsonl_row(0, poster="../secret.jpg"),
            jsonl_row(1, poster=str(tmp_path / "secret.jpg")),
            jsonl_row(2, poster="posters/../../secret.jpg"),
        ],
    )
    ds = read_movies(tmp_path / "data")
    assert all(m.poster is None for m in ds) and ds.issues == {"poster path escapes folder": 3}


def test_posters_to_jsonl_with_a_symlinked_poster_folder(tmp_path):
    from moviegenre.download.export import export_jsonl

    other = tmp_path / "disk2"
    for i in range(2):
        make_poster(other / f"{700 + i}.jpg", seed=i)
    out_dir = tmp_path / "project"
    out_dir.mkdir()
    (out_dir / "posters").symlink_to(other)
    csv_path = write_csv(tmp_path / "movies_metadata.csv", MM_HEADER, [mm_row(0), mm_row(1)])
    counts = export_jsonl(csv_path, out_dir / "posters", out_dir / "movies.jsonl")
    assert counts["movies"] == 2 and counts["with poster"] == 2
    rows = [json.loads(line) for line in (out_dir / "movies.jsonl").read_text().splitlines()]
    assert [r["poster"] for r in rows] == ["posters/700.jpg", "posters/701.jpg"]
    ds = read_movies(out_dir / "movies.jsonl")
    assert all(m.poster for m in ds) and not ds.issues


def test_poster_summary_when_none_can_be_used(tmp_path):
    write_jsonl(tmp_path / "movies.jsonl", [jsonl_row(i) for i in range(4)])  # no poster files at all
    ds = read_movies(tmp_path)
    s = poster_summary(ds)
    assert s == {"named": 4, "usable": 0, "unusable": 4, "reasons": {"poster file missing": 4}}
    assert "none of the 4 posters" in poster_warning(s)
    (tmp_path / "posters").mkdir()
    for i in range(4):
        (tmp_path / "posters" / f"tt{1000000 + i}.jpg").write_text("<html>not found</html>")
    ds = read_movies(tmp_path)
    s = summarize(ds)["posters"]
    assert s == {"named": 4, "usable": 0, "unusable": 4, "reasons": {"not an image": 4}}
    make_poster(tmp_path / "posters" / "tt1000000.jpg")
    s = summarize(read_movies(tmp_path))["posters"]
    assert (s["usable"], s["unusable"]) == (1, 3) and poster_warning(s) is None
    assert poster_summary(read_movies(tmp_path), {"corrupt image": 4})["usable"] == 0


def _seed_images() -> list[bytes]:
    import io

    from PIL import Image

    out = []
    for fmt, mode in [
        ("PNG", "RGBA"),
        ("JPEG", "RGB"),
        ("GIF", "P"),
        ("BMP", "RGB"),
        ("WEBP", "RGB"),
        ("TIFF", "CMYK"),
    ]:
        buf = io.BytesIO()
        Image.new(mode, (20, 30), 100).save(buf, format=fmt)
        out.append(buf.getvalue())
    return out


SEEDS = _seed_images()


@settings(derandomize=True, max_examples=200, deadline=None, database=None)
@given(
    seed=st.sampled_from(SEEDS),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 255), st.sampled_from("set del ins cut".split())),
        max_size=8,
    ),
)
def test_mutated_images_open_or_are_an_image_error(seed, edits):
    """A fresh batch of broken images (bytes flipped, cut, inserted): RGB or a counted ImageError."""
    import warnings

    data = bytearray(seed)
    for where, value, op in edits:
        data = data or bytearray(b"x")
        i = int(where * (len(data) - 1))
        if op == "set":
            data[i] = value
        elif op == "del":
            del data[i : i + 1 + value % 16]
        elif op == "ins":
            data[i:i] = bytes([value]) * (1 + value % 8)
        else:
            data = data[: max(i, 1)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            img = open_image(bytes(data))
        except ImageError as e:
            assert e.reason in ("not an image", "corrupt image", "too many pixels", "empty file")
            return
    assert img.mode == "RGB"
