"""Options and helpers shared by CLI modules."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

# a log or a pipe (not a terminal): rich would wrap at 80 columns and break tables; keep lines whole
console = Console(stderr=True)
if not console.is_terminal and "COLUMNS" not in os.environ:
    console = Console(stderr=True, width=200)

ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", help="Model folder or bundle (moviegenre export) (default: the shipped model)."
    ),
]
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
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )


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
