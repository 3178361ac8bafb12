"""The ``siantar`` command line, as argparse reads it.

``training``, ``forum``, ``opd`` and ``aspiration`` are described here, not in their
modules: those import the database and the handlers, which ``siantar --version``
and a mistyped command should not wait for. Every help text is a catalog key
(``cli.help.*``), said in the run's language when help is printed
(``bot.cli.usage.Formatter``); option names, choices and metavars are the contract
and stay as they are.
"""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.announce import add_parser as add_announce_parser
from bot.cli.common import parse_date
from bot.cli.errors import Parser
from bot.cli.info import VersionAction
from bot.cli.info import add_parser as add_info_parser
from bot.cli.privacy import add_parser as add_privacy_parser


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="siantar", description="cli.help.siantar")
    parser.add_argument("--config", metavar="PATH", help="cli.help.config")
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument(
        "--lang",
        dest="output_language",
        choices=("id", "en"),
        default="id",
        help="cli.help.lang",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = commands.add_parser("chat", help="cli.help.chat")
    chat.add_argument("--user", default="warga", help="cli.help.chat_user")
    chat.add_argument("--name", help="cli.help.chat_name")
    chat.add_argument("--lang", choices=("id", "en"), help="cli.help.chat_lang")

    commands.add_parser("run", help="cli.help.run")

    db = commands.add_parser("db", help="cli.help.db")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="cli.help.db_upgrade")

    export = commands.add_parser("export", help="cli.help.export")
    export.add_argument("kind", choices=("aspirations", "registrations", "rsvps"))
    export.add_argument("--format", required=True, choices=("csv", "xlsx", "json"))
    export.add_argument("--out", required=True, metavar="PATH|-", help="cli.help.export_out")
    export.add_argument("--since", type=parse_date, metavar="DATE", help="cli.help.since")
    export.add_argument("--until", type=parse_date, metavar="DATE", help="cli.help.until")
    export.add_argument("--status", help="cli.help.export_status")
    export.add_argument("--category", help="cli.help.export_category")
    export.add_argument("--kecamatan", help="cli.help.export_kecamatan")
    export.add_argument("--opd", metavar="CODE", help="cli.help.export_opd")

    role = commands.add_parser("role", help="cli.help.role")
    role.add_argument("action", choices=("grant", "revoke", "list"))
    role.add_argument("identity", nargs="?", help="cli.help.identity")
    role.add_argument("role", nargs="?", help="cli.help.role_role")
    role.add_argument(
        "--opd",
        action="append",
        metavar="CODE",
        help="cli.help.role_opd",
    )

    stats = commands.add_parser("stats", help="cli.help.stats")
    stats.add_argument("--since", type=parse_date, metavar="DATE", help="cli.help.since")
    stats.add_argument("--until", type=parse_date, metavar="DATE", help="cli.help.until")
    stats.add_argument("--chart", metavar="PNG", help="cli.help.stats_chart")
    stats.add_argument("--lang", choices=("id", "en"), help="cli.help.stats_lang")
    _training_parser(commands)
    add_announce_parser(commands)
    add_privacy_parser(commands, parse_date)
    _forum_parser(commands)
    _opd_parser(commands)
    _aspiration_parser(commands)
    _web_parser(commands)
    add_info_parser(commands)
    return parser


def _training_parser(commands: Any) -> None:
    """``siantar training ACTION …`` (bot/cli/training.py)."""
    actions = _from_files(commands, "training")
    edit = actions.add_parser("edit", help="cli.help.training_edit")
    edit.add_argument("id", type=int, metavar="ID")
    edit.add_argument("file", metavar="FILE.toml")
    listing = actions.add_parser("list", help="cli.help.training_list")
    listing.add_argument("--all", action="store_true", help="cli.help.training_all")
    for action in ("open", "close", "cancel", "registrants"):
        actions.add_parser(action, help=f"cli.help.training_{action}").add_argument(
            "id", type=int, metavar="ID"
        )
    attend = actions.add_parser("attend", help="cli.help.training_attend")
    attend.add_argument("id", type=int, metavar="ID")
    attend.add_argument("registrations", type=int, nargs="+", metavar="REG_ID")
    attend.add_argument("--absent", action="store_true", help="cli.help.training_absent")


def _forum_parser(commands: Any) -> None:
    """``siantar forum ACTION …`` (bot/cli/forum.py)."""
    actions = _from_files(commands, "forum")
    listing = actions.add_parser("list", help="cli.help.forum_list")
    listing.add_argument("--all", action="store_true", help="cli.help.forum_all")
    move = actions.add_parser("move", help="cli.help.forum_move")
    move.add_argument("id", type=int, metavar="ID")
    move.add_argument("--at", required=True, metavar="DATETIME", help="cli.help.forum_at")
    move.add_argument("--place", metavar="TEXT")
    cancel = actions.add_parser("cancel", help="cli.help.forum_cancel")
    cancel.add_argument("id", type=int, metavar="ID")
    summary = actions.add_parser("summary", help="cli.help.forum_summary")
    summary.add_argument("id", type=int, metavar="ID")
    source = summary.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", metavar="TEXT")
    source.add_argument("--file", metavar="PATH", help="cli.help.forum_file")


def _opd_parser(commands: Any) -> None:
    """``siantar opd ACTION …`` (bot/cli/opd.py); kinds are checked by the storage."""
    group = commands.add_parser("opd", help="cli.help.opd")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="cli.help.opd_list")
    listing.add_argument("--all", action="store_true", help="cli.help.opd_all")
    add = actions.add_parser("add", help="cli.help.opd_add")
    add.add_argument("code", metavar="CODE", help="cli.help.opd_code")
    add.add_argument("--name", required=True, help="cli.help.opd_name")
    add.add_argument("--short", required=True, help="cli.help.opd_short")
    add.add_argument("--kind", required=True, help="cli.help.opd_kind")
    edit = actions.add_parser("edit", help="cli.help.opd_edit")
    edit.add_argument("code", metavar="CODE")
    edit.add_argument("--name", help="cli.help.opd_name")
    edit.add_argument("--short", help="cli.help.opd_short")
    edit.add_argument("--kind", help="cli.help.opd_kind")
    for action in ("deactivate", "activate"):
        actions.add_parser(action, help=f"cli.help.opd_{action}").add_argument(
            "code", metavar="CODE"
        )


def _aspiration_parser(commands: Any) -> None:
    """``siantar aspiration ACTION …`` (bot/cli/aspiration.py)."""
    group = commands.add_parser("aspiration", help="cli.help.aspiration")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="cli.help.aspiration_list")
    listing.add_argument("--status", metavar="S", help="cli.help.aspiration_status")
    listing.add_argument("--opd", metavar="CODE", help="cli.help.aspiration_opd")
    listing.add_argument("--overdue", action="store_true", help="cli.help.aspiration_overdue")
    listing.add_argument("--limit", type=int, default=50, metavar="N")
    show = actions.add_parser("show", help="cli.help.aspiration_show")
    show.add_argument("code", metavar="CODE")
    move = actions.add_parser("move", help="cli.help.aspiration_move")
    move.add_argument("code", metavar="CODE")
    move.add_argument("status", metavar="STATUS")
    move.add_argument("--note", metavar="TEXT", help="cli.help.aspiration_note")
    move.add_argument("--opd", metavar="CODE", help="cli.help.aspiration_move_opd")
    move.add_argument("--grade", metavar="G", help="cli.help.aspiration_grade")
    move.add_argument("--original", metavar="CODE", help="cli.help.aspiration_original")


def _web_parser(commands: Any) -> None:
    """``siantar web ACTION IDENTITY`` (bot/cli/web.py): Konsol, the staff web console."""
    group = commands.add_parser("web", help="cli.help.web")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action in ("link", "end"):
        actions.add_parser(action, help=f"cli.help.web_{action}").add_argument(
            "identity", metavar="IDENTITY", help="cli.help.identity"
        )


def _from_files(commands: Any, name: str) -> Any:
    """``siantar NAME ACTION …``, its actions, and the first: ``add FILE.toml``."""
    group = commands.add_parser(name, help=f"cli.help.{name}")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help=f"cli.help.{name}_add")
    add.add_argument("file", metavar="FILE.toml")
    return actions
