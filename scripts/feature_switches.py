"""Switch each guarded training feature off (a one-line edit), run the test that guards it, restore.

Every case must FAIL its test; prints one Markdown section per case and exits 1 if any test passed
with its feature off. Edits the working tree while a case runs (restored in ``finally``): run it on
a clean checkout, never beside a job importing ``src/``.

    .venv/bin/python scripts/feature_switches.py [CASE_NUMBER ...]
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = "tests/unit/test_training_features.py"
# (feature, file, line as it is, line switched off, tests to run: a pytest -k expression)
CASES = [
    (
        "class-weighted loss (joint training)",
        "src/moviegenre/modeling/train_joint.py",
        "pw = pos_weight(train.y) if cfg.class_weighted else None",
        "pw = None",
        "test_class_weighted_loss_raises_the_rare_genres_probabilities",
    ),
    (
        "class-weighted loss (late fit)",
        "src/moviegenre/modeling/train_late.py",
        "pw = pos_weight(train.y) if cfg.class_weighted else None",
        "pw = None",
        "test_class_weighted_loss_raises_the_rare_genres_probabilities",
    ),
    (
        "thresholds tuned on out-of-fold predictions (classifier)",
        "src/moviegenre/modeling/classifier.py",
        'oof = self.history_.pop("oof_proba", None)',
        'oof = [self.history_.pop("oof_proba", None), None][1]',
        "test_classifier_tunes_thresholds_on_oof_plus_validation",
    ),
    (
        "out-of-fold logits really out of fold (late fit)",
        "src/moviegenre/modeling/train_late.py",
        "part = train.take(folds != k)",
        "part = train",
        "test_train_late_oof_probabilities_come_from_heads_that_did_not_see_the_movie",
    ),
    (
        "micro-F1 / balanced coordinate ascent",
        "src/moviegenre/modeling/thresholds.py",
        "for _ in range(passes):",
        "for _ in range(0):",
        "test_micro_objective_beats_per_genre_thresholds_on_micro_f1 or test_balanced_objective or test_coordinate_ascent",
    ),
    (
        "balanced objective's macro term",
        "src/moviegenre/modeling/thresholds.py",
        'w = macro_weight if objective == "balanced" else 0.0',
        "w = 0.0",
        "test_balanced_objective",
    ),
    (
        "at_least_one (predictor)",
        "src/moviegenre/modeling/predictor.py",
        "return apply_thresholds(proba, self.thresholds_, self.config.at_least_one)",
        "return apply_thresholds(proba, self.thresholds_, False)",
        "test_at_least_one_is_the_default_and_reaches_the_predictions",
    ),
    (
        "at_least_one (default)",
        "src/moviegenre/config.py",
        "at_least_one: bool = setting(True,",
        "at_least_one: bool = setting(False,",
        "test_at_least_one_is_the_default_and_reaches_the_predictions",
    ),
    (
        "/ scale in InputNorm.forward",
        "src/moviegenre/modeling/network.py",
        "return (x - self.mean) / self.scale * present",
        "return (x - self.mean) * present",
        "test_input_norm_gives_unit_rms_whatever_the_feature_scale or test_head_rows",
    ),
    (
        "/ scale in the late fit's dense head rows",
        "src/moviegenre/modeling/train_late.py",
        "self.x = (x - norm.mean) / norm.scale",
        "self.x = x - norm.mean",
        "test_head_rows",
    ),
    (
        "/ scale in the late fit's sparse head rows",
        "src/moviegenre/modeling/train_late.py",
        "return xw / self.scale - linear.weight @ self.offset + linear.bias",
        "return xw - linear.weight @ self.offset + linear.bias",
        "test_head_rows",
    ),
    (
        "L2 choice on validation mAP (linear heads)",
        "src/moviegenre/modeling/train_late.py",
        "grid = sorted(cfg.head_l2_grid, reverse=True) if lams is None else [lams[m]]",
        "grid = sorted(cfg.head_l2_grid, reverse=True)[:1] if lams is None else [lams[m]]",
        "test_linear_head_l2_is_the_best_on_validation_map",
    ),
    (
        "STACK_HIDDEN_WEIGHT",
        "src/moviegenre/modeling/train_late.py",
        "STACK_HIDDEN_WEIGHT = 0.05",
        "STACK_HIDDEN_WEIGHT = 0.0",
        "test_stacker_stays_calibrated_for_a_movie_missing_an_input",
    ),
]


def main(argv: list[str]) -> int:
    only, survived = set(argv), []
    for i, (feature, path, old, new, tests) in enumerate(CASES):
        if only and str(i) not in only:
            continue
        file = ROOT / path
        src = file.read_text()
        if src.count(old) != 1:
            print(
                f"### {feature}\n- SKIPPED: `{old}` not found once in `{path}` (code moved? update CASES)\n"
            )
            survived.append(feature)
            continue
        file.write_text(src.replace(old, new))
        try:
            run = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pytest",
                    TEST,
                    "-p",
                    "no:cacheprovider",
                    "-k",
                    tests,
                    "--tb=line",
                ],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1"},
                capture_output=True,
                text=True,
            )
        finally:
            file.write_text(src)
        lines = run.stdout.splitlines()
        summary = next(
            (m.group(0) for m in map(re.compile(r"\d+ (failed|passed).*").search, reversed(lines)) if m), ""
        )
        failed = run.returncode == 1  # 1: tests ran and some failed (not a collection error)
        if not failed:
            survived.append(feature)
        errors = [line.strip()[:300] for line in lines if line.startswith("E ")][:4]
        print(f"### {feature}\n- file: `{path}`\n- edit: `{old}` → `{new}`\n- tests (-k): `{tests}`")
        print(
            f"- result: {'FAILED as it must' if failed else 'PASSED: the feature is not guarded'} ({summary})"
        )
        print("\n".join(f"  - `{e}`" for e in errors) + "\n", flush=True)
    if survived:
        print("not guarded:", survived)
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
