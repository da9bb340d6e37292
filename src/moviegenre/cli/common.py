"""Options and helpers shared by CLI modules."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

LOG_WIDTH = 200  # columns of a table written to a file or pipe, where rich would assume 80 and wrap it


def make_console(stderr: bool = False) -> Console:
    """A rich console: the terminal's width on a terminal; in a log or pipe wide enough that a table
    keeps one line per row (rich sizes a table to its content, so narrow ones stay narrow)."""
    stream = sys.stderr if stderr else sys.stdout
    return Console(stderr=stderr, width=None if stream.isatty() else LOG_WIDTH)


console = make_console(stderr=True)

ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", help="Model folder or bundle (moviegenre export) (default: the shipped model)."
    ),
]
# a plain flag: "--verbose / --no-verbose  [default: no-verbose]" on every command said nothing
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")]
# side files beside a movie file, joined by TMDB id (moviegenre.data.side_files); every --data command
KeywordsOpt = Annotated[
    Path | None,
    typer.Option(
        "--keywords",
        help="Keywords side file joined by TMDB id (The Movies Dataset's keywords.csv); "
        "default: keywords.csv beside a movies_metadata.csv.",
    ),
]
CreditsOpt = Annotated[
    Path | None,
    typer.Option(
        "--credits",
        help="Credits side file joined by TMDB id (credits.csv or tmdb_5000_credits.csv); "
        "default: the one beside the movie file.",
    ),
]


def load_classifier(model: str | None):
    """The predictor of ``--model`` (``moviegenre.pretrained.load_predictor``: a bundle runs without
    torch) or the shipped model; errors are one line."""
    from ..pretrained import load_predictor

    return load_predictor(model)


def set_threads(threads: int) -> None:
    """Threads inside each onnxruntime session and torch op (0: leave the libraries' default, all
    cores). Must run before the model loads: sessions (and ``load_predictor``, for torch) read it."""
    if threads > 0:
        os.environ["MOVIEGENRE_THREADS"] = str(threads)
        if "torch" in sys.modules:  # never imported just for this: a bundle runs without it
            sys.modules["torch"].set_num_threads(threads)


def setup_logging(verbose: bool = False) -> None:
    """INFO from moviegenre, warnings from the libraries (matplotlib's font cache, httpx's requests
    and the like would otherwise print INFO lines of their own); ``--verbose``: DEBUG from everything."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("moviegenre").setLevel(logging.DEBUG if verbose else logging.INFO)


def report_posters(dataset, failures=None, *, uses_posters: bool = True, quiet: bool = False) -> dict:
    """The poster summary of ``dataset`` (``data.info.poster_summary``) for ``--json``; when the data
    names posters and none can be used (and the command would use them), one loud line on stderr
    instead of a warning per movie. ``quiet``: the line was printed already."""
    from ..data.info import poster_summary, poster_warning

    summary = poster_summary(dataset, failures)
    line = poster_warning(summary) if uses_posters else None
    if line and not quiet:
        # soft_wrap: one line whatever the terminal width (a log reader greps it)
        console.print(f"[bold red]warning:[/] {line}", highlight=False, soft_wrap=True)
    return summary


def poster_failures(clf) -> dict | None:
    """Reason → movies whose poster the classifier's poster encoder could not use (all its encodes)."""
    enc = getattr(clf, "encoders_", {}).get("poster")
    return dict(enc.skipped_total) if enc is not None else None
