"""docs/serving.md's deploy figures are the benchmarks' results files, rendered (never typed)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_deploy_figures_match_the_results_files():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import deploy_figures
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    assert deploy_figures.current() == deploy_figures.render(), (
        "docs/serving.md is stale: run benchmarks/deploy_figures.py --write"
    )
