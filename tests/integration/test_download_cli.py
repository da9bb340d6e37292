"""``moviegenre posters download`` end to end against the fake TMDB: SIGKILL + resume; the key never shows."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fake_tmdb import FakeTMDB

from moviegenre.data.images import open_image

KEY = "tmdbKEY-7f3a9c1e55b24d0b"


def write_metadata(path: Path, fake: FakeTMDB, ids, lookup=()) -> Path:
    """A movies_metadata.csv-shaped file (our own made-up rows); ``lookup`` ids get no poster_path."""
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["adult", "id", "imdb_id", "title", "poster_path", "genres"])
        for i in ids:
            w.writerow(
                [
                    "False",
                    i,
                    f"tt{i:07d}",
                    f"Invented Title {i}",
                    "" if i in lookup else fake.movies.get(i) or "",
                    "[{'id': 35, 'name': 'Comedy'}]",
                ]
            )
        w.writerow(["- a stray note", "2001-05-04", "", "shifted row"])
    return path


def cli(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "moviegenre", "posters", "download", *args]


def env(key: str | None = KEY) -> dict:
    e = {k: v for k, v in os.environ.items() if k != "TMDB_API_KEY"}
    if key:
        e["TMDB_API_KEY"] = key
    return e


def base_args(fake: FakeTMDB, data: Path, out: Path) -> list[str]:
    return [
        "--data",
        str(data),
        "--out",
        str(out),
        "--api-base-url",
        fake.api_base,
        "--image-base-url",
        fake.image_base,
        "--backoff",
        "0.02",
        "--timeout",
        "0.5",
        "--no-progress",
    ]


def test_sigkill_midway_then_resume(tmp_path):
    out = tmp_path / "posters"
    n = 30
    with FakeTMDB(api_key=KEY) as fake:
        paths = {i: fake.add_movie(i) for i in range(1, n + 1)}
        data = write_metadata(tmp_path / "movies_metadata.csv", fake, range(1, n + 1), lookup={3, 7})
        fake.delay = 0.1  # each image takes 0.1 s: 30 of them at concurrency 2 take ~1.5 s
        args = [*base_args(fake, data, out), "--concurrency", "2", "--rate", "100"]
        proc = subprocess.Popen(cli(args), env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while len(list(out.glob("*.jpg"))) < 8 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL

        finished = sorted(out.glob("*.jpg"))
        assert 8 <= len(finished) < n, "the kill should land mid-way"
        for f in finished:  # no half file under a final name
            open_image(f)
            assert f.read_bytes() == fake.images[paths[int(f.stem)]]
        counts_at_kill = fake.counts.copy()

        fake.delay = 0.0
        done = subprocess.run(cli([*args, "--json"]), env=env(), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["downloaded"] + report["already_there"] == n and report["failed"] == 0
        assert report["already_there"] >= len(finished)
        assert report["rows_skipped"] == {"malformed id": 1}
        for f in finished:  # nothing finished before the kill was fetched again
            p = fake.image_path(paths[int(f.stem)])
            assert fake.counts[p] == counts_at_kill[p] == 1
        for i in range(1, n + 1):
            assert (out / f"{i}.jpg").read_bytes() == fake.images[paths[i]]
            assert fake.served[fake.image_path(paths[i])] <= 2  # at most the one in flight at the kill
        assert not list(out.glob(".*.part"))


def grep_everything(key: str, *texts: str, folder: Path) -> list[str]:
    """Where ``key`` appears: in the given outputs or in any file under ``folder``."""
    hits = [f"output #{i}" for i, t in enumerate(texts) if key in t]
    hits += [str(p) for p in folder.rglob("*") if p.is_file() and key.encode() in p.read_bytes()]
    return hits


def test_api_key_never_in_output_logs_or_failure_log(tmp_path):
    out = tmp_path / "posters"
    with FakeTMDB(api_key=KEY, slow_seconds=1.2) as fake:
        paths = {i: fake.add_movie(i) for i in range(1, 9)}
        del fake.movies[6]  # API 404, whose body echoes the request line (key included)
        fake.inject(fake.api_path(1), "500")  # the 500 body echoes the key too
        fake.always[fake.api_path(2)] = "500"
        fake.inject(fake.api_path(3), "slow")  # a timeout on a URL that holds the key
        fake.inject(fake.api_path(4), "429")
        fake.always[fake.image_path(paths[5])] = "truncated"
        data = write_metadata(tmp_path / "movies_metadata.csv", fake, range(1, 9), lookup={1, 2, 3, 4, 6})
        args = [*base_args(fake, data, out), "--retries", "2", "--verbose", "--json"]
        run = subprocess.run(cli(args), env=env(), capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        assert "api_key=***" in run.stderr  # httpx did log the API URLs, redacted
        report = json.loads(run.stdout)
        assert report["failed_by_reason"] == {
            "server error (500)": 1,
            "movie not on TMDB (404)": 1,
            "truncated body": 1,
        }
        assert grep_everything(KEY, run.stdout, run.stderr, folder=tmp_path) == []
        assert any(KEY in line for line in fake.request_lines)  # ...although it was really sent

        # a rejected key given on the command line: the run stops, says why, and still hides the key
        wrong = "wrongKEY-0000aaaa1111bbbb"
        out2 = tmp_path / "second"
        bad = subprocess.run(
            cli([*base_args(fake, data, out2), "--api-key", wrong, "--verbose"]),
            env=env(None),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert bad.returncode == 2
        assert "unauthorized (401)" in bad.stderr and "check the API key" in bad.stderr
        assert grep_everything(wrong, bad.stdout, bad.stderr, folder=tmp_path) == []
