"""The machine-readable failure log: one JSON object per movie that did not get a poster.

Fields: ``tmdb_id``, ``reason`` (the same short label the summary counts), ``status`` (HTTP status
or null), ``attempts``, ``url`` (never with the key) and ``detail``. Rewritten atomically each run,
so it always describes the latest run; a rerun retries exactly these movies.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..files import write_text
from .redact import redact


def write_failures(path: Path, failures: list[dict], secret: str | None = None) -> None:
    lines = (redact(json.dumps(rec, ensure_ascii=False), secret) for rec in sorted(failures, key=_order))
    write_text(path, "".join(line + "\n" for line in lines))


def read_failures(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def _order(rec: dict):
    return (rec.get("reason", ""), rec.get("tmdb_id", 0))
