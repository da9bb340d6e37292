"""What the HTTP service accepts, and how it refuses the rest (used by ``moviegenre.service``).

Pydantic request/response models (so ``/docs`` documents them), the limits of one request, the
parsing of JSON / multipart bodies and posters, the body-size middleware and the 422/400 error
shape. Every refusal is an ``HTTPException`` with a one-line ``detail``: malformed JSON → 400,
schema problems → 422, an unreadable poster → 400, a body / poster / image over its limit → 413.
Posters are decoded off the event loop (a 16-megapixel PNG takes a while).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .data.images import ImageError, open_image


@dataclass(frozen=True)
class ServiceLimits:
    """What one request may ask for; anything beyond is refused with 413 (or 503 for time)."""

    max_body_bytes: int = 8 * 2**20  # a base64 poster is 4/3 of the image
    max_poster_bytes: int = 5 * 2**20
    max_pixels: int = 16_000_000  # real posters are < 1 MP; 16 MP covers any phone photo
    max_batch: int = 64
    timeout_s: float = 30.0
    workers: int = 2  # model threads (see moviegenre.batching)


class MovieIn(BaseModel):
    """One movie to predict; every field may be missing. ``companies``: a list or ``"A; B"``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Moonlight Harbour",
                    "overview": "Two rival fishermen fall in love during a storm that cuts their village off.",
                    "companies": ["Seaside Pictures"],
                }
            ]
        },
    )

    title: str | None = Field(None, max_length=1000)
    overview: str | None = Field(None, max_length=20000)
    companies: list[str] | None = Field(None, max_length=200)
    poster_b64: str | None = Field(None, description="the poster image (JPEG/PNG/...), base64-encoded")

    @field_validator("companies", mode="before")
    @classmethod
    def _split_companies(cls, v):
        return [c for c in (s.strip() for s in v.split(";")) if c] if isinstance(v, str) else v


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    movies: list[MovieIn]


class Prediction(BaseModel):
    genres: list[str] = Field(description="predicted genres (score over the genre's tuned threshold)")
    scores: dict[str, float] = Field(description="probability per genre")
    weights: dict[str, float] | None = Field(None, description="how much each input counted (gated/late)")


class BatchOut(BaseModel):
    predictions: list[Prediction]


MULTIPART_SCHEMA = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "overview": {"type": "string"},
        "companies": {"type": "string", "description": "separated by ';'"},
        "poster": {"type": "string", "format": "binary"},
    },
}
PREDICT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/MovieIn"}},
            "multipart/form-data": {"schema": MULTIPART_SCHEMA},
        },
    }
}


def parse_json(body: bytes, model: type[BaseModel]) -> BaseModel:
    """Body → ``model``: 400 when it is not JSON at all, 422 (pydantic errors) when it does not fit."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise HTTPException(400, f"malformed JSON: {e}") from None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False, include_context=False)) from None


async def decode_poster(b64: str | None, limits: ServiceLimits, index: int | None = None) -> bytes | None:
    if not b64:
        return None
    where = "poster_b64" if index is None else f"movies[{index}].poster_b64"
    if b64.startswith("data:") and "," in b64:  # a data URL as produced by FileReader
        b64 = b64.split(",", 1)[1]
    try:
        data = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(400, f"{where} is not valid base64") from None
    return await check_poster(data, limits, where)


async def check_poster(data: bytes, limits: ServiceLimits, where: str = "poster") -> bytes:
    """Refuse what the encoder could not use, before it gets to the model: 400 or 413."""
    try:
        await run_in_threadpool(
            open_image, data, max_pixels=limits.max_pixels, max_bytes=limits.max_poster_bytes
        )
    except ImageError as e:
        status = 413 if e.reason in ("too many pixels", "too large") else 400
        raise HTTPException(status, f"{where}: {e}") from None
    return data


async def read_form(request: Request, limits: ServiceLimits) -> tuple[MovieIn, bytes | None]:
    """A multipart (or urlencoded) form with ``title``, ``overview``, ``companies`` ("A; B"), ``poster``."""
    try:
        form = await request.form(max_files=1, max_fields=10, max_part_size=limits.max_body_bytes)
    except HTTPException:
        raise
    except Exception as e:
        raise HTTPException(400, f"malformed multipart form: {e}") from None
    fields = {k: v for k, v in form.items() if isinstance(v, str) and v.strip()}
    unknown = set(form.keys()) - {"title", "overview", "companies", "poster"}
    if unknown:
        raise HTTPException(
            422, f"unknown form fields {sorted(unknown)}; use title, overview, companies, poster"
        )
    try:
        movie_in = MovieIn.model_validate(
            {k: fields[k] for k in ("title", "overview", "companies") if k in fields}
        )
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False, include_context=False)) from None
    upload = form.get("poster")
    poster = None
    if upload is not None and not isinstance(upload, str):
        data = await upload.read()
        poster = await check_poster(data, limits) if data else None  # an empty file input = no poster
    return movie_in, poster


class BodyLimitMiddleware:
    """413 for bodies over ``max_bytes``: by Content-Length up front, else while streaming."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        too_large = f"request body is over the limit of {self.max_bytes // 2**20} MB"
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await JSONResponse({"detail": too_large}, status_code=413)(scope, receive, send)
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise HTTPException(413, too_large)  # FastAPI re-raises HTTPException from body reading
            return message

        await self.app(scope, limited_receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Validation errors as ``{"detail": "<field>: <message>", "errors": [...]}``; bad JSON as 400."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse({"detail": "malformed JSON: " + errors[0].get("msg", "")}, status_code=400)
        first = errors[0] if errors else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        summary = f"{where}: {first.get('msg', 'invalid request')}" if where else first.get("msg", "invalid")
        safe = [{k: e[k] for k in ("type", "loc", "msg") if k in e} for e in errors]
        return JSONResponse({"detail": summary, "errors": safe}, status_code=422)
