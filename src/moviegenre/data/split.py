"""Fixed, repeatable train/val/test splits by movie key (multi-label stratified).

The split file is JSON: seed, fractions, dropped genres, the genre vocabulary of the training
part, and the sorted keys of each part. Written with sorted keys and no timestamp, so two runs
give byte-identical files on any machine. Later runs load it instead of re-splitting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import DataError
from ..files import read_json, write_text
from ..records import Dataset
from .labels import GenreVocabulary

PARTS = ("train", "val", "test")
MAX_SPLIT_BYTES = 512 << 20  # 10 million keys; a split file is the user's, but may be damaged


@dataclass
class Split:
    """Keys of each part. ``genres``: the vocabulary fitted on the training part."""

    train: list[str]
    val: list[str]
    test: list[str]
    seed: int = 0
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    min_genre_count: int = 0
    dropped_genres: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    source: str = ""

    def to_dict(self) -> dict:
        return {
            "seed": self.seed,
            "fractions": list(self.fractions),
            "min_genre_count": self.min_genre_count,
            "dropped_genres": list(self.dropped_genres),
            "genres": list(self.genres),
            "source": self.source,
            "sizes": {p: len(getattr(self, p)) for p in PARTS},
            **{p: sorted(getattr(self, p)) for p in PARTS},
        }

    def save(self, path: str | Path) -> Path:
        """Atomic write (temp file + rename) of the JSON form."""
        text = json.dumps(self.to_dict(), sort_keys=True, indent=1, ensure_ascii=True) + "\n"
        return write_text(path, text)

    @classmethod
    def load(cls, path: str | Path) -> Split:
        path = Path(path)
        if not path.is_file():
            raise DataError(f"{path}: split file not found")
        d = read_json(path, max_bytes=MAX_SPLIT_BYTES, error=DataError)
        try:
            parts = {p: d[p] for p in PARTS}
            if not all(
                isinstance(keys, list) and all(isinstance(k, str) for k in keys) for keys in parts.values()
            ):
                raise TypeError("each part must be a list of keys (text)")
            seed, min_count = d.get("seed", 0), d.get("min_genre_count", 0)
            fractions = d.get("fractions", (0.7, 0.15, 0.15))
            if not (
                isinstance(seed, int) and isinstance(min_count, int) and isinstance(fractions, list | tuple)
            ):
                raise TypeError("seed, min_genre_count or fractions of the wrong type")
        except (KeyError, TypeError) as e:
            raise DataError(f"{path}: not a split file ({type(e).__name__}: {str(e)[:100]})") from None
        overlap = (
            (set(parts["train"]) & set(parts["val"]))
            | (set(parts["train"]) & set(parts["test"]))
            | (set(parts["val"]) & set(parts["test"]))
        )
        if overlap:
            raise DataError(f"{path}: {len(overlap)} keys in more than one part, e.g. {sorted(overlap)[:3]}")
        return cls(
            **parts,
            seed=seed,
            fractions=tuple(fractions),
            min_genre_count=min_count,
            dropped_genres=list(d.get("dropped_genres") or []),
            genres=list(d.get("genres") or []),
            source=str(d.get("source", ""))[:500],
        )

    def apply(self, dataset: Dataset) -> tuple[Dataset, Dataset, Dataset]:
        """(train, val, test) subsets of ``dataset``, each in sorted-key order.

        Raises DataError when the dataset lacks keys of the split (split made from other data).
        """
        have = set(dataset.keys)
        missing = [k for p in PARTS for k in getattr(self, p) if k not in have]
        if missing:
            raise DataError(
                f"the split does not match this data: {len(missing)} of its keys are missing, "
                f"e.g. {missing[:3]} (make a new split with `moviegenre data split`)"
            )
        return tuple(dataset.subset(sorted(getattr(self, p))) for p in PARTS)

    def vocabulary(self) -> GenreVocabulary:
        return GenreVocabulary.from_dict(
            {"genres": self.genres, "dropped": self.dropped_genres, "min_count": self.min_genre_count}
        )


def _check_fractions(fractions) -> tuple[float, float, float]:
    fr = tuple(float(f) for f in fractions)
    if len(fr) != 3 or any(f < 0 for f in fr) or fr[0] <= 0 or abs(sum(fr) - 1) > 1e-6:
        raise DataError(
            f"fractions must be three non-negative numbers (train > 0) summing to 1, got {fractions}"
        )
    return fr


def _stratified(y: np.ndarray, size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (rest, part) with ``part`` ≈ ``size`` of the rows, stratified on the labels."""
    try:
        from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit
    except ImportError:
        raise DataError(
            "splitting needs the iterative-stratification package: pip install 'moviegenre[train]'"
        ) from None

    n = len(y)
    if size <= 0:
        return np.arange(n), np.array([], dtype=int)
    splitter = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=size, random_state=seed)
    rest, part = next(splitter.split(np.zeros((n, 1)), y))
    return np.sort(rest), np.sort(part)


def make_split(
    dataset: Dataset, seed: int = 0, fractions=(0.7, 0.15, 0.15), min_genre_count: int = 0
) -> Split:
    """A multi-label stratified split of ``dataset`` by key.

    The movies are ordered by key first, so the result depends on the keys and genres only, not
    on file order. Genres with fewer than ``min_genre_count`` movies are dropped (not stratified on,
    not in the vocabulary) and listed in ``dropped_genres``.
    """
    fr = _check_fractions(fractions)
    movies = sorted(dataset, key=lambda m: m.key)
    keys = [m.key for m in movies]
    if len(set(keys)) != len(keys):
        raise DataError("duplicate movie keys; cannot split by key")
    if len(movies) < 3:
        raise DataError(f"need at least 3 movies to split, got {len(movies)}")
    y = GenreVocabulary(min_genre_count).fit_transform(movies)
    dropped = GenreVocabulary(min_genre_count).fit(movies).dropped_
    rest, test = _stratified(y, fr[2], seed)
    val_size = fr[1] / (fr[0] + fr[1])
    r_rest, r_val = _stratified(y[rest], val_size, seed)
    train, val = rest[r_rest], rest[r_val]
    part_keys = {p: sorted(keys[i] for i in idx) for p, idx in zip(PARTS, (train, val, test), strict=True)}
    vocab = GenreVocabulary(min_genre_count).fit([movies[i] for i in train])
    return Split(
        **part_keys,
        seed=seed,
        fractions=fr,
        min_genre_count=min_genre_count,
        dropped_genres=dropped,
        genres=vocab.genres_,
        source=Path(dataset.source).name if dataset.source else "",
    )


def split_report(split: Split, dataset: Dataset, min_movies: int = 10) -> dict:
    """Sizes, per-part genre counts, and the genres with ≥ ``min_movies`` movies absent from a part."""
    from collections import Counter

    parts = dict(zip(PARTS, split.apply(dataset), strict=True))
    counts = {p: Counter(g for m in ds for g in m.genres) for p, ds in parts.items()}
    total = sum(counts.values(), Counter())
    missing = {
        g: [p for p in PARTS if not counts[p][g]]
        for g, c in total.items()
        if c >= min_movies and g not in split.dropped_genres
    }
    return {
        "sizes": {p: len(ds) for p, ds in parts.items()},
        "seed": split.seed,
        "dropped_genres": split.dropped_genres,
        "genres": split.genres,
        "per_genre": {g: {p: counts[p][g] for p in PARTS} for g in sorted(total)},
        "genres_missing_from_a_part": {g: ps for g, ps in sorted(missing.items()) if ps},
    }
