"""What a dataset holds: counts behind ``moviegenre data info``.

"With poster" means the poster file actually opens (``images.open_image``), checked in a thread
pool because decoding is I/O- and C-bound (PIL releases the GIL).
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from ..records import METADATA_FIELDS, Dataset, Movie
from .images import ImageError, open_image


def _poster_status(movie: Movie) -> str | None:
    """None when the poster opens, else the failure reason ("no poster" when there is none)."""
    if movie.poster_bytes is None and movie.poster is None:
        return "no poster"
    try:
        open_image(movie.poster_bytes if movie.poster_bytes is not None else movie.poster)
    except ImageError as e:
        return e.reason
    return None


def check_posters(movies, progress: bool = False, workers: int = 8) -> Counter:
    """Counter of poster outcomes: "ok" plus one entry per failure reason."""
    from tqdm import tqdm

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(_poster_status, movies, chunksize=32)
        results = tqdm(
            results,
            total=len(movies),
            desc="checking posters",
            unit="poster",
            disable=not progress,
            leave=False,
        )
        return Counter(r or "ok" for r in results)


def summarize(dataset: Dataset, posters: bool = True, progress: bool = False) -> dict:
    """A JSON-ready summary: movies, skipped (reason → rows), genres (genre → movies, most
    frequent first), with_overview / with_poster / with_companies and metadata field counts."""
    movies = list(dataset)
    genres = Counter(g for m in movies for g in m.genres)
    poster_counts = check_posters(movies, progress) if posters else Counter()
    n_labels = Counter(len(m.genres) for m in movies)
    return {
        "source": dataset.source,
        "movies": len(movies),
        "skipped": dict(sorted(dataset.skipped.items())),
        "skipped_total": sum(dataset.skipped.values()),
        "issues": dict(sorted(dataset.issues.items())),
        "genres": dict(sorted(genres.items(), key=lambda kv: (-kv[1], kv[0]))),
        "n_genres": len(genres),
        "labels_per_movie": {str(k): v for k, v in sorted(n_labels.items())},
        "with_title": sum(m.title is not None for m in movies),
        "with_overview": sum(m.overview is not None for m in movies),
        "with_poster_path": sum(m.has_poster for m in movies),
        "with_poster": poster_counts.get("ok", 0) if posters else None,
        "poster_failures": {k: v for k, v in sorted(poster_counts.items()) if k not in ("ok", "no poster")},
        # companies known for this source (None = unknown); [] (none listed) counts as known
        "with_companies": sum(m.companies is not None for m in movies),
        "with_companies_listed": sum(bool(m.companies) for m in movies),
        "metadata": {f: sum(getattr(m, f) is not None for m in movies) for f in METADATA_FIELDS},
        # what the keywords and people inputs can use: a keyword listed; a director or cast known
        "with_keywords_listed": sum(bool(m.keywords) for m in movies),
        "with_people": sum(bool(m.director) or bool(m.cast) for m in movies),
    }
