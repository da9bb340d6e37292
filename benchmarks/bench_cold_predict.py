"""Cold ``moviegenre predict``: the full install on a model folder vs a light install on its bundle.

    .venv/bin/python benchmarks/bench_cold_predict.py [--light /tmp/light] [--full .venv] [--model M]
        [--bundle DIR] [--runs 3] [--json out.json]

Each run is a fresh process predicting one movie with title, overview, companies and a poster:
``<full>/bin/moviegenre predict --model M`` (torch installed; model folder) and ``<light>/bin/moviegenre
predict --model BUNDLE`` (a ``pip install "moviegenre[serve]"`` venv: no torch). Runs alternate
between the two so a change in machine load hits both. Per run: wall time, CPU time (user + sys) and
peak RSS of that child (``os.wait4``); printed as medians, with the light/full ratios, the load average,
and whether both printed the same scores (within 1e-3). Target (issue 13): light wall ≤ 0.4× full,
light peak ≤ 400 MB. Also measured: the size of both venvs, and what importing scikit-learn's
``TfidfVectorizer`` would add to a cold start (why the bundle transforms TF-IDF in numpy).

Without ``--bundle`` the model is exported first (by the full install, into a temporary folder).
Make the light venv with ``python -m venv /tmp/light && /tmp/light/bin/pip install "<repo>[serve]"``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MOVIE = [
    "--title",
    "The Last Lighthouse",
    "--overview",
    "A retired keeper returns to a storm-battered island to find the lamp burning again and a stranger inside.",
    "--companies",
    "Harbor Light Pictures; Blue Door",
]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def make_poster(path: Path) -> Path:
    """A generated 182x268 JPEG (gradient + noise), like a real poster's size."""
    from PIL import Image

    rng = np.random.default_rng(0)
    ramp = np.linspace(0, 1, 268)[:, None, None] * np.array([90, -40, 120])
    arr = np.clip(np.array([60, 120, 90]) + ramp + rng.normal(0, 18, (268, 182, 3)), 0, 255)
    buf = io.BytesIO()
    Image.fromarray(arr.astype(np.uint8)).save(buf, format="JPEG", quality=90)
    path.write_bytes(buf.getvalue())
    return path


def run_once(cmd: list[str]) -> dict:
    """One cold process: wall s, CPU s, peak RSS MB (its own, from wait4), and its stdout."""
    out = tempfile.TemporaryFile()
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])}... failed ({proc.returncode}): {err.strip()[-500:]}")
    out.seek(0)
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
        "scores": json.loads(out.read())["scores"],
    }


def run_code(python: Path, code: str) -> dict:
    """Wall s, CPU s and peak MB of ``python -c code``."""
    t = time.perf_counter()
    proc = subprocess.Popen([str(python), "-c", code], env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{python} -c {code!r} failed")
    return {
        "wall_s": time.perf_counter() - t,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def import_cost(python: Path, runs: int) -> dict:
    """Median extra wall, CPU and peak memory of importing scikit-learn's TfidfVectorizer after numpy
    and onnxruntime (what the inference path would pay to use it)."""
    base = "import numpy, onnxruntime"
    with_sk = base + "; from sklearn.feature_extraction.text import TfidfVectorizer"
    a = [run_code(python, base) for _ in range(runs)]
    b = [run_code(python, with_sk) for _ in range(runs)]
    return {k: round(median(b, k) - median(a, k), 3) for k in ("wall_s", "cpu_s", "peak_mb")}


def venv_mb(venv: Path) -> int:
    return round(sum(p.stat().st_size for p in venv.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20)


def median(runs: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in runs), 3)


def install_args(ap: argparse.ArgumentParser) -> None:
    """The options shared with bench_deploy_service: the two venvs, the model and its bundle."""
    ap.add_argument("--full", type=Path, default=ROOT / ".venv", help="venv of the full install")
    ap.add_argument(
        "--light", type=Path, default=Path("/tmp/light"), help='venv with only "moviegenre[serve]"'
    )
    ap.add_argument("--model", default=None, help="model folder for the full install (default: shipped)")
    ap.add_argument("--bundle", type=Path, default=None, help="its bundle (default: exported now)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")


def bundle_of(args, tmp: Path) -> Path:
    """``--bundle``, or the model exported by the full install into ``tmp``."""
    if args.bundle is not None:
        return args.bundle
    bundle = tmp / "bundle"
    print(f"exporting {args.model or 'the shipped model'} to {bundle} ...", file=sys.stderr)
    model_args = ["--model", args.model] if args.model else []
    exe = args.full / "bin" / "moviegenre"
    subprocess.run([str(exe), "export", *model_args, "--out", str(bundle)], check=True, env=ENV)
    return bundle


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    install_args(ap)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    full_mg, light_mg = args.full / "bin" / "moviegenre", args.light / "bin" / "moviegenre"
    for exe, hint in (
        (full_mg, "run ./scripts/setup"),
        (light_mg, 'pip install "moviegenre[serve]" into it'),
    ):
        if not exe.exists():
            raise SystemExit(f"{exe} not found: {hint}")
    light_has_torch = subprocess.run(
        [
            str(args.light / "bin" / "python"),
            "-c",
            "import importlib.util as u; print(u.find_spec('torch') is not None)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    tmp = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    bundle = bundle_of(args, tmp)
    model_args = ["--model", args.model] if args.model else []
    poster = make_poster(tmp / "poster.jpg")
    movie = [*MOVIE, "--poster", str(poster), "--json"]
    cmds = {
        "full": [str(full_mg), "predict", *model_args, *movie],
        "light": [str(light_mg), "predict", "--model", str(bundle), *movie],
    }
    load_before = os.getloadavg()
    runs: dict[str, list[dict]] = {"full": [], "light": []}
    for i in range(args.runs):
        for name, cmd in cmds.items():
            runs[name].append(run_once(cmd))
            r = runs[name][-1]
            print(
                f"run {i + 1} {name}: {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s CPU, {r['peak_mb']:.0f} MB",
                file=sys.stderr,
            )
    load_after = os.getloadavg()
    diff = max(
        abs(a["scores"][g] - b["scores"][g])
        for a, b in zip(runs["full"], runs["light"], strict=True)
        for g in a["scores"]
    )
    result = {
        name: {k: median(rs, k) for k in ("wall_s", "cpu_s", "peak_mb")} for name, rs in runs.items()
    } | {
        "runs": args.runs,
        "light_venv_has_torch": light_has_torch == "True",
        "max_score_diff": diff,
        "load_avg_1min": [round(load_before[0], 2), round(load_after[0], 2)],
        "cpus": os.cpu_count(),
        "venv_mb": {"full": venv_mb(args.full), "light": venv_mb(args.light)},
        "bundle_mb": round(venv_mb(bundle)),
        "sklearn_import_cost": import_cost(args.full / "bin" / "python", args.runs),
    }
    full, light = result["full"], result["light"]
    result["wall_ratio"] = round(light["wall_s"] / full["wall_s"], 3)
    result["cpu_ratio"] = round(light["cpu_s"] / full["cpu_s"], 3)
    print(
        f"cold predict, medians of {args.runs} (load average {result['load_avg_1min'][0]} → {result['load_avg_1min'][1]}, {os.cpu_count()} CPUs)"
    )
    print(
        f"  full install, model folder: {full['wall_s']:.2f} s wall  {full['cpu_s']:.2f} s CPU  {full['peak_mb']:.0f} MB peak"
    )
    print(
        f"  light install, bundle:      {light['wall_s']:.2f} s wall  {light['cpu_s']:.2f} s CPU  {light['peak_mb']:.0f} MB peak"
    )
    print(
        f"  light/full: wall {result['wall_ratio']:.2f}x (target <= 0.4x), CPU {result['cpu_ratio']:.2f}x; "
        f"light peak {light['peak_mb']:.0f} MB (target <= 400 MB)"
    )
    print(
        f"  same scores: max |difference| {diff:.2g} (target <= 1e-3); torch in the light venv: {light_has_torch}"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
