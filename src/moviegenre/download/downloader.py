"""Fetch many posters concurrently, politely and resumably.

``download_posters(jobs, config)`` runs ``config.concurrency`` workers over the jobs. Per movie:
skip when ``<tmdb_id>.jpg`` is already there and valid; else take ``poster_path`` from the file
or ask the API; fetch the image (retrying 429/5xx/timeouts/truncated or undecodable bodies with
backoff and jitter, honouring ``Retry-After``); validate it with ``open_image``; write atomically.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from .client import TMDBClient
from .fetcher import PosterFetcher
from .ratelimit import RateLimiter
from .redact import install_log_redaction, remove_log_redaction
from .settings import DownloadConfig, DownloadError, DownloadSummary
from .sources import PosterJob
from .storage import remove_stale_parts


async def download_posters_async(
    jobs: Sequence[PosterJob], config: DownloadConfig, http=None
) -> DownloadSummary:
    """Fetch the posters of ``jobs`` into ``config.out_dir``; see the module docstring.

    ``http`` is an optional ``httpx.AsyncClient`` (tests); by default one is made from the config.
    The API key is scrubbed from httpx's log lines for the duration of the run.
    """
    installed = install_log_redaction(config.api_key)
    try:
        return await _run(jobs, config, http)
    finally:
        remove_log_redaction(installed)


async def _run(jobs: Sequence[PosterJob], cfg: DownloadConfig, http) -> DownloadSummary:
    import httpx

    try:
        cfg.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"cannot create the poster folder {cfg.out_dir}: {e.strerror}") from None
    remove_stale_parts(cfg.out_dir)
    limiter = RateLimiter(cfg.rate)
    own_http = http is None
    if own_http:
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(cfg.timeout),
            follow_redirects=False,  # the client follows them itself, checking each hop's host
            limits=httpx.Limits(max_connections=cfg.concurrency, max_keepalive_connections=cfg.concurrency),
            headers={"User-Agent": "moviegenre-poster-downloader", "Accept": "application/json, image/*"},
        )
    client = TMDBClient(
        http,
        limiter,
        api_key=cfg.api_key,
        api_base=cfg.api_base_url,
        image_base=cfg.image_base_url,
        max_bytes=cfg.max_bytes,
        deadline=cfg.timeout * 4,
        image_hosts=cfg.image_hosts,
    )
    run = PosterFetcher(cfg, client, limiter)
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
            bar.set_postfix(
                new=run.summary.downloaded,
                had=run.summary.existing,
                failed=run.summary.n_failed,
                refresh=False,
            )

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
    """Blocking wrapper of ``download_posters_async``, writing the failure log (JSONL) at the end."""
    from .failures import write_failures

    summary = asyncio.run(download_posters_async(jobs, config))
    write_failures(config.failures_file, summary.failures, config.api_key)
    return summary


def _progress_bar(total: int, enabled: bool):
    from ..progress import progress_bar

    # a bar on a terminal, a line every 30 s in a log (moviegenre.progress)
    return progress_bar(total=total, unit="poster", desc="posters", enabled=enabled)
