"""Settings and results of a download run: ``DownloadConfig``, ``DownloadSummary``, ``DownloadError``."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import MovieGenreError
from .redact import redact

DEFAULT_API_BASE = "https://api.themoviedb.org/3"
DEFAULT_IMAGE_BASE = "https://image.tmdb.org/t/p"
POSTER_SIZES = ("w92", "w154", "w185", "w342", "w500", "w780", "original")


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
        return {
            "total": self.total,
            "downloaded": self.downloaded,
            "already_there": self.existing,
            "replaced_invalid": self.replaced_invalid,
            "failed": self.n_failed,
            "failed_by_reason": dict(self.failed),
            "requests": self.requests,
            "elapsed_s": round(self.elapsed, 2),
            "aborted": self.aborted,
        }


def _valid_url(url: str) -> bool:
    import httpx  # here, not at the top: reading settings should not need the HTTP stack

    try:
        host = httpx.URL(url).host
    except (httpx.InvalidURL, TypeError, ValueError):
        return False
    return bool(re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", host or ""))
