"""``ServiceLimits``: the bounds of one request and one connection (plain config, no web framework,
so ``moviegenre serve`` reads its option defaults from here without importing FastAPI)."""

from __future__ import annotations

from dataclasses import dataclass

from ..config import ConfigBase, setting


@dataclass(frozen=True)
class ServiceLimits(ConfigBase):
    """What one request and one connection may ask for; beyond it: 413 (size), 408 (time), 503 (time)."""

    # a base64 poster is 4/3 of the image
    max_body_bytes: int = setting(8 * 2**20, min=1024, help="Largest request body in bytes.")
    max_poster_bytes: int = setting(5 * 2**20, min=1024, help="Largest poster file in bytes.")
    # real posters are < 1 MP; 16 MP covers any phone photo
    max_pixels: int = setting(16_000_000, min=1, help="Largest poster in pixels.")
    max_batch: int = setting(64, min=1, help="Most movies per /predict/batch call.")
    timeout_s: float = setting(30.0, min=0.1, help="Seconds a prediction may take.")
    workers: int = setting(2, min=1, help="Model threads taking batches.")
    # slow clients (slowloris): a connection that does not finish its headers, or a body that
    # trickles, is answered 408 and closed instead of holding a connection forever
    header_timeout_s: float = setting(
        10.0,
        min=0.1,
        help="Seconds a client may take to send a request's headers (or to start the next one).",
    )
    body_timeout_s: float = setting(60.0, min=0.1, help="Seconds a client may take to send a request's body.")
    max_connections: int = setting(
        512, min=1, help="Open connections and requests at once; more are answered 503."
    )
