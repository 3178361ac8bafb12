"""How the ``siantar`` command fails: one line and an exit status, never a traceback.

A bad config or argument exits with status 2 (``CommandError``, ``ConfigError``,
or argparse's own complaint), a database that cannot be used with status 1, an
interrupt with 130. The line is in the run's language: ``siantar: gagal: …``
(``cli.failed``), ``siantar: basis data gagal: …`` (``cli.database_failed``, the
driver's own words after it), argparse's ``siantar export: gagal: … (lihat
'siantar export --help')`` (``cli.usage_error``); the refusals of the layers
below are worded by ``bot.cli.refusals``.

Output cut short by its reader (``siantar audit | head -1``)
ends the command quietly with status 141, as a Unix tool killed by SIGPIPE would;
SIGPIPE itself stays ignored, so a closed database socket is an error, not death
(https://docs.python.org/3/library/signal.html#note-on-sigpipe). Every command
goes through ``one_line`` and ``pipe_safe`` (``bot.cli.main``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from sqlalchemy.exc import SQLAlchemyError

from bot.cli.say import t
from bot.cli.usage import Formatter
from bot.config import ConfigError

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a tool killed by SIGPIPE


class CommandError(Exception):
    """A command that cannot run as asked; the message (in the run's language) is
    shown as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse in the run's language (``bot.cli.usage``), exiting with status 2 and
    a pointer to ``--help``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", Formatter)  # the subcommands' parsers too
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, t("cli.usage_error", prog=self.prog, message=message) + "\n")


def one_line(command: Callable[[], int]) -> int:
    """Run ``command``; what an operator can act on is shown as one line."""
    from bot.cli.refusals import refusal
    from bot.database import DatabaseNotReady

    try:
        return command()
    except CommandError as problem:
        print(t("cli.failed", problem=str(problem)), file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as problem:
        print(t("cli.failed", problem=refusal(problem)), file=sys.stderr)
        return EXIT_USAGE
    except DatabaseNotReady as problem:
        print(f"siantar: {refusal(problem)}", file=sys.stderr)
        return EXIT_FAILED
    except SQLAlchemyError as problem:
        print(t("cli.database_failed", problem=first_line(problem)), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def pipe_safe(command: Callable[[], int]) -> int:
    """Run ``command``; everything it prints is flushed here, so a reader that
    stops early (``| head``) is noticed here too, whichever command it was."""
    try:
        try:
            return command()
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the flush at interpreter exit does not raise
    BrokenPipeError again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a file (tests capture it)
        pass


def first_line(problem: BaseException) -> str:
    text = str(getattr(problem, "orig", None) or problem)
    return text.strip().splitlines()[0] if text.strip() else type(problem).__name__
