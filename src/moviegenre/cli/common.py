"""Options and helpers shared by CLI modules."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)

ModelOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="Model folder (default: the shipped model).")
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
    """``GenreClassifier.load`` of ``--model`` or the shipped model; errors are one line."""
    from ..modeling.classifier import GenreClassifier
    from ..pretrained import resolve_model_dir

    return GenreClassifier.load(resolve_model_dir(model))


def set_threads(threads: int) -> None:
    """Threads inside each onnxruntime session and torch op (0: leave the libraries' default, all
    cores). Must run before the model loads: sessions read it when they are built."""
    if threads > 0:
        import torch

        os.environ["MOVIEGENRE_THREADS"] = str(threads)
        torch.set_num_threads(threads)


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
