"""Small pieces of the downloader: redaction, Retry-After, backoff, the rate limiter, file names."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from datetime import UTC, datetime

from moviegenre.download.ratelimit import RateLimiter
from moviegenre.download.redact import RedactingFilter, redact
from moviegenre.download.retry import backoff_delay, parse_retry_after
from moviegenre.download.sources import clean_poster_path


def test_redact_key_query_and_bearer():
    s = "GET https://api.x/3/movie/5?api_key=s3cr3t&language=en failed; Authorization: Bearer eyJabc.def"
    out = redact(s, "s3cr3t")
    assert "s3cr3t" not in out and "eyJabc" not in out
    assert "api_key=***&language=en" in out
    assert redact("api_key=unknownkey123") == "api_key=***"  # even a key we were not told about


def test_log_filter_scrubs_messages_args_and_tracebacks(caplog):
    logger = logging.getLogger("httpx")
    f = RedactingFilter("topsecret")
    logger.addFilter(f)
    try:
        with caplog.at_level(logging.INFO, logger="httpx"):
            logger.info("HTTP Request: GET %s", "http://h/3/movie/1?api_key=topsecret")
            try:
                raise ValueError("bad url http://h/?api_key=topsecret")
            except ValueError:
                logger.exception("failed")
    finally:
        logger.removeFilter(f)
    assert "topsecret" not in caplog.text
    assert "api_key=***" in caplog.text


def test_retry_after_forms():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    assert parse_retry_after("-3") == 0.0


def test_backoff_grows_is_capped_and_jittered():
    rng = random.Random(0)
    for attempt in range(1, 8):
        ceiling = min(2.0, 0.1 * 2 ** (attempt - 1))
        d = [backoff_delay(attempt, 0.1, 2.0, rng) for _ in range(50)]
        assert all(ceiling / 2 <= x <= ceiling for x in d)
        assert len(set(d)) > 1


def test_poster_path_cleaning():
    assert clean_poster_path(" /abc_DEF-1.jpg ") == "/abc_DEF-1.jpg"
    for bad in ("", "nan", "/../../etc/passwd", "abc.jpg", "/a.jpg?x=1", "//evil.host/a.jpg", None, 3.0):
        assert clean_poster_path(bad) is None, bad


def test_limiter_spacing_and_pause():
    """With a fake clock: starts are 1/(rate*SAFETY) apart, and pause() holds back everyone."""

    class Clock:
        t = 0.0

        def __call__(self):
            return self.t

    clock = Clock()
    starts = []

    async def fake_sleep(seconds):
        clock.t += seconds

    async def go():
        lim = RateLimiter(10, clock=clock)
        orig = asyncio.sleep
        asyncio.sleep = fake_sleep
        try:
            for i in range(5):
                await lim.acquire()
                starts.append(clock.t)
                if i == 2:
                    lim.pause(3.0)
        finally:
            asyncio.sleep = orig

    asyncio.run(go())
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(g >= 0.1 for g in gaps)
    assert gaps[2] >= 3.0


def test_config_repr_hides_the_key(tmp_path):
    from moviegenre.download import DownloadConfig

    cfg = DownloadConfig(out_dir=tmp_path, api_key="  hidden-key-42 \n")
    assert cfg.api_key == "hidden-key-42"  # pasted with stray whitespace: trimmed
    assert "hidden-key-42" not in repr(cfg) and "hidden-key-42" not in str(cfg)
