"""``moviegenre serve``: the HTTP service and web page around one model (``moviegenre.serving``)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from ..config import help_of
from ..serving.limits import ServiceLimits
from .common import ModelOpt, VerboseOpt, console, set_threads, setup_logging

LIMITS = ServiceLimits()  # the defaults shown by --help


def _limit(name: str, flag: str, minimum: float):
    return typer.Option(flag, min=minimum, help=help_of(ServiceLimits, name))


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the main app."""

    @app.command()
    def serve(
        model: ModelOpt = None,
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="port to listen on")] = 8000,
        max_batch: Annotated[int, _limit("max_batch", "--max-batch", 1)] = LIMITS.max_batch,
        timeout: Annotated[float, _limit("timeout_s", "--timeout", 0.1)] = LIMITS.timeout_s,
        workers: Annotated[int, _limit("workers", "--workers", 1)] = LIMITS.workers,
        threads: Annotated[
            int, typer.Option(min=0, help="threads inside each encoder session (0: all cores)")
        ] = 1,
        header_timeout: Annotated[
            float, _limit("header_timeout_s", "--header-timeout", 0.1)
        ] = LIMITS.header_timeout_s,
        body_timeout: Annotated[
            float, _limit("body_timeout_s", "--body-timeout", 0.1)
        ] = LIMITS.body_timeout_s,
        max_connections: Annotated[
            int, _limit("max_connections", "--max-connections", 1)
        ] = LIMITS.max_connections,
        api_key: Annotated[
            str | None,
            typer.Option(
                help="require 'Authorization: Bearer KEY' on the API (not on the page or /health). "
                "Prefer the MOVIEGENRE_API_KEY environment variable: a flag shows in `ps`.",
                show_default=False,
            ),
        ] = None,
        cors_origin: Annotated[
            list[str] | None,
            typer.Option(
                metavar="ORIGIN",
                help="a browser origin allowed to call the API, e.g. https://example.org (repeatable)",
            ),
        ] = None,
        verbose: VerboseOpt = False,
    ) -> None:
        """Serve the model over HTTP (FastAPI): the page at /, the API docs at /docs."""
        from ..serving.app import create_app
        from ..serving.security import API_KEY_ENV, check_api_key, check_origins
        from ..serving.server import limit_malloc_arenas, run

        limit_malloc_arenas()  # before the model and its threads allocate

        key = (api_key or os.environ.get(API_KEY_ENV) or "").strip() or None  # stray newline of a paste
        if key is not None:
            check_api_key(key)  # before the slow model load
        origins = check_origins(cors_origin or [])
        setup_logging(verbose)
        set_threads(threads)
        limits = ServiceLimits(
            max_batch=max_batch,
            timeout_s=timeout,
            workers=workers,
            header_timeout_s=header_timeout,
            body_timeout_s=body_timeout,
            max_connections=max_connections,
        )
        app = create_app(model, limits=limits, api_key=key, cors_origins=origins)
        if key is None and host not in ("127.0.0.1", "localhost", "::1"):
            console.print(
                f"[yellow]warning:[/] listening on {host} without an API key: anyone who can reach it "
                f"may use it (set {API_KEY_ENV} to require one)"
            )
        console.print(
            f"serving on http://{host}:{port}/  (API docs: /docs"
            + ("; the API wants the key" if key else "")
            + ")"
        )
        run(app, host, port, limits, log_level="debug" if verbose else "info")
