"""The movie record and the dataset that holds them.

Everything downstream (encoders, classifier, service) sees only these two types.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import overload


@dataclass(frozen=True, slots=True)
class Movie:
    """One movie, as much as a source knows about it.

    ``companies`` keeps the difference between unknown (``None``: the source has no such
    column or value) and none listed (``()``). ``poster`` is an absolute path resolved by the
    reader (already checked not to escape the poster folder); ``poster_bytes`` carries an
    in-memory image (an upload) and wins over ``poster`` when both are set.
    """

    key: str
    title: str | None = None
    overview: str | None = None
    companies: tuple[str, ...] | None = None
    genres: tuple[str, ...] = ()
    poster: str | None = None
    poster_bytes: bytes | None = field(default=None, repr=False, compare=False)
    imdb_id: str | None = None
    tmdb_id: int | None = None
    # optional metadata ("more features" of the study), set when a source has them
    year: int | None = None
    runtime: float | None = None
    language: str | None = None
    country: str | None = None
    director: str | None = None
    writer: str | None = None
    cast: tuple[str, ...] | None = None
    keywords: tuple[str, ...] | None = None
    tagline: str | None = None

    def with_(self, **changes) -> Movie:
        """A copy with some fields changed."""
        return replace(self, **changes)

    @property
    def has_poster(self) -> bool:
        return self.poster_bytes is not None or self.poster is not None


def split_names(text: str | None) -> tuple[str, ...] | None:
    """``"A; B"`` → ``("A", "B")`` (companies, cast typed as one string); None stays None (unknown),
    an empty or blank string is ``()`` (none listed)."""
    if text is None:
        return None
    return tuple(s for s in (part.strip() for part in text.split(";")) if s)


METADATA_FIELDS = (
    "year",
    "runtime",
    "language",
    "country",
    "director",
    "writer",
    "cast",
    "keywords",
    "tagline",
)


@dataclass
class Dataset(Sequence[Movie]):
    """A sequence of movies plus where they came from and what was skipped while reading.

    ``skipped`` maps a reason ("malformed id", "bad json", ...) to how many rows were dropped.
    ``issues`` counts problems in rows that were kept (e.g. "poster path escapes folder": the movie
    stays, without a poster).
    """

    movies: list[Movie]
    source: str = ""
    poster_root: Path | None = None
    skipped: Counter = field(default_factory=Counter)
    issues: Counter = field(default_factory=Counter)

    @overload
    def __getitem__(self, i: int) -> Movie: ...
    @overload
    def __getitem__(self, i: slice) -> Dataset: ...
    def __getitem__(self, i):
        if isinstance(i, slice):
            return self.subset_by_index(range(len(self.movies))[i])
        return self.movies[i]

    def __len__(self) -> int:
        return len(self.movies)

    def __iter__(self) -> Iterator[Movie]:
        return iter(self.movies)

    def subset_by_index(self, indices) -> Dataset:
        return Dataset([self.movies[i] for i in indices], self.source, self.poster_root, Counter())

    def subset(self, keys) -> Dataset:
        """The movies whose key is in ``keys``, in the order of ``keys``; unknown keys raise KeyError."""
        by_key = {m.key: m for m in self.movies}
        missing = [k for k in keys if k not in by_key]
        if missing:
            raise KeyError(f"{len(missing)} keys not in dataset, e.g. {missing[:3]}")
        return Dataset([by_key[k] for k in keys], self.source, self.poster_root, Counter())

    @property
    def keys(self) -> list[str]:
        return [m.key for m in self.movies]
