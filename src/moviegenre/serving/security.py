"""What the service does to be safe to expose: an optional API key, security headers, CORS off.

- API key (``serve --api-key`` or ``$MOVIEGENRE_API_KEY``): the API routes want
  ``Authorization: Bearer <key>``, compared in constant time; the page, its files, ``/health`` and
  the API docs stay open (the page asks for the key and keeps it in the browser's localStorage).
- Security headers on every answer: a Content-Security-Policy (the page loads only its own script
  and style; no inline script, no framing: ``frame-ancestors 'none'`` and ``X-Frame-Options``),
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``. The Swagger/ReDoc pages
  start with an inline script, so they get a policy that allows one.
- CORS is off unless ``--cors-origin`` names the origins allowed to call the API from a browser.

docs/security.md ("The service") says what the service trusts and why.
"""

from __future__ import annotations

import hmac
import re

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..errors import MovieGenreError

API_KEY_ENV = "MOVIEGENRE_API_KEY"
MIN_KEY_LENGTH = 16

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc (served from the package by fastapi-offline) start from an inline script
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; font-src 'self' data:; "
    "base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"no-referrer",
    b"cross-origin-opener-policy": b"same-origin",
}


def check_api_key(key: str) -> str:
    """The key, or a one-line ``MovieGenreError`` when it cannot work as a bearer token or is too short
    to resist guessing. The message never holds the key."""
    if any(not "!" <= ch <= "~" for ch in key):
        raise MovieGenreError(
            "the API key must be printable ASCII without spaces (it travels in an HTTP header)"
        )
    if len(key) < MIN_KEY_LENGTH:
        raise MovieGenreError(
            f"the API key is {len(key)} characters; use at least {MIN_KEY_LENGTH}, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return key


def require_api_key(key: str):
    """A FastAPI dependency: 401 unless the request carries ``Authorization: Bearer <key>``."""
    expected = check_api_key(key).encode("ascii")
    bearer = HTTPBearer(
        auto_error=False,
        description=f"the key the service was started with (moviegenre serve --api-key, ${API_KEY_ENV})",
    )

    async def api_key(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        given = credentials.credentials.encode("utf-8", "replace") if credentials else b""
        if not hmac.compare_digest(given, expected):  # constant time: no guessing it byte by byte
            raise HTTPException(
                401,
                "missing or wrong API key: send 'Authorization: Bearer <key>'",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return api_key


class SecurityHeadersMiddleware:
    """Adds the security headers to every answer (those a route set itself are kept)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        csp = DOCS_CSP if scope["path"] in DOCS_PATHS else PAGE_CSP
        extra = {**HEADERS, b"content-security-policy": csp.encode()}

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers += [(k, v) for k, v in extra.items() if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def check_origins(origins: list[str]) -> list[str]:
    """Browser origins as ``scheme://host[:port]`` (no path, no trailing slash); else one line."""
    out = []
    for origin in origins:
        origin = origin.strip()
        if not _ORIGIN.match(origin):
            raise MovieGenreError(
                f"--cors-origin {origin!r} is not an origin like https://example.org or http://localhost:3000"
            )
        out.append(origin)
    return out


def add_cors(app, origins: list[str]) -> None:
    """Let pages from ``origins`` call the API from a browser (off when the list is empty)."""
    if not origins:
        return
    from fastapi.middleware.cors import CORSMiddleware

    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
