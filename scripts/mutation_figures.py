"""Per-module mutation-testing figures (killed / survived / timeout / no tests) from mutmut's
``mutants/`` folder, after ``mutmut run`` (see docs/testing.md). Prints a Markdown table.

    .venv/bin/python scripts/mutation_figures.py [--survivors]
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

# mutmut 3's exit codes (mutmut/stats.py)
STATUS = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    None: "not checked",
}
STATUS |= dict.fromkeys((36, -24, 24, 152, 255), "timeout")
COLUMNS = ("killed", "survived", "timeout", "no tests", "not checked")


def main(argv: list[str]) -> int:
    root = Path("mutants")
    metas = sorted(root.rglob("*.py.meta"))
    if not metas:
        print("no mutants/ folder here: run `mutmut run` from the repository root first", file=sys.stderr)
        return 1
    print("| module | " + " | ".join(COLUMNS) + " | total |")
    print("|---|" + "---:|" * (len(COLUMNS) + 1))
    survivors = []
    for meta in metas:
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        counts = Counter(STATUS.get(v, "other") for v in codes.values())
        module = str(meta.relative_to(root / "src")).removesuffix(".meta")
        print(f"| `{module}` | " + " | ".join(str(counts[c]) for c in COLUMNS) + f" | {len(codes)} |")
        survivors += [k for k, v in codes.items() if v == 0]
    if "--survivors" in argv:
        print("\n".join(["", *survivors]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
