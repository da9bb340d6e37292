"""Fetch many posters concurrently, politely and resumably.

``download_posters(jobs, config)`` runs ``config.concurrency`` workers over the jobs. Per movie:
skip when ``<tmdb_id>.jpg`` is already there and valid; else take ``poster_path`` from the file
or ask the API; fetch the image (retrying 429/5xx/timeouts/truncated or undecodable bodies with
backoff and jitter, honouring ``Retry-After``); validate it with ``open_image``; write atomically.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MovieGenreError
from .client import DEFAULT_API_BASE, DEFAULT_IMAGE_BASE, POSTER_SIZES, FetchError, TMDBClient
from .ratelimit import RateLimiter
from .redact import install_log_redaction, redact, remove_log_redaction
from .retry import backoff_delay
from .sources import PosterJob
from .storage import check_image, poster_file, remove_stale_parts, write_atomic

log = logging.getLogger("moviegenre.download")


UNREACHABLE_AFTER = 8  # this many movies in a row failing to connect, with none downloaded yet, stop the run


class DownloadError(MovieGenreError):
    """The run cannot go on (bad settings, or TMDB rejected the API key)."""


@dataclass
class DownloadConfig:
    """Settings of one download run. ``api_key`` is kept out of ``repr`` so a logged config cannot leak it."""

    out_dir: Path
    api_key: str | None = field(default=None, repr=False)
    size: str = "w185"
    api_base_url: str = DEFAULT_API_BASE
    image_base_url: str = DEFAULT_IMAGE_BASE
    rate: float = 20.0  # requests per second, all requests of the run together
    concurrency: int = 8
    retries: int = 4  # attempts after the first, per request
    timeout: float = 20.0  # seconds without progress (connect / read) before a request is retried
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 300.0  # a longer Retry-After is capped (the wait still grows by backoff)
    max_bytes: int = 5 * 2**20  # a w185..w780 poster is 10-300 kB; anything near this is not a poster
    verify_existing: bool = True  # decode files already present; False trusts any file by name
    failures_path: Path | None = None  # None: <out_dir>/download-failures.jsonl
    progress: bool = False
    seed: int | None = None  # jitter seed (tests)

    def __post_init__(self):
        self.out_dir = Path(self.out_dir)
        self.api_key = self.api_key.strip() if self.api_key and self.api_key.strip() else None
        if self.size not in POSTER_SIZES:
            raise DownloadError(f"unknown poster size {self.size!r}; choose from {', '.join(POSTER_SIZES)}")
        if not self.rate > 0 or self.concurrency < 1 or self.retries < 0 or not self.timeout > 0:
            raise DownloadError("rate and timeout must be > 0, concurrency >= 1, retries >= 0")
        for url in (self.api_base_url, self.image_base_url):
            if not url.startswith(("http://", "https://")) or not _valid_url(url):
                raise DownloadError(f"base URLs must be http:// or https:// URLs, got {redact(url)!r}")

    @property
    def failures_file(self) -> Path:
        return Path(self.failures_path) if self.failures_path else self.out_dir / "download-failures.jsonl"


@dataclass
class DownloadSummary:
    """What a run did. ``failed`` counts movies by final reason; ``failures`` holds one record each."""

    total: int = 0
    downloaded: int = 0
    existing: int = 0
    replaced_invalid: int = 0  # files that were present but did not decode, fetched again
    failed: Counter = field(default_factory=Counter)
    failures: list[dict] = field(default_factory=list)
    requests: int = 0
    elapsed: float = 0.0
    aborted: str | None = None

    @property
    def n_failed(self) -> int:
        return sum(self.failed.values())

    def to_dict(self) -> dict:
        return {"total": self.total, "downloaded": self.downloaded, "already_there": self.existing,
                "replaced_invalid": self.replaced_invalid, "failed": self.n_failed,
                "failed_by_reason": dict(self.failed), "requests": self.requests,
                "elapsed_s": round(self.elapsed, 2), "aborted": self.aborted}


class _Run:
    """The state shared by the workers of one run."""

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
                return await what(), attempt + 1
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
                raise FetchError(reason, retryable=reason in ("not an image", "corrupt image", "empty file"),
                                 detail=f"{len(data):,} bytes received")
            return data

        data, _ = await self.retrying(get_and_check, self.client.image_url(size, poster_path))
        return data

    async def one(self, job: PosterJob) -> None:
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
                path, _ = await self.retrying(lambda: self.client.poster_path(job.tmdb_id),
                                              self.client.api_url(job.tmdb_id))
                if path is None:
                    raise FetchError("no poster on TMDB", retryable=False)
            try:
                data = await self.fetch_valid_image(path)
            except FetchError as e:
                if e.status != 404 or job.poster_path is None or not self.client._key:
                    raise
                # the file's poster_path may be stale (TMDB replaced the poster): ask for the current one
                fresh, _ = await self.retrying(lambda: self.client.poster_path(job.tmdb_id),
                                               self.client.api_url(job.tmdb_id))
                if fresh is None or fresh == path:
                    raise e from None
                data = await self.fetch_valid_image(fresh)
            try:
                await asyncio.to_thread(write_atomic, target, data)
            except OSError as e:
                # a full or read-only disk fails every later movie too: stop instead of counting them all
                raise FetchError("write failed", retryable=False, detail=e.strerror or type(e).__name__,
                                 fatal=e.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES)) from None
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
        self.summary.failures.append({
            "tmdb_id": job.tmdb_id, "reason": e.reason, "status": e.status,
            "attempts": getattr(e, "attempts", 1), "url": redact(getattr(e, "url", ""), key),
            "detail": redact(e.detail, key),
        })


async def download_posters_async(jobs: Sequence[PosterJob], config: DownloadConfig,
                                 http=None) -> DownloadSummary:
    """Fetch the posters of ``jobs`` into ``config.out_dir``; see the module docstring.

    ``http`` is an optional ``httpx.AsyncClient`` (tests); by default one is made from the config.
    """
    import httpx

    cfg = config
    try:
        cfg.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"cannot create the poster folder {cfg.out_dir}: {e.strerror}") from None
    remove_stale_parts(cfg.out_dir)
    limiter = RateLimiter(cfg.rate)
    own_http = http is None
    if own_http:
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(cfg.timeout), follow_redirects=True,
            limits=httpx.Limits(max_connections=cfg.concurrency, max_keepalive_connections=cfg.concurrency),
            headers={"User-Agent": "moviegenre-poster-downloader", "Accept": "application/json, image/*"},
        )
    client = TMDBClient(http, limiter, api_key=cfg.api_key, api_base=cfg.api_base_url,
                        image_base=cfg.image_base_url, max_bytes=cfg.max_bytes, deadline=cfg.timeout * 4)
    run = _Run(cfg, client, limiter)
    run.summary.total = len(jobs)
    queue: asyncio.Queue[PosterJob] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    bar = _progress_bar(len(jobs), cfg.progress)
    started = time.monotonic()

    async def worker() -> None:
        while not run.abort:
            try:
                job = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            await run.one(job)
            bar.update(1)
            bar.set_postfix(new=run.summary.downloaded, had=run.summary.existing,
                            failed=run.summary.n_failed, refresh=False)

    try:
        await asyncio.gather(*(worker() for _ in range(min(cfg.concurrency, max(1, len(jobs))))))
    finally:
        bar.close()
        if own_http:
            await http.aclose()
        run.summary.requests = limiter.count
        run.summary.elapsed = time.monotonic() - started
        run.summary.aborted = run.abort
    return run.summary


def download_posters(jobs: Sequence[PosterJob], config: DownloadConfig) -> DownloadSummary:
    """Blocking wrapper of ``download_posters_async``, writing the failure log (JSONL) at the end.

    The API key is scrubbed from httpx's log lines for the duration of the run.
    """
    from .failures import write_failures

    installed = install_log_redaction(config.api_key)
    try:
        summary = asyncio.run(download_posters_async(jobs, config))
    finally:
        remove_log_redaction(installed)
    write_failures(config.failures_file, summary.failures, config.api_key)
    return summary


def _valid_url(url: str) -> bool:
    import httpx

    try:
        host = httpx.URL(url).host
    except (httpx.InvalidURL, TypeError, ValueError):
        return False
    return bool(re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", host or ""))


def _progress_bar(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="poster", desc="posters", disable=not enabled, dynamic_ncols=True)
