"""scripts/setup shows progress while it installs (run against a fake pip: no network, no install)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FAKE_PIP = """#!/usr/bin/env bash
echo "WARNING: Location 'https://example.invalid/simple' is ignored: it is neither a file nor a directory."
echo "Collecting torch==2.13.0"
echo "  Downloading torch-2.13.0-cp311-none-linux_x86_64.whl (200.0 MB)"
echo "Requirement already satisfied: numpy in ./.venv/lib/python3.11/site-packages"
echo "Installing collected packages: torch"
echo "Successfully installed torch-2.13.0"
exit ${FAKE_PIP_STATUS:-0}
"""


def _exe(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def fake_checkout(tmp_path):
    (tmp_path / "scripts").mkdir()
    for name in ("setup", "example_poster.py"):
        shutil.copy(ROOT / "scripts" / name, tmp_path / "scripts" / name)
    bin_ = tmp_path / ".venv" / "bin"
    bin_.mkdir(parents=True)
    _exe(bin_ / "python", f'#!/usr/bin/env bash\nexec "{sys.executable}" "$@"\n')  # draws the example poster
    _exe(bin_ / "pip", FAKE_PIP)
    _exe(bin_ / "moviegenre", "#!/usr/bin/env bash\necho 0.1.0\n")
    return tmp_path


def _run(checkout: Path, **env):
    return subprocess.run(
        ["bash", str(checkout / "scripts" / "setup")],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )


def test_setup_prints_steps_with_elapsed_time_and_pips_progress(fake_checkout):
    proc = _run(fake_checkout)
    assert proc.returncode == 0, proc.stderr
    out = proc.stderr
    assert "[setup 0:00] installing torch 2.13.0" in out
    assert "    Collecting torch==2.13.0" in out and "    Successfully installed torch-2.13.0" in out
    assert "installing moviegenre[all]" in out and "done: .venv is ready (0.1.0)" in out
    # the noise stays in the log, not on the screen
    assert "WARNING: Location" not in out and "Requirement already satisfied" not in out
    assert "Requirement already satisfied" in (fake_checkout / ".venv" / "setup.log").read_text()
    assert (fake_checkout / "examples" / "poster.jpg").stat().st_size > 0  # drawn, never committed


def test_setup_failure_shows_the_end_of_pips_log(fake_checkout):
    proc = _run(fake_checkout, FAKE_PIP_STATUS="1")
    assert proc.returncode == 1
    assert "pip failed (exit 1)" in proc.stderr and "Requirement already satisfied" in proc.stderr
    assert "installing moviegenre[all]" not in proc.stderr  # stopped at the first failure


def test_skip_summary_groups_reasons_with_how_to_enable_them():
    from conftest import skip_summary

    lines = skip_summary(
        [
            "Skipped: /usr/bin/chromium is absent",
            "/usr/bin/chromium is absent",
            "../shared/data is absent",
            "could not import 'ray': No module named 'ray'",
            "something else",
        ]
    )
    assert (
        lines[0]
        == "   2 browser tests skipped: install Debian's chromium (`apt-get install chromium`), or run .ci/run"
    )
    assert "real-data tests skipped: put the data set at ../shared/data" in lines[1]
    assert "tests needing ray skipped: install everything: ./scripts/setup" in lines[2]
    assert lines[3] == "   1 something else skipped"


def test_test_run_ends_with_the_skip_summary(tmp_path):
    """The hook is wired: a run with skips ends with the grouped lines, after pytest's own summary."""
    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_x.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.skipif(True, reason='../shared/data is absent')\ndef test_a():\n    pass\n\n"
        "def test_b():\n    pass\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-ra", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    out = proc.stdout
    assert proc.returncode == 0, out
    assert out.index("short test summary info") < out.index("skipped tests and how to run them")
    assert "   1 real-data tests skipped: put the data set at ../shared/data" in out
