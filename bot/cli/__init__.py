"""The ``siantar`` command: chat, run, db upgrade, export, role, stats, training,
announce, forum, opd, aspiration, web, info, audit, block/unblock, privacy.

One module per command group (``bot.cli.core``, ``staff``, ``training``,
``announce``, ``forum``, ``opd``, ``privacy``, ``web``, ``info``), imported only when its command
runs; argparse's description is ``bot.cli.parser``; how a command fails (one
line, an exit status) is ``bot.cli.errors``. Everything is said in one language,
Indonesian unless ``siantar --lang en`` (``bot.cli.say``): it is chosen before
argparse reads the command line, so ``--help`` and argparse's complaints speak
it too (``bot.cli.usage``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli.errors import one_line, pipe_safe
from bot.cli.parser import build_parser
from bot.cli.say import use_language
from bot.cli.usage import asked_language, in_run_language
from bot.config import Settings, load_settings

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (the console script ``siantar``)."""
    return pipe_safe(lambda: _main(argv))


def _main(argv: Sequence[str] | None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        use_language(asked_language(arguments))  # before argparse: --help speaks it too
        parser = build_parser()
        with in_run_language():
            args = parser.parse_args(arguments)
        use_language(args.output_language)

        def command() -> int:
            from bot.cli.core import note_legacy_database

            settings = load_settings(args.config)
            note_legacy_database(settings)
            return dispatch(args, settings)

        return one_line(command)
    finally:
        use_language(None)  # the next run (a test's, in one process) starts in Indonesian


def dispatch(args: argparse.Namespace, settings: Settings) -> int:
    """The module of ``args.command`` runs it."""
    command = args.command
    if command in ("chat", "db", "export", "run"):
        from bot.cli import core

        if command == "chat":
            return core.chat_command(args, settings)
        if command == "db":
            return core.db_upgrade_command(settings)
        if command == "export":
            return core.export_command(args, settings)
        return core.run_command(settings)
    if command == "info":
        from bot.cli.info import info_command

        return info_command(settings)
    if command in ("audit", "privacy", "block", "unblock"):
        from bot.cli import privacy

        if command == "audit":
            return privacy.audit_command(args, settings)
        if command == "privacy":
            return privacy.privacy_command(args, settings)
        return privacy.block_command(args, settings)
    if command == "training":
        from bot.cli.training import training_command

        return training_command(args, settings)
    if command == "announce":
        from bot.cli.announce import announce_command

        return announce_command(args, settings)
    if command == "forum":
        from bot.cli.forum import forum_command

        return forum_command(args, settings)
    if command == "opd":
        from bot.cli.opd import opd_command

        return opd_command(args, settings)
    if command == "aspiration":
        from bot.cli.aspiration import aspiration_command

        return aspiration_command(args, settings)
    if command == "web":
        from bot.cli.web import web_command

        return web_command(args, settings)
    from bot.cli.staff import role_command, stats_command

    return role_command(args, settings) if command == "role" else stats_command(args, settings)
