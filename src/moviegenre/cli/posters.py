"""``moviegenre posters download``: fetch TMDB posters for a movies file (see moviegenre.download)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import typer

from .common import console, setup_logging

DEFAULT_API = "https://api.themoviedb.org/3"
DEFAULT_IMAGES = "https://image.tmdb.org/t/p"


def register(app: typer.Typer) -> None:
    """Add the ``posters`` command group to the main app."""
    posters = typer.Typer(help="Get poster images (TMDB downloader).", no_args_is_help=True)
    posters.command("download")(download)
    posters.command("to-jsonl")(to_jsonl)
    app.add_typer(posters, name="posters")


def download(
    data: Path = typer.Option(
        ...,
        "--data",
        help="movies_metadata.csv (Kaggle), a TMDB-5000 csv or a JSONL file with tmdb_id (and poster_path).",
    ),
    out: Path = typer.Option(..., "--out", help="Folder for the posters, named <tmdb_id>.jpg."),
    api_key: str | None = typer.Option(
        None,
        "--api-key",
        help="TMDB API key (v3 key or v4 read token). "
        "Prefer the TMDB_API_KEY environment variable (a flag shows in `ps`).",
        show_default=False,
    ),
    size: str = typer.Option("w185", "--size", help="Poster size: w92 w154 w185 w342 w500 w780 original."),
    api_base_url: str = typer.Option(DEFAULT_API, "--api-base-url", help="TMDB API base (proxy, fake)."),
    image_base_url: str = typer.Option(DEFAULT_IMAGES, "--image-base-url", help="TMDB image CDN base."),
    rate: float = typer.Option(20.0, "--rate", help="Max requests per second, all requests together."),
    concurrency: int = typer.Option(8, "--concurrency", help="Requests in flight at once."),
    retries: int = typer.Option(4, "--retries", help="Retries per request on 429/5xx/timeouts/bad bodies."),
    timeout: float = typer.Option(20.0, "--timeout", help="Seconds without progress before a retry."),
    backoff: float = typer.Option(0.5, "--backoff", help="First backoff step, s (doubles, jittered)."),
    max_mb: float = typer.Option(5.0, "--max-mb", help="Reject responses larger than this many MB."),
    limit: int | None = typer.Option(None, "--limit", help="Only the first N movies of the file."),
    failures: Path | None = typer.Option(
        None, "--failures", help="Failure log (JSONL); default OUT/download-failures.jsonl."
    ),
    trust_existing: bool = typer.Option(
        False,
        "--trust-existing",
        help="Count present files as done without decoding them (faster resume on huge folders).",
    ),
    json_summary: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar on stderr."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging (key stays hidden)."),
) -> None:
    """Download the posters of every movie in --data into --out: resumable, rate limited, validated."""
    try:
        import httpx  # noqa: F401  (only to fail early with an actionable message)
    except ImportError:
        from ..errors import MovieGenreError

        raise MovieGenreError('the downloader needs httpx: pip install "moviegenre[download]"') from None
    from ..download import DownloadConfig, DownloadError, download_posters, read_jobs
    from ..download.redact import redact

    setup_logging(verbose)
    logging.getLogger("httpcore").setLevel(logging.INFO)  # its DEBUG trace is socket-level noise
    if not verbose:  # httpx logs every request at INFO: 45,000 lines is not a summary
        logging.getLogger("httpx").setLevel(logging.WARNING)
    from ..files import check_output_dir, check_output_file

    check_output_dir(out)  # before the work (a file named like the folder, a read-only place)
    if failures is not None:
        check_output_file(failures, "--failures")
    key = api_key or os.environ.get("TMDB_API_KEY") or None
    cfg = DownloadConfig(
        out_dir=out,
        api_key=key,
        size=size,
        api_base_url=api_base_url,
        image_base_url=image_base_url,
        rate=rate,
        concurrency=concurrency,
        retries=retries,
        timeout=timeout,
        backoff_base=backoff,
        max_bytes=int(max_mb * 2**20),
        verify_existing=not trust_existing,
        failures_path=failures,
        progress=progress,
    )
    jobs, skipped = read_jobs(data, limit=limit)
    if not jobs:
        raise DownloadError(f"{data}: no movies with a usable TMDB id")
    need_api = sum(j.poster_path is None for j in jobs)
    if need_api and not key:
        console.print(
            f"[yellow]warning:[/] {need_api:,} movies have no poster_path and no API key is set "
            "(--api-key or TMDB_API_KEY); they will fail with 'no API key'."
        )
    dropped = ", ".join(f"{r} {n:,}" for r, n in skipped.items())
    console.print(
        f"{len(jobs):,} movies from {data.name} ({need_api:,} need an API lookup)"
        + (f"; rows skipped: {dropped}" if skipped else "")
    )
    try:
        summary = download_posters(jobs, cfg)
    except KeyboardInterrupt:
        # finished posters are already in place (atomic renames): the same command picks up from here
        console.print("interrupted — run the same command again to resume")
        raise typer.Exit(130) from None
    report = summary.to_dict() | {"rows_skipped": dict(skipped), "failures_log": str(cfg.failures_file)}
    if json_summary:
        print(redact(json.dumps(report), key))
    _print_summary(report, key)
    if summary.aborted:
        hint = (
            "check the API key"
            if "401" in summary.aborted
            else "check the network and --api-base-url / --image-base-url"
            if "connect" in summary.aborted
            else "check the poster folder's disk"
        )
        raise DownloadError(f"stopped early: {summary.aborted} — {hint}")


def _print_summary(report: dict, key: str | None) -> None:
    from rich.table import Table

    from ..download.redact import redact

    table = Table(title="poster download", show_header=False)
    table.add_row("downloaded", f"{report['downloaded']:,}")
    table.add_row("already there", f"{report['already_there']:,}")
    if report["replaced_invalid"]:
        table.add_row("  (replaced invalid files)", f"{report['replaced_invalid']:,}")
    table.add_row("failed", f"{report['failed']:,}")
    for reason, n in sorted(report["failed_by_reason"].items(), key=lambda kv: -kv[1]):
        table.add_row(f"  {reason}", f"{n:,}")
    table.add_row("requests", f"{report['requests']:,} in {report['elapsed_s']:.1f}s")
    console.print(table)
    if report["failed"]:
        console.print(f"failures: {redact(report['failures_log'], key)}")


def to_jsonl(
    data: str = typer.Option(..., "--data", help="movies_metadata.csv, tmdb_5000_movies.csv or JSONL."),
    posters_dir: Path = typer.Option(
        ..., "--posters", help="Poster folder (`posters download`); must be inside the folder of --out."
    ),
    out: Path = typer.Option(..., "--out", help="JSONL file to write (poster paths relative to its folder)."),
    format: str | None = typer.Option(None, "--format", help="Override format detection of --data."),
    require_poster: bool = typer.Option(False, "--require-poster", help="Leave out movies without a poster."),
) -> None:
    """Write --data as JSONL in the project's schema, with posters from --posters: every command reads it."""
    from ..download.export import export_jsonl
    from ..files import check_output_file

    check_output_file(out)
    setup_logging(False)
    counts = export_jsonl(data, posters_dir, out, format, require_poster)
    console.print(
        f"wrote {counts['movies']:,} movies to {out} ({counts.get('with poster', 0):,} with a poster)"
    )
    for key in ("rows_skipped", "issues"):
        if counts[key]:
            listed = ", ".join(f"{r} {n:,}" for r, n in counts[key].items())
            console.print(f"  {key.replace('_', ' ')}: {listed}")
