"""How the service reads a request and refuses what it cannot use.

JSON and multipart bodies and posters are parsed here; every refusal is an ``HTTPException`` with a
one-line ``detail``: malformed JSON → 400, schema problems → 422, an unreadable poster → 400, a body /
poster / image over its limit → 413. Posters are decoded off the event loop (a 16-megapixel PNG
takes a while).
"""

from __future__ import annotations

import base64
import binascii
import json

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from ..data.images import ImageError, open_image
from .schemas import MovieIn, ServiceLimits


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
