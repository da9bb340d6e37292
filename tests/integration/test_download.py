"""The poster downloader against a local fake TMDB with faults injected (no external network)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fake_tmdb import FakeTMDB, jpeg_bytes

from moviegenre.download import DownloadConfig, PosterJob, download_posters, read_jobs
from moviegenre.download.failures import read_failures

KEY = "k3y-Zq81xVw-do-not-print"


def config(fake: FakeTMDB, out: Path, **kw) -> DownloadConfig:
    base = dict(
        out_dir=out,
        api_key=KEY,
        api_base_url=fake.api_base,
        image_base_url=fake.image_base,
        rate=200,
        concurrency=4,
        retries=3,
        timeout=0.5,
        backoff_base=0.02,
        backoff_max=0.1,
        seed=0,
    )
    return DownloadConfig(**(base | kw))


def big_jpeg(seed: int = 1) -> bytes:
    import numpy as np
    from PIL import Image

    noise = np.random.default_rng(seed).integers(0, 255, (300, 200, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def test_faults_end_valid_each_downloaded_once(tmp_path):
    out = tmp_path / "posters"
    with FakeTMDB(api_key=KEY, slow_seconds=1.5) as fake:
        paths = {i: fake.add_movie(i) for i in range(1, 21)}
        fake.movies[10] = None  # TMDB has no poster for 10
        del fake.movies[11]  # 11 is unknown to TMDB
        fake.images[paths[13]] = big_jpeg()  # over the cap below
        img = fake.image_path
        transient = {
            1: ["429"],
            2: ["500", "500"],
            3: ["slow"],
            4: ["truncated"],
            5: ["truncated-noclen"],
            6: ["html"],
            7: ["empty"],
        }
        for i, faults in transient.items():
            fake.inject(img(paths[i]), *faults)
        fake.always[img(paths[8])] = "404"
        fake.always[img(paths[12])] = "html"
        fake.inject(fake.api_path(9), "500")
        # 9, 10, 11 have no poster_path in the file (API lookup); 14's path in the file is stale
        jobs = [PosterJob(i, None if i in (9, 10, 11) else paths[i]) for i in range(1, 21)]
        jobs[13] = PosterJob(14, "/old-poster-14.jpg")

        summary = download_posters(jobs, config(fake, out, max_bytes=40_000))

        available = [i for i in range(1, 21) if i not in (8, 10, 11, 12, 13)]
        assert summary.downloaded == len(available)
        for i in available:
            f = out / f"{i}.jpg"
            assert f.read_bytes() == fake.images[paths[i]], i
            assert fake.served[img(paths[i])] == 1, f"movie {i} downloaded {fake.served[img(paths[i])]} times"
            assert fake.counts[img(paths[i])] == 1 + len(transient.get(i, [])), i
        assert dict(summary.failed) == {
            "not found (404)": 1,
            "movie not on TMDB (404)": 1,
            "no poster on TMDB": 1,
            "not an image": 1,
            "too large": 1,
        }
        assert not any((out / f"{i}.jpg").exists() for i in (8, 10, 11, 12, 13))
        assert not list(out.glob(".*.part"))

        log = {r["tmdb_id"]: r for r in read_failures(out / "download-failures.jsonl")}
        assert set(log) == {8, 10, 11, 12, 13}
        assert log[12]["attempts"] == 4 and log[12]["reason"] == "not an image"
        assert log[11]["status"] == 404 and log[11]["url"].endswith("/3/movie/11")
        assert KEY not in (out / "download-failures.jsonl").read_text()

        # Retry-After honoured for everyone: after the 429, nothing starts until ~1 s later
        t429 = next(t for t, p in fake.log if p == img(paths[1]))
        later = [t - t429 for t, p in fake.log if t > t429 + 0.15]
        assert later and min(later) >= 0.95

        # a second run re-fetches nothing that is there, and retries the failures only
        before = fake.counts.copy()
        again = download_posters(jobs, config(fake, out, max_bytes=40_000))
        assert again.downloaded == 0 and again.existing == len(available)
        assert all(fake.counts[img(paths[i])] == before[img(paths[i])] for i in available)


def test_rate_never_exceeds_limit(tmp_path):
    rate = 25
    with FakeTMDB(api_key=KEY) as fake:
        jobs = []
        for i in range(1, 31):
            p = fake.add_movie(i)
            jobs.append(PosterJob(i, None if i % 2 else p))  # half need an API call first: 45 requests
        summary = download_posters(jobs, config(fake, tmp_path, rate=rate, concurrency=8))
        assert summary.downloaded == 30
        times = sorted(t for t, _ in fake.log)
    assert len(times) == 45 == summary.requests
    worst = max(sum(1 for u in times[i:] if u < t + 1.0) for i, t in enumerate(times))
    assert worst <= rate, f"{worst} requests within one second, limit {rate}"
    assert (len(times) - 1) / (times[-1] - times[0]) <= rate


def test_existing_files_kept_invalid_ones_replaced(tmp_path):
    out = tmp_path / "p"
    out.mkdir()
    with FakeTMDB(api_key=KEY) as fake:
        paths = {i: fake.add_movie(i) for i in (1, 2, 3)}
        good = fake.images[paths[1]]
        (out / "1.jpg").write_bytes(good)
        (out / "2.jpg").write_bytes(b"<html>half a page")  # a broken file from some other tool
        (out / ".3.jpg.999999.deadbeef.part").write_bytes(b"junk")  # left by a killed run (pid gone)
        summary = download_posters([PosterJob(i, paths[i]) for i in (1, 2, 3)], config(fake, out))
        assert (summary.downloaded, summary.existing, summary.replaced_invalid) == (2, 1, 1)
        assert fake.counts[fake.image_path(paths[1])] == 0
    assert (out / "2.jpg").read_bytes() == fake.images[paths[2]]
    assert not list(out.glob(".*.part"))


def test_bearer_token_and_missing_key(tmp_path):
    token = "eyJhbGciOiJIUzI1NiJ9.fake.token"
    with FakeTMDB(api_key=token) as fake:
        fake.add_movie(5)
        fake.add_movie(6)
        ok = download_posters([PosterJob(5)], config(fake, tmp_path / "a", api_key=token))
        assert ok.downloaded == 1
        assert all("api_key" not in line for line in fake.request_lines)
        none = download_posters([PosterJob(6)], config(fake, tmp_path / "b", api_key=None))
        assert dict(none.failed) == {"no API key": 1}


def test_rejected_key_stops_the_run(tmp_path):
    with FakeTMDB(api_key="the-right-key") as fake:
        for i in range(1, 30):
            fake.add_movie(i)
        jobs = [PosterJob(i) for i in range(1, 30)]
        summary = download_posters(jobs, config(fake, tmp_path, concurrency=2))
    assert summary.aborted == "unauthorized (401)"
    assert sum(fake.counts.values()) <= 3  # stops at once instead of failing all 29 one by one


def test_read_jobs_survives_malformed_rows(tmp_path):
    f = tmp_path / "movies_metadata.csv"
    rows = [
        ["adult", "id", "imdb_id", "title", "poster_path", "genres"],
        ["False", "101", "tt0000101", "A Made-Up Film", "/abcDEF123.jpg", "[{'id': 18, 'name': 'Drama'}]"],
        ["False", "102", "tt0000102", "Another One", "", "[]"],
        ["- Written by someone", "1997-08-20", "0", "shifted", "/x.jpg"],  # a date in id: the Kaggle bug
        ["False", "101", "tt0000101", "A Made-Up Film again", "/abcDEF123.jpg", "[]"],
        ["False", "103", "tt0000103", "Odd Path", "/../../etc/passwd", "[]"],
        ["False", "104", "tt0000104", "Nan Path", "nan", "[]"],
    ]
    with f.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    jobs, skipped = read_jobs(f)
    assert jobs == [PosterJob(101, "/abcDEF123.jpg"), PosterJob(102), PosterJob(103), PosterJob(104)]
    assert skipped == {"malformed id": 1, "duplicate id": 1, "bad poster_path (asking the API)": 1}
    assert read_jobs(f, limit=2)[0] == jobs[:2]


@pytest.mark.realdata
def test_read_jobs_on_the_kaggle_sample(shared_data):
    jobs, _skipped = read_jobs(shared_data / "raw" / "movies_metadata_sample.csv")
    assert len(jobs) > 2000 and sum(j.poster_path is not None for j in jobs) > 0.99 * len(jobs)
    assert all(j.tmdb_id > 0 for j in jobs)


def test_to_jsonl_bridges_csv_and_posters(tmp_path):
    """movies_metadata.csv + downloaded folder → JSONL that read_movies reads back with every poster."""
    from conftest import make_poster

    from moviegenre.data import read_movies
    from moviegenre.download.export import export_jsonl

    f = tmp_path / "movies_metadata.csv"
    with f.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "imdb_id", "title", "overview", "genres", "production_companies", "poster_path"])
        w.writerow(
            [
                "11",
                "tt0000011",
                "Made Up One",
                "A cat learns to juggle.",
                "[{'id': 35, 'name': 'Comedy'}]",
                "[{'name': 'Pretend Pictures', 'id': 1}]",
                "/aaa.jpg",
            ]
        )
        w.writerow(
            [
                "12",
                "tt0000012",
                "Made Up Two",
                "Rain falls on a town.",
                "[{'id': 18, 'name': 'Drama'}]",
                "[]",
                "/bbb.jpg",
            ]
        )
        w.writerow(["2001-01-01", "x", "shifted", "", "[]", "[]", ""])
    make_poster(tmp_path / "posters" / "11.jpg")
    out = tmp_path / "movies.jsonl"
    counts = export_jsonl(f, tmp_path / "posters", out)
    assert counts["movies"] == 2 and counts["with poster"] == 1
    assert counts["rows_skipped"] == {"malformed id": 1}
    ds = read_movies(out)
    by_key = {m.key: m for m in ds}
    assert by_key["tt0000011"].poster == str((tmp_path / "posters" / "11.jpg").resolve())
    assert by_key["tt0000011"].companies == ("Pretend Pictures",) and by_key["tt0000012"].companies == ()
    assert by_key["tt0000012"].poster is None
    assert export_jsonl(f, tmp_path / "posters", out, require_poster=True)["movies"] == 1
    with pytest.raises(Exception, match="must be inside"):
        export_jsonl(f, tmp_path / "posters", tmp_path / "elsewhere" / "m.jsonl")


def test_full_disk_stops_the_run(tmp_path, monkeypatch):
    import errno

    import moviegenre.download.fetcher as dl

    def no_space(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dl, "write_atomic", no_space)
    with FakeTMDB(api_key=KEY) as fake:
        jobs = [PosterJob(i, fake.add_movie(i)) for i in range(1, 20)]
        summary = download_posters(jobs, config(fake, tmp_path, concurrency=2))
    assert summary.aborted == "write failed: No space left on device"
    assert summary.downloaded == 0 and summary.n_failed <= 2


def test_unreachable_server_stops_early(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on: connections are refused at once
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    jobs = [PosterJob(i, f"/p{i}.jpg") for i in range(1, 200)]
    cfg = DownloadConfig(
        out_dir=tmp_path,
        api_base_url=base + "/3",
        image_base_url=base + "/t/p",
        retries=1,
        backoff_base=0.01,
        backoff_max=0.02,
        rate=500,
        concurrency=4,
    )
    summary = download_posters(jobs, cfg)
    assert summary.aborted and "could not connect" in summary.aborted
    assert summary.n_failed < 20


def test_bad_settings_are_one_line_errors(tmp_path):
    from moviegenre.errors import ConfigError

    for kw in (
        {"size": "w999"},
        {"rate": 0},
        {"api_base_url": "ftp://x"},
        {"image_base_url": "http://a b/"},
        {"image_base_url": "https:///"},
    ):
        with pytest.raises(ConfigError, match=f"DownloadConfig.{next(iter(kw))}"):
            DownloadConfig(out_dir=tmp_path, **kw)


@pytest.mark.realdata
def test_kaggle_sample_posters_are_found_by_the_data_reader(shared_data, tmp_path):
    """Download (from the fake, generated images) the first 60 movies of the real Kaggle sample, then
    read the CSV with ``read_movies(..., posters=out)``: every downloaded poster is matched to its row."""
    from moviegenre.data import read_movies

    sample = shared_data / "raw" / "movies_metadata_sample.csv"
    jobs, _ = read_jobs(sample, limit=60)
    out = tmp_path / "posters"
    with FakeTMDB(api_key=KEY) as fake:
        for j in jobs:
            if j.poster_path:
                fake.images[j.poster_path] = jpeg_bytes(j.tmdb_id)
        summary = download_posters(jobs, config(fake, out))
    assert summary.downloaded == sum(j.poster_path is not None for j in jobs) > 50
    ds = read_movies(sample, posters=out)
    found = {m.tmdb_id for m in ds if m.poster}
    assert found == {j.tmdb_id for j in jobs if j.poster_path}
