"""How the service reads a request and refuses what it cannot use.

Every refusal is an ``HTTPException`` with a one-line ``detail`` (documented in ``schemas.ERRORS``):
a body that is neither ``application/json`` nor a form → 415 (a cross-site page can post
``text/plain`` without asking; it cannot post JSON); malformed JSON (also too deep, or numbers past
the parser's range) → 400; schema problems → 422; an unreadable poster → 400; a body / poster /
image over its limit → 413; a body that does not arrive within ``body_timeout_s`` → 408. A client
that goes away mid-body is one log line, not a traceback. Posters are decoded off the event loop
(a 16-megapixel PNG takes a while).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect

from ..data.images import ImageError, open_image
from .inputs import FIELDS
from .limits import ServiceLimits
from .schemas import MovieIn

log = logging.getLogger("moviegenre.serving")

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def media_type(request: Request) -> str:
    """The request's media type without parameters, lower case ("" when there is none)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def refuse_media_type(got: str, accepted: tuple[str, ...]) -> HTTPException:
    given = f"got {got}" if got else "the request has no Content-Type"
    return HTTPException(415, f"send the body as {' or '.join(accepted)} ({given})")


async def read_json(request: Request, model: type[BaseModel]) -> BaseModel:
    """An ``application/json`` body → ``model``; anything else is 415."""
    if media_type(request) != "application/json":
        raise refuse_media_type(media_type(request), ("application/json",))
    return parse_json(await request.body(), model)


def parse_json(body: bytes, model: type[BaseModel]) -> BaseModel:
    """Body → ``model``: 400 when it is not JSON (or nested too deep, or a number out of range), 422
    when it does not fit. Strict: ``"2001"`` is not a year in JSON (it is in a form)."""
    try:
        return model.model_validate_json(body, strict=True)
    except ValidationError as e:
        errors = e.errors(include_url=False, include_context=False, include_input=False)
        bad_json = next((err for err in errors if err["type"] == "json_invalid"), None)
        if bad_json is not None:
            raise HTTPException(
                400, f"malformed JSON: {bad_json['msg'].removeprefix('Invalid JSON: ')}"
            ) from None
        raise RequestValidationError(errors) from None


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
    """A multipart (or urlencoded) form: ``MovieIn``'s fields as text (lists as ``"A; B"``), ``poster``
    a file. An empty field is absent (what a browser sends for a field left empty)."""
    try:
        form = await request.form(
            max_files=1, max_fields=len(FIELDS) + 4, max_part_size=limits.max_body_bytes
        )
    except (HTTPException, ClientDisconnect):
        raise
    except Exception as e:
        raise HTTPException(400, f"malformed form: {e}") from None
    names = [k for k, _ in form.multi_items()]
    allowed = (*FIELDS, "poster")
    unknown = sorted(set(names) - set(allowed))
    if unknown:
        raise HTTPException(422, f"unknown form fields {unknown}; use {', '.join(allowed)}")
    twice = sorted({k for k in names if names.count(k) > 1})
    if twice:
        raise HTTPException(422, f"form fields given more than once: {twice}")
    fields = {}
    for name in FIELDS:
        value = form.get(name)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise HTTPException(422, f"{name}: expected text, got a file")
        fields[name] = value
    try:
        movie_in = MovieIn.model_validate(fields)
    except ValidationError as e:
        errors = e.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError(errors) from None
    upload = form.get("poster")
    poster = None
    if isinstance(upload, str):
        if upload:
            raise HTTPException(422, "poster: expected a file upload, got text")
    elif upload is not None:
        data = await upload.read()
        poster = await check_poster(data, limits) if data else None  # an empty file input = no poster
    return movie_in, poster


class BodyGuardMiddleware:
    """Bounds on reading a request body: 413 over ``max_bytes`` (by Content-Length up front, else
    while streaming); 408 when it has not all arrived ``timeout_s`` after the app asked for it (a
    body that trickles); a client that disconnects mid-body is one log line."""

    def __init__(self, app, max_bytes: int, timeout_s: float):
        self.app, self.max_bytes, self.timeout_s = app, max_bytes, timeout_s

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        too_large = f"request body is over the limit of {self.max_bytes / 2**20:g} MB"
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            response = JSONResponse({"detail": too_large}, status_code=413, headers={"Connection": "close"})
            return await response(scope, receive, send)
        seen = 0
        deadline = None
        loop = asyncio.get_running_loop()

        async def guarded_receive():
            nonlocal seen, deadline
            if deadline is None:
                deadline = loop.time() + self.timeout_s
            try:
                message = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - loop.time()))
            except TimeoutError:
                # FastAPI turns an HTTPException raised while reading the body into the answer
                raise HTTPException(
                    408,
                    f"the request body did not arrive within {self.timeout_s:g} s",
                    headers={"Connection": "close"},
                ) from None
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise HTTPException(413, too_large, headers={"Connection": "close"})
            return message

        try:
            await self.app(scope, guarded_receive, send)
        except ClientDisconnect:
            client = scope.get("client") or ("?", 0)
            log.info(
                "client %s:%s went away before sending all of %s %s",
                *client[:2],
                scope["method"],
                scope["path"],
            )


def install_error_handlers(app: FastAPI) -> None:
    """Validation errors as ``{"detail": "<field>: <message>", "errors": [...]}`` (``ErrorOut``)."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = "".join(
            f"[{p}]" if isinstance(p, int) else f".{p}" for p in first.get("loc", ()) if p != "body"
        ).lstrip(".")
        msg = first.get("msg", "invalid request")
        summary = f"{where}: {msg}" if where else msg
        safe = [
            {
                "type": str(e.get("type", "")),
                "loc": [p for p in e.get("loc", ()) if p != "body"],
                "msg": e.get("msg", ""),
            }
            for e in errors
        ]
        return JSONResponse({"detail": summary, "errors": safe}, status_code=422)
