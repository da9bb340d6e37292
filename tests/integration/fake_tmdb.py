"""A local fake of TMDB's API and image CDN for the downloader tests (http.server in a thread).

Serves ``/3/movie/{id}`` (JSON with ``poster_path``; needs the right ``api_key``) and
``/t/p/{size}/{name}`` (generated JPEGs). Faults are injected per request path, consumed one per
request, then the path behaves normally; ``always`` faults never clear. Every request is timed
and counted per path, so tests can check the request rate and that nothing was fetched twice.
Error bodies deliberately echo the full request line (key included), as a careless proxy might:
the client must never show them.
"""

from __future__ import annotations

import io
import json
import socket
import threading
import time
from collections import Counter, defaultdict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def jpeg_bytes(seed: int, size=(40, 60)) -> bytes:
    """A small, valid, distinct JPEG (a generated pattern, not a real poster)."""
    from PIL import Image

    img = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    for x in range(0, size[0], 4):
        img.putpixel((x, (x + seed) % size[1]), (255, 255, 255))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=85)
    return buf.getvalue()


class FakeTMDB:
    """``with FakeTMDB(api_key="k") as fake:`` → ``fake.api_base``, ``fake.image_base``, ``fake.counts``."""

    def __init__(self, api_key: str = "test-key", slow_seconds: float = 2.0):
        self.api_key = api_key
        self.movies: dict[int, str | None] = {}  # tmdb id → poster_path (None: TMDB has no poster)
        self.images: dict[str, bytes] = {}  # "/abc.jpg" → bytes
        self.faults: dict[str, deque] = defaultdict(deque)  # request path → faults to apply, in order
        self.always: dict[str, str] = {}  # request path → permanent fault
        self.redirects: dict[str, str] = {}  # request path → Location of a 302 (query kept)
        self.delay = 0.0  # added to every image response (to catch a run mid-way)
        self.slow_seconds = slow_seconds
        self.counts: Counter = Counter()  # request path → requests
        self.served: Counter = Counter()  # request path → complete 200 responses
        self.log: list[tuple[float, str]] = []  # (monotonic time of arrival, path)
        self.request_lines: list[str] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- set-up helpers -------------------------------------------------------------------
    def add_movie(self, tmdb_id: int, poster: bool = True, seed: int | None = None) -> str | None:
        path = f"/p{tmdb_id}.jpg" if poster else None
        self.movies[tmdb_id] = path
        if path:
            self.images[path] = jpeg_bytes(tmdb_id if seed is None else seed)
        return path

    def image_path(self, poster_path: str, size: str = "w185") -> str:
        return f"/t/p/{size}{poster_path}"

    def api_path(self, tmdb_id: int) -> str:
        return f"/3/movie/{tmdb_id}"

    def inject(self, path: str, *faults: str) -> None:
        """Faults: 429, 500, 404, slow, truncated, truncated-noclen, html, empty."""
        self.faults[path].extend(faults)

    # --- running ------------------------------------------------------------------------
    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_base(self) -> str:
        return self.base + "/3"

    @property
    def image_base(self) -> str:
        return self.base + "/t/p"

    def __enter__(self) -> FakeTMDB:
        fake = self

        class Handler(_Handler):
            server_state = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        serve = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        serve.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_fault(self, path: str) -> str | None:
        with self._lock:
            self.counts[path] += 1
            self.log.append((time.monotonic(), path))
            if path in self.always:
                return self.always[path]
            q = self.faults.get(path)
            return q.popleft() if q else None


class _Handler(BaseHTTPRequestHandler):
    server_state: FakeTMDB
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet: tests read counts, not logs
        pass

    def handle_error(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        fake = self.server_state
        fake.request_lines.append(self.requestline)
        url = urlsplit(self.path)
        fault = fake._next_fault(url.path)
        try:
            self._respond(fake, url, fault)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): fine

    def _respond(self, fake: FakeTMDB, url, fault: str | None) -> None:
        echo = f"error for {self.requestline}".encode()  # leaks the key if a client prints it
        if url.path in fake.redirects:  # the query (key included) travels along, as a real redirect's would
            location = fake.redirects[url.path] + (f"?{url.query}" if url.query else "")
            return self._send(302, b"", "text/plain", {"Location": location})
        if fault == "429":
            return self._send(429, echo, "text/plain", {"Retry-After": "1"})
        if fault == "500":
            return self._send(500, echo, "text/plain")
        if fault == "404":
            return self._send(404, echo, "text/plain")
        if fault == "slow":
            time.sleep(fake.slow_seconds)
        if url.path.startswith("/3/movie/"):
            return self._api(fake, url)
        if url.path.startswith("/t/p/"):
            name = "/" + url.path.split("/", 4)[-1]
            body = fake.images.get(name)
            if body is None:
                return self._send(404, echo, "text/plain")
            if fake.delay:
                time.sleep(fake.delay)
            if fault == "html":
                return self._send(200, b"<html><body>Service busy " + echo + b"</body></html>", "text/html")
            if fault == "empty":
                return self._send(200, b"", "image/jpeg")
            if fault == "truncated":  # promise the full length, send half, hang up
                return self._truncated(body, with_length=True)
            if fault == "truncated-noclen":  # no length: the client only sees a short, corrupt JPEG
                return self._truncated(body, with_length=False)
            self._send(200, body, "image/jpeg")
            fake.served[url.path] += 1
            return
        self._send(404, echo, "text/plain")

    def _api(self, fake: FakeTMDB, url) -> None:
        key = parse_qs(url.query).get("api_key", [None])[0]
        auth = self.headers.get("Authorization", "")
        if key != fake.api_key and auth != f"Bearer {fake.api_key}":
            body = json.dumps({"status_message": f"Invalid API key: {self.requestline}"}).encode()
            return self._send(401, body, "application/json")
        tail = url.path.rsplit("/", 1)[-1]
        if not tail.isdigit() or int(tail) not in fake.movies:
            return self._send(
                404, json.dumps({"status_code": 34, "echo": self.requestline}).encode(), "application/json"
            )
        body = json.dumps({"id": int(tail), "poster_path": fake.movies[int(tail)]}).encode()
        self._send(200, body, "application/json")
        fake.served[url.path] += 1

    def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _truncated(self, body: bytes, with_length: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        if with_length:
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
