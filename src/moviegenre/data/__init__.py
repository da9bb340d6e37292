"""Reading movies from files (one module per format), labels, splits and safe image loading.

``read_movies(source, format=None, posters=None, keywords=None, credits=None)`` is the one entry point: ``source`` is a path
(a JSONL or Parquet file, a folder holding ``movies.jsonl`` or ``movies.parquet``, a Kaggle
``movies_metadata.csv``, a TMDB-5000 csv) or ``"default"`` (the embedded Wikidata table). The format
is detected from the extension and the file's first bytes; ``format`` overrides the detection.
``stream_movies`` reads the same sources as batches in bounded memory (``stream.MovieStream``).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from ..errors import DataError
from ..records import Dataset
from .stream import MovieStream

FORMATS = ("jsonl", "parquet", "movies_metadata", "tmdb5000", "default")
_FOLDER_FILES = {
    "movies.jsonl": "jsonl",
    "movies.parquet": "parquet",
    "movies_metadata.csv": "movies_metadata",
    "tmdb_5000_movies.csv": "tmdb5000",
}


def detect_format(path: Path) -> str:
    """The format of ``path`` (a file) from its extension, then its first line."""
    from ._common import check_file

    check_file(path)
    ext = path.suffix.lower()
    if ext in (".db", ".sqlite", ".sqlite3"):
        return "default"
    with path.open("rb") as f:
        raw = f.read(4096)
    if ext in (".parquet", ".pq") or raw.startswith(b"PAR1"):
        return "parquet"
    head = raw.decode("utf-8-sig", errors="replace").lstrip()
    if ext in (".jsonl", ".ndjson") or head.startswith("{"):
        return "jsonl"
    header = {c.strip().strip('"').lower() for c in head.splitlines()[0].split(",")} if head else set()
    if {"id", "genres", "imdb_id", "poster_path"} <= header:
        return "movies_metadata"
    if {"id", "genres", "title"} <= header and "imdb_id" not in header:
        return "tmdb5000"
    raise DataError(
        f"{path}: cannot tell the format (not JSONL or Parquet, no movies_metadata/TMDB-5000 header); "
        f"pass --format one of {', '.join(FORMATS)}"
    )


def _resolve(source: str | Path, format: str | None) -> tuple[Path | None, str]:
    if format is not None and format not in FORMATS:
        raise DataError(f"unknown format {format!r}; choose from {', '.join(FORMATS)}")
    if str(source) == "default":
        return None, "default"
    path = Path(source).expanduser()
    try:
        path.stat()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file or folder (or use --data default)") from None
    except (OSError, ValueError) as e:  # a name longer than the OS allows, a NUL, no permission
        raise DataError(f"{str(path)[:200]}: cannot be read ({getattr(e, 'strerror', None) or e})") from None
    if path.is_dir():
        for name, fmt in _FOLDER_FILES.items():
            if (path / name).is_file() and format in (None, fmt):
                return path / name, fmt
        raise DataError(f"{path} is a folder without movies.jsonl (give the data file itself)")
    return path, format or detect_format(path)


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()  # follows a symlink: a poster folder on another disk is fine
    except (OSError, ValueError):
        return False


def read_movies(
    source: str | Path,
    format: str | None = None,
    posters: str | Path | None = None,
    *,
    keywords: str | Path | None = None,
    credits: str | Path | None = None,
) -> Dataset:
    """Read a movie dataset. ``posters``: folder of poster images for the CSV sources.

    ``keywords`` / ``credits``: side files joined by TMDB id (The Movies Dataset's ``keywords.csv``
    and ``credits.csv``, TMDB-5000's ``tmdb_5000_credits.csv``; see ``side_files``); when not given,
    those found beside the movie file under their usual names are used.
    Rows that cannot be used are skipped and counted in ``Dataset.skipped`` (reason → rows);
    problems in kept rows (a refused poster path, a bad side-file row) are counted in ``Dataset.issues``.
    Raises ``DataError`` (one line) for a missing/empty/unrecognised file or missing columns.
    """
    from .side_files import find_beside, join_side_files

    path, fmt = _resolve(source, format)
    poster_dir = _poster_dir(posters)
    dataset = _read(path, fmt, poster_dir)
    beside = find_beside(path, fmt)
    keywords = keywords if keywords is not None else beside.get("keywords")
    credits = credits if credits is not None else beside.get("credits")
    if keywords is not None or credits is not None:
        dataset = join_side_files(dataset, keywords=keywords, credits=credits)
    return dataset


def _read(path: Path | None, fmt: str, poster_dir: Path | None) -> Dataset:
    if fmt == "jsonl":
        from .jsonl import read_jsonl

        return read_jsonl(path, poster_dir)
    if fmt == "parquet":
        from .parquet import read_parquet

        return read_parquet(path, poster_dir)
    if fmt == "movies_metadata":
        from .movies_metadata import read_movies_metadata

        return read_movies_metadata(path, poster_dir)
    if fmt == "tmdb5000":
        from .tmdb5000 import read_tmdb5000

        return read_tmdb5000(path, poster_dir)
    from .default import read_default

    return read_default(path)


def stream_movies(
    source: str | Path, format: str | None = None, posters: str | Path | None = None, batch_size: int = 256
) -> MovieStream:
    """``read_movies`` as batches of at most ``batch_size`` movies. JSONL and Parquet are read as the
    stream is consumed (memory does not grow with the file); the CSV formats and the embedded table
    are read whole first. The same ``DataError``s as ``read_movies``, raised here, before any batch."""
    path, fmt = _resolve(source, format)
    poster_dir = _poster_dir(posters)
    if fmt == "jsonl":
        from .jsonl import count_lines, iter_jsonl

        root = (poster_dir or path.parent).resolve()
        rows = partial(iter_jsonl, path, root)
        return MovieStream(str(path), root, count_lines(path), batch_size, rows)
    if fmt == "parquet":
        from .parquet import count_rows, iter_parquet

        root = (poster_dir or path.parent).resolve()
        rows = partial(iter_parquet, path, root, batch_size=max(batch_size, 64))
        return MovieStream(str(path), root, count_rows(path), batch_size, rows)
    return MovieStream.from_dataset(read_movies(source, format, posters), batch_size)


def resolve_source(source: str | Path, format: str | None = None) -> tuple[Path | None, str]:
    """``(file, format)`` that ``read_movies`` would read (a folder → its movies file)."""
    return _resolve(source, format)


def _poster_dir(posters: str | Path | None) -> Path | None:
    poster_dir = Path(posters).expanduser() if posters else None
    if poster_dir is not None and not _is_dir(poster_dir):
        raise DataError(f"{str(poster_dir)[:200]}: poster folder does not exist")
    return poster_dir


__all__ = ["FORMATS", "MovieStream", "detect_format", "read_movies", "resolve_source", "stream_movies"]
