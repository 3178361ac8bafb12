"""The commands that run or reach the service itself: ``chat``, ``run``,
``db upgrade`` and ``export``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.cli.errors import CommandError
from bot.cli.refusals import os_problem, refusal
from bot.cli.say import t
from bot.config import Settings
from bot.paths import CHAT_LOG_NAME, sqlite_file

logger = logging.getLogger(__name__)

LEGACY_DATABASE = "siantar.db"  # where versions before the data folder kept it


def note_legacy_database(settings: Settings) -> None:
    """Without a config file, versions before the data folder kept ``siantar.db``
    in the current folder. While one is here and the database in use does not
    exist yet, say so: otherwise the operator would think the data had vanished."""
    if settings.config_file is not None:
        return
    legacy = Path.cwd() / LEGACY_DATABASE
    target = sqlite_file(settings.database.url)
    if not legacy.is_file() or target is None or target.exists() or target == legacy:
        return
    print(t("cli.legacy_database", legacy=str(legacy), target=str(target)), file=sys.stderr)


def _quiet_logging(log_file: Path, secrets: list[str]) -> None:
    """Keep the chat screen clean: warnings and errors go to a file, redacted."""
    from bot.logs import setup_file_logging

    setup_file_logging(secrets, str(log_file))


def chat_command(args: argparse.Namespace, settings: Settings) -> int:
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


def db_upgrade_command(settings: Settings) -> int:
    from bot.database import open_database
    from storage.db import current_revision

    db = open_database(settings)
    print(t("cli.database_upgraded", revision=current_revision(db)))
    db.dispose()
    return 0


def export_command(args: argparse.Namespace, settings: Settings) -> int:
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
        opd=args.opd,
    )
    try:  # a bad filter is a bad argument, whatever state the database is in
        check_export(args.kind, fmt=args.format, filters=filters)
    except ExportError as problem:
        raise CommandError(refusal(problem)) from None
    # A bar on a terminal only: a pipe or a log file gets the final line alone.
    progress = (
        terminal_progress(sys.stderr, label=t("cli.exporting")) if sys.stderr.isatty() else None
    )
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
            print(t.plural(f"cli.{args.kind}_written", count, path=args.out), file=sys.stderr)
        from bot.cli.privacy import audit_export

        audit_export(db, args, count)
    except ExportError as problem:
        raise CommandError(refusal(problem)) from None
    except BrokenPipeError:
        # The reader stopped early (``| head``): what it read was exported all the
        # same, so the trail says so; main then ends quietly.
        from bot.cli.privacy import audit_export

        audit_export(db, args, None)
        raise
    except OSError as problem:
        raise CommandError(
            t("cli.cannot_write", path=args.out, problem=os_problem(problem))
        ) from None
    finally:
        db.dispose()
    return 0


def run_command(settings: Settings) -> int:
    import asyncio

    from bot.logs import setup_logging
    from bot.runner import StartupError, run

    if not (settings.telegram.enabled or settings.whatsapp.enabled or settings.web.enabled):
        raise CommandError(t("cli.no_channel"))
    setup_logging(settings.secret_values())
    logger.info("configuration from %s", settings.source)
    try:
        return asyncio.run(run(settings))
    except StartupError as problem:  # worded from its reason (bot.cli.refusals)
        raise CommandError(refusal(problem)) from None
