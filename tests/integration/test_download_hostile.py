"""A hostile TMDB (or a bad key): redirects to other hosts, the key in every form, nothing downloaded.

Two fakes on loopback stand for two hosts: the one under test is reached as ``127.0.0.1``, the
"other host" as ``localhost`` (another host name, another port).
"""

from __future__ import annotations

import json
import subprocess

import pytest
from fake_tmdb import FakeTMDB, jpeg_bytes
from test_download import config as base_config
from test_download_cli import KEY, base_args, cli, env, grep_everything, write_metadata

from moviegenre.download import DownloadConfig, PosterJob, download_posters
from moviegenre.download.failures import read_failures, write_failures
from moviegenre.download.redact import redact
from moviegenre.errors import ConfigError


def config(fake: FakeTMDB, out, **kw) -> DownloadConfig:
    return base_config(fake, out, api_key=KEY, **kw)


def download(args: list[str], key: str = KEY) -> subprocess.CompletedProcess:
    """``moviegenre posters download ARGS`` with ``key`` in $TMDB_API_KEY."""
    return subprocess.run(cli(args), env=env(key), capture_output=True, text=True, timeout=60, check=False)


def other_host(fake: FakeTMDB) -> str:
    """``fake``'s base URL under another host name."""
    return fake.base.replace("127.0.0.1", "localhost")


def test_api_redirect_to_another_host_is_refused(tmp_path):
    with FakeTMDB(api_key=KEY) as fake, FakeTMDB(api_key=KEY) as evil:
        fake.add_movie(1)
        evil.add_movie(1)
        fake.redirects[fake.api_path(1)] = other_host(evil) + evil.api_path(1)
        summary = download_posters([PosterJob(1)], config(fake, tmp_path))
    assert summary.downloaded == 0
    assert dict(summary.failed) == {"redirect to another host refused": 1}
    assert "API redirect to 'localhost'" in summary.failures[0]["detail"]
    assert sum(evil.counts.values()) == 0  # the key never reached the other host
    assert KEY not in json.dumps(summary.failures)


def test_api_redirect_on_the_same_host_is_followed(tmp_path):
    with FakeTMDB(api_key=KEY) as fake:
        fake.add_movie(2, seed=2)
        fake.add_movie(22, seed=2)
        fake.redirects[fake.api_path(2)] = fake.base + fake.api_path(22)  # e.g. a merged TMDB entry
        summary = download_posters([PosterJob(2)], config(fake, tmp_path))
    assert summary.downloaded == 1 and (tmp_path / "2.jpg").read_bytes() == jpeg_bytes(2)


def test_image_redirect_only_to_allowed_hosts(tmp_path):
    with FakeTMDB(api_key=KEY) as fake, FakeTMDB(api_key=KEY) as cdn:
        path = fake.add_movie(5)
        cdn.images[path] = jpeg_bytes(99)  # what the other host would serve
        fake.redirects[fake.image_path(path)] = other_host(cdn) + cdn.image_path(path)
        job = [PosterJob(5, path)]

        refused = download_posters(job, config(fake, tmp_path / "default"))
        assert dict(refused.failed) == {"redirect to another host refused": 1}
        assert "--allow-image-host" in refused.failures[0]["detail"]
        assert sum(cdn.counts.values()) == 0 and not (tmp_path / "default" / "5.jpg").exists()

        allowed = download_posters(job, config(fake, tmp_path / "allowed", allow_image_hosts=["LocalHost"]))
        assert allowed.downloaded == 1
        assert (tmp_path / "allowed" / "5.jpg").read_bytes() == jpeg_bytes(99)


def test_redirect_loops_and_downgrades_stop(tmp_path):
    import asyncio

    import httpx

    from moviegenre.download.client import FetchError, TMDBClient
    from moviegenre.download.ratelimit import RateLimiter

    with FakeTMDB(api_key=KEY) as fake:
        path = fake.add_movie(7)
        fake.redirects[fake.image_path(path)] = fake.base + fake.image_path(path)  # to itself, forever
        summary = download_posters([PosterJob(7, path)], config(fake, tmp_path))
    assert dict(summary.failed) == {"too many redirects": 1}

    async def downgrade():
        client = TMDBClient(httpx.AsyncClient(), RateLimiter(100), api_key=KEY)
        resp = httpx.Response(
            302,
            headers={"location": "http://image.tmdb.org/t/p/w185/a.jpg"},
            request=httpx.Request("GET", "https://image.tmdb.org/t/p/w185/a.jpg"),
        )
        with pytest.raises(FetchError, match="redirect refused"):
            client._redirect_target(resp, client.image_hosts, api=False)

    asyncio.run(downgrade())


@pytest.mark.parametrize(
    ("key", "what"),
    [
        ("k3y-Zq81xVw-é-do-not-print", "non-ASCII character at position 13"),
        ("k3y-Zq81xVw\ndo-not-print", "line break at position 12"),
        ("k3y-Zq81xVw do-not-print", "space at position 12"),
        ("k3y-Zq81xVw\x07do-not-print", "control character"),
    ],
)
def test_a_bad_key_is_a_one_line_error_that_does_not_show_it(tmp_path, key, what):
    with pytest.raises(ConfigError, match=what):
        DownloadConfig(out_dir=tmp_path, api_key=key)
    with FakeTMDB(api_key=KEY) as fake:
        fake.add_movie(1)
        data = write_metadata(tmp_path / "movies_metadata.csv", fake, [1])
        run = subprocess.run(
            cli(base_args(fake, data, tmp_path / "out")),
            env=env(key),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 2, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and what.split()[0] in lines[0]
    for piece in ("k3y-Zq81xVw", "do-not-print"):
        assert piece not in run.stderr + run.stdout


def test_the_key_is_redacted_in_every_form():
    key = "k3y/Zq81+xVw&do not=print\nsecond-line-part"
    quoted = "k3y%2FZq81%2BxVw%26do%20not%3Dprint%0Asecond-line-part"
    for text in (
        f"GET http://h/3/movie/1?api_key={quoted}",  # percent-encoded, as in a URL
        "GET http://h/3/movie/1?key=k3y%2FZq81%2BxVw%26do+not%3Dprint%0Asecond-line-part",  # form-encoded
        repr(ValueError(f"bad header {key!r}")),  # repr of an exception: \n escaped
        json.dumps({"detail": key}),  # a JSON log line
        "value: k3y/Zq81+xVw&do not=print",  # cut at the line break
        "then: second-line-part",
        repr(key.encode()),
    ):
        out = redact(text, key)
        for piece in ("k3y/Zq81", "k3y%2FZq81", "second-line-part", "print\\n"):
            assert piece not in out, (text, out)


def test_failure_log_hides_a_line_broken_key(tmp_path):
    key = "abcdef0123456789\nfedcba9876543210"
    path = tmp_path / "failures.jsonl"
    records = [
        {"tmdb_id": 1, "reason": "http error", "detail": f"LocalProtocolError: bad value {key!r}", "url": ""},
        {"tmdb_id": 2, "reason": "http error", "detail": f"Bearer {key}", "url": f"http://h/?x={key}"},
    ]
    write_failures(path, records, key)
    text = path.read_text()
    assert "abcdef0123456789" not in text and "fedcba9876543210" not in text
    assert len(read_failures(path)) == 2


def test_nothing_downloaded_exits_non_zero_with_the_reason(tmp_path):
    with FakeTMDB(api_key=KEY) as fake:
        for i in (1, 2, 3):
            path = fake.add_movie(i)
            fake.always[fake.image_path(path)] = "404"
        data = write_metadata(tmp_path / "movies_metadata.csv", fake, [1, 2, 3])
        run = download([*base_args(fake, data, tmp_path / "out"), "--retries", "0"])
        assert run.returncode == 2, run.stderr
        last = run.stderr.strip().splitlines()[-1]
        assert last.startswith("error: no poster could be downloaded: all 3 failed")
        assert "not found (404)" in last and "download-failures.jsonl" in last

        # some downloaded, some failed: a partial success, exit 0
        fake.always.clear()
        del fake.movies[3]
        fake.images.pop("/p3.jpg")
        ok = download([*base_args(fake, data, tmp_path / "out2"), "--retries", "0"])
        assert ok.returncode == 0, ok.stderr
        assert grep_everything(KEY, run.stderr, ok.stderr, folder=tmp_path) == []
