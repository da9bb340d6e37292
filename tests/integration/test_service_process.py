"""A real ``moviegenre serve`` process (uvicorn on loopback, a small real model, an API key) against
slow and vanishing clients, and against schemathesis (the OpenAPI fuzzer): the document must say
what the service really answers."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from serving_helpers import serve_process, tiny_model_dir

pytestmark = pytest.mark.slow

KEY = "process-key-0123456789abcdef"
HEADER_TIMEOUT = BODY_TIMEOUT = 2.0
# how long past its timeout a slow client may still hold its connection (a busy 2-core machine)
SLACK = 4.0


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``(url, log_path)`` of a running ``moviegenre serve``; stopped after the module."""
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    args = ["--model", str(tiny_model_dir())]
    args += ["--header-timeout", str(HEADER_TIMEOUT), "--body-timeout", str(BODY_TIMEOUT)]
    with serve_process(args, log_path, env={"MOVIEGENRE_API_KEY": KEY}) as url:
        yield url, log_path


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def read_until_closed(sock: socket.socket, limit: float) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection (or ``limit`` s pass)."""
    start = time.monotonic()
    sock.settimeout(0.2)
    data = b""
    while time.monotonic() - start < limit:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return data, time.monotonic() - start


def trickle(
    sock: socket.socket, first: bytes, drip: bytes, every: float, limit: float
) -> tuple[bytes, float]:
    """Send ``first``, then ``drip`` every ``every`` s until the server answers or hangs up."""
    start = time.monotonic()
    sock.sendall(first)
    sock.settimeout(every)
    data = b""
    while time.monotonic() - start < limit:
        try:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
            continue
        except TimeoutError:
            pass
        try:
            sock.sendall(drip)
        except (BrokenPipeError, ConnectionResetError):
            break
    rest, _ = read_until_closed(sock, 2.0)
    return data + rest, time.monotonic() - start


def test_headers_that_never_finish_get_408_and_a_closed_connection(served):
    url, _ = served
    with socket.create_connection(("127.0.0.1", port_of(url))) as sock:  # slowloris: a header a while
        data, took = trickle(sock, b"POST /predict HTTP/1.1\r\nHost: x\r\n", b"X-a: b\r\n", 0.3, 30)
    assert data.startswith(b"HTTP/1.1 408") and took < HEADER_TIMEOUT + SLACK, (data, took)
    with socket.create_connection(("127.0.0.1", port_of(url))) as sock:  # connects, says nothing
        data, took = read_until_closed(sock, 30)
    assert data == b"" and took < HEADER_TIMEOUT + SLACK, (data, took)  # closed, like an idle keep-alive


def test_a_body_that_trickles_gets_408_and_a_closed_connection(served):
    url, _ = served
    head = (
        "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {KEY}\r\nContent-Length: 100000\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port_of(url))) as sock:
        data, took = trickle(sock, head + b'{"title": "', b"a", 0.2, 30)
    assert data.startswith(b"HTTP/1.1 408") and b"did not arrive within" in data, data
    assert took < BODY_TIMEOUT + SLACK


def test_a_body_that_trickles_where_nobody_reads_it_is_cut_too(served):
    url, _ = served  # no key: 401 at once, the body is never read, the client keeps sending
    head = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port_of(url))) as sock:
        data, took = trickle(sock, head, b"a", 0.2, 30)
    assert data.startswith(b"HTTP/1.1 401") and took < HEADER_TIMEOUT + SLACK, (data[:100], took)


def test_huge_headers_are_refused(served):
    url, _ = served
    with socket.create_connection(("127.0.0.1", port_of(url))) as sock:
        try:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 2_000_000 + b"\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        data, took = read_until_closed(sock, 30)
    assert (data == b"" or data.startswith(b"HTTP/1.1 4")) and took < SLACK, (data[:100], took)


def test_each_client_that_goes_away_is_one_log_line(served):
    url, log_path = served
    before = log_path.stat().st_size
    n = 200
    head = (
        "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {KEY}\r\nContent-Length: 5000\r\n\r\n"
    ).encode()
    for _ in range(n):
        with socket.create_connection(("127.0.0.1", port_of(url))) as sock:
            sock.sendall(head + b'{"title": "half a bo')
            time.sleep(0.005)  # the server has started reading the body
    deadline = time.monotonic() + 30
    while True:
        new = log_path.read_bytes()[before:].decode(errors="replace")
        lines = [line for line in new.splitlines() if "went away" in line]
        if len(lines) >= n or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(lines) == n, new[-2000:]
    assert "Traceback" not in new and "Exception in ASGI" not in new
    assert len(new.encode()) < n * 200  # a line each, not 4 kB of traceback each


def test_the_key_guards_the_api_of_the_real_process(served):
    import httpx

    url, _ = served
    assert httpx.get(url + "/health").json()["api_key_required"] is True
    assert httpx.get(url + "/genres").status_code == 401
    assert httpx.get(url + "/genres", headers={"Authorization": f"Bearer {KEY}"}).status_code == 200
    page = httpx.get(url + "/")
    assert page.status_code == 200 and "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_schemathesis_finds_nothing(served, tmp_path):
    """Every default check of schemathesis (5xx, undocumented status codes or bodies, schema-invalid
    data accepted, schema-valid data refused, auth ignored, ...) on every operation; bounded and seeded."""
    pytest.importorskip("schemathesis")
    url, _ = served
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    assert st, "schemathesis' st command is not installed"
    config = Path(__file__).with_name("schemathesis.toml")
    target = ["run", url + "/openapi.json", "-H", f"Authorization: Bearer {KEY}", "--checks", "all"]
    bounds = ["--max-examples", "40", "--seed", "1", "--workers", "1", "--request-timeout", "30"]
    run = subprocess.run(
        [st, "--config-file", str(config), *target, *bounds, "--no-color"],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=tmp_path,  # its cache of past failures goes there, not into the repository
        env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"},
        check=False,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "No issues found" in run.stdout
