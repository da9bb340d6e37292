"""One movie from what a person typed (service fields, ``predict`` flags), the same way everywhere.

Blank text counts as absent; ``"A; B"`` lists are split by ``records.split_names``; no input at all
is an error, and so is input that none of the model's inputs reads (a year given to a model without
``metadata`` would predict from nothing). Plain Python, no web framework: ``cli/predict`` uses it too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..errors import MovieGenreError
from ..records import Movie, split_names

# bounds of one movie; a real one is far inside them (longest TMDB overview: ~1,000 characters)
TITLE_MAX, OVERVIEW_MAX, TAGLINE_MAX, NAME_MAX = 1000, 20000, 1000, 300
COMPANIES_MAX, KEYWORDS_MAX, CAST_MAX = 200, 200, 50
YEAR_MIN, YEAR_MAX = 1870, 2100  # the first films are from the late 1880s
RUNTIME_MIN, RUNTIME_MAX = 1, 1000  # minutes
# the readers keep TMDB's codes: ISO 639 language ("en"), ISO 3166-1 alpha-2 country ("US")
LANGUAGE_PATTERN, COUNTRY_PATTERN = r"^[A-Za-z]{2,3}$", r"^[A-Za-z]{2}$"

# the Movie fields a person may give, in the order forms and flags list them
TEXT_FIELDS = ("title", "overview", "tagline", "director")
LIST_FIELDS = ("companies", "keywords", "cast")
FIELDS = (
    "title",
    "overview",
    "companies",
    "keywords",
    "director",
    "cast",
    "tagline",
    "year",
    "runtime",
    "language",
    "country",
)

# which Movie fields feed each input of a model; an input not listed here (a newer kind) is assumed
# to read any of them, so it never makes a request fail
INPUT_FIELDS: dict[str, tuple[str, ...]] = {
    "overview": ("overview",),
    "title": ("title",),
    "companies": ("companies",),
    "poster": ("poster",),
    "metadata": ("year", "runtime", "language", "country"),
    "keywords": ("keywords",),
    "people": ("director", "cast"),
    "tagline": ("tagline",),
}


class NoInputError(MovieGenreError):
    """The movie gives nothing the model can read."""


def clean_text(value: str | None) -> str | None:
    """Stripped text, or None when blank."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def clean_names(value: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """``"A; B"`` or a list → stripped names without blanks; None when nothing is left."""
    if value is None:
        return None
    names = split_names(value) if isinstance(value, str) else tuple(n.strip() for n in value if n.strip())
    return names or None


def check_codes(language: str | None, country: str | None, names=lambda field: field) -> None:
    """A one-line ``MovieGenreError`` when the language or country is not a code (the service checks
    the same patterns through its schema)."""
    if language is not None and not re.fullmatch(LANGUAGE_PATTERN, language.strip()):
        raise MovieGenreError(f"{names('language')}: {language!r} is not a language code like en or fra")
    if country is not None and not re.fullmatch(COUNTRY_PATTERN, country.strip()):
        raise MovieGenreError(f"{names('country')}: {country!r} is not a country code like US")


def movie_from_fields(key: str, poster: bytes | None = None, **fields) -> Movie:
    """A ``Movie`` from typed fields (any subset of ``FIELDS``); blank text and empty lists are absent."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown movie fields {sorted(unknown)}")  # a caller's bug, not user input
    values = {f: clean_text(fields.get(f)) for f in TEXT_FIELDS}
    values |= {f: clean_names(fields.get(f)) for f in LIST_FIELDS}
    language, country = clean_text(fields.get("language")), clean_text(fields.get("country"))
    return Movie(
        key=key,
        poster_bytes=poster,
        year=fields.get("year"),
        runtime=fields.get("runtime"),
        # the readers keep TMDB's forms: language codes lower case ("en"), country codes upper ("US")
        language=language.lower() if language else None,
        country=country.upper() if country else None,
        **values,
    )


def given_fields(movie: Movie) -> list[str]:
    """The person-given fields that ``movie`` holds (``poster`` for an image)."""
    given = [f for f in FIELDS if getattr(movie, f) not in (None, (), "")]
    return [*given, "poster"] if movie.has_poster else given


def fields_read(inputs: Sequence[str]) -> tuple[str, ...] | None:
    """The person-given fields (and ``poster``) that a model with ``inputs`` reads; None when an
    input is one this version does not know (it may read anything)."""
    read: set[str] = set()
    for name in inputs:
        if name not in INPUT_FIELDS:
            return None
        read |= set(INPUT_FIELDS[name])
    return tuple(f for f in (*FIELDS, "poster") if f in read)


def check_input(movie: Movie, inputs: Sequence[str] | None = None, *, names=None) -> None:
    """``NoInputError`` when ``movie`` holds nothing, or (given the model's ``inputs``) nothing the
    model reads. ``names`` maps a field to how the caller calls it (``--title``, ``movies[3].title``)."""
    names = names or (lambda field: field)
    given = given_fields(movie)
    if not given:
        listed = ", ".join(names(f) for f in (*FIELDS, "poster"))
        raise NoInputError(f"give at least one of {listed}")
    read = None if inputs is None else fields_read(inputs)
    if read is None:
        return
    if not set(read) & set(given):
        usable = ", ".join(names(f) for f in read)
        raise NoInputError(
            f"this model reads only {', '.join(inputs)}: give at least one of {usable} "
            f"(it ignores {', '.join(names(f) for f in given)})"
        )
