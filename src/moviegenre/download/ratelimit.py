"""An asyncio rate limiter shared by every request of a run (API calls, image fetches, retries).

Request starts are spaced evenly, ``1 / rate`` seconds apart, so any one-second window holds at
most ``rate`` starts; a 429 ``Retry-After`` pauses everyone, not just the task that got it.
"""

from __future__ import annotations

import asyncio
import time

# Aim a little under the configured rate: the limiter times the hand-off to httpx, and a few ms
# of scheduling jitter between that and the wire must not push a measured window over the limit.
SAFETY = 0.95


class RateLimiter:
    """At most ``rate`` requests per second, evenly spaced; ``pause(seconds)`` holds everyone back."""

    def __init__(self, rate: float, clock=time.monotonic):
        if not rate > 0:
            raise ValueError(f"rate must be > 0 requests/second, got {rate}")
        self.rate = rate
        self.interval = 1.0 / (rate * SAFETY)
        self._clock = clock
        self._next = 0.0  # earliest moment the next request may start
        self._lock: asyncio.Lock | None = None  # made lazily: it must belong to the running loop
        self.count = 0

    async def acquire(self) -> None:
        """Wait for this request's turn. Holding the lock while sleeping keeps the order FIFO."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            while True:
                # re-check after each sleep: a pause() may have pushed _next further while we slept
                now = self._clock()
                wait = self._next - now
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self._next = now + self.interval
            self.count += 1

    def pause(self, seconds: float) -> None:
        """No request starts for ``seconds`` from now (a server asked us to back off)."""
        self._next = max(self._next, self._clock() + max(0.0, seconds))
