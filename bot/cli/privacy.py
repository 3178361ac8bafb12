"""Privacy commands of the CLI: ``siantar audit --since DATE`` prints the audit
trail (exports from the command line are written to it); ``siantar block
IDENTITY --reason TEXT`` and ``siantar unblock IDENTITY``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from bot.cli.say import t
from storage.clock import WIB

if TYPE_CHECKING:  # heavy modules are imported by the commands only
    from sqlalchemy import Engine as Database

    from bot.config import Settings

CLI = "cli"  # the actor of anything done on the command line


def add_parser(commands: Any, date_type: Callable[[str], date]) -> None:
    """``audit``, ``block``, ``unblock`` and ``privacy``; help texts are catalog keys."""
    audit = commands.add_parser("audit", help="cli.help.audit")
    audit.add_argument("--since", type=date_type, metavar="DATE", help="cli.help.since")
    block = commands.add_parser("block", help="cli.help.block")
    block.add_argument("identity", metavar="IDENTITY", help="cli.help.identity")
    block.add_argument("--reason", required=True, metavar="TEXT", help="cli.help.block_reason")
    unblock = commands.add_parser("unblock", help="cli.help.unblock")
    unblock.add_argument("identity", metavar="IDENTITY", help="cli.help.identity")
    privacy = commands.add_parser("privacy", help="cli.help.privacy")
    actions = privacy.add_subparsers(dest="action", required=True, metavar="ACTION")
    purge = actions.add_parser("purge", help="cli.help.privacy_purge")
    purge.add_argument("--dry-run", action="store_true", help="cli.help.privacy_dry_run")


def privacy_command(args: argparse.Namespace, settings: Settings) -> int:
    """``siantar privacy purge [--dry-run]``: the counts per kind."""
    from pathlib import Path

    from bot.database import open_database, open_existing_database
    from bot.jobs import privacy_tick
    from bot.media import MediaStore

    # a dry run only reads: it never creates or migrates a database (bot/database.py)
    db = (open_existing_database if args.dry_run else open_database)(settings)
    media = MediaStore(Path(settings.media.directory), 0)
    try:
        counts = privacy_tick(
            db,
            settings.privacy.retention,
            media,
            datetime.now(UTC),
            dry_run=args.dry_run,
            actor=CLI,
        )
    finally:
        db.dispose()
    said = "cli.purge_would_delete" if args.dry_run else "cli.purge_deleted"
    for kind, count in counts.items():  # in words; the audit entry keeps the keys
        print(t(said, kind=t(f"cli.purge_kind.{kind}"), count=count))
    return 0


def block_command(args: argparse.Namespace, settings: Settings) -> int:
    """``siantar block`` / ``siantar unblock``."""
    from bot.cli.errors import CommandError
    from bot.database import open_database
    from handlers.staff.roles import IDENTITY
    from storage.blocks import block, unblock
    from storage.db import transaction

    if not IDENTITY.match(args.identity):
        raise CommandError(t("cli.invalid_identity", identity=repr(args.identity)))
    db = open_database(settings)
    try:
        with transaction(db) as session:
            now = datetime.now(UTC)
            if args.command == "block":
                done = block(
                    session=session, identity=args.identity, reason=args.reason, actor=CLI, now=now
                )
                said = "cli.blocked" if done else "cli.already_blocked"
                print(t(said, identity=args.identity))
            else:
                done = unblock(session=session, identity=args.identity, actor=CLI, now=now)
                said = "cli.unblocked" if done else "cli.not_blocked"
                print(t(said, identity=args.identity))
                if args.identity in settings.privacy.blocked:
                    print(t("cli.block_config_note"))
    finally:
        db.dispose()
    return 0


def audit_command(args: argparse.Namespace, settings: Settings) -> int:
    from sqlmodel import Session

    from bot.database import open_existing_database
    from storage.audit import entries_since

    db = open_existing_database(settings)
    try:
        since = (
            datetime.combine(args.since, time(0), tzinfo=WIB).astimezone(UTC)
            if args.since
            else None
        )
        with Session(db) as session:
            for entry in entries_since(session=session, since=since):
                details = json.dumps(entry.details, ensure_ascii=False, sort_keys=True)
                when = entry.at.astimezone(WIB).isoformat(timespec="seconds")
                print(f"{when}  {entry.actor}  {entry.action}  {details}")
    finally:
        db.dispose()
    return 0


def audit_export(db: Database, args: argparse.Namespace, count: int | None) -> None:
    """An export from the command line, with its filters, in the trail; ``count``
    is None when the reader of stdout stopped before the end (``| head``)."""
    from storage.audit import record
    from storage.db import transaction

    filters = {
        name: str(getattr(args, name))
        for name in ("since", "until", "status", "category", "kecamatan", "opd")
        if getattr(args, name, None) is not None
    }
    with transaction(db) as session:
        record(
            session=session,
            actor=CLI,
            action="export",
            details={
                "via": "cli",
                "kind": args.kind,
                "format": args.format,
                "filters": filters,
                "rows": count,
            },
            now=datetime.now(UTC),
        )
