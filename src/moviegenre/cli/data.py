"""``moviegenre data info`` and ``moviegenre data split``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from .common import CreditsOpt, KeywordsOpt, console, make_console, report_posters

DataOpt = typer.Option(
    "default",
    "--data",
    help="Movie file or folder (JSONL, movies_metadata.csv, "
    'tmdb_5000_movies.csv) or "default" (the embedded Wikidata table).',
)
FormatOpt = typer.Option(
    None,
    "--format",
    help="Override format detection: jsonl | parquet | movies_metadata | tmdb5000 | default.",
)
PostersOpt = typer.Option(
    None,
    "--posters",
    help="Folder of poster images for the CSV sources "
    "(matched by TMDB id, IMDb id or poster_path file name).",
)
JsonOpt = typer.Option(False, "--json", help="Print one JSON object instead of tables.")


def _read(data: str, fmt: str | None, posters: Path | None, keywords=None, credits=None):
    from ..data import read_movies

    return read_movies(data, fmt, posters, keywords=keywords, credits=credits)


def info(
    data: str = DataOpt,
    format: str | None = FormatOpt,
    posters: Path | None = PostersOpt,
    keywords: KeywordsOpt = None,
    credits: CreditsOpt = None,
    json_out: bool = JsonOpt,
    check_posters: bool = typer.Option(True, help="Open every poster to count those that work."),
) -> None:
    """Movies read, rows skipped by reason, genre counts, and how many have each input."""
    from ..data.info import summarize

    ds = _read(data, format, posters, keywords, credits)
    summary = summarize(ds, posters=check_posters, progress=not json_out or console.is_terminal)
    report_posters(ds, summary["poster_failures"] if check_posters else None)
    if json_out:
        print(json.dumps(summary, indent=1, ensure_ascii=False))
        return
    _print_info(summary)


def _print_info(s: dict) -> None:
    from rich.table import Table

    out = make_console()
    n = s["movies"]
    out.print(f"[bold]{s['source']}[/]: {n:,} movies read, {s['skipped_total']:,} rows skipped")
    for reason, c in s["skipped"].items():
        out.print(f"  skipped {c:,}: {reason}")
    for reason, c in s["issues"].items():
        out.print(f"  kept, but {c:,}: {reason}")
    t = Table("input", "movies", "%", title="inputs present")
    poster = s["with_poster"] if s["with_poster"] is not None else s["with_poster_path"]
    rows = [
        ("title", s["with_title"]),
        ("overview", s["with_overview"]),
        ("poster (opens)", poster),
        ("companies known", s["with_companies"]),
        ("companies listed", s["with_companies_listed"]),
    ]
    rows += [(f"metadata: {f}", c) for f, c in s["metadata"].items()]
    rows += [("keywords listed", s["with_keywords_listed"]), ("people (director or cast)", s["with_people"])]
    for name, c in rows:
        t.add_row(name, f"{c:,}", f"{100 * c / max(n, 1):.1f}")
    out.print(t)
    if s["poster_failures"]:
        out.print("poster failures: " + ", ".join(f"{k} {v}" for k, v in s["poster_failures"].items()))
    g = Table("genre", "movies", "%", title=f"{s['n_genres']} genres")
    for genre, c in s["genres"].items():
        g.add_row(genre, f"{c:,}", f"{100 * c / max(n, 1):.1f}")
    out.print(g)
    out.print("labels per movie: " + ", ".join(f"{k}: {v:,}" for k, v in s["labels_per_movie"].items()))


def split(
    data: str = DataOpt,
    out: Path = typer.Option(..., "--out", help="Split file to write (JSON)."),
    format: str | None = FormatOpt,
    posters: Path | None = PostersOpt,
    keywords: KeywordsOpt = None,
    credits: CreditsOpt = None,
    seed: int = typer.Option(0, help="Random seed of the stratified split."),
    fractions: str = typer.Option("0.7,0.15,0.15", help="train,val,test fractions."),
    min_genre_count: int = typer.Option(
        0, "--min-genre-count", help="Drop genres with fewer movies than this."
    ),
    json_out: bool = JsonOpt,
) -> None:
    """A multi-label stratified train/val/test split by movie key, written to --out."""
    from ..data.split import make_split, split_report
    from ..errors import DataError
    from ..files import check_output_file

    check_output_file(out)  # before the work: an existing folder named like the file, a read-only place

    try:
        fr = tuple(float(x) for x in fractions.split(","))
    except ValueError:
        raise DataError(f"--fractions must be three numbers like 0.7,0.15,0.15, got {fractions!r}") from None
    ds = _read(data, format, posters, keywords, credits)
    sp = make_split(ds, seed=seed, fractions=fr, min_genre_count=min_genre_count)
    sp.save(out)
    report = split_report(sp, ds)
    report["out"] = str(out)
    if json_out:
        print(json.dumps(report, indent=1, ensure_ascii=False))
        return
    s = report["sizes"]
    console.print(
        f"wrote {out}: train {s['train']:,} / val {s['val']:,} / test {s['test']:,} "
        f"(seed {seed}), {len(sp.genres)} genres"
    )
    if sp.dropped_genres:
        console.print(f"dropped genres (< {min_genre_count} movies): {', '.join(sp.dropped_genres)}")
    if report["genres_missing_from_a_part"]:
        console.print(
            f"[yellow]genres with >= 10 movies missing from a part:[/] {report['genres_missing_from_a_part']}"
        )
    else:
        console.print("every genre with >= 10 movies is in train, val and test")


def register(app: typer.Typer) -> None:
    """Add ``moviegenre data ...`` to the main app."""
    sub = typer.Typer(
        help="Read movie files: summaries and fixed train/val/test splits.", no_args_is_help=True
    )
    sub.command("info")(info)
    sub.command("split")(split)
    app.add_typer(sub, name="data")
