"""Admins keep the directory of units (OPD): ``siantar opd list|add|edit|deactivate|activate``.

Codes are upper-cased (``pupr`` is ``PUPR``); a bad code, kind or name, an unknown
unit or a code already taken is refused with one line (exit status 2) before
anything is stored. Every change is audited (``siantar audit``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from sqlmodel import Session

from bot.cli.common import in_transaction, now, table
from bot.cli.errors import CommandError
from bot.cli.say import t
from bot.config import Settings
from storage.models import Opd
from storage.opd import (
    UnitError,
    add_unit,
    edit_unit,
    find_unit,
    officers_of,
    set_active,
    units,
)

ACTOR = "cli"


def opd_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run one ``siantar opd`` action; a refusal raises CommandError (one line)."""
    if args.action == "edit" and args.name is None and args.short is None and args.kind is None:
        raise CommandError(t("cli.opd_nothing_to_change"))
    action = ACTIONS[args.action]
    return in_transaction(
        settings,
        lambda session: action(args, session),
        read_only=args.action == "list",
        refused=UnitError,  # said by bot.cli.refusals: cli.unit.<reason>
    )


def _list(args: argparse.Namespace, session: Session) -> list[str]:
    found = units(session=session, active_only=not args.all)
    if not found:
        return [t("cli.opd_none_at_all" if args.all else "cli.opd_none_active")]
    rows = [tuple(t("cli.opd_columns").split("|"))]
    for unit in found:
        officers = len(officers_of(session=session, opd_code=unit.code))
        mark = "" if unit.active else " " + t("cli.opd_inactive_mark")
        rows.append((unit.code, unit.kind, unit.short_name + mark, unit.name, str(officers)))
    return table(rows, right=(4,))


def _add(args: argparse.Namespace, session: Session) -> list[str]:
    unit = add_unit(
        session=session,
        code=args.code,
        name=args.name,
        short_name=args.short,
        kind=args.kind,
        actor=ACTOR,
        now=now(),
    )
    return [t("cli.opd_added", **_shown(unit))]


def _edit(args: argparse.Namespace, session: Session) -> list[str]:
    before = find_unit(session=session, code=args.code)
    was = (before.name, before.short_name, before.kind) if before else None
    unit = edit_unit(
        session=session,
        code=args.code,
        name=args.name,
        short_name=args.short,
        kind=args.kind,
        actor=ACTOR,
        now=now(),
    )
    done = "changed" if was != (unit.name, unit.short_name, unit.kind) else "unchanged"
    return [t(f"cli.opd_{done}", **_shown(unit))]


def _shown(unit: Opd) -> dict[str, str]:
    return {"code": unit.code, "short": unit.short_name, "name": unit.name, "kind": unit.kind}


def _toggle(active: bool) -> Callable[[argparse.Namespace, Session], list[str]]:
    def run(args: argparse.Namespace, session: Session) -> list[str]:
        changed = set_active(session=session, code=args.code, active=active, actor=ACTOR, now=now())
        code = args.code.strip().upper()
        state = "active" if active else "inactive"
        return [t(f"cli.opd_{'now' if changed else 'already'}_{state}", code=code)]

    return run


ACTIONS: dict[str, Callable[[argparse.Namespace, Session], list[str]]] = {
    "list": _list,
    "add": _add,
    "edit": _edit,
    "deactivate": _toggle(False),
    "activate": _toggle(True),
}
