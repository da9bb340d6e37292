"""Every command in the README's shell blocks runs as written: its command and options exist, every file it
reads is in the repository (or is written by an earlier command, or is the shared data set), and every
file it writes is git-ignored."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from moviegenre.cli import build_app

ROOT = Path(__file__).resolve().parents[2]
SHARED = "../shared/data"  # the README's data set, beside the checkout (docs/data.md)
READS = {"--data", "--poster", "--model", "--split", "--keywords", "--credits", "--posters"}
WRITES = {"--out", "--json"}  # --json FILE in the benchmarks
NOT_FILES = {"--data": {"default"}}


def shell_commands(markdown: str) -> list[list[str]]:
    """The commands of the ```bash blocks: continuation lines joined, comments dropped."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", markdown, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                commands.append(words)
    return commands


COMMANDS = shell_commands((ROOT / "README.md").read_text(encoding="utf-8"))


def _options(words: list[str]) -> list[tuple[str, str | None]]:
    out = []
    for i, w in enumerate(words):
        if w.startswith("--"):
            value = words[i + 1] if i + 1 < len(words) and not words[i + 1].startswith("-") else None
            out.append((w, value))
    return out


def _click_command(words: list[str]):
    """The click command a ``moviegenre ...`` line runs, and the words after its name."""
    cmd = typer.main.get_command(build_app())
    rest = words[1:]
    while rest and hasattr(cmd, "commands") and rest[0] in cmd.commands:
        cmd, rest = cmd.commands[rest[0]], rest[1:]
    return cmd, rest


def test_the_readme_has_commands_to_check():
    names = [w[0] for w in COMMANDS]
    assert names.count("moviegenre") >= 8 and "./scripts/quickstart" in names


def test_every_readme_command_runs_as_written():
    written: set[str] = set()
    shared_present = (ROOT / SHARED).is_dir()
    for words in COMMANDS:
        line = " ".join(words)
        program = words[0]
        if program == "moviegenre":
            cmd, rest = _click_command(words)
            assert not hasattr(cmd, "commands"), f"{line}: no such command"
            known = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}
            for opt, _ in _options(rest):
                assert opt in known, f"{line}: {cmd.name} has no option {opt}"
        elif program.startswith(("./scripts/", ".venv/bin/")):
            assert (ROOT / program).exists() or program.startswith(".venv/"), f"{line}: {program} is missing"
        elif program == "python":
            assert (ROOT / words[1]).is_file(), f"{line}: {words[1]} is missing"
        for opt, value in _options(words):
            if value is None:
                continue
            if opt in WRITES:
                written.add(value.rstrip("/"))
            elif opt in READS and value not in NOT_FILES.get(opt, set()):
                if value.startswith(SHARED):
                    assert not shared_present or (ROOT / value).exists(), (
                        f"{line}: {value} is not in {SHARED}"
                    )
                else:
                    assert value.rstrip("/") in written or (ROOT / value).exists(), (
                        f"{line}: {value} does not exist and no earlier command writes it"
                    )
    assert {"split.json", "models/mine"} <= written


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="not a git checkout")
def test_what_the_readme_commands_write_is_git_ignored():
    outputs = {v for words in COMMANDS for opt, v in _options(words) if opt == "--out" and v}
    outputs |= {"runs/default", "mutants/x", "models/all-late"}  # quickstart, mutmut, the Python example
    for path in sorted(outputs):
        proc = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
        assert proc.returncode == 0, f"{path} (written by a README command) is not git-ignored"


def test_the_example_poster_is_drawn_small_and_never_committed(tmp_path):
    from PIL import Image

    out = tmp_path / "poster.jpg"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "example_poster.py"), "--out", str(out)], check=True
    )
    assert out.stat().st_size < 50_000
    with Image.open(out) as im:
        assert im.format == "JPEG" and im.size == (182, 268)
    if shutil.which("git") and (ROOT / ".git").exists():
        tracked = subprocess.run(["git", "ls-files", "examples"], cwd=ROOT, capture_output=True, text=True)
        assert not [f for f in tracked.stdout.split() if f.lower().endswith((".jpg", ".jpeg", ".png"))]
