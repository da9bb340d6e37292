"""Reader for Kaggle's TMDB-5000 ``tmdb_5000_movies.csv``: JSON list columns, ``id`` = TMDB id,
no IMDb id (the key is ``tmdb<id>``). Posters from an optional folder by TMDB id."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ..records import Dataset, Movie
from ._common import clean_str, genre_names, in_range, to_float, year_of
from ._csv import PosterFolder, names_of, parse_list, read_csv_movies, tmdb_id_of

REQUIRED = {"id", "title", "genres"}


def read_tmdb5000(path: Path, posters: Path | None = None) -> Dataset:
    return read_csv_movies(path, posters, REQUIRED, _movie)


def _movie(row: dict, folder: PosterFolder, skipped: Counter, issues: Counter) -> Movie | None:
    tmdb = tmdb_id_of(row, skipped)
    if tmdb is None:
        return None
    parsed = {}
    for col in ("genres", "production_companies", "keywords", "production_countries"):
        if col not in row:
            parsed[col] = None
            continue
        try:
            items = parse_list(row[col], python=False)
            parsed[col] = (
                genre_names(items or (), issues) if col == "genres" else names_of(items, col, issues)
            )
        except ValueError:
            if col in ("genres", "production_companies"):
                skipped[f"bad {col}"] += 1
                return None
            parsed[col] = None
            issues[f"bad {col}"] += 1
    poster, why = folder.find(str(tmdb), clean_str(row.get("poster_path")))
    if why:
        issues[why] += 1
    countries = parsed["production_countries"]
    return Movie(
        key=f"tmdb{tmdb}",
        title=clean_str(row.get("title")),
        overview=clean_str(row.get("overview")),
        companies=parsed["production_companies"],
        genres=parsed["genres"] or (),
        poster=poster,
        tmdb_id=tmdb,
        year=year_of(row.get("release_date")),
        runtime=in_range(to_float(row.get("runtime")), 0.0, 10_000.0) or None,
        language=clean_str(row.get("original_language")),
        country=countries[0] if countries else None,
        keywords=parsed["keywords"],
        tagline=clean_str(row.get("tagline")),
    )
