"""The ``moviegenre`` command. Each area registers its commands from its own module; heavy
imports (torch, encoders, FastAPI) happen inside the commands so ``--help`` is instant."""

from __future__ import annotations

import os
import re
import sys

import typer
from typer.core import TyperCommand, TyperGroup

from ..errors import MovieGenreError

HELP_WIDTH = 120  # --help's widest line: long option names and "[default: ...]" fit beside their help


def help_width() -> dict:
    """Click's help width: up to HELP_WIDTH on a wide terminal (the terminal's width on a narrow one);
    exactly HELP_WIDTH when stdout is not a terminal (a log, a pipe, a test), where click would
    otherwise assume 80 columns and split defaults and option lists over lines."""
    settings: dict = {"max_content_width": HELP_WIDTH}
    if not sys.stdout.isatty():
        settings["terminal_width"] = HELP_WIDTH
    return settings


_NBSP = "\xa0"
_TRAILING_BRACKET = re.compile(r"\[[^\[\]]*\]\s*$")
_Context = TyperGroup.context_class  # typer's own click


class _HelpFormatter(_Context.formatter_class):
    """Click's formatter, except that an option's trailing ``[default: ...; x>=1]`` is never split over
    two lines: its spaces are made non-breaking while the text is wrapped, then turned back."""

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        keep = [
            (term, _TRAILING_BRACKET.sub(lambda m: m.group(0).replace(" ", _NBSP), text))
            for term, text in rows
        ]
        super().write_dl(keep, col_max, col_spacing)
        self.buffer = [part.replace(_NBSP, " ") for part in self.buffer]


class _HelpContext(_Context):
    formatter_class = _HelpFormatter


class _HelpGroup(TyperGroup):
    context_class = _HelpContext


class _HelpCommand(TyperCommand):
    context_class = _HelpContext


def _use_help_classes(app: typer.Typer) -> None:
    """Every command and group of ``app`` (sub-apps too) formats its help with ``_HelpFormatter``."""
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):  # typer fills in TyperCommand for a plain @app.command()
            info.cls = _HelpCommand
    for group in app.registered_groups:
        group.cls = _HelpGroup
        _use_help_classes(group.typer_instance)


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
        context_settings=help_width(),
        cls=_HelpGroup,
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
    _use_help_classes(app)
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
