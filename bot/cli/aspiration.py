"""Staff's commands on aspirations: ``siantar aspiration list|show|move``.

``move`` goes through the same workflow as the chat (``storage.workflow``:
which status may follow which, a unit for ``diteruskan``, a note where one is
needed) and tells the resident through the outbox exactly as the chat does
(``handlers.core.notifications``), in the same transaction; the actor is
``cli``. A refusal is one Indonesian line, exit status 2. The arguments are
described in ``bot.cli.parser``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session, col, select

from bot.cli.common import in_transaction, now, short, table, wib
from bot.cli.errors import CommandError
from bot.cli.say import t
from bot.config import Settings
from handlers.core.notifications import tell_status_change
from storage.aspirations import find_aspiration, normalise_tracking_code, status_history
from storage.models import ASPIRATION_STATUSES, Aspiration, Resident
from storage.wilayah import load_wilayah
from storage.workflow import (
    NEEDS_ORIGINAL,
    NEEDS_UNIT,
    OPEN_STATUSES,
    IllegalTransition,
    OriginalRefused,
    ReasonRequired,
    UnitRefused,
    change_status,
    notes_of,
)

ACTOR = "cli"


def aspiration_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run one ``siantar aspiration`` action; a refusal raises CommandError."""
    if args.action == "move":
        return _move(args, settings)
    action: Callable[[Session], list[str]] = (
        (lambda session: _list(session, args, now()))
        if args.action == "list"
        else (lambda session: _show(session, args.code, now()))
    )
    return in_transaction(settings, action, read_only=True, refused=CommandError, refusal=str)


def _found(session: Session, raw: str) -> Aspiration:
    code = normalise_tracking_code(raw)
    aspiration = find_aspiration(session=session, code=code) if code else None
    if aspiration is None:
        raise CommandError(t("status.not_found", code=raw.strip().upper()[:20]))
    return aspiration


def _list(session: Session, args: argparse.Namespace, moment: datetime) -> list[str]:
    if args.status and args.status not in ASPIRATION_STATUSES:
        raise CommandError(_bad_status(args.status))
    query = select(Aspiration).where(
        col(Aspiration.status).in_((args.status,) if args.status else OPEN_STATUSES)
    )
    if args.opd:
        query = query.where(col(Aspiration.opd_code) == args.opd.strip().upper())
    if args.overdue:
        query = query.where(col(Aspiration.next_due_at) < moment)
    query = query.order_by(col(Aspiration.created_at), col(Aspiration.id)).limit(max(1, args.limit))
    rows = session.exec(query).all()
    if not rows:
        return [t("cli.aspiration_none")]
    lines = [tuple(t("cli.aspiration_columns").split("|"))]
    for a in rows:
        due = (
            wib(a.next_due_at) + (" " + t("cli.late_mark") if a.next_due_at < moment else "")
            if a.next_due_at
            else "-"
        )
        lines.append(
            (a.code, a.status, a.category, a.opd_code or "-", due, wib(a.created_at), short(a.text))
        )
    return table(lines)


def _show(session: Session, raw: str, moment: datetime) -> list[str]:
    aspiration = _found(session, raw)
    assert aspiration.id is not None
    resident = session.get(Resident, aspiration.resident_id) if aspiration.resident_id else None
    anonymous = aspiration.anonymous or resident is None
    sender = t("cli.anonymous") if anonymous else resident.display_name or "-"  # type: ignore[union-attr]
    kelurahan = load_wilayah().find_kelurahan(aspiration.kelurahan_code)
    lines = [
        f"{aspiration.code}  {aspiration.status}",
        t(
            "cli.aspiration_details",
            category=aspiration.category,
            kelurahan=kelurahan.name if kelurahan else "-",
            sender=sender,
            sent=wib(aspiration.created_at),
            opd=aspiration.opd_code or "-",
            grade=aspiration.grade or t("cli.grade_default"),
        ),
    ]
    breached = set((aspiration.breached or "").split(","))
    for stage, due in (
        ("verify", aspiration.verify_due_at),
        ("response", aspiration.response_due_at),
        ("completion", aspiration.completion_due_at),
    ):
        if due is None:
            continue
        late = stage in breached or (due == aspiration.next_due_at and due < moment)
        mark = " " + t("cli.late_mark") if late else ""
        lines.append(t(f"cli.due_{stage}", when=wib(due)) + mark)
    if aspiration.status == "tunda":
        lines.append(t("cli.clocks_paused"))
    lines += ["", aspiration.text, "", t("cli.history")]
    for change in status_history(session=session, aspiration_id=aspiration.id):
        unit = f" ({change.opd_code})" if change.opd_code else ""
        note = f" — {change.note}" if change.note else ""
        by = t("cli.by", actor=change.actor)
        lines.append(f"  {wib(change.at)}  {change.status}{unit}  {by}{note}")
    notes = notes_of(session=session, aspiration_id=aspiration.id)
    if notes:
        lines.append(t("cli.notes"))
    for entry in notes:
        who = (
            t("cli.note_resident")
            if entry.kind == "jawaban"
            else t("cli.note_unit", unit=entry.opd_code or "-")
        )
        extra = " " + t("cli.note_photo") if entry.photo_path else ""
        if entry.latitude is not None and entry.longitude is not None:
            place = f"{entry.latitude:.6f},{entry.longitude:.6f}"
            extra += " " + t("cli.note_location", place=place)
        lines.append(f"  {wib(entry.at)}  {who}: {entry.text}{extra}")
    return lines


def _move(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_app
    from storage.db import transaction

    status = args.status.strip().lower()
    if status not in ASPIRATION_STATUSES:
        raise CommandError(_bad_status(args.status))
    app = build_app(settings)
    engine = app.engine.settings
    grades = engine.clock.targets.grades
    if args.grade is not None and args.grade not in grades:
        raise CommandError(
            t("cli.aspiration_bad_grade", grade=args.grade, grades=", ".join(grades))
        )
    moment = now()
    try:
        with transaction(app.db) as session:
            aspiration = _found(session, args.code)
            before = aspiration.status
            change = change_status(
                session=session,
                aspiration=aspiration,
                status=status,
                actor=ACTOR,
                note=args.note,
                now=moment,
                original=args.original,
                opd=args.opd,
                grade=args.grade if status in NEEDS_UNIT else None,
                clock=engine.clock,
            )
            session.flush()
            told = tell_status_change(session, engine, aspiration, change, moment)
            unit = f" ({aspiration.opd_code})" if status in NEEDS_UNIT else ""
            lines = [
                f"{aspiration.code}: {before} → {status}{unit}",
                t("cli.resident_told" if told else "cli.no_resident_to_tell"),
            ]
    except IllegalTransition as refused:
        allowed = ", ".join(refused.allowed) or "-"
        raise CommandError(t("review.illegal", current=refused.current, allowed=allowed)) from None
    except ReasonRequired:
        raise CommandError(t("cli.aspiration_reason_required", status=status)) from None
    except UnitRefused as refused:
        if refused.problem == "missing":
            raise CommandError(t("cli.aspiration_unit_required")) from None
        key = f"review.unit_refused_{refused.problem}"
        raise CommandError(t(key, unit=refused.code)) from None
    except OriginalRefused as refused:
        if not args.original and status in NEEDS_ORIGINAL:
            raise CommandError(t("cli.aspiration_original_required")) from None
        raise CommandError(t(f"review.original_{refused.problem}", code=refused.code)) from None
    finally:
        app.db.dispose()
    for line in lines:
        print(line)
    return 0


def _bad_status(status: str) -> str:
    return t("cli.aspiration_bad_status", status=status, statuses=", ".join(ASPIRATION_STATUSES))
