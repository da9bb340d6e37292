"""One movie's poster, step by step: already there? → poster path (file or API) → image → check → write.

``PosterFetcher`` holds what the workers of a run share (client, limiter, summary, abort flag).
Every failure ends as one record in the summary with a short reason; retries happen here.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import random
from collections.abc import Awaitable, Callable

from .client import FetchError, TMDBClient
from .ratelimit import RateLimiter
from .redact import redact
from .retry import backoff_delay
from .settings import DownloadConfig, DownloadSummary
from .sources import PosterJob
from .storage import check_image, poster_file, write_atomic

log = logging.getLogger("moviegenre.download")

UNREACHABLE_AFTER = 8  # this many movies in a row failing to connect, with none downloaded yet, stop the run


class PosterFetcher:
    """Fetches one movie's poster at a time (``one``); the state is shared by the workers of one run."""

    def __init__(self, config: DownloadConfig, client: TMDBClient, limiter: RateLimiter):
        self.cfg = config
        self.client = client
        self.limiter = limiter
        self.rng = random.Random(config.seed)
        self.summary = DownloadSummary()
        self.abort: str | None = None
        self.unreachable_streak = 0  # movies in a row that failed with connection errors only

    async def retrying(self, what: Callable[[], Awaitable], url: str):
        """Call ``what`` until it succeeds, fails for good, or runs out of attempts."""
        attempt = 0
        while True:
            try:
                return await what()
            except FetchError as e:
                attempt += 1
                e.attempts = attempt
                e.url = url
                if e.fatal or not e.retryable or attempt > self.cfg.retries:
                    raise
                delay = backoff_delay(attempt, self.cfg.backoff_base, self.cfg.backoff_max, self.rng)
                if e.retry_after is not None:
                    # the server said when: wait at least that long, and hold every worker back too
                    delay = max(delay, min(e.retry_after, self.cfg.max_retry_after))
                    self.limiter.pause(delay)
                log.debug("retry %d for %s after %s (%.2fs)", attempt, url, e.reason, delay)
                await asyncio.sleep(delay)

    async def fetch_valid_image(self, poster_path: str) -> bytes:
        """Image bytes that decode; an undecodable body (truncated, an HTML error page) is retried."""
        size, cap = self.cfg.size, self.cfg.max_bytes

        async def get_and_check() -> bytes:
            data = await self.client.image(size, poster_path)
            reason = await asyncio.to_thread(check_image, data, cap)
            if reason is not None:
                raise FetchError(
                    reason,
                    retryable=reason in ("not an image", "corrupt image", "empty file"),
                    detail=f"{len(data):,} bytes received",
                )
            return data

        return await self.retrying(get_and_check, self.client.image_url(size, poster_path))

    async def one(self, job: PosterJob) -> None:
        """Process one movie; the outcome lands in ``self.summary`` (never raises FetchError)."""
        target = poster_file(self.cfg.out_dir, job.tmdb_id)
        replacing = False
        if target.exists():
            if not self.cfg.verify_existing:
                self.summary.existing += 1
                return
            if await asyncio.to_thread(check_image, target, self.cfg.max_bytes) is None:
                self.summary.existing += 1
                return
            replacing = True
        try:
            path = job.poster_path
            if path is None:
                path = await self.retrying(
                    lambda: self.client.poster_path(job.tmdb_id), self.client.api_url(job.tmdb_id)
                )
                if path is None:
                    raise FetchError("no poster on TMDB", retryable=False)
            try:
                data = await self.fetch_valid_image(path)
            except FetchError as e:
                if e.status != 404 or job.poster_path is None or not self.client.has_key:
                    raise
                # the file's poster_path may be stale (TMDB replaced the poster): ask for the current one
                fresh = await self.retrying(
                    lambda: self.client.poster_path(job.tmdb_id), self.client.api_url(job.tmdb_id)
                )
                if fresh is None or fresh == path:
                    raise e from None
                data = await self.fetch_valid_image(fresh)
            try:
                await asyncio.to_thread(write_atomic, target, data)
            except OSError as e:
                # a full or read-only disk fails every later movie too: stop instead of counting them all
                fatal = e.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES)
                raise FetchError(
                    "write failed", retryable=False, detail=e.strerror or type(e).__name__, fatal=fatal
                ) from None
        except FetchError as e:
            self.unreachable_streak = self.unreachable_streak + 1 if e.reason == "connection error" else 0
            if self.unreachable_streak >= UNREACHABLE_AFTER and not self.summary.downloaded:
                # nothing ever got through: a wrong base URL or no network, not 45,000 separate failures
                e.fatal = True
                e.detail = f"{UNREACHABLE_AFTER} movies in a row could not connect ({e.detail})"
            if e.fatal:
                self.abort = self.abort or (f"{e.reason}: {e.detail}" if e.detail else e.reason)
            self.record_failure(job, e)
            return
        self.unreachable_streak = 0
        self.summary.downloaded += 1
        self.summary.replaced_invalid += replacing

    def record_failure(self, job: PosterJob, e: FetchError) -> None:
        key = self.cfg.api_key
        self.summary.failed[e.reason] += 1
        self.summary.failures.append(
            {
                "tmdb_id": job.tmdb_id,
                "reason": e.reason,
                "status": e.status,
                "attempts": getattr(e, "attempts", 1),
                "url": redact(getattr(e, "url", ""), key),
                "detail": redact(e.detail, key),
            }
        )
