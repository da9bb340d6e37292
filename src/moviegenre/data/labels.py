"""The genre vocabulary: genre names ↔ columns of the label matrix.

Fitted on training movies only and saved with every model. Genres met later that the vocabulary
does not know are counted in ``unknown_`` and logged, never given a column by accident.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable

import numpy as np

from ..errors import DataError
from ..records import Movie

log = logging.getLogger("moviegenre.data.labels")


class GenreVocabulary:
    """``fit`` learns ``genres_`` (sorted); ``transform`` gives a uint8 matrix [N, G].

    ``min_count``: genres with fewer training movies are left out and listed in ``dropped_``.
    """

    def __init__(self, min_count: int = 0):
        self.min_count = int(min_count)

    def fit(self, movies: Iterable[Movie]) -> GenreVocabulary:
        counts = Counter(g for m in movies for g in m.genres)
        self.counts_ = dict(sorted(counts.items()))
        self.genres_ = sorted(g for g, c in counts.items() if c >= self.min_count)
        self.dropped_ = sorted(g for g, c in counts.items() if c < self.min_count)
        if not self.genres_:
            raise DataError(
                "no genres to learn: the training movies have no genre labels"
                + (f" with at least {self.min_count} movies" if self.min_count else "")
            )
        self._index = {g: i for i, g in enumerate(self.genres_)}
        self.unknown_ = Counter()
        return self

    def _check(self) -> None:
        if not hasattr(self, "genres_"):
            raise DataError("GenreVocabulary used before fit()")

    def transform(self, movies: Iterable[Movie]) -> np.ndarray:
        """Label matrix uint8 [N, G], columns = ``genres_``. Dropped genres are ignored silently
        (the user chose to drop them); genres never seen in training go to ``unknown_``."""
        self._check()
        movies = list(movies)
        y = np.zeros((len(movies), len(self.genres_)), dtype=np.uint8)
        dropped = set(self.dropped_)
        new = Counter()
        for i, m in enumerate(movies):
            for g in m.genres:
                j = self._index.get(g)
                if j is not None:
                    y[i, j] = 1
                elif g not in dropped:
                    new[g] += 1
        if new:
            self.unknown_.update(new)
            log.warning(
                "%d labels with genres unknown to the vocabulary ignored: %s",
                sum(new.values()),
                dict(new.most_common(5)),
            )
        return y

    def fit_transform(self, movies) -> np.ndarray:
        movies = list(movies)
        return self.fit(movies).transform(movies)

    def inverse_transform(self, y: np.ndarray) -> list[tuple[str, ...]]:
        """Rows of a 0/1 matrix [N, G] → genre tuples."""
        self._check()
        return [tuple(self.genres_[j] for j in np.flatnonzero(row)) for row in np.asarray(y)]

    def __len__(self) -> int:
        self._check()
        return len(self.genres_)

    def to_dict(self) -> dict:
        self._check()
        return {
            "genres": list(self.genres_),
            "dropped": list(self.dropped_),
            "min_count": self.min_count,
            "counts": dict(self.counts_),
        }

    @staticmethod
    def check_names(genres) -> None:
        """ValueError unless ``genres`` is a list of unique, valid genre names."""
        from ._common import genre_problem

        if not isinstance(genres, list):
            raise ValueError("expected a list of genre names")
        for g in genres:
            why = genre_problem(g)
            if why:
                raise ValueError(f"{str(g)[:40]!r} is not a genre name ({why})")
        twice = sorted(g for g, c in Counter(genres).items() if c > 1)
        if twice:
            raise ValueError(f"genre(s) listed twice: {twice[:5]}")

    @classmethod
    def from_dict(cls, d: dict) -> GenreVocabulary:
        """The vocabulary of ``to_dict``; DataError (one line) for anything malformed."""
        if not isinstance(d, dict) or not isinstance(d.get("genres"), list) or not d["genres"]:
            raise DataError("genre vocabulary: expected an object with a non-empty 'genres' list")
        dropped, min_count, counts = d.get("dropped", []), d.get("min_count", 0), d.get("counts", {})
        try:
            cls.check_names(d["genres"])
            cls.check_names(dropped)
        except ValueError as e:
            raise DataError(f"genre vocabulary: {e}") from None
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 0:
            raise DataError(f"genre vocabulary: min_count must be a whole number >= 0, got {min_count!r}")
        if not isinstance(counts, dict) or not all(
            isinstance(c, int) and not isinstance(c, bool) and c >= 0 for c in counts.values()
        ):
            raise DataError("genre vocabulary: counts must map genre names to whole numbers >= 0")
        v = cls(min_count)
        v.genres_ = list(d["genres"])
        v.dropped_ = list(dropped)
        v.counts_ = dict(counts)
        v._index = {g: i for i, g in enumerate(v.genres_)}
        v.unknown_ = Counter()
        return v
