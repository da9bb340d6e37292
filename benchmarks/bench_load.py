"""Load test of ``moviegenre serve`` with locust (``benchmarks/locustfile.py``): posters on loopback.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_load.py [--model DIR] [--hold 60]
        [--json benchmarks/results/load.json] [--docs docs/serving.md]

1. Starts ``moviegenre serve`` and reads its memory (RSS) once it answers: "before warm-up".
2. Warm-up and capacity probe: ``--probe-users`` users send requests back to back for ``--probe``
   seconds; the rate they get is the service's capacity C on this machine. RSS again: "after warm-up".
3. Hold: ``--hold`` seconds (60) at a fixed offered rate R (``--rate``, default 80% of C) from
   ``--users`` users. Held means: 0 failed requests and at least 95% of R answered. When not held,
   R drops by 15% and the hold is run again (at most ``--tries`` times).
4. RSS after the hold, its peak, and its growth over the second half of the hold: a leak keeps
   growing; memory that levels off (allocator arenas, session caches) does not.

Prints the figures with the load average, writes them as JSON (``--json``) and, with ``--docs``,
rewrites the table between ``<!-- load:begin -->`` and ``<!-- load:end -->`` in that file from
the JSON (``--docs-only`` redoes the table from an existing JSON without running anything).
The load generator runs on the same machine as the service and takes CPU from it: the figures are
what this machine holds with both, a lower bound for a dedicated server.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_service import free_port, start_server  # noqa: E402

BEGIN, END = "<!-- load:begin -->", "<!-- load:end -->"


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS")


def run_locust(url: str, users: int, seconds: int, user_rate: float | None, out: Path) -> dict:
    """One headless locust run; its aggregated figures."""
    locust = shutil.which("locust", path=str(Path(sys.executable).parent)) or shutil.which("locust")
    if not locust:
        raise SystemExit('locust is not installed: pip install "moviegenre[load]"')
    prefix = out / f"locust-{users}u-{seconds}s"
    env = {**os.environ, "MOVIEGENRE_LOAD_USER_RATE": str(user_rate or 1000)}
    cmd = [locust, "-f", str(HERE / "locustfile.py"), "--headless", "--host", url]
    cmd += ["-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--csv", str(prefix)]
    cmd += ["--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"]
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    with open(f"{prefix}_stats.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    n, failed = int(row["Request Count"]), int(row["Failure Count"])
    return {
        "users": users,
        "seconds": seconds,
        "requests": n,
        "failures": failed,
        "requests_per_s": round(float(row["Requests/s"]), 1),
        "p50_ms": float(row["50%"]),
        "p95_ms": float(row["95%"]),
    }


class RssSampler:
    """RSS of ``pid`` every 0.5 s while it runs: its peak, and its growth over the second half (a
    leak keeps growing; allocator arenas and session caches level off after the first requests)."""

    def __init__(self, pid: int):
        self.pid, self.samples, self._stop = pid, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append(rss_mb(self.pid))
            self._stop.wait(0.5)

    @property
    def peak(self) -> float:
        return max(self.samples, default=0.0)

    @property
    def second_half_growth(self) -> float:
        half = self.samples[len(self.samples) // 2 :]
        return round(half[-1] - half[0], 1) if half else 0.0

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def measure(args) -> dict:
    import tempfile

    out = args.work or Path(tempfile.mkdtemp(prefix="moviegenre-load-"))
    out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_avg_at_start": round(os.getloadavg()[0], 2),
        "workers": args.workers,
        "threads": args.threads,
    }
    from moviegenre.pretrained import resolve_model_dir

    proc = start_server(resolve_model_dir(args.model), port, args.threads, args.workers, out / "serve.log")
    try:
        result["rss_before_warmup_mb"] = rss_mb(proc.pid)
        probe = run_locust(url, args.probe_users, args.probe, None, out)
        result["probe"] = probe
        result["rss_after_warmup_mb"] = rss_mb(proc.pid)
        rate = args.rate or max(1.0, round(0.8 * probe["requests_per_s"], 1))
        tries = []
        for _ in range(args.tries):
            with RssSampler(proc.pid) as sampler:
                hold = run_locust(url, args.users, args.hold, rate / args.users, out)
            hold |= {
                "offered_per_s": rate,
                "rss_peak_mb": sampler.peak,
                "rss_growth_second_half_mb": sampler.second_half_growth,
                "rss_every_5s_mb": sampler.samples[::10],
                "load_avg": round(os.getloadavg()[0], 2),
            }
            hold["held"] = hold["failures"] == 0 and hold["requests_per_s"] >= 0.95 * rate
            tries.append(hold)
            if hold["held"]:
                break
            rate = round(rate * 0.85, 1)
        result["tries"] = tries
        result["hold"] = tries[-1]
        result["rss_after_hold_mb"] = rss_mb(proc.pid)
        result["rss_growth_mb"] = round(result["rss_after_hold_mb"] - result["rss_after_warmup_mb"], 1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return result


def table(r: dict) -> str:
    """The docs table, from the JSON alone."""
    h = r["hold"]
    held = "held" if h["held"] else "**not held**"
    rows = [
        (
            "capacity (back to back, warm-up)",
            f"{r['probe']['requests_per_s']} req/s, {r['probe']['users']} users",
        ),
        (
            f"held for {h['seconds']} s",
            f"**{h['requests_per_s']} req/s** offered {h['offered_per_s']}/s: {held}, "
            f"{h['failures']} errors of {h['requests']:,}",
        ),
        ("latency while held", f"p50 {h['p50_ms']:g} ms, p95 {h['p95_ms']:g} ms"),
        (
            "memory (RSS)",
            f"{r['rss_before_warmup_mb']:g} MB before warm-up, {r['rss_after_warmup_mb']:g} MB after, "
            f"{r['rss_after_hold_mb']:g} MB after the hold: growth {r['rss_growth_mb']:+g} MB over the hold, "
            f"{h['rss_growth_second_half_mb']:+g} MB over its second half; peak {h['rss_peak_mb']:g} MB",
        ),
        (
            "machine",
            f"{r['machine']}, load average {r['load_avg_at_start']:g} at start / {h['load_avg']:g} at end; "
            f"serve --workers {r['workers']} --threads {r['threads']}",
        ),
    ]
    lines = ["| | |", "|---|---|", *(f"| {a} | {b} |" for a, b in rows)]
    return "\n".join(lines)


def update_docs(path: Path, r: dict) -> None:
    from moviegenre.files import replace_between, write_text

    generated = f"<!-- generated by benchmarks/bench_load.py from {r.get('json', 'its JSON')} -->\n{table(r)}"
    try:
        write_text(path, replace_between(path.read_text(encoding="utf-8"), BEGIN, END, generated))
    except ValueError as e:
        raise SystemExit(f"{path}: {e}") from None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=None, help="model folder (default: the shipped model)")
    ap.add_argument("--hold", type=int, default=60, help="seconds the rate must be held")
    ap.add_argument(
        "--rate", type=float, default=None, help="offered requests/s (default: 80%% of the probe)"
    )
    ap.add_argument("--users", type=int, default=16, help="locust users during the hold")
    ap.add_argument("--probe", type=int, default=20, help="seconds of warm-up and capacity probe")
    ap.add_argument("--probe-users", type=int, default=16, help="users sending back to back in the probe")
    ap.add_argument("--tries", type=int, default=3, help="holds to try, 15%% lower each time")
    ap.add_argument("--workers", type=int, default=2, help="serve --workers")
    ap.add_argument("--threads", type=int, default=1, help="serve --threads")
    ap.add_argument(
        "--work", type=Path, default=None, help="folder for locust's CSVs and the log (default: temp)"
    )
    ap.add_argument("--json", type=Path, default=Path("benchmarks/results/load.json"))
    ap.add_argument("--docs", type=Path, default=None, help="rewrite the load table in this Markdown file")
    ap.add_argument("--docs-only", action="store_true", help="only redo the --docs table from --json")
    args = ap.parse_args()

    if args.docs_only:
        r = json.loads(args.json.read_text())
    else:
        from moviegenre.files import write_json

        r = measure(args) | {"json": str(args.json)}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        write_json(args.json, r)
    h = r["hold"]
    print(f"capacity probe: {r['probe']['requests_per_s']} req/s ({r['probe']['users']} users back to back)")
    for t in r["tries"]:
        print(
            f"hold {t['seconds']} s at {t['offered_per_s']} req/s offered: {t['requests_per_s']} req/s, "
            f"{t['failures']} errors of {t['requests']}, p50 {t['p50_ms']:g} ms, p95 {t['p95_ms']:g} ms "
            f"-> {'held' if t['held'] else 'not held'} (load average {t['load_avg']})"
        )
    print(
        f"RSS: {r['rss_before_warmup_mb']} MB before warm-up, {r['rss_after_warmup_mb']} MB after, "
        f"{r['rss_after_hold_mb']} MB after the hold (growth {r['rss_growth_mb']:+} MB, "
        f"{h['rss_growth_second_half_mb']:+} MB over its second half; peak {h['rss_peak_mb']} MB)"
    )
    print(f"load average at start: {r['load_avg_at_start']} on {r['machine']}; JSON: {args.json}")
    if args.docs:
        update_docs(args.docs, r)
        print(f"updated the table in {args.docs}")
    if not h["held"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
