"""The ``moviegenre`` command. Each area registers its commands from its own module; heavy
imports (torch, encoders, FastAPI) happen inside the commands so ``--help`` is instant."""

from __future__ import annotations

import sys

import typer

from ..errors import MovieGenreError


def build_app() -> typer.Typer:
    from . import data, embed, experiment, export, posters, predict, serve, train
    from .extras import TRAIN_COMMANDS, require_train

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
    def _root(ctx: typer.Context) -> None:
        """Predict a movie's genres from its overview, title, companies, poster and metadata."""
        if ctx.invoked_subcommand in TRAIN_COMMANDS and "--help" not in sys.argv:
            require_train(ctx.invoked_subcommand)  # a light install says which extra to add

    @app.command()
    def version() -> None:
        """Print the moviegenre version."""
        from .. import __version__

        print(__version__)

    for module in (data, embed, train, experiment, predict, export, serve, posters):
        module.register(app)
    return app


def main() -> None:
    """Entry point: user errors (and a package a light install lacks) become one line on stderr and
    exit status 2."""
    from .extras import missing_extra_message

    try:
        build_app()()
    except MovieGenreError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except ModuleNotFoundError as e:
        hint = missing_extra_message(e)
        if hint is None:
            raise
        print(f"error: {hint}", file=sys.stderr)
        sys.exit(2)
