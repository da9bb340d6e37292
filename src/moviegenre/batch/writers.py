"""Where batch predictions go: ``.parquet``, ``.jsonl`` or ``.csv``, written as the batches come.

``open_predictions(path, genres, inputs)`` is a context manager yielding a writer with
``write(Predictions)``; the rows go to a temporary sibling of ``path``, renamed over ``path`` only
when the block ends without error, so an interrupted run leaves no half-written file (and
``exit_on_sigterm`` makes a ``kill`` end the run through that cleanup too). Memory stays bounded:
JSONL and CSV rows are written at once, Parquet rows are buffered up to one row group.

Parquet columns: ``key``, ``title``, ``genres`` (list of strings, the predicted ones, most probable
first), one ``score_<Genre>`` float column per genre (``score_Science Fiction``), one
``weight_<input>`` column per input (how much it counted; null when the model cannot say).
"""

from __future__ import annotations

import contextlib
import csv
import json
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..data.parquet import require_pyarrow
from ..errors import MovieGenreError
from ..files import atomic_path, check_output_file
from ..records import Movie

SUFFIXES = (".parquet", ".jsonl", ".csv")
SCORE, WEIGHT = "score_", "weight_"


def check_out(path: Path) -> str:
    """The output format from ``path``'s suffix; a one-line error for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise MovieGenreError(f"--out must end in .parquet, .jsonl or .csv, not {Path(path).name}")
    if suffix == ".parquet":
        require_pyarrow()
    check_output_file(path)  # an existing folder, a device, an unwritable place: refused before the work
    return suffix


@dataclass
class Predictions:
    """One batch of predictions, by column. ``scores`` float32 [n, G] (columns = the model's genres),
    ``weights`` float32 [n, I] (columns = its inputs; NaN = the model cannot say)."""

    keys: list[str]
    titles: list[str | None]
    genres: list[list[str]]
    scores: np.ndarray
    weights: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def from_details(
        cls, movies: Sequence[Movie], details: Sequence[dict], genres: Sequence[str], inputs: Sequence[str]
    ) -> Predictions:
        """From a predictor's ``predict_details`` (``{"genres", "scores": {g: p}, "weights": {i: w} | None}``)."""
        scores = np.array([[d["scores"][g] for g in genres] for d in details], np.float32)
        weights = np.array(
            [
                [np.nan if d.get("weights") is None else d["weights"].get(i, 0.0) for i in inputs]
                for d in details
            ],
            np.float32,
        )
        return cls(
            [m.key for m in movies],
            [m.title for m in movies],
            [list(d["genres"]) for d in details],
            scores.reshape(len(details), len(genres)),
            weights.reshape(len(details), len(inputs)),
        )

    def to_arrow(self, genres: Sequence[str], inputs: Sequence[str]):
        """A ``pyarrow.Table`` with the Parquet output columns."""
        import pyarrow as pa

        cols = {
            "key": pa.array(self.keys, pa.string()),
            "title": pa.array(self.titles, pa.string()),
            "genres": pa.array(self.genres, pa.list_(pa.string())),
        }
        for j, g in enumerate(genres):
            cols[SCORE + g] = pa.array(self.scores[:, j], pa.float32())
        for j, i in enumerate(inputs):
            w = self.weights[:, j]
            cols[WEIGHT + i] = pa.array(w, pa.float32(), mask=np.isnan(w))
        return pa.table(cols)

    @classmethod
    def from_arrow(cls, table, genres: Sequence[str], inputs: Sequence[str]) -> Predictions:
        """The inverse of ``to_arrow`` (extra columns are ignored)."""
        n = table.num_rows

        def matrix(prefix: str, names: Sequence[str]) -> np.ndarray:
            if not names:
                return np.zeros((n, 0), np.float32)
            cols = [table.column(prefix + x).to_numpy(zero_copy_only=False) for x in names]
            return np.stack([np.asarray(c, np.float32) for c in cols], 1)

        return cls(
            table.column("key").to_pylist(),
            table.column("title").to_pylist(),
            table.column("genres").to_pylist(),
            matrix(SCORE, genres),
            matrix(WEIGHT, inputs),
        )


class _Writer:
    def __init__(self, path: Path, genres: Sequence[str], inputs: Sequence[str], row_group_size: int):
        self.path, self.genres, self.inputs = path, list(genres), list(inputs)
        self.row_group_size = row_group_size
        self.written = 0  # rows handed to the writer so far

    def write(self, preds: Predictions) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Flush what is buffered (called once, also on failure: the temp file is dropped then)."""


class JsonlWriter(_Writer):
    """One object a movie: ``{"key", "title", "genres", "scores": {g: p}, "weights": {i: w} | null}``."""

    def __init__(self, *args):
        super().__init__(*args)
        self.f = self.path.open("w", encoding="utf-8", newline="")

    def write(self, preds: Predictions) -> None:
        for k in range(len(preds)):
            w = preds.weights[k]
            row = {
                "key": preds.keys[k],
                "title": preds.titles[k],
                "genres": preds.genres[k],
                "scores": dict(zip(self.genres, preds.scores[k].tolist(), strict=True)),
                "weights": None if np.isnan(w).any() else dict(zip(self.inputs, w.tolist(), strict=True)),
            }
            self.f.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.written += len(preds)

    def close(self) -> None:
        self.f.close()


class CsvWriter(_Writer):
    """``key, title, genres ("A;B"), one score column a genre`` (4 decimals)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.f = self.path.open("w", encoding="utf-8", newline="")
        self.csv = csv.writer(self.f)
        self.csv.writerow(["key", "title", "genres", *self.genres])

    def write(self, preds: Predictions) -> None:
        for k in range(len(preds)):
            self.csv.writerow(
                [
                    preds.keys[k],
                    preds.titles[k] or "",
                    ";".join(preds.genres[k]),
                    *(f"{p:.4f}" for p in preds.scores[k].tolist()),
                ]
            )
        self.written += len(preds)

    def close(self) -> None:
        self.f.close()


class ParquetWriter(_Writer):
    """Rows buffered until a row group is full, then written (``pyarrow.parquet.ParquetWriter``)."""

    def __init__(self, *args):
        import pyarrow.parquet as pq

        super().__init__(*args)
        empty = Predictions([], [], [], np.zeros((0, len(self.genres))), np.zeros((0, len(self.inputs))))
        self.schema = empty.to_arrow(self.genres, self.inputs).schema
        self.writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        self.buffer: list = []  # pyarrow tables, fewer than row_group_size rows in all
        self.buffered = 0

    def write(self, preds: Predictions) -> None:
        if not len(preds):
            return
        self.buffer.append(preds.to_arrow(self.genres, self.inputs))
        self.buffered += len(preds)
        self.written += len(preds)
        if self.buffered >= self.row_group_size:
            self.flush(whole_groups=True)

    def flush(self, whole_groups: bool = False) -> None:
        """Write the buffer as row groups of ``row_group_size``; with ``whole_groups`` a last partial
        group stays in the buffer (so the file is not cut at every batch)."""
        import pyarrow as pa

        if not self.buffer:
            return
        table = pa.concat_tables(self.buffer)
        size = self.row_group_size
        n = table.num_rows // size * size if whole_groups else table.num_rows
        if n:
            self.writer.write_table(table.slice(0, n), row_group_size=size)
        rest = table.slice(n)
        self.buffer, self.buffered = ([rest] if rest.num_rows else []), rest.num_rows

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.writer.close()


WRITERS = {".parquet": ParquetWriter, ".jsonl": JsonlWriter, ".csv": CsvWriter}


@contextlib.contextmanager
def open_predictions(
    path: str | Path, genres: Sequence[str], inputs: Sequence[str], *, row_group_size: int = 8192
) -> Iterator[_Writer]:
    """A writer for ``path`` (format from its suffix); ``path`` appears, whole, when the block ends."""
    path = Path(path)
    suffix = check_out(path)
    with atomic_path(path) as tmp:
        writer = WRITERS[suffix](tmp, genres, inputs, row_group_size)
        try:
            yield writer
        finally:
            writer.close()


@contextlib.contextmanager
def exit_on_sigterm() -> Iterator[None]:
    """Within the block, SIGTERM (``kill``) raises ``SystemExit`` like Ctrl-C raises
    ``KeyboardInterrupt``: ``finally`` blocks run and temporary files are removed. Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
