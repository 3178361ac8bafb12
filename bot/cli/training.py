"""Facilitators' commands: ``siantar training add|edit|list|open|close|cancel|registrants|attend``.

A program is described in a TOML file (README, "Trainings"); a bad file is
refused with one line naming the file and the key, before the database is
touched. Every command runs in one transaction and prints only once it has
committed; residents affected by a change (moved, cancelled, seated from the
waitlist) are told through the outbox in that same transaction.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from bot.cli.common import (
    area_text,
    check_length,
    in_transaction,
    now,
    parse_moment,
    read_toml,
    resolve_area,
    short,
    table,
    text_value,
    wib,
)
from bot.cli.errors import CommandError
from bot.cli.refusals import refusal
from bot.cli.say import t
from bot.config import Settings
from bot.i18n import translator
from handlers.core.validation import local_phone
from handlers.trainings.notices import notify_cancelled, tell_changed
from storage.limits import TRAINING
from storage.models import PROGRAM_CATEGORIES, TrainingProgram, TrainingRegistration
from storage.trainings import (
    ACTIVE,
    NewProgram,
    TrainingError,
    create_program,
    get_program,
    list_programs,
    registrants,
    resident_for,
    set_attendance,
    set_program_status,
    update_program,
)
from storage.wilayah import load_wilayah

ACTOR = "cli"
# Text keys and their lengths, as in chat: a program's whole text must fit in one message.
TEXT_KEYS = {
    "title": TRAINING.title,
    "description": TRAINING.description,
    "organiser": TRAINING.organiser,
    "place": TRAINING.place,
    "requirements": TRAINING.requirements,
}
TIME_KEYS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")
OPTIONAL = ("registration_opens_at", "registration_closes_at", "map_url")  # "" clears them
KEYS = (*TEXT_KEYS, "category", *TIME_KEYS, "map_url", "quota", "area", "status")
REQUIRED = ("title", "starts_at", "ends_at", "quota")
FILE_STATUSES = ("open", "draft")
NEW_STATUS = {"open": "open", "close": "closed", "cancel": "cancelled"}
READ_ONLY = ("list", "registrants")  # never create or migrate a database (bot/database.py)


def training_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run one ``siantar training`` action; a refusal raises CommandError (one line)."""
    moment = now()
    program_file = read_program_file(args.file) if args.action in ("add", "edit") else {}
    return in_transaction(
        settings,
        lambda session: ACTIONS[args.action](args, session, program_file, moment),
        read_only=args.action in READ_ONLY,
        refused=TrainingError,
        refusal=lambda problem: _refusal(problem, args),
    )


# --- the program file ---------------------------------------------------------------


def read_program_file(path: str) -> dict[str, Any]:
    """The file's keys as TrainingProgram fields (``area`` becomes ``area_level`` and
    ``area_code``), checked one by one; CommandError names the first bad one."""
    raw = read_toml(path, KEYS)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            values.update(_parse(key, value))
        except ValueError as problem:
            raise CommandError(f"{path}: {problem}") from None
    return values


def _parse(key: str, value: Any) -> dict[str, Any]:
    if key in OPTIONAL and value == "":
        return {key: None}
    if key in TEXT_KEYS:
        text = text_value(key, value)
        if key == "title" and not text:
            raise ValueError(t("cli.must_not_be_empty", key=key))
        return {key: check_length(key, text, TEXT_KEYS[key])}
    if key in TIME_KEYS:
        return {key: parse_moment(key, value)}
    if key == "quota":
        if type(value) is not int:
            raise ValueError(t("cli.toml_whole_number", key=key, value=repr(value)))
        return {key: value}
    if key == "map_url":
        url = text_value(key, value)
        if not url.startswith(("https://", "http://")) or " " in url or len(url) > TRAINING.map_url:
            raise ValueError(t("cli.toml_link", key=key, maximum=TRAINING.map_url))
        return {key: url}
    if key == "category":
        category = text_value(key, value).lower()
        if category not in PROGRAM_CATEGORIES:
            values, given = ", ".join(PROGRAM_CATEGORIES), repr(category)
            raise ValueError(t("cli.toml_one_of", key=key, values=values, value=given))
        return {key: category}
    if key == "area":
        level, code = resolve_area(text_value(key, value))
        return {"area_level": level, "area_code": code}
    status = text_value(key, value).lower()  # the only key left
    if status not in FILE_STATUSES:
        raise ValueError(t("cli.toml_program_status", key=key))
    return {key: status}


# --- the actions --------------------------------------------------------------------

Action = Callable[[argparse.Namespace, Session, dict[str, Any], datetime], list[str]]


def _add(
    args: argparse.Namespace, session: Session, values: dict[str, Any], now: datetime
) -> list[str]:
    missing = [key for key in REQUIRED if values.get(key) is None]
    if missing:
        raise CommandError(t("cli.toml_missing", path=args.file, keys=", ".join(missing)))
    if values["starts_at"] <= now:
        raise CommandError(t("cli.starts_in_past", path=args.file))
    try:
        new = NewProgram(**{"status": "open", **values})
        program = create_program(session=session, new=new, actor=ACTOR, now=now)
    except TrainingError as problem:
        raise CommandError(f"{args.file}: {refusal(problem)}") from None
    return [t("cli.program_created", id=str(program.id), summary=_summary(program))]


def _edit(
    args: argparse.Namespace, session: Session, values: dict[str, Any], now: datetime
) -> list[str]:
    if not values:
        raise CommandError(t("cli.toml_nothing", path=args.file))
    program = get_program(session, args.id)
    status = values.pop("status", None)
    before = {key: getattr(program, key) for key in values}
    moved = "starts_at" in values and values["starts_at"] != program.starts_at
    if moved and values["starts_at"] <= now:
        raise CommandError(t("cli.starts_in_past", path=args.file))
    lines: list[str] = []
    if values:
        try:
            change = update_program(session=session, program_id=args.id, changes=values, now=now)
        except TrainingError as problem:
            if problem.reason in ("cancelled", "finished"):
                raise
            raise CommandError(f"{args.file}: {refusal(problem)}") from None
        program = change.program
        changed = sorted(
            {"area" if k.startswith("area_") else k for k in values if before[k] != values[k]}
        )
        fields = ", ".join(changed) or t("cli.nothing_changed")
        lines.append(t("cli.program_updated", id=str(args.id), fields=fields))
        told = tell_changed(session, translator, change, now)
        if change.moved_from is not None or change.relocated:
            what = "time" if change.moved_from is not None else "place"
            lines.append(t.plural(f"cli.registrants_told_{what}", told.moved))
        if change.promoted:
            seated = t.plural("cli.seated_from_waitlist", len(change.promoted))
            lines.append(seated + t("cli.told_count", told=told.promoted))
    if status is not None and status != program.status:
        if status == "draft":
            raise CommandError(t("cli.program_no_draft", id=str(args.id), status=program.status))
        program, _ = set_program_status(session=session, program_id=args.id, status=status, now=now)
        lines.append(t("cli.program_now", id=str(args.id), status=status))
    return lines + [_summary(program)]


def _list(
    args: argparse.Namespace, session: Session, _values: dict[str, Any], _now: datetime
) -> list[str]:
    statuses = () if args.all else ("draft", "open", "closed")
    programs = list_programs(session, statuses=statuses)
    if not programs:
        return [t("cli.programs_none_at_all" if args.all else "cli.programs_none_current")]
    counts = _counts(session, [p.id for p in programs if p.id is not None])
    rows = [tuple(t("cli.program_columns").split("|"))]
    for p in programs:
        seated, waiting = counts.get(p.id or 0, (0, 0))
        rows.append((
            str(p.id), p.status, wib(p.starts_at), short(p.title), f"{seated}/{p.quota}",
            str(waiting), area_text(p.area_level, p.area_code),
        ))  # fmt: skip
    return table(rows, right=(0, 4, 5))


def _set_status(
    args: argparse.Namespace, session: Session, _values: dict[str, Any], now: datetime
) -> list[str]:
    status = NEW_STATUS[args.action]
    program, affected = set_program_status(
        session=session, program_id=args.id, status=status, now=now
    )
    if status != "cancelled":
        summary = _summary(program)
        return [t("cli.program_now_with", id=str(args.id), status=status, summary=summary)]
    told = notify_cancelled(session, translator, program, affected, now)
    line = t.plural("cli.program_cancelled", told, id=str(args.id))
    unreachable = len(affected) - told
    return [line + (t("cli.unreachable", count=unreachable) if unreachable > 0 else "")]


def _registrants(
    args: argparse.Namespace, session: Session, _values: dict[str, Any], _now: datetime
) -> list[str]:
    program = get_program(session, args.id)
    active = registrants(session, args.id, statuses=ACTIVE)
    cancelled = registrants(session, args.id, statuses=("cancelled",))
    seated = sum(r.status == "registered" for r in active)
    head = t(
        "cli.program_head",
        id=str(args.id),
        title=program.title,
        status=program.status,
        when=wib(program.starts_at),
        seats=f"{seated}/{program.quota}",
        waiting=len(active) - seated,
    )
    if not active and not cancelled:
        return [head, t("cli.no_registrations")]
    names = {kel.code: kel.name for k in load_wilayah().kecamatan for kel in k.kelurahan}
    rows = [tuple(t("cli.registrant_columns").split("|"))]
    rank = 0
    for r in [*active, *cancelled]:
        # A cancelled program's registrants were told their registration is void.
        status = "cancelled" if program.status == "cancelled" else r.status
        rank += status == "waitlisted"
        resident = resident_for(session, r)
        personal = resident is not None and resident.has_consent  # as in the export
        rows.append((
            str(r.id), status, str(rank) if status == "waitlisted" else "",
            (r.full_name or "") if personal else "—", local_phone(r.phone) if personal else "—",
            names.get(r.kelurahan_code or "", r.kelurahan_code or ""), r.business_type or "",
            t("cli.yes" if r.attended else "cli.no") if status == "registered" else "",
        ))  # fmt: skip
    return [head, *table(rows, right=(0, 2))]


def _attend(
    args: argparse.Namespace, session: Session, _values: dict[str, Any], now: datetime
) -> list[str]:
    program = get_program(session, args.id)
    if program.status in ("draft", "cancelled"):
        raise CommandError(t("cli.no_attendance", id=str(args.id), status=program.status))
    for registration_id in dict.fromkeys(args.registrations):
        registration = session.get(TrainingRegistration, registration_id)
        if registration is None or registration.program_id != args.id:
            raise CommandError(
                t("cli.registration_elsewhere", registration=str(registration_id), id=str(args.id))
            )
        if registration.status != "registered":
            raise CommandError(
                t(
                    "cli.registration_not_seated",
                    registration=str(registration_id),
                    status=registration.status,
                )
            )
        set_attendance(
            session=session,
            registration_id=registration_id,
            attended=not args.absent,
            actor=ACTOR,
            now=now,
        )
    marked = len(dict.fromkeys(args.registrations))
    said = "cli.marked_absent" if args.absent else "cli.marked_present"
    return [t.plural(said, marked, id=str(args.id))]


ACTIONS: dict[str, Action] = {
    "add": _add,
    "edit": _edit,
    "list": _list,
    "open": _set_status,
    "close": _set_status,
    "cancel": _set_status,
    "registrants": _registrants,
    "attend": _attend,
}


# --- output -------------------------------------------------------------------------


def _refusal(problem: TrainingError, args: argparse.Namespace) -> str:
    if problem.reason in ("cancelled", "finished"):
        return t("cli.program_closed_for_change", id=str(args.id), status=problem.reason)
    return refusal(problem)  # cli.training.<reason>


def _counts(session: Session, program_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """program id → (seats taken, waiting)."""
    reg = TrainingRegistration
    query = (
        select(reg.program_id, reg.status, func.count())
        .where(col(reg.program_id).in_(program_ids), col(reg.status).in_(ACTIVE))
        .group_by(col(reg.program_id), col(reg.status))
    )
    counts: dict[int, tuple[int, int]] = {}
    for program_id, status, count in session.exec(query):
        seated, waiting = counts.get(program_id, (0, 0))
        counts[program_id] = (count, waiting) if status == "registered" else (seated, count)
    return counts


def _summary(program: TrainingProgram) -> str:
    starts, ends = wib(program.starts_at), wib(program.ends_at)
    span = f"{starts}–{ends[11:] if ends[:10] == starts[:10] else ends} WIB"
    place = program.place or t("cli.place_unknown")
    area = area_text(program.area_level, program.area_code)
    return t.plural(
        "cli.program_summary",
        program.quota,
        title=program.title,
        status=program.status,
        span=span,
        place=place,
        area=area,
    )
