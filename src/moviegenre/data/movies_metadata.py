"""Reader for Kaggle "The Movies Dataset" ``movies_metadata.csv``.

``genres`` and ``production_companies`` are Python-literal strings (parsed with
``ast.literal_eval``). The full file has malformed rows (a date in ``id``, shifted columns): they
are skipped and counted by reason. Posters come from an optional folder, matched by TMDB id,
IMDb id or the ``poster_path`` file name.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from ..records import Dataset, Movie
from ._common import clean_str, genre_names, in_range, to_float, year_of
from ._csv import PosterFolder, names_of, parse_list, read_csv_movies, tmdb_id_of

REQUIRED = {"id", "imdb_id", "title", "genres"}
IMDB = re.compile(r"^tt\d{5,10}$")


def read_movies_metadata(path: Path, posters: Path | None = None) -> Dataset:
    return read_csv_movies(path, posters, REQUIRED, _movie)


def _movie(row: dict, folder: PosterFolder, skipped: Counter, issues: Counter) -> Movie | None:
    tmdb = tmdb_id_of(row, skipped)
    if tmdb is None:
        return None
    imdb = clean_str(row.get("imdb_id"))
    if imdb and not IMDB.match(imdb):
        issues["malformed imdb_id"] += 1
        imdb = None
    try:
        genres = genre_names(parse_list(row["genres"], python=True) or (), issues)
    except ValueError:
        skipped["bad genres"] += 1
        return None
    try:
        companies = (
            names_of(parse_list(row["production_companies"], python=True), "production_companies", issues)
            if "production_companies" in row
            else None
        )
    except ValueError:
        skipped["bad production_companies"] += 1
        return None
    try:
        countries = names_of(parse_list(row.get("production_countries"), python=True), "country", issues)
    except ValueError:
        countries = None
    poster, why = folder.find(str(tmdb), imdb, clean_str(row.get("poster_path")))
    if why:
        issues[why] += 1
    return Movie(
        key=imdb or f"tmdb{tmdb}",
        title=clean_str(row.get("title")),
        overview=clean_str(row.get("overview")),
        companies=companies,
        genres=genres,
        poster=poster,
        imdb_id=imdb,
        tmdb_id=tmdb,
        year=year_of(row.get("release_date")),
        runtime=in_range(to_float(row.get("runtime")), 0.0, 10_000.0) or None,
        language=clean_str(row.get("original_language")),
        country=countries[0] if countries else None,
        tagline=clean_str(row.get("tagline")),
    )
