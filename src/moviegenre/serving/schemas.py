"""What the HTTP service accepts and answers: pydantic models (so ``/openapi.json`` documents them),
the limits of one request and one connection, and the OpenAPI text of bodies and error answers.

Every answer the service gives is described here: a ``Prediction`` / ``BatchOut`` / ``Health`` /
``Genres`` on success, an ``ErrorOut`` (``{"detail": "<one line>"}``, plus ``errors`` for 422) for
every 4xx and 503. The OpenAPI document is checked against the running service by schemathesis
(``tests/integration/test_service_process.py``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..records import split_names
from .inputs import (
    CAST_MAX,
    COMPANIES_MAX,
    COUNTRY_PATTERN,
    FIELDS,
    KEYWORDS_MAX,
    LANGUAGE_PATTERN,
    LIST_FIELDS,
    NAME_MAX,
    OVERVIEW_MAX,
    RUNTIME_MAX,
    RUNTIME_MIN,
    TAGLINE_MAX,
    TEXT_FIELDS,
    TITLE_MAX,
    YEAR_MAX,
    YEAR_MIN,
    fields_read,
)

Name = Annotated[str, Field(max_length=NAME_MAX)]


def _name_list(max_items: int):
    """A list of names, or the same as one ``"A; B"`` string (a form field, a CSV cell)."""
    return (
        Annotated[list[Name], Field(max_length=max_items)]
        | Annotated[str, Field(max_length=max_items * (NAME_MAX + 2))]
        | None
    )


def _names_field(max_items: int, what: str):
    return Field(None, description=f"{what}: a list, or one string separated by ';' (at most {max_items})")


CompanyList, KeywordList, CastList = (_name_list(n) for n in (COMPANIES_MAX, KEYWORDS_MAX, CAST_MAX))


class MovieIn(BaseModel):
    """One movie to predict; every field may be missing, but not all of them. Blank text is absent."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Moonlight Harbour",
                    "overview": "Two rival fishermen fall in love during a storm that cuts their village off.",
                    "companies": ["Seaside Pictures"],
                    "keywords": "storm; fishing village",
                    "year": 2019,
                    "language": "en",
                }
            ]
        },
    )

    title: str | None = Field(None, max_length=TITLE_MAX)
    overview: str | None = Field(None, max_length=OVERVIEW_MAX, description="plot summary")
    companies: CompanyList = _names_field(COMPANIES_MAX, "production companies")
    keywords: KeywordList = _names_field(KEYWORDS_MAX, "keywords (TMDB style: 'heist', 'small town')")
    director: str | None = Field(None, max_length=NAME_MAX)
    cast: CastList = _names_field(CAST_MAX, "top-billed cast, in billing order")
    tagline: str | None = Field(None, max_length=TAGLINE_MAX)
    year: int | None = Field(None, ge=YEAR_MIN, le=YEAR_MAX, description="release year")
    runtime: float | None = Field(
        None, ge=RUNTIME_MIN, le=RUNTIME_MAX, allow_inf_nan=False, description="minutes"
    )
    language: str | None = Field(
        None, pattern=LANGUAGE_PATTERN, description="original language, ISO 639 code (e.g. en)"
    )
    country: str | None = Field(
        None, pattern=COUNTRY_PATTERN, description="production country, ISO 3166-1 alpha-2 code (e.g. US)"
    )
    poster_b64: str | None = Field(
        None, description="the poster image (JPEG/PNG/...), base64-encoded, or a data: URL"
    )

    @field_validator("companies", "keywords", "cast")
    @classmethod
    def _split(cls, v):
        # the string form is bounded by its length alone (as its schema says); the list form by
        # its number of names and their lengths
        return list(split_names(v)) if isinstance(v, str) else v

    @field_validator("year", mode="before")
    @classmethod
    def _whole_number(cls, v):
        # JSON Schema counts 2001.0 as an integer; strict pydantic would not
        return int(v) if isinstance(v, float) and v.is_integer() else v

    def fields(self) -> dict:
        """The movie's fields without the poster (for ``inputs.movie_from_fields``)."""
        return self.model_dump(exclude={"poster_b64"})


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    movies: list[MovieIn] = Field(description="at most max_batch movies (moviegenre serve --max-batch)")


class Prediction(BaseModel):
    genres: list[str] = Field(description="predicted genres (score over the genre's tuned threshold)")
    scores: dict[str, float] = Field(description="probability per genre")
    weights: dict[str, float] | None = Field(
        None, description="how much each of the model's inputs counted (gated/late fusion; else null)"
    )


class BatchOut(BaseModel):
    predictions: list[Prediction]


class Health(BaseModel):
    status: str
    version: str
    model: str
    inputs: list[str] = Field(description="the inputs the model reads")
    genres: int = Field(description="how many genres it knows")
    api_key_required: bool = Field(description="whether the API wants 'Authorization: Bearer <key>'")


class Genres(BaseModel):
    genres: list[str]
    thresholds: dict[str, float] | None = None


class ErrorItem(BaseModel):
    type: str
    loc: list[str | int]
    msg: str


class ErrorOut(BaseModel):
    """Every refusal: one line in ``detail``; schema problems (422) also list ``errors``."""

    detail: str
    errors: list[ErrorItem] | None = None


ERRORS = {
    400: "malformed JSON or form, or a poster that is not a readable image",
    401: "missing or wrong API key (the service was started with --api-key)",
    408: "the request body did not arrive in time (--body-timeout)",
    413: "body, poster or image too large, or a batch over --max-batch",
    415: "a body that is neither application/json nor a form",
    422: "valid JSON or form that does not describe a movie: wrong types, unknown fields, out of bounds, "
    "or no input the model reads",
    503: "the prediction took longer than --timeout; try again",
}


def error_responses(*codes: int) -> dict:
    """The ``responses=`` of a route that may answer ``codes``."""
    return {c: {"model": ErrorOut, "description": ERRORS[c]} for c in codes}


# what makes a field count as given (the service's rule: blank text and empty lists are absent)
NON_BLANK = {"type": "string", "pattern": r"\S"}
NAMES_GIVEN = {"type": "string", "pattern": r"[^\s;]"}
GIVEN = {
    **dict.fromkeys(TEXT_FIELDS, NON_BLANK),
    **{f: {"anyOf": [{"type": "array", "contains": NON_BLANK}, NAMES_GIVEN]} for f in LIST_FIELDS},
    "year": {"type": "integer"},
    "runtime": {"type": "number"},
    "language": {"type": "string"},
    "country": {"type": "string"},
}
FORM_GIVEN = GIVEN | dict.fromkeys(LIST_FIELDS, NAMES_GIVEN)


def _at_least_one(fields: tuple[str, ...], given: dict, poster: tuple[str, dict]) -> dict:
    """``anyOf``: at least one of ``fields`` (those the model reads) holds something."""
    options = []
    for f in fields:
        name, schema = poster if f == "poster" else (f, given[f])
        options.append({"required": [name], "properties": {name: schema}})
    return {"anyOf": options}


def movie_schema(inputs: list[str]) -> dict:
    """``MovieIn``'s JSON schema, plus the rule the service applies: at least one field that the
    model's ``inputs`` read must be given (any field, for a model with inputs this version does not
    know)."""
    schema = MovieIn.model_json_schema()
    fields = fields_read(inputs) or (*FIELDS, "poster")
    return schema | _at_least_one(fields, GIVEN, ("poster_b64", {"type": "string", "minLength": 1}))


def multipart_schema(inputs: list[str]) -> dict:
    """The multipart form of ``/predict``: ``MovieIn``'s fields as form fields (lists as ``"A; B"``)
    plus a ``poster`` file. An empty field is not given (a browser sends fields left empty)."""
    props = {}
    for name, prop in MovieIn.model_json_schema()["properties"].items():
        if name == "poster_b64":
            continue
        variants = [v for v in prop.get("anyOf", [prop]) if v.get("type") != "null"]
        field = next((v for v in variants if v.get("type") == "string"), variants[0])
        if field.get("type") != "string" or "pattern" in field:  # a number or a code: or left empty
            field = {"anyOf": [field, {"type": "string", "maxLength": 0}]}
        props[name] = field | {k: prop[k] for k in ("description",) if k in prop}
    props["poster"] = {"type": "string", "format": "binary", "description": "the poster image file"}
    fields = fields_read(inputs) or (*FIELDS, "poster")
    poster = ("poster", {"type": "string", "format": "binary", "minLength": 1})
    return {"type": "object", "properties": props, "additionalProperties": False} | _at_least_one(
        fields, FORM_GIVEN, poster
    )


def predict_body(inputs: list[str]) -> dict:
    """``openapi_extra`` of ``POST /predict``: JSON or a multipart form."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/MovieIn"}},
                "multipart/form-data": {"schema": multipart_schema(inputs)},
            },
        }
    }


BATCH_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchIn"}}},
    }
}


def body_components(inputs: list[str]) -> dict:
    """JSON schemas of the request bodies (read by hand, so FastAPI does not list them itself)."""
    from pydantic.json_schema import models_json_schema

    _, top = models_json_schema(
        [(MovieIn, "validation"), (BatchIn, "validation")], ref_template="#/components/schemas/{model}"
    )
    return top["$defs"] | {"MovieIn": movie_schema(inputs)}
