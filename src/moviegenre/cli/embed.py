"""``moviegenre embed``: compute and cache features for every requested input, with throughput."""

from __future__ import annotations

from pathlib import Path

import typer

from ..config import (
    DEFAULTS,
    INPUTS,
    Backend,
    CompaniesModel,
    EncoderConfig,
    PosterModel,
    TextModel,
    help_of,
)
from .common import CreditsOpt, KeywordsOpt, console

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
        keywords: KeywordsOpt = None,
        credits: CreditsOpt = None,
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
        as_json: bool = typer.Option(False, "--json", help="Also print the figures as JSON on stdout."),
        verbose: bool = typer.Option(False, "--verbose", "-v"),
    ) -> None:
        """Compute and cache features for each input; print movies/s per input.

        Pretrained encoders (MiniLM, EfficientNet-Lite) land in the feature cache, so a second run
        is a cache read. Fitted encoders (tfidf, multihot, metadata) are fitted here on all the
        given movies only to report their size and speed; models fit them on training movies.
        """
        import json
        import logging
        import os
        import time

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from collections import Counter

        from rich.table import Table

        from ..config import default_cache_dir
        from ..data import read_movies
        from ..encoders import build_encoder, networks
        from ..errors import MovieGenreError
        from ..files import check_output_dir
        from ..records import Dataset
        from .common import report_posters, setup_logging

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
        t0 = time.perf_counter()
        dataset = read_movies(data, keywords=keywords, credits=credits)
        movies = list(dataset)[:limit] if limit else list(dataset)
        console.print(
            f"{len(movies):,} movies from {data} read in {time.perf_counter() - t0:.2f}s"
            + (f" (skipped {dict(dataset.skipped)})" if dataset.skipped else "")
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
        report = {"movies": len(movies), "cache_dir": str(cache_dir), "inputs": {}}
        poster_skips = None
        for name in wanted:
            enc = build_encoder(name, cfg, cache_dir=cache_dir)
            loaded = sum(networks.LOAD_SECONDS.values())
            t = time.perf_counter()
            if not enc.pretrained:
                enc.fit(movies)
            _, present = enc.encode(movies, progress=True, cache=True)
            if name == "poster":
                poster_skips = dict(enc.skipped)
            # model loading (or the one-off ONNX export) is reported apart from the encoding rate
            load = sum(networks.LOAD_SECONDS.values()) - loaded
            dt = time.perf_counter() - t - load
            report["inputs"][name] = {
                "encoder": enc.name,
                "version": enc.version,
                "dim": enc.dim,
                "present": int(present.sum()),
                "skipped": dict(enc.skipped),
                "load_seconds": round(load, 3),
                "seconds": round(dt, 3),
                "movies_per_s": round(len(movies) / max(dt, 1e-9), 1),
            }
            skipped = ", ".join(f"{r}: {n}" for r, n in enc.skipped.items()) or "-"
            table.add_row(
                enc.name,
                str(enc.dim),
                f"{int(present.sum()):,}/{len(movies):,}",
                skipped,
                f"{load:.2f}",
                f"{dt:.2f}",
                f"{len(movies) / max(dt, 1e-9):,.0f}",
            )
        console.print(table)
        limited = dataset if not limit else Dataset(movies, dataset.source, issues=Counter())
        report["posters"] = report_posters(limited, poster_skips, uses_posters="poster" in wanted)
        report["total_seconds"] = round(time.perf_counter() - t0, 3)
        console.print(f"total {report['total_seconds']:.2f}s")
        if as_json:
            print(json.dumps(report, indent=2))
