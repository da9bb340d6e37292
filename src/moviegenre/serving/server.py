"""Running the app under uvicorn with bounds on slow and greedy clients.

uvicorn closes idle kept-alive connections (``timeout_keep_alive``) and bounds the size of headers
(h11's ``max_incomplete_event_size``), but a client that sends its headers one byte at a time
(slowloris), or never sends them, holds a connection forever: any byte resets the keep-alive timer
and a new connection has no timer at all. ``guarded_h11`` adds one: a connection must complete a
request's headers within ``header_timeout_s`` of opening (or of its previous answer), else it gets
408 and is closed. Bodies that trickle are bounded in the app (``parsing.BodyGuardMiddleware``).
``max_connections`` bounds the connections and requests in flight (more are answered 503).
"""

from __future__ import annotations

import json
import logging

from .limits import ServiceLimits

log = logging.getLogger("moviegenre.serving")


def guarded_h11(header_timeout_s: float):
    """uvicorn's h11 protocol with a header timeout (a protocol class for ``uvicorn.Config(http=)``)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    body = json.dumps({"detail": f"no complete request headers within {header_timeout_s:g} s"}).encode()
    timeout_answer = (
        b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )

    class GuardedH11Protocol(H11Protocol):
        _header_timer = None

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request on this kept-alive connection gets the same bound

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(header_timeout_s, self._expired)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expired(self) -> None:
            self._header_timer = None
            if self.transport.is_closing():
                return
            if self.cycle is not None and not self.cycle.response_complete:
                return  # a request is being served: its body has its own bound
            import h11

            started = bool(self.conn.trailing_data[0])  # bytes of a request whose headers never ended
            if started and self.conn.our_state is h11.IDLE:
                self.transport.write(timeout_answer)  # say why, then hang up
                client = f"{self.client[0]}:{self.client[1]}" if self.client else "?"
                log.info(
                    "closed the connection of %s: no complete request within %g s", client, header_timeout_s
                )
            self.transport.close()  # a connection that never said anything just closes (as keep-alive does)

    return GuardedH11Protocol


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas (as ``MALLOC_ARENA_MAX`` would) before the service starts threads.

    Model threads, the image-decoding thread pool and onnxruntime each allocate from arenas of their
    own; under sustained load the service's memory kept creeping up (fragmentation: the same
    requests predicted in one thread kept it level). With 2 arenas it levels off after warm-up
    (``benchmarks/bench_load.py --hold 180``: see ``rss_every_5s_mb``). No-op off glibc or when the
    user set ``MALLOC_ARENA_MAX``. Returns whether the cap was set.
    """
    import ctypes
    import ctypes.util
    import os

    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(-8, arenas))  # -8: M_ARENA_MAX in glibc's malloc.h
    except (OSError, AttributeError):
        return False


def run(app, host: str, port: int, limits: ServiceLimits, log_level: str = "info") -> None:
    """Serve ``app`` on ``host:port`` until interrupted."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        http=guarded_h11(limits.header_timeout_s),
        timeout_keep_alive=5,
        h11_max_incomplete_event_size=16 * 1024,  # request line + headers; more is a 400
        limit_concurrency=limits.max_connections,
        server_header=False,
    )
    uvicorn.Server(config).run()
