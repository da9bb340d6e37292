"""docs/model.md's mpnet-vs-MiniLM table is benchmarks/results/text_models.json, rendered (never typed)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_text_models_table_matches_the_results_file():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import bench_text_models as b
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    res = json.loads((ROOT / "benchmarks" / "results" / "text_models.json").read_text())
    assert b.docs_block() == b.render_docs(res), (
        "docs/model.md is stale: run benchmarks/bench_text_models.py --docs --write"
    )
