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


class _ClosedPipe(Exception):
    """stdout (or stderr) was closed by the reader (``moviegenre ... | head -1``)."""


def _guard_pipe(invoke):
    """Click turns a BrokenPipeError into a silent exit status 1; this lets it reach ``main``."""

    def guarded(ctx):
        try:
            return invoke(ctx)
        except BrokenPipeError:
            raise _ClosedPipe from None

    return guarded


def _closed_pipe_exit() -> None:
    """End like other Unix tools whose reader went away: nothing on stderr, status 141 (128 + SIGPIPE)."""
    import logging
    import os

    logging.raiseExceptions = False  # a log line to a closed stderr must not print a logging error
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())  # the interpreter's last flush then goes nowhere
        except (OSError, ValueError):
            pass
    sys.exit(141)


def main() -> None:
    """Entry point: user errors (and a package a light install lacks) become one line on stderr and
    exit status 2; a closed pipe on stdout ends quietly (status 141, nothing on stderr); an
    operating-system error (disk full, no permission) is one line too, never a traceback."""
    from rich.console import Console

    from .extras import missing_extra_message

    def on_broken_pipe(console) -> None:  # rich's own ends with a silent SystemExit(1)
        console.quiet = True
        raise _ClosedPipe

    Console.on_broken_pipe = on_broken_pipe
    command = typer.main.get_command(build_app())
    command.invoke = _guard_pipe(command.invoke)
    try:
        try:
            command.main(prog_name="moviegenre")
        finally:
            sys.stdout.flush()  # output still in the buffer meets a closed pipe here, not at exit
    except (_ClosedPipe, BrokenPipeError):
        _closed_pipe_exit()
    except SystemExit as e:
        # click's own guard (help, usage errors: printed before a command runs) exits 1 silently
        if e.code == 1 and type(sys.stdout).__name__ == "PacifyFlushWrapper":
            _closed_pipe_exit()
        raise
    except MovieGenreError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    except ModuleNotFoundError as e:
        hint = missing_extra_message(e)
        if hint is None:
            raise
        print(f"error: {hint}", file=sys.stderr)
        sys.exit(2)
    except OSError as e:
        where = f"{str(e.filename)[:200]}: " if e.filename else ""
        print(f"error: {where}{e.strerror or e}", file=sys.stderr)
        sys.exit(2)
