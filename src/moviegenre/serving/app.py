"""The HTTP service: ``create_app(model_dir)`` → a FastAPI app around one loaded ``GenreClassifier``.

Routes: ``GET /health``, ``GET /genres``, ``POST /predict`` (JSON with an optional base64 poster,
or a multipart form with a poster upload), ``POST /predict/batch`` (bounded), ``GET /`` (the page
in ``moviegenre/web``) and the OpenAPI docs at ``/docs``. What a request may contain and how bad
input is refused (400/413/422, never 500) lives in ``moviegenre.serving.parsing`` and ``schemas``; a prediction slower
than the time limit is a 503. The model is loaded (and warmed up) once, when the app is created;
predictions go through a ``MicroBatcher``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..errors import MovieGenreError
from ..inference.bundle import is_bundle
from ..pretrained import load_predictor, resolve_model_dir
from ..records import Movie
from .batching import MicroBatcher, uncached_predict
from .parsing import BodyLimitMiddleware, decode_poster, install_error_handlers, parse_json, read_form
from .schemas import PREDICT_BODY, BatchIn, BatchOut, MovieIn, Prediction, ServiceLimits

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parent / "web"
__all__ = ["ServiceLimits", "create_app"]


def create_app(
    model_dir: str | Path | None = None,
    *,
    classifier=None,
    limits: ServiceLimits | None = None,
    warm_up: bool = True,
) -> FastAPI:
    """The app serving ``load_predictor(model_dir)``: a model folder or a bundle (default: the shipped model).

    ``classifier`` passes an already loaded model (anything with ``genres_``, ``inputs_`` and
    ``predict_details``) instead of a folder, e.g. for tests. ``warm_up`` runs one prediction with
    every input before serving, so the encoders' sessions are built before the first user waits.
    """
    limits = limits or ServiceLimits()
    if classifier is None:
        # a bundle runs on onnxruntime alone; a model folder imports torch (only then)
        if not (model_dir and is_bundle(model_dir)):
            model_dir = resolve_model_dir(model_dir)
        classifier = load_predictor(model_dir)
    model_name = Path(model_dir).name if model_dir else type(classifier).__name__
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
        description="Predict a movie's genres from its title, overview, companies and poster.",
    )
    app.state.classifier, app.state.limits, app.state.batcher = classifier, limits, batcher
    app.add_middleware(BodyLimitMiddleware, max_bytes=limits.max_body_bytes)
    install_error_handlers(app)

    def to_movie(m: MovieIn, poster: bytes | None, index: int | None = None) -> Movie:
        def clean(s):
            return s.strip() or None if s is not None else None

        companies = None if m.companies is None else tuple(c.strip() for c in m.companies if c.strip())
        movie = Movie(
            key=f"request-{next(counter)}",
            title=clean(m.title),
            overview=clean(m.overview),
            companies=companies,
            poster_bytes=poster,
        )
        if not (movie.title or movie.overview or movie.companies or poster):
            where = "" if index is None else f"movies[{index}]: "
            raise HTTPException(422, f"{where}give at least one of title, overview, companies or a poster")
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

    @app.get("/health")
    def health() -> dict:
        """Liveness plus what is being served."""
        return {
            "status": "ok",
            "version": __version__,
            "model": model_name,
            "inputs": list(classifier.inputs_),
            "genres": len(classifier.genres_),
        }

    @app.get("/genres")
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
        openapi_extra=PREDICT_BODY,
        responses={
            400: {"description": "malformed JSON or unreadable poster"},
            413: {"description": "body, poster or image too large"},
        },
    )
    async def predict(request: Request):
        """One movie: JSON (``MovieIn``, optional ``poster_b64``) or multipart (``poster`` file)."""
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            movie_in, poster = await read_form(request, limits)
        else:
            movie_in = parse_json(await request.body(), MovieIn)
            poster = await decode_poster(movie_in.poster_b64, limits)
        return (await predict_movies([to_movie(movie_in, poster)]))[0]

    @app.post(
        "/predict/batch",
        response_model=BatchOut,
        responses={413: {"description": "too many movies, or a body/poster too large"}},
    )
    async def predict_batch(batch: BatchIn):
        """Up to ``max_batch`` movies in one call (JSON only)."""
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
    log.info(
        "serving model %s (%d genres, inputs %s)", model_name, len(classifier.genres_), classifier.inputs_
    )
    return app


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
            )
        ]
    )
    log.info("warmed up in %.1f s", time.perf_counter() - t)
