"""What a dataset holds: counts behind ``moviegenre data info``.

"With poster" means the poster file actually opens (``images.open_image``), checked in a thread
pool because decoding is I/O- and C-bound (PIL releases the GIL).
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from ..records import METADATA_FIELDS, Dataset, Movie
from ._common import POSTER_ISSUE_PREFIX
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
    from ..progress import progress_bar

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(_poster_status, movies, chunksize=32)
        results = progress_bar(
            results, total=len(movies), desc="checking posters", unit="poster", enabled=progress, leave=False
        )
        return Counter(r or "ok" for r in results)


def poster_summary(dataset: Dataset, failures: Counter | dict | None = None) -> dict:
    """How many posters the data names and how many can be used.

    ``named``: movies whose row names a poster (kept ones plus those refused while reading: missing
    file, path escaping the folder, not a regular file, ...); ``failures``: reason → movies whose
    poster was found but could not be used later (a corrupt image, counted by the poster encoder or
    by ``check_posters``). ``usable = named - unusable``.
    """
    return poster_counts(sum(m.has_poster for m in dataset), dataset.issues, failures)


def poster_counts(found: int, issues: Counter | dict, failures: Counter | dict | None = None) -> dict:
    """``poster_summary`` from counts: ``found`` movies kept with a poster, the reader's ``issues``
    (the poster refusals among them) and the encoder's ``failures`` (for streamed data)."""
    refused = Counter({r: n for r, n in issues.items() if r.startswith(POSTER_ISSUE_PREFIX)})
    later = Counter({r: n for r, n in (failures or {}).items() if r not in ("ok", "no poster") and n})
    reasons = refused + later
    named = found + sum(refused.values())
    usable = max(found - sum(later.values()), 0)
    return {
        "named": named,
        "usable": usable,
        "unusable": named - usable,
        "reasons": dict(reasons.most_common()),
    }


def poster_warning(summary: dict) -> str | None:
    """One loud line when the data names posters and none of them can be used, else None."""
    if not summary["named"] or summary["usable"]:
        return None
    why = ", ".join(f"{r} {n:,}" for r, n in list(summary["reasons"].items())[:3])
    return (
        f"none of the {summary['named']:,} posters the data names can be used ({why}): "
        "check the poster folder (--posters, or the folder beside the data file)"
    )


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
        "posters": poster_summary(dataset, poster_counts if posters else None),
        # companies known for this source (None = unknown); [] (none listed) counts as known
        "with_companies": sum(m.companies is not None for m in movies),
        "with_companies_listed": sum(bool(m.companies) for m in movies),
        "metadata": {f: sum(getattr(m, f) is not None for m in movies) for f in METADATA_FIELDS},
        # what the keywords and people inputs can use: a keyword listed; a director or cast known
        "with_keywords_listed": sum(bool(m.keywords) for m in movies),
        "with_people": sum(bool(m.director) or bool(m.cast) for m in movies),
    }
