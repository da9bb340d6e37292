"""``moviegenre predict``: one movie from flags, or a file of movies.

It defaults to the model shipped inside the package (``moviegenre.pretrained``); ``--model DIR``
picks a folder written by ``GenreClassifier.save``. Heavy imports happen inside the command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..config import BATCH_DEFAULTS as BATCH
from ..config import BatchConfig, Engine, help_of
from ..data.images import open_image, read_image_bytes
from ..errors import MovieGenreError
from ..records import Movie
from ..serving.inputs import (
    RUNTIME_MAX,
    RUNTIME_MIN,
    YEAR_MAX,
    YEAR_MIN,
    NoInputError,
    check_codes,
    check_input,
    movie_from_fields,
)
from .common import ModelOpt, VerboseOpt, console, load_classifier, make_console, setup_logging


def flag(field: str) -> str:
    return "--" + field


def movie_from_flags(poster: Path | None = None, **fields) -> Movie:
    """The movie the flags describe; blank text counts as absent and nothing at all is an error."""
    poster_bytes = None
    if poster is not None:
        poster_bytes = read_image_bytes(poster)  # bounded; a FIFO or a device is refused, not read
        open_image(poster_bytes)  # ImageError (one line) for a missing, non-image or huge file
    language, country = fields.get("language"), fields.get("country")
    check_codes(
        language if language and language.strip() else None,
        country if country and country.strip() else None,
        flag,
    )
    movie = movie_from_fields("cli", poster_bytes, **fields)
    try:
        check_input(movie, names=flag)
    except NoInputError as e:
        raise MovieGenreError(f"{e} (or --data FILE)") from None
    return movie


def print_details(d: dict) -> None:
    """Genre bars (predicted genres in bold) and, for gated/late models, the input weights."""
    from rich.table import Table

    out = make_console()
    predicted = set(d["genres"])
    out.print(f"[bold]Genres:[/bold] {', '.join(d['genres']) or '(none over threshold)'}")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("genre")
    table.add_column("p", justify="right")
    table.add_column("")
    for genre, p in sorted(d["scores"].items(), key=lambda kv: -kv[1]):
        style = "bold" if genre in predicted else "dim"
        table.add_row(f"[{style}]{genre}[/{style}]", f"{p:.2f}", "█" * round(p * 30))
    out.print(table)
    if d.get("weights"):
        out.print("[bold]How much each input counted:[/bold]")
        for name, w in d["weights"].items():
            out.print(f"  {name:<10} {w:5.2f} {'█' * round(w * 30)}")


def predict_file(
    model: str | None, data: str, out: Path, fmt: str | None, config: BatchConfig, as_json: bool = False
) -> None:
    """``--data``: stream the file through the predictor into ``out`` (``moviegenre.batch``)."""
    from functools import partial

    from ..batch import predict_file as run
    from ..data.info import POSTER_ISSUE_PREFIX, poster_warning

    if model and Path(model).expanduser().is_dir():  # Ray actors load it from another working directory
        model = str(Path(model).expanduser().resolve())
    report = run(data, out, load=partial(load_classifier, model), format=fmt, config=config)
    rate = report["written"] / max(report["seconds"], 1e-9)
    console.print(
        f"wrote {report['written']:,} predictions to {out} in {report['seconds']:.1f}s ({rate:,.0f} movies/s)"
    )
    if report["skipped"]:
        console.print(f"skipped while reading: {report['skipped']}")
    # the poster refusals among the issues are told once, in the poster summary below
    shown = report["issues"]
    if report["posters"] is not None:
        shown = {r: n for r, n in shown.items() if not r.startswith(POSTER_ISSUE_PREFIX)}
    if shown:
        console.print(f"problems in kept rows: {shown}")
    if report["posters"] is not None:
        line = poster_warning(report["posters"])
        if line:
            console.print(f"[bold red]warning:[/] {line}", highlight=False, soft_wrap=True)
    if as_json:
        summary = {
            "out": str(out),
            "movies": report["written"],
            "skipped": report["skipped"],
            "issues": report["issues"],
            "posters": report["posters"],
            "engine": report["engine"],
        }
        print(json.dumps(summary, ensure_ascii=False, indent=1))


def register(app: typer.Typer) -> None:
    """Add ``predict`` to the main app."""

    @app.command()
    def predict(
        model: ModelOpt = None,
        title: Annotated[str | None, typer.Option(help="the movie's title")] = None,
        overview: Annotated[str | None, typer.Option(help="plot summary")] = None,
        companies: Annotated[str | None, typer.Option(help='production companies, "A; B"')] = None,
        poster: Annotated[Path | None, typer.Option(help="poster image file")] = None,
        keywords: Annotated[str | None, typer.Option(help='keywords, "heist; small town"')] = None,
        director: Annotated[str | None, typer.Option(help="the director")] = None,
        cast: Annotated[str | None, typer.Option(help='top-billed cast, "A; B"')] = None,
        tagline: Annotated[str | None, typer.Option(help="the tagline")] = None,
        year: Annotated[int | None, typer.Option(min=YEAR_MIN, max=YEAR_MAX, help="release year")] = None,
        runtime: Annotated[
            float | None, typer.Option(min=RUNTIME_MIN, max=RUNTIME_MAX, help="runtime in minutes")
        ] = None,
        language: Annotated[str | None, typer.Option(help="original language code, e.g. en")] = None,
        country: Annotated[str | None, typer.Option(help="production country code, e.g. US")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print JSON for machines")] = False,
        data: Annotated[
            str | None, typer.Option(help="predict every movie of this file/folder instead")
        ] = None,
        format: Annotated[str | None, typer.Option(help="format of --data (default: detected)")] = None,
        out: Annotated[
            Path | None, typer.Option(help="where --data predictions go: .parquet, .jsonl or .csv")
        ] = None,
        batch_size: Annotated[
            int, typer.Option(min=1, help=help_of(BatchConfig, "batch_size"))
        ] = BATCH.batch_size,
        engine: Annotated[Engine, typer.Option(help=help_of(BatchConfig, "engine"))] = BATCH.engine,
        ray_address: Annotated[
            str | None, typer.Option(help=help_of(BatchConfig, "ray_address"))
        ] = BATCH.ray_address,
        actors: Annotated[int, typer.Option(min=0, help=help_of(BatchConfig, "actors"))] = BATCH.actors,
        verbose: VerboseOpt = False,
    ) -> None:
        """Predict genres of one movie from flags (any may be missing, not all), or of a file with --data."""
        setup_logging(verbose)
        if data is not None:
            if out is None:
                raise MovieGenreError("--data needs --out preds.parquet, preds.jsonl or preds.csv")
            config = BatchConfig(batch_size=batch_size, engine=engine, ray_address=ray_address, actors=actors)
            predict_file(model, data, out, format, config, as_json)
            return
        movie = movie_from_flags(  # check the input before loading the model
            poster,
            title=title,
            overview=overview,
            companies=companies,
            keywords=keywords,
            director=director,
            cast=cast,
            tagline=tagline,
            year=year,
            runtime=runtime,
            language=language,
            country=country,
        )
        clf = load_classifier(model)
        check_input(movie, list(clf.inputs_), names=flag)  # e.g. only --year for a model without metadata
        # one movie: nothing worth keeping in the feature cache (it would be a shard per call)
        details = clf.predict_details([movie], cache=False)[0]
        if as_json:
            print(json.dumps(details, ensure_ascii=False, indent=2))
        else:
            print_details(details)
