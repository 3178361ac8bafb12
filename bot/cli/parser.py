"""The ``siantar`` command line, as argparse reads it.

``training``, ``forum``, ``opd`` and ``aspiration`` are described here, not in their
modules: those import the database and the handlers, which ``siantar --version``
and a mistyped command should not wait for.
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

OPD_KIND_HELP = "dinas, badan, kecamatan, kelurahan, bumd or eksternal"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="siantar", description="Siantar residents' chatbot.")
    parser.add_argument("--config", metavar="PATH", help="config file (TOML)")
    parser.add_argument("--version", action=VersionAction)
    parser.add_argument(
        "--lang",
        dest="output_language",
        choices=("id", "en"),
        default="id",
        help="language of what siantar prints (default: id, Indonesian)",
    )
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
    export.add_argument("--since", type=parse_date, metavar="DATE")
    export.add_argument("--until", type=parse_date, metavar="DATE")
    export.add_argument("--status")
    export.add_argument("--category")
    export.add_argument("--kecamatan")
    export.add_argument("--opd", metavar="CODE", help="aspirations with this unit (e.g. PUPR)")

    role = commands.add_parser("role", help="grant, revoke or list roles")
    role.add_argument("action", choices=("grant", "revoke", "list"))
    role.add_argument("identity", nargs="?", help="telegram:<id>, whatsapp:<digits>, console:<id>")
    role.add_argument("role", nargs="?", help="admin, staff, facilitator or petugas_opd")
    role.add_argument(
        "--opd",
        action="append",
        metavar="CODE",
        help="petugas_opd: a unit they act for (repeat for more; on revoke: that unit only)",
    )

    stats = commands.add_parser("stats", help="aspiration counts, optionally a bar chart")
    stats.add_argument("--since", type=parse_date, metavar="DATE")
    stats.add_argument("--until", type=parse_date, metavar="DATE")
    stats.add_argument("--chart", metavar="PNG", help="write a bar chart to this file")
    stats.add_argument("--lang", choices=("id", "en"), help="default: siantar --lang")
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
    actions = _from_files(commands, "training", "create and run training programs", "program")
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
    """``siantar forum ACTION …`` (bot/cli/forum.py)."""
    actions = _from_files(commands, "forum", "schedule forums, move, cancel, post results", "forum")
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


def _opd_parser(commands: Any) -> None:
    """``siantar opd ACTION …`` (bot/cli/opd.py); kinds are checked by the storage."""
    group = commands.add_parser("opd", help="keep the directory of units (OPD)")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="active units, with their officer counts")
    listing.add_argument("--all", action="store_true", help="inactive units too")
    add = actions.add_parser("add", help="a new unit")
    add.add_argument("code", metavar="CODE", help="letters, digits and '-', at most 24")
    add.add_argument("--name", required=True, help="full name")
    add.add_argument("--short", required=True, help="the short name residents read")
    add.add_argument("--kind", required=True, help=OPD_KIND_HELP)
    edit = actions.add_parser("edit", help="change a unit's name, short name or kind")
    edit.add_argument("code", metavar="CODE")
    edit.add_argument("--name", help="full name")
    edit.add_argument("--short", help="the short name residents read")
    edit.add_argument("--kind", help=OPD_KIND_HELP)
    for action, what in (
        ("deactivate", "offer it for no new disposition (its history and officers stay)"),
        ("activate", "make an inactive unit active again"),
    ):
        actions.add_parser(action, help=what).add_argument("code", metavar="CODE")


def _aspiration_parser(commands: Any) -> None:
    """``siantar aspiration ACTION …`` (bot/cli/aspiration.py)."""
    group = commands.add_parser("aspiration", help="list, show and move aspirations")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="open aspirations, oldest first")
    listing.add_argument("--status", metavar="S", help="only this status (default: open ones)")
    listing.add_argument("--opd", metavar="CODE", help="only those with this unit")
    listing.add_argument("--overdue", action="store_true", help="only those past a due time")
    listing.add_argument("--limit", type=int, default=50, metavar="N")
    show = actions.add_parser("show", help="one aspiration: history, notes, unit, due times")
    show.add_argument("code", metavar="CODE")
    move = actions.add_parser("move", help="change its status; the resident is told")
    move.add_argument("code", metavar="CODE")
    move.add_argument("status", metavar="STATUS")
    move.add_argument("--note", metavar="TEXT", help="the note the resident reads")
    move.add_argument("--opd", metavar="CODE", help="the unit, for diteruskan")
    move.add_argument("--grade", metavar="G", help="ringan|normatif|kompleks|pengawasan")
    move.add_argument("--original", metavar="CODE", help="the original, for duplik")


def _web_parser(commands: Any) -> None:
    """``siantar web ACTION IDENTITY`` (bot/cli/web.py): Konsol, the staff web console."""
    group = commands.add_parser("web", help="Konsol, the staff web console: login links")
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    for action, what in (
        ("link", "print a one-time login link (valid 10 minutes) for an identity with a role"),
        ("end", "end every console session of an identity"),
    ):
        actions.add_parser(action, help=what).add_argument(
            "identity", metavar="IDENTITY", help="telegram:<id>, whatsapp:<digits>, console:<id>"
        )


def _from_files(commands: Any, name: str, what: str, thing: str) -> Any:
    """``siantar NAME ACTION …``, its actions, and the first: ``add FILE.toml``."""
    group = commands.add_parser(name, help=what)
    actions = group.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help=f"a new {thing} from a TOML file")
    add.add_argument("file", metavar="FILE.toml")
    return actions
