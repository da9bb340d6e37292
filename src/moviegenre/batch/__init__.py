"""Batch runs over catalogues: ``predict`` a file of movies into a file of predictions, ``embed`` a file
into the feature cache, in bounded memory, on this machine (``local``) or on Ray Data (``ray_engine``).

``predict_file(source, out, load=...)`` and ``embed_file(source, encoders, ...)`` are what the CLI
calls; ``BatchConfig`` (``moviegenre.config``) says which engine and how big the steps are. The
predictor is anything with ``genres_``, ``inputs_`` and ``predict_details(movies, cache=)``; the Ray
engine gets ``load`` (a picklable function returning one) so each actor loads its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from ..config import BATCH_DEFAULTS, BatchConfig, EncoderConfig
from ..data import resolve_source, stream_movies
from ..data.info import poster_counts
from ..errors import MovieGenreError
from .local import embed_stream, empty_stats, predict_stream, progress_bar
from .writers import check_out, exit_on_sigterm, open_predictions

__all__ = ["embed_file", "predict_file"]


def _ray_source(source, format) -> tuple[Path, str]:
    path, fmt = resolve_source(source, format)
    if fmt not in ("parquet", "jsonl"):
        raise MovieGenreError(f"--engine ray reads Parquet or JSONL, not {fmt}: convert the file first")
    return path.resolve(), fmt


def predict_file(
    source: str | Path,
    out: str | Path,
    *,
    load: Callable,
    format: str | None = None,
    posters: str | Path | None = None,
    config: BatchConfig = BATCH_DEFAULTS,
    progress: bool = True,
) -> dict:
    """Predict every movie of ``source`` into ``out`` (.parquet, .jsonl or .csv, written atomically).

    Returns ``{"written", "skipped" (rows by reason), "issues", "posters", "seconds", "engine"}``. The input and
    ``out`` are checked before the model loads; an interrupted run (Ctrl-C, ``kill``) leaves no ``out``.
    """
    t0 = time.perf_counter()
    out = Path(out)
    check_out(out)
    stream = stream_movies(source, format, posters, config.batch_size)
    ray_path = _ray_source(source, format) if config.engine == "ray" else None
    predictor = load()
    genres, inputs = list(predictor.genres_), list(predictor.inputs_)
    posters = None
    with exit_on_sigterm():
        with open_predictions(out, genres, inputs, row_group_size=config.row_group_size) as writer:
            if ray_path is None:
                predict_stream(predictor, stream, writer, progress=progress)
                skipped, issues = stream.skipped, stream.issues
                if "poster" in inputs:
                    poster_enc = getattr(predictor, "encoders_", {}).get("poster")
                    failures = dict(poster_enc.skipped_total) if poster_enc is not None else None
                    posters = poster_counts(stream.posters_found, issues, failures)
            else:
                from . import ray_engine

                del predictor  # each actor loads its own
                with progress_bar(stream, "predicting", progress) as bar:
                    skipped, issues = ray_engine.predict(
                        *ray_path, stream.poster_root, load, genres, inputs, writer, config, bar
                    )
    return {
        "written": writer.written,
        "skipped": dict(skipped),
        "issues": dict(issues),
        "posters": posters,  # named / usable / unusable / reasons (local engine; None on Ray)
        "seconds": time.perf_counter() - t0,
        "engine": config.engine,
    }


def embed_file(
    source: str | Path,
    names: list[str],
    encoder_config: EncoderConfig,
    cache_dir: Path,
    *,
    format: str | None = None,
    posters: str | Path | None = None,
    config: BatchConfig = BATCH_DEFAULTS,
    limit: int = 0,
    progress: bool = True,
) -> dict:
    """Encode every movie of ``source`` with the encoders of ``names`` into ``cache_dir``'s feature
    cache, batch by batch. Returns ``{"movies", "skipped", "issues", "inputs": {name: {"encoder",
    "version", "dim", "present", "skipped", "seconds", "load_seconds", "note"}}, "seconds"}``.
    With Ray, only pretrained encoders run (fitted ones have nothing to cache: ``train`` fits them)."""
    from ..encoders import build_encoder

    t0 = time.perf_counter()
    if config.engine == "ray" and limit:
        raise MovieGenreError("--limit works with the local engine only")
    stream = stream_movies(source, format, posters, config.batch_size)
    ray_path = _ray_source(source, format) if config.engine == "ray" else None
    encoders = {n: build_encoder(n, encoder_config, cache_dir=cache_dir) for n in names}
    if ray_path is None:
        run = embed_stream(encoders, stream, progress=progress, limit=limit)
        run["skipped"], run["issues"] = stream.skipped, stream.issues
    else:
        from . import ray_engine

        pretrained = [n for n, e in encoders.items() if e.pretrained]
        with progress_bar(stream, "embedding", progress) as bar:
            run = ray_engine.embed(
                *ray_path, stream.poster_root, pretrained, encoder_config, cache_dir, config, bar
            )
    done = run["inputs"]
    run["inputs"] = {}
    for n, enc in encoders.items():
        s = done.get(n) or {
            **empty_stats(),
            "note": "fitted by train on its training movies: nothing to cache",
        }
        s.update(encoder=enc.name, version=enc.version, dim=enc.dim, skipped=dict(s["skipped"]))
        run["inputs"][n] = s
    run["skipped"], run["issues"] = dict(run["skipped"]), dict(run["issues"])
    run["seconds"] = time.perf_counter() - t0
    run["engine"] = config.engine
    return run
