"""``moviegenre serve``: the HTTP service and web page around one model (``moviegenre.serving``)."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import ModelOpt, console, set_threads, setup_logging


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the main app."""

    @app.command()
    def serve(
        model: ModelOpt = None,
        host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
        max_batch: Annotated[int, typer.Option(min=1, help="most movies per /predict/batch call")] = 64,
        timeout: Annotated[float, typer.Option(min=0.1, help="seconds a prediction may take")] = 30.0,
        workers: Annotated[int, typer.Option(min=1, help="model threads taking batches")] = 2,
        threads: Annotated[
            int, typer.Option(min=0, help="threads inside each encoder session (0: all cores)")
        ] = 1,
        verbose: bool = False,
    ) -> None:
        """Serve the model over HTTP (FastAPI): the page at /, the API docs at /docs."""
        import uvicorn

        from ..serving.app import create_app
        from ..serving.schemas import ServiceLimits

        setup_logging(verbose)
        set_threads(threads)
        limits = ServiceLimits(max_batch=max_batch, timeout_s=timeout, workers=workers)
        app = create_app(model, limits=limits)
        console.print(f"serving on http://{host}:{port}/  (API docs: /docs)")
        uvicorn.run(app, host=host, port=port, log_level="debug" if verbose else "info")
