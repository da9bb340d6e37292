"""Serving benchmark: warm single-movie latency, and the service's requests/s under bounded load.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_service.py [--model DIR] [--concurrency 8]
        [--requests 300] [--json results.json]

1. In process: ``GenreClassifier.load(model).predict_details([movie])`` for one movie, warm
   (after a few calls), with and without a poster → p50/p95 in ms.
2. Over loopback: starts ``moviegenre serve`` in a subprocess; one request at a time (round-trip
   latency), then a local httpx client keeps ``--concurrency`` requests in flight (multipart, every one with a poster) until ``--requests``
   are done → requests/s, errors, latency p50/p95 under load.

Movies and posters are generated here (own text, noise images at real poster size 182×268),
so the benchmark needs no data set and copies none. Targets (issue 5): p50 ≤ 50 ms with poster,
≥ 20 requests/s with 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

TITLES = [
    "The Last Lighthouse",
    "Midnight Circus",
    "Paper Hearts",
    "Iron Valley",
    "The Quiet Orbit",
    "Seven Lanterns",
    "Rust and Honey",
    "The Glass Forest",
]
OVERVIEWS = [
    "A retired keeper returns to a storm-battered island to find the lamp burning again and a stranger inside.",
    "When the travelling circus arrives, children in a sleepy town begin vanishing one masked night at a time.",
    "Two pen pals who have never met discover they have been living on the same street for ten years.",
    "A disgraced sheriff must defend a mining town from the gang that once made him rich.",
    "Alone on a research station, an engineer hears a voice on the radio that sounds exactly like her own.",
    "Seven friends reunite for a lantern festival and uncover the secret that split them apart.",
]
COMPANIES = [["Harbor Light Pictures"], ["Northwind Films", "Blue Door"], [], ["Orbit Studios"]]


def make_posters(n: int = 16, size=(182, 268), seed: int = 0) -> list[bytes]:
    """``n`` distinct JPEG posters (smooth gradients + noise, like a real poster's byte size)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        base = rng.integers(0, 256, 3)
        ramp = np.linspace(0, 1, size[1])[:, None, None] * rng.integers(-120, 120, 3)
        arr = np.clip(base + ramp + rng.normal(0, 20, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(arr).save(buf, format="JPEG", quality=85)
        out.append(buf.getvalue())
    return out


def movie(i: int, poster: bytes | None):
    from moviegenre.records import Movie

    return Movie(
        key=f"bench-{i}",
        title=TITLES[i % len(TITLES)],
        overview=OVERVIEWS[i % len(OVERVIEWS)],
        companies=tuple(COMPANIES[i % len(COMPANIES)]),
        poster_bytes=poster,
    )


def pct(ms: list[float]) -> dict:
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "n": len(ms),
    }


def bench_latency(model_dir: Path, posters: list[bytes], runs: int) -> dict:
    from moviegenre.modeling.classifier import GenreClassifier
    from moviegenre.serving.batching import uncached_predict

    clf = GenreClassifier.load(model_dir)
    predict = uncached_predict(clf.predict_details)  # what the service calls: no disk cache
    out = {}
    for label, with_poster in (("with_poster", True), ("without_poster", False)):
        for i in range(5):  # warm-up: sessions, threads, allocator
            predict([movie(i, posters[i % len(posters)] if with_poster else None)])
        times = []
        for i in range(runs):
            m = movie(i, posters[i % len(posters)] if with_poster else None)
            t = time.perf_counter()
            predict([m])
            times.append((time.perf_counter() - t) * 1000)
        out[label] = pct(times)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    model_dir: Path, port: int, threads: int, workers: int, log: Path | None = None
) -> subprocess.Popen:
    """``moviegenre serve`` on ``port`` (output to ``log``, else kept for an error message) once it answers."""
    import tempfile

    import httpx

    cmd = [sys.executable, "-m", "moviegenre", "serve", "--model", str(model_dir), "--port", str(port)]
    cmd += ["--threads", str(threads), "--workers", str(workers)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env.pop("MOVIEGENRE_API_KEY", None)  # the load must not be refused for want of a key
    log = log or Path(tempfile.mkstemp(prefix="moviegenre-serve-", suffix=".log")[1])
    with log.open("wb") as f:
        proc = subprocess.Popen(cmd, env=env, stdout=f, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start within 180 s")


async def load(url: str, posters: list[bytes], n: int, concurrency: int) -> dict:
    import httpx

    sem = asyncio.Semaphore(concurrency)
    latencies, errors = [], []

    async def one(client, i):
        data = {
            "title": TITLES[i % len(TITLES)],
            "overview": OVERVIEWS[i % len(OVERVIEWS)],
            "companies": "; ".join(COMPANIES[i % len(COMPANIES)]),
        }
        files = {"poster": (f"p{i}.jpg", posters[i % len(posters)], "image/jpeg")}
        async with sem:
            t = time.perf_counter()
            try:
                r = await client.post(url + "/predict", data=data, files=files)
                ok = r.status_code == 200 and r.json().get("scores")
            except httpx.HTTPError as e:
                ok, r = False, e
            latencies.append((time.perf_counter() - t) * 1000)
            if not ok:
                errors.append(str(getattr(r, "status_code", r)))

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        await asyncio.gather(*(one(client, i) for i in range(min(n, 2 * concurrency))))  # warm-up
        latencies.clear()
        errors.clear()
        t = time.perf_counter()
        await asyncio.gather(*(one(client, i) for i in range(n)))
        elapsed = time.perf_counter() - t
    return {
        "requests": n,
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "requests_per_s": round(n / elapsed, 1),
        "errors": len(errors),
        "error_codes": sorted(set(errors)),
        "latency_under_load": pct(latencies),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    ap.add_argument("--runs", type=int, default=50, help="single-movie calls per case")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1, help="threads per encoder session, as serve --threads")
    ap.add_argument("--workers", type=int, default=2, help="model threads, as serve --workers")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()

    from moviegenre.cli.common import set_threads
    from moviegenre.pretrained import resolve_model_dir

    set_threads(args.threads)

    model_dir = resolve_model_dir(args.model)
    posters = make_posters()
    result = {
        "model": str(model_dir),
        "cpus": os.cpu_count(),
        "load_avg_at_start": os.getloadavg()[0],
        "threads": args.threads,
        "workers": args.workers,
    }
    result["single_movie"] = bench_latency(model_dir, posters, args.runs)
    print(json.dumps(result["single_movie"]), file=sys.stderr)
    port = free_port()
    proc = start_server(model_dir, port, args.threads, args.workers)
    try:
        url = f"http://127.0.0.1:{port}"
        result["http_one_in_flight"] = asyncio.run(load(url, posters, min(50, args.requests), 1))
        result["service"] = asyncio.run(load(url, posters, args.requests, args.concurrency))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    sl, sv = result["single_movie"], result["service"]
    print(f"model: {model_dir}")
    print(
        f"single movie, warm, with poster:    p50 {sl['with_poster']['p50_ms']} ms  "
        f"p95 {sl['with_poster']['p95_ms']} ms  (target p50 <= 50 ms)"
    )
    print(
        f"single movie, warm, without poster: p50 {sl['without_poster']['p50_ms']} ms  "
        f"p95 {sl['without_poster']['p95_ms']} ms"
    )
    print(
        f"service, posters, {sv['concurrency']} in flight: {sv['requests_per_s']} req/s, "
        f"{sv['errors']} errors of {sv['requests']}  (target >= 20 req/s, 0 errors); "
        f"latency p50 {sv['latency_under_load']['p50_ms']} ms p95 {sv['latency_under_load']['p95_ms']} ms"
    )
    one = result["http_one_in_flight"]["latency_under_load"]
    print(
        f"HTTP round trip with poster, one request at a time: p50 {one['p50_ms']} ms  p95 {one['p95_ms']} ms"
    )
    print(
        f"load average at start: {result['load_avg_at_start']:.1f} on {result['cpus']} cores; "
        f"--threads {args.threads} --workers {args.workers}"
    )
    if args.json:
        tmp = args.json.with_suffix(".tmp")
        tmp.write_text(json.dumps(result, indent=2))
        os.replace(tmp, args.json)


if __name__ == "__main__":
    main()
