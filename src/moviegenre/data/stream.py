"""Movies as a stream of batches: what the batch engines read, in memory that does not grow with
the file.

``MovieStream`` is iterated for ``list[Movie]`` batches; while it goes it counts the rows it consumed
(``rows_read``, for a progress bar against ``total``) and, like ``Dataset``, what it skipped and
why (``skipped``, including "duplicate key": the keys met so far are the one thing it keeps) and the
problems of kept rows (``issues``). JSONL and Parquet files are read as they are consumed; the other
formats (Kaggle CSVs, the embedded table: tens of thousands of rows at most) are read whole first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..records import Dataset, Movie
from ._common import iter_unique

RowSource = Callable[[Counter, Counter], Iterable[Movie | None]]  # (skipped, issues) → rows


@dataclass
class MovieStream:
    """Batches of at most ``batch_size`` movies from ``source``, first of each key kept."""

    source: str
    poster_root: Path | None
    total: int | None  # rows in the source (kept or not), None when unknown
    batch_size: int
    rows: RowSource = field(repr=False)
    skipped: Counter = field(default_factory=Counter)
    issues: Counter = field(default_factory=Counter)
    rows_read: int = 0

    def __iter__(self) -> Iterator[list[Movie]]:
        self.skipped, self.issues, self.rows_read = Counter(), Counter(), 0  # each pass counts afresh

        def counted():
            for m in self.rows(self.skipped, self.issues):
                self.rows_read += 1
                yield m

        batch: list[Movie] = []
        for m in iter_unique(counted(), self.skipped):
            batch.append(m)
            if len(batch) >= self.batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    @classmethod
    def from_dataset(cls, dataset: Dataset, batch_size: int) -> MovieStream:
        """Batches of an already-read ``Dataset`` (its skips and issues carried over)."""

        def rows(skipped: Counter, issues: Counter):
            skipped.update(dataset.skipped)
            issues.update(dataset.issues)
            return iter(dataset)

        return cls(dataset.source, dataset.poster_root, len(dataset), batch_size, rows)
