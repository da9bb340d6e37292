"""The local engine: read → encode → predict → write, one bounded batch at a time, on this machine.

The pipeline pulls one batch from the ``MovieStream``, predicts it, hands it to the writer and only
then pulls the next, so it holds one batch of movies (and at most one Parquet row group of
predictions) whatever the number of movies. The networks use every core through their own threads.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator

from ..data.stream import MovieStream
from ..records import Movie
from .writers import Predictions


def progress_bar(stream: MovieStream, desc: str, enabled: bool = True):
    """A bar over the stream's rows: count, rate and ETA (the total is known for JSONL/Parquet); plain
    lines in a log (``moviegenre.progress``)."""
    from ..progress import progress_bar as bar

    return bar(total=stream.total, desc=desc, unit="movie", enabled=enabled, smoothing=0.1)


def limited(batches: Iterable[list[Movie]], limit: int) -> Iterator[list[Movie]]:
    """The first ``limit`` movies of ``batches`` (0 = all), still in batches; stops reading there."""
    left = limit or None
    for batch in batches:
        if left is not None:
            batch = batch[:left]
            left -= len(batch)
        yield batch
        if left is not None and left <= 0:
            return


def predict_stream(
    predictor, stream: MovieStream, writer, *, progress: bool = True, cache: bool = False
) -> int:
    """Predict every movie of ``stream`` into ``writer`` (``writers.open_predictions``); rows written.

    ``predictor``: anything with ``genres_``, ``inputs_`` and ``predict_details(movies, cache=)``
    (``GenreClassifier`` or an exported bundle). ``cache``: read and add to the feature cache.
    """
    genres, inputs = list(predictor.genres_), list(predictor.inputs_)
    stream.posters_found = 0  # movies kept with a poster (for the "no poster can be used" summary)
    with progress_bar(stream, "predicting", progress) as bar:
        for batch in stream:
            stream.posters_found += sum(m.has_poster for m in batch)
            details = predictor.predict_details(batch, cache=cache)
            writer.write(Predictions.from_details(batch, details, genres, inputs))
            bar.update(stream.rows_read - bar.n)
        bar.update(stream.rows_read - bar.n)
    return writer.written


def embed_stream(encoders: dict, stream: MovieStream, *, progress: bool = True, limit: int = 0) -> dict:
    """Encode every movie of ``stream`` with each encoder, batch by batch, into the feature cache.

    Pretrained encoders write each batch's features to the cache as shards and keep no copy in
    memory (``FeatureCache.retain``); fitted encoders (TF-IDF, multi-hot, metadata) have nothing to
    cache and are fitted on the first batch only to report their size and speed.
    Returns ``{"movies": n, "inputs": {name: {"present", "skipped", "seconds", "load_seconds"}}}``.
    """
    stats = {name: empty_stats() for name in encoders}
    caches = [enc.cache for enc in encoders.values() if enc.pretrained]
    for cache in caches:
        cache.retain = False
    try:
        movies = _embed_batches(encoders, stream, stats, progress, limit)
    finally:
        for cache in caches:  # later lookups in this process read the shards back
            cache.retain = True
    return {"movies": movies, "inputs": stats}


def _embed_batches(encoders: dict, stream: MovieStream, stats: dict, progress: bool, limit: int) -> int:
    movies, fitted = 0, set()
    with progress_bar(stream, "embedding", progress) as bar:
        for batch in limited(stream, limit):
            for name, enc in encoders.items():
                if not enc.pretrained and name not in fitted:
                    enc.fit(batch)
                    fitted.add(name)
                add_stats(stats[name], encode_batch(enc, batch))
            movies += len(batch)
            bar.update(stream.rows_read - bar.n)
    return movies


def encode_batch(enc, movies: list[Movie]) -> dict:
    """Encode ``movies`` (pretrained encoders: into the feature cache); the batch's figures."""
    from ..encoders import networks

    loaded = sum(networks.LOAD_SECONDS.values())
    t = time.perf_counter()
    _, present = enc.encode(movies, cache=True)
    load = sum(networks.LOAD_SECONDS.values()) - loaded  # a network loading is not encoding
    return {
        "present": int(present.sum()),
        "skipped": Counter(enc.skipped),
        "seconds": time.perf_counter() - t - load,
        "load_seconds": load,
    }


def empty_stats() -> dict:
    """An input's figures before any batch: movies with it, skipped by reason, encoding and loading seconds."""
    return {"present": 0, "skipped": Counter(), "seconds": 0.0, "load_seconds": 0.0}


def add_stats(total: dict, batch: dict) -> None:
    """Add one batch's figures (``empty_stats`` keys) to ``total``."""
    for k in ("present", "seconds", "load_seconds"):
        total[k] += batch[k]
    total["skipped"].update(batch["skipped"])
