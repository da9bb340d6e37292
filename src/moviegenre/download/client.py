"""A small async TMDB client: each request classified into an outcome the downloader retries or records.

Every request goes through the shared ``RateLimiter``. Failures become ``FetchError`` with a short
countable ``reason`` and ``retryable`` flag; their text never holds the API key (see ``redact``),
because httpx exception messages may contain the request URL.

Redirects are followed here, not by httpx, because each hop is checked: an API request (whose URL
or header holds the key) may only be redirected on the API's own host; an image request only to
the hosts the user allows (the image base URL's host, plus ``--allow-image-host``); never from
https to http; at most ``MAX_REDIRECTS`` hops.
"""

from __future__ import annotations

import asyncio
import json
import logging

import httpx

from .ratelimit import RateLimiter
from .redact import redact
from .retry import parse_retry_after
from .settings import DEFAULT_API_BASE, DEFAULT_IMAGE_BASE
from .sources import clean_poster_path

log = logging.getLogger("moviegenre.download")
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A request that did not give a usable answer. ``reason`` is short and countable."""

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
        detail: str = "",
        fatal: bool = False,
    ):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
        self.detail = detail
        self.fatal = fatal  # the whole run cannot succeed (e.g. the API key is rejected)


class TMDBClient:
    """``poster_path(tmdb_id)`` via ``/movie/{id}`` and ``image(size, path)`` from the image CDN."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        limiter: RateLimiter,
        *,
        api_key: str | None,
        api_base: str = DEFAULT_API_BASE,
        image_base: str = DEFAULT_IMAGE_BASE,
        max_bytes: int = 5 * 2**20,
        deadline: float = 60.0,
        image_hosts: frozenset[str] | None = None,
    ):
        self._http = http
        self._limiter = limiter
        self._key = api_key
        self.api_base = api_base.rstrip("/")
        self.image_base = image_base.rstrip("/")
        self.max_bytes = max_bytes
        self.deadline = deadline  # whole-request cap: a server trickling bytes never hangs a worker
        self.api_hosts = frozenset({_host(self.api_base)})
        self.image_hosts = frozenset(image_hosts or {_host(self.image_base)})

    @property
    def has_key(self) -> bool:
        return bool(self._key)

    def api_url(self, tmdb_id: int) -> str:
        """The API URL without the key (what logs and the failure log show)."""
        return f"{self.api_base}/movie/{tmdb_id}"

    def image_url(self, size: str, poster_path: str) -> str:
        return f"{self.image_base}/{size}{poster_path}"

    def _auth(self) -> tuple[dict, dict]:
        """(params, headers): a v4 read token (a JWT, "eyJ...") goes in a header, a v3 key in the query."""
        if not self._key:
            return {}, {}
        if self._key.startswith("eyJ"):
            return {}, {"Authorization": f"Bearer {self._key}"}
        return {"api_key": self._key}, {}

    async def poster_path(self, tmdb_id: int) -> str | None:
        """The movie's current poster path from the API; None when TMDB has no poster for it."""
        if not self._key:
            raise FetchError("no API key", retryable=False, detail="poster_path missing; set TMDB_API_KEY")
        params, headers = self._auth()
        try:
            body = await self._get(
                self.api_url(tmdb_id),
                params=params,
                headers=headers,
                limit=2**20,
                hosts=self.api_hosts,
                api=True,
            )
        except FetchError as e:
            e.fatal = e.status == 401  # a rejected key fails every movie: stop the run instead
            if e.status == 404:
                e.reason = "movie not on TMDB (404)"
            raise
        try:
            data = json.loads(body)
        except ValueError:
            raise FetchError("bad API response", retryable=True, detail="not JSON") from None
        if not isinstance(data, dict):
            raise FetchError("bad API response", retryable=True, detail="not a JSON object")
        raw = data.get("poster_path")
        path = clean_poster_path(raw)
        if raw and path is None:
            raise FetchError("bad API response", retryable=False, detail="unusable poster_path")
        return path

    async def image(self, size: str, poster_path: str) -> bytes:
        """The raw image bytes (not yet validated), at most ``max_bytes``."""
        return await self._get(
            self.image_url(size, poster_path), limit=self.max_bytes, hosts=self.image_hosts
        )

    async def _get(
        self, url: str, *, params=None, headers=None, limit: int, hosts: frozenset[str], api: bool = False
    ) -> bytes:
        """The body of ``url`` (at most ``limit`` bytes), following redirects only within ``hosts``."""
        try:
            async with asyncio.timeout(self.deadline):
                for _ in range(MAX_REDIRECTS + 1):
                    await self._limiter.acquire()
                    async with self._http.stream(
                        "GET", url, params=params, headers=headers, follow_redirects=False
                    ) as resp:
                        if resp.is_redirect:
                            url, params = (
                                self._redirect_target(resp, hosts, api),
                                None,
                            )  # Location has its query
                            continue
                        return await _read_body(resp, limit)
                raise FetchError("too many redirects", retryable=False, detail=f"over {MAX_REDIRECTS} hops")
        except FetchError:
            raise
        except TimeoutError:
            raise FetchError(
                "timeout", retryable=True, detail=f"no complete answer in {self.deadline:g}s"
            ) from None
        except httpx.TimeoutException as e:
            raise FetchError("timeout", retryable=True, detail=type(e).__name__) from None
        except httpx.RemoteProtocolError as e:
            # e.g. "peer closed connection without sending complete message body"
            raise FetchError("truncated body", retryable=True, detail=redact(e, self._key)) from None
        except httpx.TransportError as e:
            raise FetchError(
                "connection error", retryable=True, detail=f"{type(e).__name__}: {redact(e, self._key)}"
            ) from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as e:  # anything else httpx raises
            raise FetchError(
                "http error", retryable=False, detail=f"{type(e).__name__}: {redact(e, self._key)}"
            ) from None

    def _redirect_target(self, resp: httpx.Response, hosts: frozenset[str], api: bool) -> httpx.URL:
        """Where a 3xx points, if that is allowed; else a ``FetchError`` naming the refused host."""
        try:
            target = resp.url.join(resp.headers.get("location", ""))
        except (httpx.InvalidURL, ValueError):
            raise FetchError("bad redirect", retryable=False, status=resp.status_code) from None
        host = (target.host or "").lower()
        if target.scheme not in ("http", "https") or (
            resp.url.scheme == "https" and target.scheme != "https"
        ):
            raise FetchError(
                "redirect refused",
                retryable=False,
                status=resp.status_code,
                detail=f"from {resp.url.scheme} to {redact(target.scheme, self._key)}",
            )
        if host not in hosts:
            raise FetchError(
                "redirect to another host refused",
                retryable=False,
                status=resp.status_code,
                detail=f"{'API' if api else 'image'} redirect to {redact(host, self._key)!r}"
                + ("" if api else " (allow it with --allow-image-host)"),
            )
        return target


async def _read_body(resp: httpx.Response, limit: int) -> bytes:
    _check_status(resp)
    declared = resp.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise FetchError(
            "too large",
            retryable=False,
            status=resp.status_code,
            detail=f"{int(declared):,} bytes declared, cap {limit:,}",
        )
    chunks, total = [], 0
    async for chunk in resp.aiter_bytes():
        total += len(chunk)
        if total > limit:  # stop reading: a lying or absent Content-Length
            raise FetchError(
                "too large", retryable=False, status=resp.status_code, detail=f"over the {limit:,}-byte cap"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _host(url: str) -> str:
    return (httpx.URL(url).host or "").lower()


def _check_status(resp: httpx.Response) -> None:
    """Raise a classified ``FetchError`` for anything but 200.

    Error bodies are never read into messages: they may quote the request URL, key included.
    """
    status = resp.status_code
    if status == 200:
        return
    if status == 429:
        raise FetchError(
            "rate limited (429)",
            retryable=True,
            status=status,
            retry_after=parse_retry_after(resp.headers.get("retry-after")),
        )
    if status >= 500:
        raise FetchError(
            f"server error ({status})",
            retryable=True,
            status=status,
            retry_after=parse_retry_after(resp.headers.get("retry-after")),
        )
    if status == 404:
        raise FetchError("not found (404)", retryable=False, status=status)
    if status == 401:
        raise FetchError("unauthorized (401)", retryable=False, status=status)
    raise FetchError(f"http {status}", retryable=False, status=status)
