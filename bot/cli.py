"""The ``siantar`` command: chat, run, db upgrade, export, role, stats, training,
announce, forum, info.

A bad config or argument exits with status 2 and one clear line, never a traceback.
A database that cannot be used exits with status 1, also in one line. Output cut
short by its reader (``siantar audit | head -1``) ends the command quietly with
status 141, as a Unix tool killed by SIGPIPE would: :func:`main`, which every
command goes through, handles it the way the Python documentation recommends
(SIGPIPE itself stays ignored, so a closed database socket is an error, not death).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy.exc import SQLAlchemyError

from bot.cli_announce import add_parser as add_announce_parser
from bot.cli_info import VersionAction
from bot.cli_info import add_parser as add_info_parser
from bot.cli_privacy import add_parser as add_privacy_parser
from bot.config import ConfigError, Settings, load_settings
from bot.paths import CHAT_LOG_NAME, sqlite_file

logger = logging.getLogger(__name__)

EXIT_USAGE = 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a tool killed by SIGPIPE
LEGACY_DATABASE = "siantar.db"  # where versions before the data folder kept it


class UsageError(Exception):
    """A command that cannot run as asked; the message is shown as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}, expected YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="siantar", description="Siantar residents' chatbot.")
    parser.add_argument("--config", metavar="PATH", help="config file (TOML)")
    parser.add_argument("--version", action=VersionAction)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="chat with the bot in this terminal")
    chat.add_argument("--user", default="warga", help="console user id (default: warga)")
    chat.add_argument("--name", help="the resident's display name")
    chat.add_argument("--lang", choices=("id", "en"), help="language hint for a new resident")

    commands.add_parser("run", help="run every enabled channel and the scheduler")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply pending migrations")

    export = commands.add_parser("export", help="export collected data")
    export.add_argument("kind", choices=("aspirations", "registrations", "rsvps"))
    export.add_argument("--format", required=True, choices=("csv", "xlsx", "json"))
    export.add_argument("--out", required=True, metavar="PATH|-", help="file, or - for stdout")
    export.add_argument("--since", type=_date, metavar="DATE")
    export.add_argument("--until", type=_date, metavar="DATE")
    export.add_argument("--status")
    export.add_argument("--category")
    export.add_argument("--kecamatan")

    role = commands.add_parser("role", help="grant, revoke or list roles")
    role.add_argument("action", choices=("grant", "revoke", "list"))
    role.add_argument("identity", nargs="?", help="telegram:<id>, whatsapp:<digits>, console:<id>")
    role.add_argument("role", nargs="?", help="admin, staff or facilitator")

    stats = commands.add_parser("stats", help="aspiration counts, optionally a bar chart")
    stats.add_argument("--since", type=_date, metavar="DATE")
    stats.add_argument("--until", type=_date, metavar="DATE")
    stats.add_argument("--chart", metavar="PNG", help="write a bar chart to this file")
    stats.add_argument("--lang", choices=("id", "en"), default="id")
    _training_parser(commands)
    add_announce_parser(commands)
    add_privacy_parser(commands, _date)
    _forum_parser(commands)
    add_info_parser(commands)
    return parser


def _training_parser(commands: Any) -> None:
    """``siantar training ACTION …`` (bot/cli_training.py)."""
    training = commands.add_parser("training", help="create and run training programs")
    actions = training.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="a new program from a TOML file")
    add.add_argument("file", metavar="FILE.toml")
    edit = actions.add_parser("edit", help="change the keys present in a TOML file")
    edit.add_argument("id", type=int, metavar="ID")
    edit.add_argument("file", metavar="FILE.toml")
    listing = actions.add_parser("list", help="programs not finished or cancelled")
    listing.add_argument("--all", action="store_true", help="every program")
    for action, what in (
        ("open", "open registration"),
        ("close", "close registration"),
        ("cancel", "cancel the program and tell its registrants"),
        ("registrants", "who registered, seated and waiting"),
    ):
        actions.add_parser(action, help=what).add_argument("id", type=int, metavar="ID")
    attend = actions.add_parser("attend", help="mark registrations present (or --absent)")
    attend.add_argument("id", type=int, metavar="ID")
    attend.add_argument("registrations", type=int, nargs="+", metavar="REG_ID")
    attend.add_argument("--absent", action="store_true", help="mark them absent instead")


def _forum_parser(commands: Any) -> None:
    """``siantar forum ACTION …`` (bot/cli_forum.py)."""
    forum = commands.add_parser("forum", help="schedule forums, move, cancel, post results")
    actions = forum.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="a new forum from a TOML file")
    add.add_argument("file", metavar="FILE.toml")
    listing = actions.add_parser("list", help="forums ahead or awaiting their result")
    listing.add_argument("--all", action="store_true", help="every forum")
    move = actions.add_parser("move", help="a new time (and place); followers are told")
    move.add_argument("id", type=int, metavar="ID")
    move.add_argument("--at", required=True, metavar="DATETIME", help="2026-12-12T09:00 (WIB)")
    move.add_argument("--place", metavar="TEXT")
    cancel = actions.add_parser("cancel", help="cancel it; followers are told")
    cancel.add_argument("id", type=int, metavar="ID")
    summary = actions.add_parser("summary", help="the result, sent to those who answered")
    summary.add_argument("id", type=int, metavar="ID")
    source = summary.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", metavar="TEXT")
    source.add_argument("--file", metavar="PATH", help="a UTF-8 text file")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; everything it prints is flushed here, so a reader that
    stops early (``| head``) is noticed here too, whichever command it was."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the flush at interpreter exit does not raise
    BrokenPipeError again (https://docs.python.org/3/library/signal.html#note-on-sigpipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a file (tests capture it)
        pass


def _main(argv: Sequence[str] | None) -> int:
    from bot.database import DatabaseNotReady

    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        _note_legacy_database(settings)
        return _dispatch(args, settings)
    except (ConfigError, UsageError) as problem:
        print(f"siantar: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except DatabaseNotReady as problem:
        print(f"siantar: {problem}", file=sys.stderr)
        return 1
    except SQLAlchemyError as problem:
        print(f"siantar: database error: {_first_line(problem)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _note_legacy_database(settings: Settings) -> None:
    """Without a config file, versions before the data folder kept ``siantar.db``
    in the current folder. While one is here and the database in use does not
    exist yet, say so: otherwise the operator would think the data had vanished."""
    if settings.config_file is not None:
        return
    legacy = Path.cwd() / LEGACY_DATABASE
    target = sqlite_file(settings.database.url)
    if not legacy.is_file() or target is None or target.exists() or target == legacy:
        return
    print(
        f"siantar: note: {legacy} is not used without a config file; the database is "
        f"{target} (move the file there, or name it in a config file: README, Where data lives)",
        file=sys.stderr,
    )


def _first_line(problem: BaseException) -> str:
    text = str(getattr(problem, "orig", None) or problem)
    return text.strip().splitlines()[0] if text.strip() else type(problem).__name__


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "chat":
        return _chat(args, settings)
    if args.command == "db":
        return _db_upgrade(settings)
    if args.command == "export":
        return _export(args, settings)
    if args.command == "run":
        return _run(settings)
    if args.command == "info":
        from bot.cli_info import info_command

        return info_command(settings)
    if args.command == "audit":
        from bot.cli_privacy import audit_command

        return audit_command(args, settings)
    if args.command == "privacy":
        from bot.cli_privacy import privacy_command

        return privacy_command(args, settings)
    from bot.cli_staff import CommandError, role_command, stats_command

    try:
        if args.command == "role":
            return role_command(args, settings)
        if args.command in ("block", "unblock"):
            from bot.cli_privacy import block_command

            return block_command(args, settings)
        if args.command == "training":
            from bot.cli_training import training_command

            return training_command(args, settings)
        if args.command == "announce":
            from bot.cli_announce import announce_command

            return announce_command(args, settings)
        if args.command == "forum":
            from bot.cli_forum import forum_command

            return forum_command(args, settings)
        return stats_command(args, settings)
    except CommandError as problem:
        raise UsageError(str(problem)) from None


def _quiet_logging(log_file: Path, secrets: list[str]) -> None:
    """Keep the chat screen clean: warnings and errors go to a file, redacted."""
    from bot.logs import setup_file_logging

    setup_file_logging(secrets, str(log_file))


def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_app
    from bot.console import ConsoleChat

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _quiet_logging(settings.data_dir / CHAT_LOG_NAME, settings.secret_values())
    app = build_app(settings)
    try:
        chat = ConsoleChat(
            app.engine, app.media, user_id=args.user, name=args.name, language=args.lang
        )
        return chat.run(sys.stdin, sys.stdout)
    finally:
        app.db.dispose()


def _db_upgrade(settings: Settings) -> int:
    from bot.database import open_database
    from storage.db import current_revision

    db = open_database(settings)
    print(f"Database is up to date (revision {current_revision(db)}).")
    db.dispose()
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.database import open_existing_database
    from storage.exports import (
        AspirationFilter,
        ExportError,
        check_export,
        export,
        terminal_progress,
    )

    filters = AspirationFilter(
        since=args.since,
        until=args.until,
        status=args.status,
        category=args.category,
        kecamatan=args.kecamatan,
    )
    try:  # a bad filter is a bad argument, whatever state the database is in
        check_export(args.kind, fmt=args.format, filters=filters)
    except ExportError as problem:
        raise UsageError(str(problem)) from None
    # A bar on a terminal only: a pipe or a log file gets the final line alone.
    progress = terminal_progress(sys.stderr) if sys.stderr.isatty() else None
    db = open_existing_database(settings)
    try:
        if args.out == "-":
            count = export(
                args.kind,
                engine=db,
                fmt=args.format,
                out=sys.stdout.buffer,
                filters=filters,
                progress=progress,
            )
            sys.stdout.buffer.flush()
        else:
            with open(args.out, "wb") as out:
                count = export(
                    args.kind,
                    engine=db,
                    fmt=args.format,
                    out=out,
                    filters=filters,
                    progress=progress,
                )
            print(f"{count} {args.kind} written to {args.out}", file=sys.stderr)
        from bot.cli_privacy import audit_export

        audit_export(db, args, count)
    except ExportError as problem:
        raise UsageError(str(problem)) from None
    except BrokenPipeError:
        # The reader stopped early (``| head``): what it read was exported all the
        # same, so the trail says so; main then ends quietly.
        from bot.cli_privacy import audit_export

        audit_export(db, args, None)
        raise
    except OSError as problem:
        raise UsageError(f"cannot write {args.out}: {problem.strerror}") from None
    finally:
        db.dispose()
    return 0


def _run(settings: Settings) -> int:
    import asyncio

    from bot.logs import setup_logging
    from bot.runner import StartupError, run

    if not settings.telegram.enabled and not settings.whatsapp.enabled:
        raise UsageError(
            "no channel is enabled; enable [telegram] or [whatsapp] in the config, "
            "or use 'siantar chat'"
        )
    setup_logging(settings.secret_values())
    logger.info("configuration from %s", settings.source)
    try:
        return asyncio.run(run(settings))
    except StartupError as problem:
        raise UsageError(str(problem)) from None


if __name__ == "__main__":
    sys.exit(main())
