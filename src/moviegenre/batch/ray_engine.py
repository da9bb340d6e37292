"""The Ray engine: the local pipeline on Ray Data, for a cluster (``--engine ray``).

read Parquet (``read_parquet``) or JSONL (``JsonlLines``: raw lines, streamed) → decode rows and
encode + predict in an actor pool (each actor loads its predictor or encoders once, and runs its
networks on ``threads_per_actor`` threads) → the driver, which keeps the order, drops duplicate
keys, counts skipped rows and writes the same files as the local engine (``writers``); for
``embed``, the actors write the feature cache's shards themselves and send back only counts.

Each actor reserves ``cpus_per_actor`` (0.5 by default): an actor pool that reserves every CPU
leaves nothing for the read tasks and the pipeline hangs. With no address a local Ray of
``ray_cpus`` CPUs is started (and stopped at the end); with one, the run joins that cluster, whose
nodes must see the input, the posters and the feature cache at the same paths (shared storage).
Ray is imported here only; ``pip install 'moviegenre[ray]'``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ..config import BatchConfig, EncoderConfig
from ..errors import MovieGenreError
from .local import add_stats, empty_stats, encode_batch
from .writers import Predictions

try:
    import pyarrow as pa
    import ray
    from ray.data.datasource import FileBasedDatasource
except ImportError:  # pragma: no cover - the extra is not installed
    raise MovieGenreError("--engine ray needs Ray Data: pip install 'moviegenre[ray]'") from None

log = logging.getLogger(__name__)
LINES_PER_BLOCK = 4096
SKIP, ISSUE = "_skip", "_issue"  # per-row columns of the actors' output: why a row was dropped / flagged


class JsonlLines(FileBasedDatasource):
    """The non-blank lines of JSONL files as raw bytes (column ``line``), a block of
    ``LINES_PER_BLOCK`` lines at a time: decoding (and counting bad UTF-8) happens in the actors,
    exactly as the local reader does it; ``ray.data.read_text`` would decode strictly and fail."""

    def _read_stream(self, f, path: str):
        lines: list[bytes] = []
        rest = f.read(3).removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM, as the local reader drops it
        while chunk := f.read(1 << 20):
            parts = (rest + chunk).split(b"\n")
            rest = parts.pop()
            lines.extend(p for p in parts if p.strip())
            while len(lines) >= LINES_PER_BLOCK:
                yield pa.table({"line": pa.array(lines[:LINES_PER_BLOCK], pa.binary())})
                lines = lines[LINES_PER_BLOCK:]
        if rest.strip():
            lines.append(rest)
        if lines:
            yield pa.table({"line": pa.array(lines, pa.binary())})


def start(config: BatchConfig) -> bool:
    """Join ``config.ray_address`` or start a local Ray (unless Ray is already up in this process);
    True when this call started it (and the run should stop it)."""
    for name in ("ray", "ray.data"):  # Ray Data's plans and timings are not the user's business
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "progress bars disabled"
    warnings.filterwarnings("ignore", category=UserWarning, module=r"ray\.data")
    started = False
    if not ray.is_initialized():
        env = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        if os.environ.get("MOVIEGENRE_CACHE"):
            env["MOVIEGENRE_CACHE"] = os.environ["MOVIEGENRE_CACHE"]
        kw = {"runtime_env": {"env_vars": env}, "logging_level": logging.WARNING}
        try:
            if config.ray_address:
                ray.init(address=config.ray_address, **kw)
            else:
                ray.init(num_cpus=config.ray_cpus, include_dashboard=False, **kw)
        except (ConnectionError, RuntimeError, ValueError) as e:
            where = config.ray_address or "a local Ray"
            raise MovieGenreError(f"cannot start or join {where}: {str(e).splitlines()[0]}") from None
        started = True
    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True  # the local engine's row order, the same duplicates win
    ctx.enable_progress_bars = False  # the driver shows one bar of its own
    return started


def read(path: Path, fmt: str, batch_size: int):
    """A Ray Dataset of the raw rows (Parquet columns, or JSONL ``line``s), ``batch_size`` rows a block."""
    if fmt == "parquet":
        from ..data.parquet import open_parquet

        columns = open_parquet(path)[1]  # checks the file here, on the driver: one-line errors
        ds = ray.data.read_parquet(str(path), columns=columns)
    elif fmt == "jsonl":
        ds = ray.data.read_datasource(JsonlLines(str(path)))
    else:
        raise MovieGenreError(f"--engine ray reads Parquet or JSONL, not {fmt}: convert the file first")
    # a file is read in a few large blocks (a row group, 4096 lines); blocks of one batch spread the
    # work over every actor instead of the one that got the block
    return ds.repartition(target_num_rows_per_block=batch_size)


def decode(table, fmt: str, root: Path | None, name: str):
    """A batch of raw rows → ``(movies, skip [n], issue [n])``: the ``i``-th row gave ``movies[k]`` or
    was skipped for ``skip[i]``; ``issue[i]``: a problem of a kept row (a refused poster path)."""
    from ..data.jsonl import row_movie
    from ..data.parquet import movie_from_row

    movies, skips, issues = [], [], []
    rows = table.column("line").to_pylist() if fmt == "jsonl" else table.to_pylist()
    for row in rows:
        skipped, issue = Counter(), Counter()
        if fmt == "jsonl":
            line = row.decode("utf-8", errors="surrogateescape")
            movie = row_movie(name, 0, line, root, skipped, issue)
        else:
            movie = movie_from_row(row, root, skipped, issue)
        skips.append(next(iter(skipped), None))
        issues.append(next(iter(issue), None))
        if movie is not None:
            movies.append(movie)
    return movies, skips, issues


def _threads(n: int) -> None:
    """Networks of this actor on ``n`` threads (onnxruntime reads the variable when a session is built)."""
    os.environ["MOVIEGENRE_THREADS"] = str(n)
    try:
        import torch
    except ImportError:  # a torch-free predictor
        return
    torch.set_num_threads(n)


class PredictActor:
    """Loads the predictor once; each call decodes a batch of rows and predicts its movies."""

    def __init__(self, loader: Callable, fmt: str, root: str | None, name: str, threads: int):
        _threads(threads)
        self.predictor = loader()
        self.genres, self.inputs = list(self.predictor.genres_), list(self.predictor.inputs_)
        self.fmt, self.root, self.name = fmt, Path(root) if root else None, name

    def __call__(self, table):
        import numpy as np

        movies, skips, issues = decode(table, self.fmt, self.root, self.name)
        details = self.predictor.predict_details(movies, cache=False) if movies else []
        kept = Predictions.from_details(movies, details, self.genres, self.inputs)
        n, rows = len(skips), [i for i, s in enumerate(skips) if s is None]
        full = Predictions(
            [""] * n,
            [None] * n,
            [[] for _ in range(n)],
            np.full((n, len(self.genres)), np.nan, np.float32),
            np.full((n, len(self.inputs)), np.nan, np.float32),
        )
        for k, i in enumerate(rows):
            full.keys[i], full.titles[i], full.genres[i] = kept.keys[k], kept.titles[k], kept.genres[k]
        full.scores[rows], full.weights[rows] = kept.scores, kept.weights
        out = full.to_arrow(self.genres, self.inputs)
        out = out.append_column(SKIP, pa.array(skips, pa.string()))
        return out.append_column(ISSUE, pa.array(issues, pa.string()))


class EmbedActor:
    """Builds the encoders once; each call encodes a batch into the feature cache and returns counts."""

    def __init__(self, names, encoder_config: dict, cache_dir: str, fmt, root, name, threads):
        from ..encoders import build_encoder

        _threads(threads)
        cfg = EncoderConfig.from_dict(encoder_config)
        self.encoders = {n: build_encoder(n, cfg, cache_dir=cache_dir) for n in names}
        for enc in self.encoders.values():
            enc.cache.retain = False  # shards go to disk; the actor keeps no copy
        self.fmt, self.root, self.name = fmt, Path(root) if root else None, name

    def __call__(self, table):
        movies, skips, issues = decode(table, self.fmt, self.root, self.name)
        stats = {name: encode_batch(enc, movies) for name, enc in self.encoders.items()}
        return pa.table(
            {
                "rows": [len(skips)],
                "movies": [len(movies)],
                "skipped": [json.dumps(Counter(s for s in skips if s))],
                "issues": [json.dumps(Counter(s for s in issues if s))],
                "stats": [json.dumps(stats)],
            }
        )


def _pool(config: BatchConfig) -> dict:
    """``map_batches`` arguments of the actor pool: size and fractional CPU reservation."""
    actors = config.actors or max(1, int(ray.cluster_resources().get("CPU", 1)))
    return {
        "compute": ray.data.ActorPoolStrategy(size=actors),
        "num_cpus": config.cpus_per_actor,
        "batch_size": config.batch_size,
    }


@contextlib.contextmanager
def _pipeline(actor, path: Path, fmt: str, root: Path | None, config: BatchConfig, **kwargs):
    """The Dataset read → ``actor`` pool (constructed with ``kwargs`` plus where the rows come from),
    on a Ray started (and stopped after) or joined for the block; Ray's errors as one line."""
    started = start(config)
    try:
        kwargs.update(
            fmt=fmt, root=str(root) if root else None, name=path.name, threads=config.threads_per_actor
        )
        ds = read(path, fmt, config.batch_size).map_batches(
            actor, fn_constructor_kwargs=kwargs, batch_format="pyarrow", **_pool(config)
        )
        yield ds
    except ray.exceptions.RayError as e:
        cause = getattr(e, "cause", None) or e
        raise MovieGenreError(
            f"ray engine failed: {type(cause).__name__}: {str(cause).splitlines()[0]}"
        ) from None
    finally:
        if started:
            ray.shutdown()


def predict(
    path: Path,
    fmt: str,
    root: Path | None,
    loader: Callable,
    genres,
    inputs,
    writer,
    config: BatchConfig,
    bar,
) -> tuple[Counter, Counter]:
    """Predict every row of ``path`` into ``writer`` on Ray; returns the skipped rows by reason and
    the issues of kept rows (``bar``: a tqdm bar, advanced by rows; ``genres``/``inputs``: the predictor's)."""
    skipped, issues, seen = Counter(), Counter(), set()
    with _pipeline(PredictActor, path, fmt, root, config, loader=loader) as ds:
        for table in ds.iter_batches(batch_format="pyarrow", batch_size=None):
            keep = []
            for skip, issue, key in zip(
                table.column(SKIP).to_pylist(),
                table.column(ISSUE).to_pylist(),
                table.column("key").to_pylist(),
                strict=True,
            ):
                if skip is None and key in seen:
                    skip = "duplicate key"  # the local reader's rule: the first one wins
                if skip is not None:
                    skipped[skip] += 1
                elif issue is not None:
                    issues[issue] += 1
                keep.append(skip is None)
                seen.add(key)
            writer.write(Predictions.from_arrow(table.filter(pa.array(keep)), genres, inputs))
            bar.update(table.num_rows)
    return skipped, issues


def embed(
    path: Path,
    fmt: str,
    root: Path | None,
    names: list[str],
    encoder_config: EncoderConfig,
    cache_dir: Path,
    config: BatchConfig,
    bar,
) -> dict:
    """Encode every row of ``path`` with the (pretrained) encoders ``names`` into ``cache_dir``'s
    feature cache on Ray. Returns ``{"movies", "skipped", "issues", "inputs": {name: stats}}``."""
    run = {
        "movies": 0,
        "skipped": Counter(),
        "issues": Counter(),
        "inputs": {n: empty_stats() for n in names},
    }
    kwargs = {"names": names, "encoder_config": encoder_config.to_dict(), "cache_dir": str(cache_dir)}
    with _pipeline(EmbedActor, path, fmt, root, config, **kwargs) as ds:
        for table in ds.iter_batches(batch_format="pyarrow", batch_size=None):
            for row in table.to_pylist():
                run["movies"] += row["movies"]
                run["skipped"].update(json.loads(row["skipped"]))
                run["issues"].update(json.loads(row["issues"]))
                for n, s in json.loads(row["stats"]).items():
                    add_stats(run["inputs"][n], s)
                bar.update(row["rows"])
    return run
