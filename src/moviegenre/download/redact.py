"""Keeping the TMDB API key out of everything a person or a log file can see.

The key travels in request URLs (``?api_key=...``), and httpx puts URLs into its log lines and
exception messages, so every string that leaves the downloader passes through ``redact``. The key
may show in other forms than typed: percent-encoded in a URL, escaped in a ``repr`` or in JSON
(``\\n`` for a line break), or cut at a line break; ``secret_forms`` lists each of them.
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache
from urllib.parse import quote, quote_plus

REDACTED = "***"
# any api_key query parameter, whatever its value (also catches keys we were not told about)
_QUERY_KEY = re.compile(r"(api_key=)[^&\s'\"]+", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


# a piece of a line-broken key this long still identifies it; shorter ones would blank common words
_MIN_PIECE = 6


@lru_cache(maxsize=8)
def secret_forms(secret: str) -> tuple[str, ...]:
    """Every form in which ``secret`` may appear in a message, longest first: as typed; URL-encoded
    (query and path style); escaped as in ``repr``/JSON/bytes; and each piece of a key that holds
    whitespace or line breaks (a pasted key that wrapped)."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "backslashreplace"))[2:-1],
    }
    forms |= {piece for piece in re.split(r"\s+", secret) if len(piece) >= _MIN_PIECE}
    return tuple(sorted((f for f in forms if f), key=len, reverse=True))


def redact(text: object, secret: str | None = None) -> str:
    """``text`` as a string with the secret (in any of its ``secret_forms``) and any ``api_key=...``
    / bearer token replaced by ***."""
    s = str(text)
    if secret:
        for form in secret_forms(secret):
            s = s.replace(form, REDACTED)
    s = _QUERY_KEY.sub(rf"\g<1>{REDACTED}", s)
    return _BEARER.sub(rf"\g<1>{REDACTED}", s)


_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "moviegenre.download",
)


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites a record's message with ``redact`` before any handler sees it.

    Attached to the ``httpx``/``httpcore`` loggers: they log every request URL at INFO/DEBUG.
    """

    def __init__(self, secret: str | None):
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secret)
        record.args = None
        if record.exc_info:
            # a formatted traceback repeats exception messages (URLs): keep only the redacted text
            record.msg = f"{record.msg} ({redact(record.exc_info[1], self.secret)})"
            record.exc_info = None
            record.exc_text = None
        return True


def install_log_redaction(secret: str | None) -> list[tuple[logging.Logger, logging.Filter]]:
    """Attach a ``RedactingFilter`` to the HTTP libraries' loggers; returns what to remove afterwards."""
    installed = []
    # filters do not apply to records of child loggers, so each logger that may see a URL is listed
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        f = RedactingFilter(secret)
        logger.addFilter(f)
        installed.append((logger, f))
    return installed


def remove_log_redaction(installed: list[tuple[logging.Logger, logging.Filter]]) -> None:
    for logger, f in installed:
        logger.removeFilter(f)
