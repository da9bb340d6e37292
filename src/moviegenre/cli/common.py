"""Options and helpers shared by CLI modules."""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)

ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", help="Model folder or bundle (moviegenre export) (default: the shipped model)."
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
