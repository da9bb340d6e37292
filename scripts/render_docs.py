"""Regenerate the numbers and example outputs of README.md and the docs from the files that hold them.

    .venv/bin/python scripts/render_docs.py                       # rewrite the generated blocks
    .venv/bin/python scripts/render_docs.py --check               # exit 1 when a doc is out of date
    .venv/bin/python scripts/render_docs.py --results runs/movies/results.json   # new experiment run
    .venv/bin/python scripts/render_docs.py --examples            # also rerun the docs' example movies

Each generated part of a doc sits between ``<!-- generated:NAME -->`` and ``<!-- /generated -->``;
only the part between the markers is rewritten, the prose around it is the author's. Sources:

- the README's headline table: an experiment's ``results.json`` (``moviegenre experiment``). The full
  file is not committed (it is large and made on data that is not in the repository), so ``--results``
  first writes its numbers to ``docs/results/experiment-summary.json`` (numbers and ids only, no movie
  text), and the table is rendered from that summary;
- the model card (README) and docs/model.md's held-out table: the shipped model's ``metrics.json`` and
  ``benchmarks/heldout-results.json`` (``benchmarks/heldout.py``: 3 split seeds);
- ``--examples``: the example movies of docs/serving.md and the README, predicted by the shipped
  model in process (Python API, FastAPI TestClient, the CLI). This imports moviegenre and loads the
  model (torch, the encoders); the number blocks need only the standard library.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = ROOT / "docs" / "results" / "experiment-summary.json"
MODEL_DIR = ROOT / "src" / "moviegenre" / "pretrained" / "all-late"
HELDOUT = ROOT / "benchmarks" / "heldout-results.json"
DOCS = (ROOT / "README.md", ROOT / "docs" / "model.md", ROOT / "docs" / "serving.md")

BLOCK = re.compile(r"(<!-- generated:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /generated -->)", re.S)
# what the summary keeps of each row's metrics: the README's columns and the two intervals
SUMMARY_METRICS = (
    "micro_f1",
    "macro_f1",
    "macro_roc_auc",
    "map",
    "study_accuracy",
    "micro_f1_ci",
    "macro_f1_ci",
)
HEADLINE_COLUMNS = ("micro_f1", "macro_roc_auc", "map", "study_accuracy")
# headline rows: (kind, inputs, fusion); fusion "default" = the run's default fusion, "best" = the
# best fusion of that kind on these inputs. Rows the run does not have are left out; extra rows are ignored.
FOUR = ("overview", "title", "companies", "poster")
HEADLINE_ROWS = (
    ("baseline", (), "all_negative"),
    ("replica", ("overview", "poster"), "concat"),
    ("replica", FOUR, "best"),
    ("ours", ("overview",), "default"),
    ("ours", ("overview", "poster"), "default"),
    ("ours", FOUR, "default"),
    ("ours", "every", "default"),  # every input the data has, when that is more than the study's four
)
LOW_THRESHOLD = 0.15  # a genre predicted from a score this low is worth a word in the model card
WIDTH = 115  # the docs' prose line width
HEADLINE_TARGETS = {"micro_f1": 0.70, "macro_f1": 0.60, "macro_roc_auc": 0.93, "map": 0.64}  # heldout.py's


def _wrap(text: str) -> str:
    """Prose at the docs' line width (a table line is never wrapped)."""
    return textwrap.fill(text, WIDTH, break_long_words=False, break_on_hyphens=False)


def _f(x, nd: int = 3) -> str:
    return "–" if x is None else f"{x:.{nd}f}"


def _display_path(data: str) -> str:
    """A results file names its data as it was passed; show the shared data relative to the checkout."""
    marker = "/shared/data/"
    return "../shared/data/" + data.split(marker, 1)[1] if marker in data else data


# ---------------------------------------------------------------------------------------------- summary


def summarize(results: dict) -> dict:
    """The numbers of ``results.json`` the docs need: per row its id, kind, inputs, fusion and a few
    metrics (no per-genre figures, no movie text), the split, and the acceptance counts."""
    rows = []
    for r in results["rows"]:
        m = r["metrics"]
        rows.append(
            {
                "id": r["id"],
                "kind": r["kind"],
                "inputs": list(r["inputs"]),
                "fusion": r["fusion"],
                "metrics": {k: m.get(k) for k in SUMMARY_METRICS},
            }
        )
    acceptance = {
        name: {"pass": sum(bool(c["pass"]) for c in checks), "total": len(checks)}
        for name, checks in (results.get("acceptance") or {}).items()
        if isinstance(checks, list)
    }
    return {
        "note": "written by scripts/render_docs.py --results from an experiment's results.json",
        "data": _display_path(str(results["data"])),
        "n_movies": results["n_movies"],
        "split": {"seed": results["split"]["seed"], "sizes": results["split"]["sizes"]},
        "default_fusion": results["default_fusion"],
        "bootstrap": results.get("bootstrap"),
        "rows": rows,
        "skipped_rows": len(results.get("skipped_rows") or []),
        "acceptance": acceptance,
    }


def dump_summary(summary: dict) -> str:
    """The summary as JSON with one line a row (short diffs when a rerun moves a few numbers)."""
    head = [
        f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in summary.items() if k != "rows"
    ]
    rows = [f"  {json.dumps(r, ensure_ascii=False)}" for r in summary["rows"]]
    return "{\n" + ",\n".join(head) + ',\n "rows": [\n' + ",\n".join(rows) + "\n ]\n}\n"


def _pick(summary: dict, kind: str, inputs, fusion: str) -> dict | None:
    """The row of ``kind`` on exactly ``inputs`` (any order) with ``fusion``; None when the run lacks it."""
    rows = [r for r in summary["rows"] if r["kind"] == kind]
    if inputs == "every":
        ours = [r for r in rows if r["fusion"] == summary["default_fusion"]]
        widest = max(ours, key=lambda r: len(r["inputs"]), default=None)
        return widest if widest is not None and len(widest["inputs"]) > len(FOUR) else None
    rows = [r for r in rows if set(r["inputs"]) == set(inputs) and len(r["inputs"]) == len(inputs)]
    if fusion == "default":
        fusion = summary["default_fusion"]
    if fusion == "best":
        return max(rows, key=lambda r: r["metrics"]["micro_f1"] or 0.0, default=None)
    return next((r for r in rows if r["fusion"] == fusion), None)


def _row_label(row: dict, default_fusion: str) -> tuple[str, str]:
    """The table's "inputs" and "model" cells of a row."""
    inputs = " + ".join(row["inputs"])
    if row["kind"] == "baseline":
        return inputs or f"{row['fusion'].replace('_', '-')} baseline", "—"
    if row["kind"] == "replica":
        return inputs, f"study replica (LSTM + CNN, {row['fusion']})"
    tag = f"{row['fusion']}, default" if row["fusion"] == default_fusion else row["fusion"]
    return inputs, f"ours ({tag})"


def render_headline(summary: dict) -> str:
    """The README's headline table: picked rows, the best figure of each column in bold, the best
    micro-F1 with its interval, and the acceptance counts."""
    rows, seen = [], set()
    for kind, inputs, fusion in HEADLINE_ROWS:
        row = _pick(summary, kind, inputs, fusion)
        if row is not None and row["id"] not in seen:
            rows.append(row)
            seen.add(row["id"])
    best = {
        c: max((r["metrics"][c] for r in rows if r["metrics"].get(c) is not None), default=None)
        for c in HEADLINE_COLUMNS
    }
    top = max(rows, key=lambda r: r["metrics"]["micro_f1"] or 0.0, default=None)
    sizes = summary["split"]["sizes"]
    lines = [
        _wrap(
            f"On the {summary['n_movies']:,} movies of `{summary['data']}` (one fixed stratified split, seed "
            f"{summary['split']['seed']}: test = {sizes['test']:,} movies never seen in training; "
            f"`moviegenre experiment --data {summary['data']} --out runs/movies`, full table in "
            "[docs/experiment.md](docs/experiment.md)):"
        ),
        "",
        '| inputs | model | micro-F1 [95% CI] | macro ROC-AUC | mAP | study "accuracy" |',
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        m = r["metrics"]
        cells = []
        for c in HEADLINE_COLUMNS:
            text = _f(m.get(c))
            if m.get(c) is not None and m[c] == best[c]:
                text = f"**{text}**"
            if c == "micro_f1" and r is top and m.get("micro_f1_ci"):
                lo, hi = m["micro_f1_ci"]
                text += f" [{lo:.2f}, {hi:.2f}]"
            cells.append(text)
        inputs, model = _row_label(r, summary["default_fusion"])
        lines.append(f"| {inputs} | {model} | " + " | ".join(cells) + " |")
    acc = summary.get("acceptance") or {}
    checks = []
    if acc.get("adds_never_hurt", {}).get("total"):
        a = acc["adds_never_hurt"]
        checks.append(
            f"with the default fusion, a model with more inputs is at least as good as the best single input it "
            f"contains in {a['pass']} of {a['total']} cases"
        )
    if acc.get("beats_replica", {}).get("total"):
        a = acc["beats_replica"]
        checks.append(f"ours beats the study replica with the same inputs in {a['pass']} of {a['total']}")
    if checks:
        lines += [
            "",
            _wrap("Acceptance checks on test micro-F1 (listed in `results.md`): " + "; ".join(checks) + "."),
        ]
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------------------------------- model card


def render_model_card(metrics: dict, heldout: dict | None, thresholds: dict | None = None) -> dict[str, str]:
    """The README model card's blocks: held-out metrics, per-genre table, limitations (``thresholds``:
    the shipped model's own, from its ``labels.json``)."""
    test = metrics["test"]
    sizes = (metrics.get("split") or {}).get("sizes") or {}
    n_boot = test.get("bootstrap")

    def ci(key: str) -> str:
        c = test.get(f"{key}_ci")
        return f" (95% CI {c[0]:.3f}–{c[1]:.3f})" if c else ""

    lines = [
        _wrap(
            f"Held-out test split: {test['n_movies']:,} movies (split seed {metrics['split']['seed']}; the model "
            f"evaluated was fitted on {sizes.get('train', '?'):,} movies, validation {sizes.get('val', '?'):,})"
            + (f"; intervals from {n_boot} bootstrap resamples of the test movies" if n_boot else "")
            + "."
        ),
        "",
        "| metric | split seed 0 (this model's recipe) |"
        + (
            " mean of split seeds " + ", ".join(str(s["seed"]) for s in heldout["seeds"]) + " |"
            if heldout
            else ""
        ),
        "|---|---|" + ("---|" if heldout else ""),
    ]
    names = {
        "micro_f1": "micro-F1",
        "macro_f1": "macro-F1",
        "weighted_f1": "weighted-F1",
        "samples_f1": "samples-F1",
        "micro_roc_auc": "micro ROC-AUC",
        "macro_roc_auc": "macro ROC-AUC",
        "map": "mAP",
        "hamming_accuracy": "Hamming accuracy",
        "subset_accuracy": "exact match",
        "study_accuracy": 'study "accuracy"',
        "study_auc": 'study "AUC"',
    }
    mean = (heldout or {}).get("mean") or {}
    for key, name in names.items():
        if test.get(key) is None:
            continue
        row = f"| {name} | {test[key]:.3f}{ci(key)} |"
        if heldout:
            row += f" {_f(mean.get(key))} |"
        lines.append(row)
    heldout_block = "\n".join(lines) + "\n"

    per = test["per_genre"]
    mean_f1 = (heldout or {}).get("per_genre_f1") or {}
    seeds = len((heldout or {}).get("seeds") or [])
    head = "| genre | test support | precision | recall | F1 | ROC AUC |" + (
        f" F1, mean of {seeds} seeds |" if mean_f1 else ""
    )
    lines = [head, "|---|---|---|---|---|---|" + ("---|" if mean_f1 else "")]
    for g, d in sorted(per.items(), key=lambda kv: (-kv[1]["support"], kv[0])):
        row = (
            f"| {g} | {d['support']} | {_f(d.get('precision'), 2)} | {_f(d.get('recall'), 2)} | "
            f"{_f(d.get('f1'), 2)} | {_f(d.get('roc_auc'), 2)} |"
        )
        if mean_f1:
            row += f" {_f(mean_f1.get(g), 2)} |"
        lines.append(row)
    genres_block = "\n".join(lines) + "\n"
    return {
        "model-card-heldout": heldout_block,
        "model-card-genres": genres_block,
        "model-card-limitations": render_limitations(per, mean_f1, thresholds),
    }


def render_model_facts(model_dir: Path) -> str:
    """The shipped folder's inputs, views (one head each), thresholds rule and size, from its own files."""
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    cfg = config["config"]
    size = (model_dir / "model.safetensors").stat().st_size / 2**20
    lines = [
        _wrap(
            f"Inputs: {', '.join(config['inputs'])}; fusion `{cfg['fusion']}`; thresholds `{cfg['threshold_objective']}`; "
            f"{config['n_genres']} genres; {size:.2f} MB of weights in `model.safetensors`. One head per view:"
        ),
        "",
        "| view | encoder | features |",
        "|---|---|---|",
    ]
    for view in config["views"]:
        enc = config["encoders"][view]
        lines.append(f"| {view} | `{enc['name']}` ({enc['version']}) | {enc['dim']:,} |")
    return "\n".join(lines) + "\n"


def render_limitations(per: dict, mean_f1: dict, thresholds: dict | None = None) -> str:
    """Per-genre limitations read off the held-out figures: weak genres, over-predicted common ones,
    genres predicted on low scores (thresholds under ``LOW_THRESHOLD``)."""
    f1 = {g: (mean_f1.get(g) if mean_f1.get(g) is not None else d.get("f1") or 0.0) for g, d in per.items()}
    weak = sorted((g for g in per if f1[g] < 0.55), key=lambda g: f1[g])
    lines = []
    if weak:
        parts = [
            f"{g} (F1 {f1[g]:.2f}; on split seed 0 recall {_f(per[g].get('recall'), 2)} of {per[g]['support']} test movies)"
            for g in weak
        ]
        auc = [per[g]["roc_auc"] for g in weak if per[g].get("roc_auc") is not None]
        lines.append(
            "- Weak genres (F1 below 0.55"
            + (", mean of the split seeds" if mean_f1 else "")
            + "): "
            + ", ".join(parts)
            + "."
            + (
                f" Their ranking is better than their decisions (ROC AUC ≥ {min(auc):.2f}): look at `scores`, "
                "not only `genres`."
                if auc
                else ""
            )
        )
    over = [
        g
        for g, d in sorted(per.items(), key=lambda kv: -kv[1]["support"])
        if d["support"] >= 100 and (d.get("precision") or 0) + 0.1 < (d.get("recall") or 0)
    ]
    if over:
        lines.append(
            "- Common genres are over-predicted (the thresholds favour recall): "
            + ", ".join(
                f"{g} recall {per[g]['recall']:.2f} at precision {per[g]['precision']:.2f}" for g in over
            )
            + "."
        )
    bullets = [
        textwrap.fill(b, WIDTH, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)
        for b in lines
    ]
    low = sorted((g for g, t in (thresholds or {}).items() if t < LOW_THRESHOLD), key=lambda g: thresholds[g])
    if low:
        text = (
            f"- Some genres are predicted on low scores (threshold under {LOW_THRESHOLD}): "
            + ", ".join(f"{g} from {thresholds[g]:.2f}" for g in low)
            + "; such a genre among the answers with a low score is a weak guess."
        )
        bullets.append(
            textwrap.fill(text, WIDTH, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)
        )
    return "\n".join(bullets) + ("\n" if bullets else "")


def render_heldout_seeds(heldout: dict) -> str:
    """docs/model.md's table of the default recipe on each split seed, the mean and the targets."""
    keys = ("micro_f1", "macro_f1", "macro_roc_auc", "map")
    lines = [
        "| split seed | micro-F1 | macro-F1 | macro ROC-AUC | mAP | fit s (load) |",
        "|---|---|---|---|---|---|",
    ]
    for s in heldout["seeds"]:
        fit = f"{s['fit_seconds']:.0f} ({s['load']:g})" if s.get("fit_seconds") is not None else ""
        lines.append(f"| {s['seed']} | " + " | ".join(f"{s[k]:.4f}" for k in keys) + f" | {fit} |")
    lines.append("| **mean** | " + " | ".join(f"**{heldout['mean'][k]:.4f}**" for k in keys) + " | |")
    lines.append("| target | " + " | ".join(f"{HEADLINE_TARGETS[k]:.2f}" for k in keys) + " | |")
    per = heldout.get("per_genre_f1") or {}
    if per:
        lines += [
            "",
            _wrap(
                f"Per-genre F1 (mean of the {len(heldout['seeds'])} seeds), weakest first: "
                + ", ".join(f"{g} {v:.2f}" for g, v in sorted(per.items(), key=lambda kv: kv[1]))
                + "."
            ),
        ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------- examples

# Movies written for the docs (no real overview is copied). Keys: the block that shows them.
EXAMPLES = {
    "python": {
        "title": "The Thing in the Cellar",
        "overview": "A young couple buys an old farmhouse, only to discover that something living beneath "
        "the floorboards wants them gone.",
    },
    "http": {
        "title": "Paper Hearts",
        "overview": "Two pen pals discover they live on the same street.",
        "keywords": ["pen pal", "neighbor"],
        "year": 2019,
    },
    "cli": {
        "title": "Starfall Protocol",
        "overview": "When a rogue AI seizes an orbital weapons platform, a disgraced pilot must stop it.",
        "companies": "Orbital Pictures",
    },
}


def _top(scores: dict, k: int = 3) -> str:
    return ", ".join(f'"{g}": {p:.2f}' for g, p in sorted(scores.items(), key=lambda kv: -kv[1])[:k])


def render_examples(model: str | Path | None = None, cache_dir: str | Path | None = None) -> dict[str, str]:
    """The example blocks, predicted by the shipped model (or ``model``) in process."""
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from moviegenre.cli import build_app
    from moviegenre.data import read_movies
    from moviegenre.pretrained import load_predictor
    from moviegenre.records import Movie
    from moviegenre.serving.app import create_app

    clf = load_predictor(model, cache_dir=cache_dir)
    py = EXAMPLES["python"]
    movie = Movie(key="m1", title=py["title"], overview=py["overview"], companies=())
    (genres,) = clf.predict([movie])
    (details,) = clf.predict_details([movie])
    weights = details["weights"] or {}
    w = ", ".join(f'"{n}": {v:.2f}' for n, v in sorted(weights.items(), key=lambda kv: -kv[1])[:2])
    chunks = textwrap.wrap(py["overview"], 64, drop_whitespace=False)  # keeps the spaces inside the strings
    overview = [f'              overview="{chunks[0]}"'] + [
        f'                       "{c}"' for c in chunks[1:]
    ]
    overview[-1] += ","
    python_block = "\n".join(
        [
            "```python",
            "from moviegenre import Movie",
            "from moviegenre.pretrained import load_predictor",
            "",
            'clf = load_predictor()          # the shipped model; or load_predictor("models/my-model")',
            f'movie = Movie(key="m1", title="{py["title"]}",',
            *overview,
            "              companies=())   # any field may be None; poster= a file path",
            f"clf.predict([movie])            # [{tuple(genres)!r}]",
            "clf.predict_details([movie])",
            f'# [{{"genres": {json.dumps(list(details["genres"]))}, "scores": {{{_top(details["scores"])}, ...}},',
            f'#   "weights": {{{w}, ...}}}}]',
            "```",
        ]
    )

    http = EXAMPLES["http"]
    with TestClient(create_app(classifier=clf, warm_up=False)) as client:
        r = client.post("/predict", json=http)
        r.raise_for_status()
        answer = r.json()
    aw = ", ".join(
        f'"{n}": {v:.2f}' for n, v in sorted((answer["weights"] or {}).items(), key=lambda kv: -kv[1])[:2]
    )
    http_block = "\n".join(
        [
            "```bash",
            "curl -s localhost:8000/predict -H 'content-type: application/json' \\",
            f"  -d '{json.dumps(http)}'",
            "```",
            "",
            f'Answer (scores rounded here): `{{"genres": {json.dumps(answer["genres"])}, "scores": '
            f'{{{_top(answer["scores"])}, ...}}, "weights": {{{aw}, ...}}}}`.',
        ]
    )

    cli = EXAMPLES["cli"]
    args = [
        "predict",
        "--title",
        cli["title"],
        "--overview",
        cli["overview"],
        "--companies",
        cli["companies"],
    ]
    env = {"MOVIEGENRE_CACHE": str(cache_dir)} if cache_dir else None
    res = CliRunner().invoke(
        build_app(), [*args, "--json", *(["--model", str(model)] if model else [])], env=env
    )
    if res.exit_code != 0:
        raise RuntimeError(f"moviegenre {' '.join(args)} failed: {res.output}")
    out = json.loads(res.stdout)
    cli_block = "\n".join(
        [
            "```console",
            f'$ moviegenre predict --title "{cli["title"]}" \\',
            f'    --overview "{cli["overview"]}" \\',
            f'    --companies "{cli["companies"]}" --json',
            f'{{"genres": {json.dumps(out["genres"])}, "scores": {{{_top(out["scores"])}, ...}}, ...}}',
            "```",
        ]
    )
    movies = list(read_movies(ROOT / "examples" / "new_movies.jsonl"))
    new_movies = [
        f'- "{m.title}" → ' + ", ".join(f"{g} {d['scores'][g]:.2f}" for g in d["genres"])
        for m, d in zip(movies, clf.predict_details(movies), strict=True)
    ]
    return {
        "example-new-movies": "\n".join(new_movies) + "\n",
        "example-python": python_block + "\n",
        "example-http": http_block + "\n",
        "example-cli": cli_block + "\n",
    }


# ------------------------------------------------------------------------------------------------ blocks


def replace_blocks(text: str, blocks: dict[str, str]) -> str:
    """``text`` with the body of every generated block named in ``blocks`` replaced; others untouched."""

    def sub(m: re.Match) -> str:
        name = m.group("name")
        return m.group(1) + blocks[name] + m.group(4) if name in blocks else m.group(0)

    return BLOCK.sub(sub, text)


def block_names(text: str) -> list[str]:
    return [m.group("name") for m in BLOCK.finditer(text)]


def number_blocks(
    summary: dict, metrics: dict, heldout: dict | None, model_dir: Path = MODEL_DIR
) -> dict[str, str]:
    """Every block rendered from results files alone (no model needed)."""
    labels = _read(model_dir / "labels.json") or {}
    blocks = {
        "headline": render_headline(summary),
        **render_model_card(metrics, heldout, labels.get("thresholds")),
    }
    if (model_dir / "config.json").is_file():
        blocks["model-card-facts"] = render_model_facts(model_dir)
    if heldout:
        blocks["heldout-seeds"] = render_heldout_seeds(heldout)
    return blocks


def _read(path: Path | None) -> dict | None:
    return json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else None


def _write_atomic(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, mode)  # mkstemp makes 0600; keep the file's own mode
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--results", type=Path, help="an experiment's results.json: refresh --summary from it first"
    )
    ap.add_argument("--summary", type=Path, default=SUMMARY, help="the experiment's numbers the README shows")
    ap.add_argument(
        "--model-dir", type=Path, default=MODEL_DIR, help="the shipped model folder (its metrics.json)"
    )
    ap.add_argument("--heldout", type=Path, default=HELDOUT, help="benchmarks/heldout.py --json output")
    ap.add_argument(
        "--docs", type=Path, nargs="*", default=list(DOCS), help="the files whose blocks to render"
    )
    ap.add_argument(
        "--examples", action="store_true", help="also predict the docs' example movies (loads the model)"
    )
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file is out of date")
    args = ap.parse_args(argv)

    stale: list[str] = []
    if args.results is not None:
        text = dump_summary(summarize(json.loads(args.results.read_text(encoding="utf-8"))))
        if args.check:
            if not args.summary.is_file() or args.summary.read_text(encoding="utf-8") != text:
                stale.append(str(args.summary))
        else:
            args.summary.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(args.summary, text)
    # --check --results: judge the docs by the new results without writing the summary
    summary = json.loads(text) if args.results is not None else _read(args.summary)
    metrics = _read(args.model_dir / "metrics.json")
    if summary is None or metrics is None:
        print(
            f"error: need {args.summary} (or --results) and {args.model_dir / 'metrics.json'}",
            file=sys.stderr,
        )
        return 2
    blocks = number_blocks(summary, metrics, _read(args.heldout), args.model_dir)
    if args.examples:
        blocks.update(render_examples(args.model_dir))
    for doc in args.docs:
        old = doc.read_text(encoding="utf-8")
        new = replace_blocks(old, blocks)
        if new == old:
            continue
        if args.check:
            stale.append(str(doc))
        else:
            _write_atomic(doc, new)
            print(f"rewrote {doc}")
    if stale:
        print("out of date: " + ", ".join(stale) + " (run scripts/render-docs)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
