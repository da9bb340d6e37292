"""The ``moviegenre`` command. Each area registers its commands from its own module; heavy
imports (torch, encoders, FastAPI) happen inside the commands so ``--help`` is instant."""

from __future__ import annotations

import sys

import typer

from ..errors import MovieGenreError


def build_app() -> typer.Typer:
    from . import data, embed, experiment, posters, predict, serve, train

    app = typer.Typer(
        name="moviegenre",
        help="Predict a movie's genres from its overview, title, companies, poster and metadata.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        # plain click help: no boxes, no "<bool>" on every flag, no cut-off defaults, reads well in a log
        rich_markup_mode=None,
    )

    @app.callback()
    def _root() -> None:
        """Predict a movie's genres from its overview, title, companies, poster and metadata."""

    @app.command()
    def version() -> None:
        """Print the moviegenre version."""
        from .. import __version__

        print(__version__)

    for module in (data, embed, train, experiment, predict, serve, posters):
        module.register(app)
    return app


def main() -> None:
    """Entry point: user errors become one line on stderr and exit status 2."""
    try:
        build_app()()
    except MovieGenreError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
