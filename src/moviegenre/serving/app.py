"""The HTTP service: ``create_app(model_dir)`` → a FastAPI app around one loaded ``GenreClassifier``.

Routes: ``GET /health``, ``GET /genres``, ``POST /predict`` (JSON with an optional base64 poster,
or a multipart form with a poster upload), ``POST /predict/batch`` (bounded), ``GET /`` (the page
in ``serving/web``) and the OpenAPI docs at ``/docs``. A movie may carry every field a ``Movie``
has for prediction (title, overview, companies, keywords, director, cast, tagline, year, runtime,
language, country, poster); the model reads those its inputs use. What a request may contain and
how bad input is refused (400/401/408/413/415/422, never 500) lives in ``parsing``, ``schemas`` and
``security``; a prediction slower than the time limit is a 503. The model is loaded (and warmed
up) once, when the app is created; predictions go through a ``MicroBatcher``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..errors import MovieGenreError
from ..inference.bundle import is_bundle
from ..pretrained import load_predictor, resolve_model_dir
from ..records import Movie
from .batching import MicroBatcher, uncached_predict
from .inputs import NoInputError, check_input, movie_from_fields
from .limits import ServiceLimits
from .parsing import (
    FORM_TYPES,
    BodyGuardMiddleware,
    decode_poster,
    install_error_handlers,
    media_type,
    parse_json,
    read_form,
    read_json,
    refuse_media_type,
)
from .schemas import (
    BATCH_BODY,
    BatchIn,
    BatchOut,
    Genres,
    Health,
    MovieIn,
    Prediction,
    body_components,
    error_responses,
    predict_body,
)
from .security import SecurityHeadersMiddleware, add_cors, require_api_key

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parent / "web"
__all__ = ["ServiceLimits", "create_app"]


def create_app(
    model_dir: str | Path | None = None,
    *,
    classifier=None,
    limits: ServiceLimits | None = None,
    warm_up: bool = True,
    api_key: str | None = None,
    cors_origins: list[str] | tuple[str, ...] = (),
) -> FastAPI:
    """The app serving ``load_predictor(model_dir)``: a model folder or a bundle (default: the shipped model).

    ``classifier`` passes an already loaded model (anything with ``genres_``, ``inputs_`` and
    ``predict_details``) instead of a folder, e.g. for tests. ``warm_up`` runs one prediction with
    every input before serving, so the encoders' sessions are built before the first user waits.
    ``api_key``: when given, the API routes want ``Authorization: Bearer <api_key>``.
    ``cors_origins``: browser origins allowed to call the API (none by default).
    """
    limits = limits or ServiceLimits()
    auth = [Depends(require_api_key(api_key))] if api_key else []
    if classifier is None:
        # a bundle runs on onnxruntime alone; a model folder imports torch (only then)
        if not (model_dir and is_bundle(model_dir)):
            model_dir = resolve_model_dir(model_dir)
        classifier = load_predictor(model_dir)
    model_name = Path(model_dir).name if model_dir else type(classifier).__name__
    inputs = list(classifier.inputs_)
    predict_fn = uncached_predict(classifier.predict_details)
    if warm_up:
        _warm_up(predict_fn)
    batcher = MicroBatcher(predict_fn, max_batch=limits.max_batch, workers=limits.workers)
    counter = itertools.count()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        batcher.close()

    from fastapi_offline import FastAPIOffline

    # /docs and /redoc with Swagger/ReDoc assets served from the package, not a CDN (works offline)
    app = FastAPIOffline(
        title="moviegenre",
        version=__version__,
        lifespan=lifespan,
        description="Predict a movie's genres from what is known about it: title, overview, companies, "
        "keywords, people, tagline, year, runtime, language, country and poster (every field optional).",
    )
    app.state.classifier, app.state.limits, app.state.batcher = classifier, limits, batcher
    # the last added runs first: headers on every answer, then CORS, then the body's bounds
    app.add_middleware(BodyGuardMiddleware, max_bytes=limits.max_body_bytes, timeout_s=limits.body_timeout_s)
    add_cors(app, list(cors_origins))
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    refusals = (400, *((401,) if api_key else ()), 408, 413, 415, 422, 503)

    def to_movie(m: MovieIn, poster: bytes | None, index: int | None = None) -> Movie:
        movie = movie_from_fields(f"request-{next(counter)}", poster, **m.fields())
        where = "" if index is None else f"movies[{index}]."
        try:
            check_input(movie, inputs, names=lambda f: where + f)
        except NoInputError as e:
            raise HTTPException(422, str(e)) from None
        return movie

    async def predict_movies(movies: list[Movie]) -> list[dict]:
        try:
            return await asyncio.wait_for(batcher.submit(movies), timeout=limits.timeout_s)
        except TimeoutError:
            raise HTTPException(
                503,
                f"prediction took longer than {limits.timeout_s:g} s; try again",
                headers={"Retry-After": "1"},
            ) from None
        except MovieGenreError as e:
            raise HTTPException(400, str(e)) from None

    @app.get("/health", response_model=Health)
    def health() -> dict:
        """Liveness plus what is being served (open even when the API wants a key)."""
        return {
            "status": "ok",
            "version": __version__,
            "model": model_name,
            "inputs": inputs,
            "genres": len(classifier.genres_),
            "api_key_required": bool(api_key),
        }

    @app.get(
        "/genres",
        response_model=Genres,
        dependencies=auth,
        responses=error_responses(401) if api_key else {},
    )
    def genres() -> dict:
        """The genres the model knows, in score order, with their decision thresholds."""
        thresholds = getattr(classifier, "thresholds_", None)
        out = {"genres": list(classifier.genres_)}
        if thresholds is not None:
            out["thresholds"] = {g: float(t) for g, t in zip(classifier.genres_, thresholds, strict=True)}
        return out

    @app.post(
        "/predict",
        response_model=Prediction,
        openapi_extra=predict_body(inputs),
        dependencies=auth,
        responses=error_responses(*refusals),
    )
    async def predict(request: Request):
        """One movie: JSON (``MovieIn``, optional ``poster_b64``) or a form (``poster`` file)."""
        kind = media_type(request)
        if kind in FORM_TYPES:
            movie_in, poster = await read_form(request, limits)
        elif kind == "application/json":
            movie_in = parse_json(await request.body(), MovieIn)
            poster = await decode_poster(movie_in.poster_b64, limits)
        else:
            raise refuse_media_type(kind, ("application/json", *FORM_TYPES))
        return (await predict_movies([to_movie(movie_in, poster)]))[0]

    @app.post(
        "/predict/batch",
        response_model=BatchOut,
        openapi_extra=BATCH_BODY,
        dependencies=auth,
        responses=error_responses(*refusals),
    )
    async def predict_batch(request: Request):
        """Up to ``max_batch`` movies in one call (JSON only)."""
        batch = await read_json(request, BatchIn)
        if len(batch.movies) > limits.max_batch:
            raise HTTPException(
                413, f"batch of {len(batch.movies)} movies is over the limit of {limits.max_batch}; split it"
            )
        if not batch.movies:
            return {"predictions": []}
        movies = [
            to_movie(m, await decode_poster(m.poster_b64, limits, index=i), index=i)
            for i, m in enumerate(batch.movies)
        ]
        return {"predictions": await predict_movies(movies)}

    @app.get("/", include_in_schema=False)
    def page():
        return FileResponse(WEB_DIR / "index.html")

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    _document_bodies(app, inputs)
    log.info("serving model %s (%d genres, inputs %s)", model_name, len(classifier.genres_), inputs)
    return app


def _document_bodies(app: FastAPI, inputs: list[str]) -> None:
    """The request bodies are read by hand (content type first, strict JSON), so FastAPI does not see
    their models: add them to the OpenAPI components that ``openapi_extra`` refers to."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {}).setdefault("schemas", {}).update(body_components(inputs))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


def _warm_up(predict_fn) -> None:
    """One made-up movie with every input through the model (network sessions load lazily)."""
    import io
    import time

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (182, 268), (90, 60, 120)).save(buf, format="JPEG")
    t = time.perf_counter()
    predict_fn(
        [
            Movie(
                key="warm-up",
                title="Warm Up",
                overview="A short made-up plot to load the text model.",
                companies=("Warm Up Pictures",),
                poster_bytes=buf.getvalue(),
                keywords=("warm up",),
                director="Warm Up Director",
                cast=("Warm Up Actor",),
                tagline="Warm up.",
                year=2000,
                runtime=100.0,
                language="en",
                country="US",
            )
        ]
    )
    log.info("warmed up in %.1f s", time.perf_counter() - t)
