"""``--help`` reads well in a terminal and in a log: no type label on flags, defaults kept whole."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from moviegenre.cli import HELP_WIDTH, build_app


def help_of(*command: str) -> str:
    result = CliRunner().invoke(build_app(), [*command, "--help"], prog_name="moviegenre")
    assert result.exit_code == 0, result.output
    return result.output


def _commands() -> list[list[str]]:
    command = typer.main.get_command(build_app())
    out = []
    for name, cmd in command.commands.items():
        out.append([name])
        for sub in getattr(cmd, "commands", {}):
            out.append([name, sub])
    return out


COMMANDS = _commands()


def test_every_command_is_checked():
    names = {" ".join(c) for c in COMMANDS}
    assert {"train", "evaluate", "predict", "serve", "data split"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_has_no_bool_label_and_whole_defaults(command):
    text = help_of(*command)
    assert "<bool>" not in text and "no-verbose" not in text and "[default: no-" not in text
    for line in text.splitlines():
        assert len(line) <= HELP_WIDTH, line
        # a default or range in brackets is never split over two lines
        assert line.count("[") == line.count("]"), f"{' '.join(command)}: split bracket in {line!r}"


def test_help_is_as_wide_as_the_setting_in_a_log():
    """Outside a terminal click would assume 80 columns and break option lists mid-word."""
    text = help_of("train")
    assert "overview, title, companies, poster" in text.replace("\n", " ")
    assert max(len(line) for line in text.splitlines()) > 80


def test_root_listing_keeps_whole_first_sentences():
    text = help_of()
    listing = text.split("Commands:", 1)[1]
    for line in listing.strip().splitlines():
        summary = re.sub(r"^\s*\S+\s+", "", line)
        assert summary.count("(") == summary.count(")"), line  # e.g. "(e.g." cut at its full stop
