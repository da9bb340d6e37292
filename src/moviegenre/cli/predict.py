"""``moviegenre predict``: one movie from flags, or a file of movies.

It defaults to the model shipped inside the package (``moviegenre.pretrained``); ``--model DIR``
picks a folder written by ``GenreClassifier.save``. Heavy imports happen inside the command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..data.images import open_image, read_image_bytes
from ..errors import MovieGenreError
from ..files import atomic_path, check_output_file
from ..records import Movie, split_names
from .common import (
    CreditsOpt,
    KeywordsOpt,
    ModelOpt,
    console,
    load_classifier,
    poster_failures,
    report_posters,
    setup_logging,
)


def movie_from_flags(title, overview, companies, poster):
    poster_bytes = None
    if poster is not None:
        poster_bytes = read_image_bytes(poster)  # bounded; a FIFO or a device is refused, not read
        open_image(poster_bytes)  # ImageError (one line) for a missing, non-image or huge file
    movie = Movie(
        key="cli",
        title=title or None,
        overview=overview or None,
        companies=split_names(companies),
        poster_bytes=poster_bytes,
    )
    if not (movie.title or movie.overview or movie.companies or poster_bytes):
        raise MovieGenreError(
            "give at least one of --title, --overview, --companies, --poster (or --data FILE)"
        )
    return movie


def print_details(d: dict) -> None:
    """Genre bars (predicted genres in bold) and, for gated/late models, the input weights."""
    from rich.console import Console
    from rich.table import Table

    out = Console()
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


def check_out(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise MovieGenreError(f"--out must end in .jsonl or .csv, not {path.name}")
    return suffix


def write_predictions(path: Path, movies, details: list[dict], genres: list[str]) -> None:
    """``.jsonl`` (one object a movie) or ``.csv`` (key, title, genres, one score column a genre); atomic."""
    import csv

    suffix = check_out(path)
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        if suffix == ".jsonl":
            for m, d in zip(movies, details, strict=True):
                f.write(json.dumps({"key": m.key, "title": m.title, **d}, ensure_ascii=False) + "\n")
        else:
            w = csv.writer(f)
            w.writerow(["key", "title", "genres", *genres])
            for m, d in zip(movies, details, strict=True):
                w.writerow(
                    [
                        m.key,
                        m.title or "",
                        ";".join(d["genres"]),
                        *(f"{d['scores'][g]:.4f}" for g in genres),
                    ]
                )


def predict_file(
    clf,
    data: str,
    fmt: str | None,
    out: Path,
    batch_size: int,
    as_json: bool = False,
    keywords=None,
    credits=None,
) -> None:
    from tqdm import tqdm

    from ..data import read_movies
    from ..data.info import poster_warning

    dataset = read_movies(data, fmt, keywords=keywords, credits=credits)
    if dataset.skipped:
        console.print(f"skipped while reading: {dict(dataset.skipped)}")
    uses_posters = "poster" in clf.inputs_
    warned = poster_warning(report_posters(dataset, uses_posters=uses_posters)) is not None
    movies = list(dataset)
    details: list[dict] = []
    with tqdm(total=len(movies), desc="predicting", unit="movie") as bar:
        for s in range(0, len(movies), batch_size):
            chunk = movies[s : s + batch_size]
            details.extend(clf.predict_details(chunk))
            bar.update(len(chunk))
    write_predictions(out, movies, details, list(clf.genres_))
    posters = report_posters(dataset, poster_failures(clf), uses_posters=uses_posters, quiet=warned)
    console.print(f"wrote {len(details)} predictions to {out}")
    if as_json:
        summary = {
            "out": str(out),
            "movies": len(details),
            "skipped": dict(dataset.skipped),
            "posters": posters,
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
        as_json: Annotated[bool, typer.Option("--json", help="print JSON for machines")] = False,
        data: Annotated[
            str | None, typer.Option(help="predict every movie of this file/folder instead")
        ] = None,
        format: Annotated[str | None, typer.Option(help="format of --data (default: detected)")] = None,
        keywords: KeywordsOpt = None,
        credits: CreditsOpt = None,
        out: Annotated[Path | None, typer.Option(help="where --data predictions go: .jsonl or .csv")] = None,
        batch_size: Annotated[int, typer.Option(min=1, help="movies per forward pass with --data")] = 64,
        verbose: bool = False,
    ) -> None:
        """Predict genres of one movie from flags (any may be missing), or of a file with --data."""
        setup_logging(verbose)
        if data is not None:
            if out is None:
                raise MovieGenreError("--data needs --out preds.jsonl or preds.csv")
            check_out(out)  # before the slow part
            check_output_file(out)
            predict_file(load_classifier(model), data, format, out, batch_size, as_json, keywords, credits)
            return
        movie = movie_from_flags(title, overview, companies, poster)  # check input before loading the model
        # one movie: nothing worth keeping in the feature cache (it would be a shard per call)
        details = load_classifier(model).predict_details([movie], cache=False)[0]
        if as_json:
            print(json.dumps(details, ensure_ascii=False, indent=2))
        else:
            print_details(details)
