"""Training programs as written: what a valid program is, creating and finding
them, whether registration is open, and the seats taken."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from sqlmodel import Session, col, func, select

from storage.limits import TRAINING
from storage.models import (
    AREA_LEVELS,
    PROGRAM_CATEGORIES,
    TrainingProgram,
    TrainingRegistration,
)

ACTIVE = ("registered", "waitlisted")


class TrainingError(Exception):
    """A refused action; ``reason`` is a short key the caller turns into words, with
    ``params`` (the CLI: ``cli.training.<reason>``). ``str()`` is one English line."""

    def __init__(self, reason: str, detail: str = "", **params: object) -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class NewProgram:
    title: str
    starts_at: datetime
    ends_at: datetime
    quota: int
    description: str = ""
    organiser: str = ""
    category: str = "usaha"
    place: str = ""
    map_url: str | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    area_level: str = "kota"
    area_code: str | None = None
    requirements: str = ""
    status: str = "draft"


EDITABLE = tuple(f.name for f in fields(NewProgram) if f.name != "status")


def check_program(program: NewProgram | TrainingProgram) -> None:
    """Refuse a program that cannot be run as described (TrainingError with the field)."""
    if not program.title.strip() or len(program.title) > TRAINING.title.maximum:
        raise TrainingError(
            "title",
            f"title must be 1–{TRAINING.title.maximum} characters",
            maximum=TRAINING.title.maximum,
        )
    if program.ends_at <= program.starts_at:
        raise TrainingError("ends_at", "the end must be after the start")
    if not 1 <= program.quota <= TRAINING.quota:
        raise TrainingError(
            "quota", f"quota must be between 1 and {TRAINING.quota}", maximum=TRAINING.quota
        )
    if program.category not in PROGRAM_CATEGORIES:
        categories = ", ".join(PROGRAM_CATEGORIES)
        raise TrainingError(
            "category", f"category must be one of {categories}", categories=categories
        )
    if program.area_level not in AREA_LEVELS:
        levels = ", ".join(AREA_LEVELS)
        raise TrainingError("area_level", f"area must be one of {levels}", levels=levels)
    if (program.area_level == "kota") != (program.area_code is None):
        raise TrainingError("area_code", "a kecamatan or kelurahan area needs its code")
    closes = program.registration_closes_at
    if closes is not None and closes > program.starts_at:
        raise TrainingError("registration_closes_at", "registration must close by the start")
    opens = program.registration_opens_at
    if opens is not None and closes is not None and opens >= closes:
        raise TrainingError("registration_opens_at", "registration must open before it closes")


def create_program(
    *, session: Session, new: NewProgram, actor: str, now: datetime
) -> TrainingProgram:
    check_program(new)
    program = TrainingProgram(
        **{f.name: getattr(new, f.name) for f in fields(NewProgram)},
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(program)
    session.flush()
    return program


def get_program(session: Session, program_id: int, *, lock: bool = False) -> TrainingProgram:
    query = select(TrainingProgram).where(TrainingProgram.id == program_id)
    if lock:  # and read the row as it is once locked, not a copy cached earlier
        query = query.with_for_update().execution_options(populate_existing=True)
    program = session.exec(query).first()
    if program is None:
        raise TrainingError("not_found", f"no training program {program_id}", id=program_id)
    return program


def registration_state(program: TrainingProgram, now: datetime) -> str:
    """``open``, or why a resident cannot register now: ``draft``, ``not_yet``,
    ``closed``, ``cancelled``, ``started`` or ``finished``."""
    if program.status in ("draft", "cancelled", "finished", "closed"):
        return program.status
    if now >= program.starts_at:
        return "started"
    if program.registration_opens_at is not None and now < program.registration_opens_at:
        return "not_yet"
    if program.registration_closes_at is not None and now >= program.registration_closes_at:
        return "closed"
    return "open"


def seats_taken(session: Session, program_id: int) -> int:
    query = select(func.count()).where(
        TrainingRegistration.program_id == program_id, TrainingRegistration.status == "registered"
    )
    return int(session.exec(query).one())


def seats_left(session: Session, program: TrainingProgram) -> int:
    assert program.id is not None
    return max(program.quota - seats_taken(session, program.id), 0)


def programs_for(
    session: Session,
    *,
    now: datetime,
    kecamatan_code: str | None,
    kelurahan_code: str | None,
) -> list[TrainingProgram]:
    """Programs a resident may register for now, soonest first: city-wide ones and
    those for their own kecamatan or kelurahan (every area when they gave none)."""
    query = (
        select(TrainingProgram)
        .where(TrainingProgram.status == "open", TrainingProgram.starts_at > now)
        .order_by(col(TrainingProgram.starts_at), col(TrainingProgram.id))
    )
    programs = [p for p in session.exec(query) if registration_state(p, now) == "open"]
    if kecamatan_code is None and kelurahan_code is None:
        return programs
    return [
        p
        for p in programs
        if p.area_level == "kota"
        or (p.area_level == "kecamatan" and p.area_code == kecamatan_code)
        or (p.area_level == "kelurahan" and p.area_code == kelurahan_code)
    ]


def list_programs(
    session: Session, *, statuses: Sequence[str] = (), upcoming_after: datetime | None = None
) -> list[TrainingProgram]:
    order = (col(TrainingProgram.starts_at), col(TrainingProgram.id))
    query = select(TrainingProgram).order_by(*order)
    if statuses:
        query = query.where(col(TrainingProgram.status).in_(statuses))
    if upcoming_after is not None:
        query = query.where(TrainingProgram.ends_at > upcoming_after)
    return list(session.exec(query))
