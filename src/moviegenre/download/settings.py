"""Settings and results of a download run: ``DownloadConfig``, ``DownloadSummary``, ``DownloadError``."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..config import ConfigBase, setting
from ..errors import ConfigError, MovieGenreError
from .redact import redact

DEFAULT_API_BASE = "https://api.themoviedb.org/3"
DEFAULT_IMAGE_BASE = "https://image.tmdb.org/t/p"
PosterSize = Literal["w92", "w154", "w185", "w342", "w500", "w780", "original"]


class DownloadError(MovieGenreError):
    """The run cannot go on (bad settings, or TMDB rejected the API key)."""


@dataclass
class DownloadConfig(ConfigBase):
    """Settings of one download run. ``api_key`` is kept out of ``repr`` so a logged config cannot leak it."""

    out_dir: Path
    api_key: str | None = field(default=None, repr=False)
    size: PosterSize = setting("w185", help="TMDB poster size.")
    api_base_url: str = setting(DEFAULT_API_BASE, help="TMDB API base URL.")
    image_base_url: str = setting(DEFAULT_IMAGE_BASE, help="TMDB image base URL.")
    rate: float = setting(20.0, min=0.01, help="Requests per second, all requests of the run together.")
    concurrency: int = setting(8, min=1, max=256, help="Requests in flight at once.")
    retries: int = setting(4, min=0, help="Attempts after the first, per request.")
    # seconds without progress (connect / read) before a request is retried
    timeout: float = setting(20.0, min=0.01, help="Seconds without progress before a request is retried.")
    backoff_base: float = setting(0.5, min=0, help="First retry wait in seconds (doubles each time).")
    backoff_max: float = setting(30.0, min=0, help="Longest retry wait in seconds.")
    # a longer Retry-After is capped (the wait still grows by backoff)
    max_retry_after: float = setting(300.0, min=0, help="Longest Retry-After obeyed, in seconds.")
    # a w185..w780 poster is 10-300 kB; anything near this is not a poster
    max_bytes: int = setting(5 * 2**20, min=1, help="Largest poster file accepted, in bytes.")
    # decode files already present; False trusts any file by name
    verify_existing: bool = setting(True, help="Decode posters already on disk before trusting them.")
    failures_path: Path | None = setting(None, help="Failure log (default: OUT/download-failures.jsonl).")
    # an image redirect may only lead to these hosts; the image base URL's own host is always allowed
    allow_image_hosts: list[str] = setting([], help="More hosts image redirects may lead to.")
    progress: bool = setting(False, help="Show a progress bar.")
    seed: int | None = setting(None, help="Jitter seed (tests).")

    def validate(self) -> None:
        self.api_key = self.api_key.strip() if self.api_key and self.api_key.strip() else None
        if self.api_key:
            _check_key(self.api_key)
        for name in ("api_base_url", "image_base_url"):
            url = getattr(self, name)
            if not url.startswith(("http://", "https://")) or not _valid_url(url):
                raise ConfigError(f"DownloadConfig.{name}: not an http:// or https:// URL: {redact(url)!r}")
        hosts = []
        for host in self.allow_image_hosts:
            if not isinstance(host, str) or not _HOST.fullmatch(host.strip()):
                raise ConfigError(f"DownloadConfig.allow_image_hosts: not a host name: {redact(host)!r}")
            hosts.append(host.strip().lower())
        self.allow_image_hosts = hosts

    @property
    def image_hosts(self) -> frozenset[str]:
        """Hosts an image request (or its redirects) may reach: the image base URL's host and the allowed."""
        return frozenset({host_of(self.image_base_url), *self.allow_image_hosts})

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


_HOST = re.compile(r"[A-Za-z0-9.:\[\]-]+")


def host_of(url: str) -> str:
    """The lower-case host name of ``url`` ("" when it has none)."""
    import httpx  # here, not at the top: reading settings should not need the HTTP stack

    return (httpx.URL(url).host or "").lower()


def _valid_url(url: str) -> bool:
    import httpx

    try:
        host = host_of(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return False
    return bool(_HOST.fullmatch(host))


def _check_key(key: str) -> None:
    """TMDB keys (v3 hex keys, v4 JWT tokens) are printable ASCII without spaces. Anything else is a
    paste gone wrong; say where, never what (the message must not hold the key)."""
    for i, ch in enumerate(key):
        if "!" <= ch <= "~":
            continue
        what = (
            "a line break"
            if ch in "\r\n\u2028\u2029\x85"
            else "a space"
            if ch.isspace()
            else "a control character"
            if ord(ch) < 32 or ord(ch) == 127
            else "a non-ASCII character"
        )
        raise ConfigError(
            f"DownloadConfig.api_key: the API key holds {what} at position {i + 1} of {len(key)}; "
            "TMDB keys are ASCII letters, digits and punctuation: copy it again"
        )
