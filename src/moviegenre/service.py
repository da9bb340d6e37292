"""The HTTP service: ``create_app(model_dir)`` → a FastAPI app around one loaded ``GenreClassifier``.

Routes: ``GET /health``, ``GET /genres``, ``POST /predict`` (JSON with an optional base64 poster,
or a multipart form with a poster upload), ``POST /predict/batch`` (bounded), ``GET /`` (the page
in ``moviegenre/web``) and the OpenAPI docs at ``/docs``.

Bad input never reaches the model as a crash: malformed JSON → 400, schema problems → 422,
an unreadable poster → 400, a body / image / batch over its limit → 413, a prediction slower
than the time limit → 503. Every error body is ``{"detail": "<one line>"}`` (+ ``errors`` for 422).
The model is loaded once, when the app is created; predictions go through a ``MicroBatcher``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import itertools
import json
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import __version__
from .batching import MicroBatcher
from .data.images import ImageError, open_image
from .errors import MovieGenreError
from .records import Movie

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parent / "web"


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

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "title": "Moonlight Harbour",
        "overview": "Two rival fishermen fall in love during a storm that cuts their village off.",
        "companies": ["Seaside Pictures"],
    }]})

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


_MULTIPART_SCHEMA = {"type": "object", "properties": {
    "title": {"type": "string"}, "overview": {"type": "string"},
    "companies": {"type": "string", "description": "separated by ';'"},
    "poster": {"type": "string", "format": "binary"}}}
_PREDICT_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/MovieIn"}},
    "multipart/form-data": {"schema": _MULTIPART_SCHEMA}}}}


def create_app(model_dir: str | Path | None = None, *, classifier=None,
               limits: ServiceLimits | None = None, warm_up: bool = True) -> FastAPI:
    """The app serving ``GenreClassifier.load(model_dir)`` (default: the shipped model).

    ``classifier`` passes an already loaded model (anything with ``genres_``, ``inputs_`` and
    ``predict_details``) instead of a folder, e.g. for tests. ``warm_up`` runs one prediction with
    every input before serving, so the encoders' sessions are built before the first user waits.
    """
    limits = limits or ServiceLimits()
    if classifier is None:
        from .classifier import GenreClassifier
        from .pretrained import resolve_model_dir

        model_dir = resolve_model_dir(model_dir)
        classifier = GenreClassifier.load(model_dir)
    model_name = Path(model_dir).name if model_dir else type(classifier).__name__
    predict_fn = _uncached(classifier.predict_details)
    if warm_up:
        _warm_up(predict_fn)
    batcher = MicroBatcher(predict_fn, max_batch=limits.max_batch, workers=limits.workers)
    counter = itertools.count()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        batcher.close()

    app = FastAPI(title="moviegenre", version=__version__, lifespan=lifespan,
                  description="Predict a movie's genres from its title, overview, companies and poster.")
    app.state.classifier, app.state.limits, app.state.batcher = classifier, limits, batcher
    app.add_middleware(BodyLimitMiddleware, max_bytes=limits.max_body_bytes)
    _install_error_handlers(app)

    def to_movie(m: MovieIn, poster: bytes | None) -> Movie:
        def clean(s):
            return s.strip() or None if s is not None else None
        companies = None if m.companies is None else tuple(c.strip() for c in m.companies if c.strip())
        movie = Movie(key=f"request-{next(counter)}", title=clean(m.title), overview=clean(m.overview),
                      companies=companies, poster_bytes=poster)
        if not (movie.title or movie.overview or movie.companies or poster):
            raise HTTPException(422, "give at least one of title, overview, companies or a poster")
        return movie

    async def predict_movies(movies: list[Movie]) -> list[dict]:
        try:
            return await asyncio.wait_for(batcher.submit(movies), timeout=limits.timeout_s)
        except TimeoutError:
            raise HTTPException(503, f"prediction took longer than {limits.timeout_s:g} s; try again",
                                headers={"Retry-After": "1"}) from None
        except MovieGenreError as e:
            raise HTTPException(400, str(e)) from None

    @app.get("/health")
    def health() -> dict:
        """Liveness plus what is being served."""
        return {"status": "ok", "version": __version__, "model": model_name,
                "inputs": list(classifier.inputs_), "genres": len(classifier.genres_)}

    @app.get("/genres")
    def genres() -> dict:
        """The genres the model knows, in score order, with their decision thresholds."""
        thresholds = getattr(classifier, "thresholds_", None)
        out = {"genres": list(classifier.genres_)}
        if thresholds is not None:
            out["thresholds"] = {g: float(t) for g, t in zip(classifier.genres_, thresholds, strict=True)}
        return out

    @app.post("/predict", response_model=Prediction, openapi_extra=_PREDICT_BODY,
              responses={400: {"description": "malformed JSON or unreadable poster"},
                         413: {"description": "body, poster or image too large"}})
    async def predict(request: Request):
        """One movie: JSON (``MovieIn``, optional ``poster_b64``) or multipart (``poster`` file)."""
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            movie_in, poster = await _read_multipart(request, limits)
        else:
            movie_in = _parse_json(await request.body(), MovieIn)
            poster = _decode_poster(movie_in.poster_b64, limits)
        return (await predict_movies([to_movie(movie_in, poster)]))[0]

    @app.post("/predict/batch", response_model=BatchOut,
              responses={413: {"description": "too many movies, or a body/poster too large"}})
    async def predict_batch(batch: BatchIn):
        """Up to ``max_batch`` movies in one call (JSON only)."""
        if len(batch.movies) > limits.max_batch:
            raise HTTPException(413, f"batch of {len(batch.movies)} movies is over the limit of "
                                     f"{limits.max_batch}; split it")
        if not batch.movies:
            return {"predictions": []}
        movies = [to_movie(m, _decode_poster(m.poster_b64, limits, index=i)) for i, m in enumerate(batch.movies)]
        return {"predictions": await predict_movies(movies)}

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(WEB_DIR / "index.html")

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    log.info("serving model %s (%d genres, inputs %s)", model_name, len(classifier.genres_), classifier.inputs_)
    return app


def _warm_up(predict_fn) -> None:
    """One made-up movie with every input through the model (network sessions load lazily)."""
    import io
    import time

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (182, 268), (90, 60, 120)).save(buf, format="JPEG")
    t = time.perf_counter()
    predict_fn([Movie(key="warm-up", title="Warm Up", overview="A short made-up plot to load the text model.",
                      companies=("Warm Up Pictures",), poster_bytes=buf.getvalue())])
    log.info("warmed up in %.1f s", time.perf_counter() - t)


def _uncached(predict_details):
    """Requests skip the on-disk feature cache: one shard a request would pile up on disk, and
    a user's upload is rarely seen twice."""
    import inspect

    try:
        takes_cache = "cache" in inspect.signature(predict_details).parameters
    except (TypeError, ValueError):
        takes_cache = False
    return functools.partial(predict_details, cache=False) if takes_cache else predict_details


def _parse_json(body: bytes, model: type[BaseModel]) -> BaseModel:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise HTTPException(400, f"malformed JSON: {e}") from None
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False, include_context=False)) from None


def _decode_poster(b64: str | None, limits: ServiceLimits, index: int | None = None) -> bytes | None:
    if not b64:
        return None
    where = "poster_b64" if index is None else f"movies[{index}].poster_b64"
    if b64.startswith("data:") and "," in b64:  # a data URL as produced by FileReader
        b64 = b64.split(",", 1)[1]
    try:
        data = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise HTTPException(400, f"{where} is not valid base64") from None
    return _check_poster(data, limits, where)


def _check_poster(data: bytes, limits: ServiceLimits, where: str = "poster") -> bytes:
    """Refuse what the encoder could not use, before it gets to the model: 400 or 413."""
    try:
        open_image(data, max_pixels=limits.max_pixels, max_bytes=limits.max_poster_bytes)
    except ImageError as e:
        status = 413 if e.reason in ("too many pixels", "too large") else 400
        raise HTTPException(status, f"{where}: {e}") from None
    return data


async def _read_multipart(request: Request, limits: ServiceLimits) -> tuple[MovieIn, bytes | None]:
    try:
        form = await request.form(max_files=1, max_fields=10, max_part_size=limits.max_body_bytes)
    except HTTPException:
        raise
    except Exception as e:  # noqa: BLE001 - python-multipart raises several types for a broken form
        raise HTTPException(400, f"malformed multipart form: {e}") from None
    fields = {k: v for k, v in form.items() if isinstance(v, str) and v.strip()}
    unknown = set(form.keys()) - {"title", "overview", "companies", "poster"}
    if unknown:
        raise HTTPException(422, f"unknown form fields {sorted(unknown)}; use title, overview, companies, poster")
    try:
        movie_in = MovieIn.model_validate({k: fields[k] for k in ("title", "overview", "companies") if k in fields})
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False, include_context=False)) from None
    upload = form.get("poster")
    poster = None
    if upload is not None and not isinstance(upload, str):
        data = await upload.read()
        poster = _check_poster(data, limits) if data else None  # an empty file input = no poster
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


def _install_error_handlers(app: FastAPI) -> None:
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
