"""The service from a bundle (light install) vs from a model folder (full install): start-up and memory.

    .venv/bin/python benchmarks/bench_deploy_service.py [--light /tmp/light] [--full .venv] [--model M]
        [--bundle DIR] [--requests 200] [--concurrency 8] [--json out.json]

For each: ``<venv>/bin/moviegenre serve --model X`` in a fresh process; start-up = until ``/health``
answers (the app warms every encoder up before it listens, so this is the time to the first fast
answer); then its resident memory (``VmRSS``); then a burst of ``--requests`` multipart requests with
posters, ``--concurrency`` in flight (``bench_service.load``), and its memory after the burst and at
its peak (``VmHWM``). Prints one table with the load average. Without ``--bundle`` the model is
exported first by the full install.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cold_predict import ENV, bundle_of, install_args
from bench_service import free_port, load, make_posters


def memory_mb(pid: int) -> dict:
    """Resident (VmRSS) and peak resident (VmHWM) memory of ``pid``, MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": round(fields["VmRSS"]), "peak_mb": round(fields["VmHWM"])}


def serve(exe: Path, model: str | None, requests: int, concurrency: int) -> dict:
    import httpx

    port = free_port()
    cmd = [str(exe), "serve", *(["--model", model] if model else []), "--port", str(port)]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{' '.join(cmd)} exited: {proc.stderr.read().decode()[-1500:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - t > 300:
                raise SystemExit(f"{' '.join(cmd)} did not start within 300 s")
            time.sleep(0.05)
        out = {"startup_s": round(time.perf_counter() - t, 2), "after_start": memory_mb(proc.pid)}
        burst = asyncio.run(load(f"http://127.0.0.1:{port}", make_posters(), requests, concurrency))
        out["burst"] = {k: burst[k] for k in ("requests", "concurrency", "requests_per_s", "errors")}
        out["after_burst"] = memory_mb(proc.pid)
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    install_args(ap)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()

    full_mg, light_mg = args.full / "bin" / "moviegenre", args.light / "bin" / "moviegenre"
    bundle = bundle_of(args, Path(tempfile.mkdtemp(prefix="bench-deploy-")))
    load_before = os.getloadavg()[0]
    result = {
        "model folder, full install": serve(full_mg, args.model, args.requests, args.concurrency),
        "bundle, light install": serve(light_mg, str(bundle), args.requests, args.concurrency),
        "load_avg_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
    }
    print(
        f"moviegenre serve (load average {result['load_avg_1min'][0]} → {result['load_avg_1min'][1]}, {os.cpu_count()} CPUs)"
    )
    print(f"  {'':28} {'start-up':>9} {'RSS idle':>9} {'RSS after burst':>16} {'peak':>7} {'req/s':>6}")
    for name in ("model folder, full install", "bundle, light install"):
        r = result[name]
        print(
            f"  {name:28} {r['startup_s']:>7.2f} s {r['after_start']['rss_mb']:>6} MB {r['after_burst']['rss_mb']:>13} MB "
            f"{r['after_burst']['peak_mb']:>4} MB {r['burst']['requests_per_s']:>6} ({r['burst']['errors']} errors "
            f"of {r['burst']['requests']}, {r['burst']['concurrency']} in flight)"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
