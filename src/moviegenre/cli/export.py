"""``moviegenre export``: a model folder → a bundle that predicts and serves without torch.

The bundle (``moviegenre.inference``) holds the ONNX graphs of the networks the model's encoders run,
the tokenizer, the fitted encoder states, the whole GenreNet as one graph, thresholds and genres. It
is checked against the model before it is written; ``--quantize int8`` prints how much the scores
moved (and micro-F1, given labelled ``--data``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .common import ModelOpt, VerboseOpt, console, setup_logging


def register(app: typer.Typer) -> None:
    """Add ``export`` to the main app."""

    @app.command()
    def export(
        out: Annotated[Path, typer.Option("--out", help="Bundle folder to write (new, empty, or a bundle).")],
        model: ModelOpt = None,
        quantize: Annotated[
            str | None, typer.Option(help="int8: dynamic int8 quantization of the encoder networks")
        ] = None,
        data: Annotated[
            str | None,
            typer.Option(help="labelled movies to compare the bundle with the model on (default: probes)"),
        ] = None,
        format: Annotated[str | None, typer.Option(help="format of --data (default: detected)")] = None,
        limit: Annotated[
            int, typer.Option(min=1, help="most --data movies compared (a seeded sample)")
        ] = 300,
        report: Annotated[Path | None, typer.Option(help="also write the comparison as JSON here")] = None,
        verbose: VerboseOpt = False,
    ) -> None:
        """Export a model to a bundle for `pip install moviegenre[serve]` (no torch): predict/serve --model BUNDLE."""
        setup_logging(verbose)
        from ..inference.compare import describe
        from ..inference.export import QUANTIZE, bundle_size, check_out, export_bundle

        if quantize is not None and quantize not in QUANTIZE:
            from ..errors import MovieGenreError

            raise MovieGenreError(f"--quantize: unknown {quantize!r}; choose from {', '.join(QUANTIZE)}")
        check_out(out)  # before the slow part
        movies = _sample(data, format, limit) if data else None
        path, comparison = export_bundle(model, out, quantize=quantize, movies=movies)
        console.print(
            f"wrote {path} ({bundle_size(path) / 2**20:.1f} MB{', ' + quantize if quantize else ''})"
        )
        console.print(describe(comparison), soft_wrap=True)
        if report is not None:
            from ..files import write_json

            size = round(bundle_size(path) / 2**20, 1)
            write_json(
                report,
                {"bundle": str(path), "bundle_mb": size, "quantize": quantize, "data": data, **comparison},
            )
        console.print(
            f"use it: moviegenre predict --model {path} ...  |  moviegenre serve --model {path}",
            soft_wrap=True,
        )


def _sample(data: str, fmt: str | None, limit: int):
    import random

    from ..data import read_movies

    movies = list(read_movies(data, fmt))
    random.Random(0).shuffle(movies)
    return movies[:limit]
