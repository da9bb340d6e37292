"""``moviegenre embed``: compute and cache features for every requested input, with throughput."""

from __future__ import annotations

from pathlib import Path

import typer

from ..config import BATCH_DEFAULTS as BATCH
from ..config import (
    DEFAULTS,
    INPUTS,
    Backend,
    BatchConfig,
    CompaniesModel,
    EncoderConfig,
    Engine,
    PosterModel,
    TextModel,
    help_of,
)
from .common import console

ENC = DEFAULTS.encoders
DEFAULT_INPUTS = ",".join(INPUTS)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""

    @app.command()
    def embed(
        data: str = typer.Option(
            ..., "--data", help="Movies: a JSONL file or folder, a Kaggle/TMDB csv, or 'default'."
        ),
        inputs: str = typer.Option(DEFAULT_INPUTS, "--inputs", help="Comma-separated inputs to encode."),
        cache_dir: Path = typer.Option(
            None, "--cache-dir", help="Feature cache folder [default: ~/.cache/moviegenre]."
        ),
        text_model: TextModel = typer.Option(ENC.text_model, help=help_of(EncoderConfig, "text_model")),
        companies_model: CompaniesModel = typer.Option(
            ENC.companies_model, help=help_of(EncoderConfig, "companies_model")
        ),
        poster_model: PosterModel = typer.Option(
            ENC.poster_model, help=help_of(EncoderConfig, "poster_model")
        ),
        backend: Backend = typer.Option(ENC.backend, help=help_of(EncoderConfig, "backend")),
        batch_size: int = typer.Option(ENC.batch_size, min=1, help=help_of(EncoderConfig, "batch_size")),
        limit: int = typer.Option(0, min=0, help="Only the first N movies (0 = all)."),
        chunk_size: int = typer.Option(BATCH.batch_size, min=1, help=help_of(BatchConfig, "batch_size")),
        engine: Engine = typer.Option(BATCH.engine, help=help_of(BatchConfig, "engine")),
        ray_address: str = typer.Option(BATCH.ray_address, help=help_of(BatchConfig, "ray_address")),
        actors: int = typer.Option(BATCH.actors, min=0, help=help_of(BatchConfig, "actors")),
        as_json: bool = typer.Option(False, "--json", help="Also print the figures as JSON on stdout."),
        verbose: bool = typer.Option(False, "--verbose", "-v"),
    ) -> None:
        """Compute and cache features for each input; print movies/s per input.

        Pretrained encoders (MiniLM, EfficientNet-Lite) land in the feature cache, so a second run
        is a cache read. Movies are read, encoded and cached a chunk at a time, so memory stays flat
        however long the file. Fitted encoders (tfidf, multihot, metadata) are fitted here on the
        first chunk only to report their size and speed; models fit them on training movies (with
        --engine ray they are not run: they have nothing to cache).
        """
        import json
        import logging
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from rich.table import Table

        from ..batch import embed_file
        from ..config import default_cache_dir
        from ..data.info import poster_counts, poster_warning
        from ..errors import MovieGenreError
        from ..files import check_output_dir
        from .common import setup_logging

        setup_logging(verbose)
        if not verbose:  # library chatter ("Loading SentenceTransformer model ...") hides the table
            for name in ("sentence_transformers", "transformers", "moviegenre.encoders.base"):
                logging.getLogger(name).setLevel(logging.WARNING)
        wanted = [i.strip() for i in inputs.split(",") if i.strip()]
        bad = [i for i in wanted if i not in INPUTS]
        if bad or not wanted:
            raise MovieGenreError(f"unknown inputs {bad}; choose from {', '.join(INPUTS)}")
        cfg = EncoderConfig(
            text_model=text_model,
            companies_model=companies_model,
            poster_model=poster_model,
            backend=backend,
            batch_size=batch_size,
        )
        cache_dir = check_output_dir(cache_dir or default_cache_dir(), "--cache-dir")
        batch = BatchConfig(engine=engine, batch_size=chunk_size, ray_address=ray_address, actors=actors)
        run = embed_file(data, wanted, cfg, cache_dir, config=batch, limit=limit)
        movies = run["movies"]
        console.print(
            f"{movies:,} movies from {data} ({run['engine']} engine)"
            + (f" (skipped {run['skipped']})" if run["skipped"] else "")
        )
        from rich import box

        table = Table(title=f"features (cache: {cache_dir})", box=box.SIMPLE)
        for col in ("encoder", "dim", "present", "skipped", "load s", "encode s", "movies/s"):
            table.add_column(
                col,
                justify="left" if col in ("encoder", "skipped") else "right",
                overflow="fold",
                no_wrap=col == "encoder",
            )
        report = {
            "movies": movies,
            "cache_dir": str(cache_dir),
            "engine": run["engine"],
            "skipped_rows": run["skipped"],
            "inputs": {},
        }
        for name, s in run["inputs"].items():
            # Ray actors encode side by side: their summed encoding time is not the run's
            dt = s["seconds"] if run["engine"] == "local" else run["seconds"]
            report["inputs"][name] = {
                "encoder": s["encoder"],
                "version": s["version"],
                "dim": s["dim"],
                "present": s["present"],
                "skipped": s["skipped"],
                "load_seconds": round(s["load_seconds"], 3),
                "seconds": round(dt, 3),
                "movies_per_s": round(movies / max(dt, 1e-9), 1),
            }
            if s.get("note"):
                report["inputs"][name]["note"] = s["note"]
            skipped = s.get("note") or ", ".join(f"{r}: {n}" for r, n in s["skipped"].items()) or "-"
            table.add_row(
                s["encoder"],
                str(s["dim"]),
                f"{s['present']:,}/{movies:,}",
                skipped,
                f"{s['load_seconds']:.2f}",
                f"{dt:.2f}",
                f"{movies / max(dt, 1e-9):,.0f}",
            )
        console.print(table)
        if "poster" in run["inputs"]:
            s = run["inputs"]["poster"]
            found = s["present"] + sum(s["skipped"].values())
            summary = poster_counts(found, run["issues"], s["skipped"])
            line = poster_warning(summary)
            if line:
                console.print(f"[bold red]warning:[/] {line}", highlight=False, soft_wrap=True)
            report["posters"] = summary
        report["total_seconds"] = round(run["seconds"], 3)
        console.print(f"total {report['total_seconds']:.2f}s")
        if as_json:
            print(json.dumps(report, indent=2))
