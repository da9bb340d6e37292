"""Reader for Parquet files (pyarrow): the fields of the JSONL schema, one row a movie.

Columns read (others are ignored): key, imdb_id, tmdb_id, title, overview, genres (list),
production_companies / companies (list or null), year, runtime, language / original_language,
country, director, writer, cast, keywords, tagline, and the poster either as ``poster`` (a path
relative to the file's folder, refused when it leads outside it, as in JSONL) or as image bytes in
``poster_bytes`` (which wins when both are set). Rows are read a batch at a time
(``iter_parquet``), so a large file streams in bounded memory; ``read_parquet`` gathers a
``Dataset``. A row group that cannot be decoded is counted as skipped rows, never fatal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ..errors import DataError
from ..records import Dataset, Movie
from ._common import check_file, log, unique_movies
from .jsonl import movie_from_obj

COLUMNS = (
    "key",
    "imdb_id",
    "tmdb_id",
    "title",
    "overview",
    "genres",
    "production_companies",
    "companies",
    "poster",
    "poster_bytes",
    "year",
    "runtime",
    "language",
    "original_language",
    "country",
    "director",
    "writer",
    "cast",
    "keywords",
    "tagline",
)
IDENTITY = ("key", "imdb_id", "tmdb_id", "title", "overview")  # a row needs one of these
MAGIC = b"PAR1"
BATCH_ROWS = 1024


def require_pyarrow() -> None:
    """A one-line error when pyarrow (an extra) is missing."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise DataError("Parquet needs pyarrow: pip install 'moviegenre[parquet]'") from None


def open_parquet(path: Path):
    """``(pyarrow.parquet.ParquetFile, columns to read)``; ``DataError`` for a file that is not
    Parquet or has none of the identity columns."""
    require_pyarrow()
    import pyarrow as pa
    import pyarrow.parquet as pq

    check_file(path)
    try:
        pf = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as e:
        raise DataError(f"{path}: not a readable Parquet file ({str(e).splitlines()[0]})") from None
    names = set(pf.schema_arrow.names)
    if not names & set(IDENTITY):
        raise DataError(
            f"{path}: no {', '.join(IDENTITY)} column (has {', '.join(sorted(names)[:12]) or 'none'})"
        )
    return pf, [c for c in COLUMNS if c in names]


def parquet_rows(path: Path, batch_size: int = BATCH_ROWS, skipped: Counter | None = None) -> Iterator[dict]:
    """The rows of ``path`` as dicts (only ``COLUMNS``), decoded ``batch_size`` at a time; the rows of a
    row group that fails to decode are counted in ``skipped`` as "unreadable parquet row group"."""
    import pyarrow as pa

    pf, columns = open_parquet(path)
    skipped = Counter() if skipped is None else skipped
    for g in range(pf.num_row_groups):
        done = 0
        try:
            for batch in pf.iter_batches(batch_size=batch_size, row_groups=[g], columns=columns):
                rows = batch.to_pylist()
                done += len(rows)
                yield from rows
        except (pa.ArrowException, OSError, ValueError) as e:
            lost = pf.metadata.row_group(g).num_rows - done
            skipped["unreadable parquet row group"] += lost
            log.warning("%s: row group %d unreadable (%s); %d rows skipped", path.name, g, e, lost)


def movie_from_row(row: dict, root: Path | None, skipped: Counter, issues: Counter) -> Movie | None:
    """One Parquet row → a Movie, or None after counting why it was skipped."""
    try:
        movie = movie_from_obj(row, root, issues)
    except ValueError as e:
        skipped[str(e)] += 1
        return None
    data = row.get("poster_bytes")
    if data is None or data == b"":
        return movie
    if not isinstance(data, bytes):
        issues["poster_bytes not bytes"] += 1
        return movie
    return movie.with_(poster_bytes=data)


def iter_parquet(
    path: Path, root: Path, skipped: Counter, issues: Counter, batch_size: int = BATCH_ROWS
) -> Iterator[Movie | None]:
    """One ``Movie`` (or ``None`` for a row counted in ``skipped``) per row, streamed."""
    for row in parquet_rows(path, batch_size, skipped):
        yield movie_from_row(row, root, skipped, issues)


def count_rows(path: Path) -> int:
    """Rows in the file, from its footer (nothing else is read)."""
    return open_parquet(path)[0].metadata.num_rows


def read_parquet(path: Path, posters: Path | None = None) -> Dataset:
    """Read a whole Parquet file; poster paths resolve against ``posters`` or else the file's folder."""
    root = (posters or path.parent).resolve()
    skipped, issues = Counter(), Counter()
    movies = unique_movies(iter_parquet(path, root, skipped, issues), skipped)
    return Dataset(movies, str(path), root, skipped, issues)
