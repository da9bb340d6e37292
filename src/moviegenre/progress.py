"""Progress bars that read well on a terminal and end cleanly in a log.

``progress_bar(...)`` is a tqdm bar when stderr is a terminal. When it is not (a log file, a pipe, CI),
a bar's carriage returns and cursor moves (``ESC[A`` for nested bars) would fill the log with junk and
leave it at whatever percentage the bar was cleared at, so ``LogProgress`` prints plain lines instead:
one every ``LOG_EVERY`` seconds while work goes on, and one when it ends, saying how it ended
(``finish("stopped early: ...")``, or "stopped at 7/40" when closed before its total).

Both offer what the package's loops use: iteration, ``update``, ``n``, ``set_postfix_str``,
``set_postfix``, ``close``, ``finish`` and ``with``. ``enabled=False`` gives a silent bar.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator

LOG_EVERY = 30.0  # seconds between two lines of a bar in a log


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else f"{seconds} s"


class LogProgress:
    """A progress bar for logs: plain lines, never a carriage return or a cursor move."""

    def __init__(
        self,
        iterable: Iterable | None = None,
        *,
        total: int | None = None,
        desc: str = "",
        unit: str = "it",
        enabled: bool = True,
        stream=None,
        every: float = LOG_EVERY,
        clock=time.monotonic,
    ):
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.iterable, self.total, self.desc, self.unit = iterable, total, desc, unit
        self.enabled, self.stream, self.every, self.clock = enabled, stream, every, clock
        self.n, self.postfix, self.closed = 0, "", False
        self.start = self.last = clock()

    def _count(self) -> str:
        unit = self.unit if self.n == 1 or self.unit.endswith("s") else self.unit + "s"
        return f"{self.n:,}/{self.total:,} {unit}" if self.total is not None else f"{self.n:,} {unit}"

    def _print(self, text: str) -> None:
        if self.enabled:
            print(f"{self.desc}: {text}" if self.desc else text, file=self.stream or sys.stderr, flush=True)

    def update(self, n: int = 1) -> None:
        self.n += n
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            extra = f", {self.postfix}" if self.postfix else ""
            self._print(f"{self._count()} after {_duration(now - self.start)}{extra}")

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self.postfix = s

    def set_postfix(self, ordered_dict=None, refresh: bool = True, **kwargs) -> None:
        items = {**(ordered_dict or {}), **kwargs}
        self.postfix = ", ".join(f"{k}={v}" for k, v in items.items())

    def finish(self, note: str) -> None:
        """End with ``note`` (e.g. why it stopped before its total)."""
        if not self.closed:
            self.closed = True
            self._print(f"{note} ({_duration(self.clock() - self.start)})")

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        elapsed = _duration(self.clock() - self.start)
        extra = f"; {self.postfix}" if self.postfix else ""
        if self.total is not None and self.n < self.total:
            self._print(f"stopped at {self._count()} after {elapsed}{extra}")
        else:
            self._print(f"{self._count()} in {elapsed}{extra}")

    def __iter__(self) -> Iterator:
        try:
            for item in self.iterable:
                yield item
                self.update()
        finally:
            self.close()

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _terminal_bar(iterable, *, total, desc, unit, enabled, **kw):
    from tqdm.auto import tqdm

    class TerminalProgress(tqdm):
        def finish(self, note: str) -> None:
            """Clear the bar and leave ``note`` on its own line."""
            silent = self.disable
            self.close()
            if not silent:
                tqdm.write(f"{desc}: {note}" if desc else note, file=sys.stderr)

    return TerminalProgress(
        iterable, total=total, desc=desc, unit=unit, disable=not enabled, dynamic_ncols=True, **kw
    )


def progress_bar(
    iterable: Iterable | None = None,
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    enabled: bool = True,
    **tqdm_kwargs,
):
    """A tqdm bar on a terminal, ``LogProgress`` elsewhere (``tqdm_kwargs``, e.g. ``leave``, only matter
    on a terminal). ``enabled=False``: a silent bar with the same methods."""
    if sys.stderr.isatty():
        return _terminal_bar(iterable, total=total, desc=desc, unit=unit, enabled=enabled, **tqdm_kwargs)
    return LogProgress(iterable, total=total, desc=desc, unit=unit, enabled=enabled)
