"""Keeping the TMDB API key out of everything a person or a log file can see.

The key travels in request URLs (``?api_key=...``), and httpx puts URLs into its log lines and
exception messages, so every string that leaves the downloader passes through ``redact``.
"""

from __future__ import annotations

import logging
import re

REDACTED = "***"
# any api_key query parameter, whatever its value (also catches keys we were not told about)
_QUERY_KEY = re.compile(r"(api_key=)[^&\s'\"]+", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


def redact(text: object, secret: str | None = None) -> str:
    """``text`` as a string with the secret and any ``api_key=...`` / bearer token replaced by ***."""
    s = str(text)
    if secret:
        s = s.replace(secret, REDACTED)
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
