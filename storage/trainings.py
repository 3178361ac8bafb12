"""Training programs and registrations: seats, the waitlist, attendance.

Every change to who holds a seat locks the program's row first (``FOR UPDATE``
on PostgreSQL; SQLite has a single writer), so two residents taking the last
seat at the same moment never both get it. Waitlist positions only grow: the
queue's order is the order of ``waitlist_position``, and the position shown to a
resident is their rank among those still waiting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, func, select

from storage.limits import TRAINING
from storage.models import (
    AREA_LEVELS,
    PROGRAM_CATEGORIES,
    OutboxMessage,
    Resident,
    TrainingProgram,
    TrainingRegistration,
    TrainingReminder,
)

ACTIVE = ("registered", "waitlisted")


class TrainingError(Exception):
    """A refused action; ``reason`` is a short key the caller turns into words."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason


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
        raise TrainingError("title", f"title must be 1–{TRAINING.title.maximum} characters")
    if program.ends_at <= program.starts_at:
        raise TrainingError("ends_at", "the end must be after the start")
    if not 1 <= program.quota <= TRAINING.quota:
        raise TrainingError("quota", f"quota must be between 1 and {TRAINING.quota}")
    if program.category not in PROGRAM_CATEGORIES:
        raise TrainingError("category", f"category must be one of {', '.join(PROGRAM_CATEGORIES)}")
    if program.area_level not in AREA_LEVELS:
        raise TrainingError("area_level", f"area must be one of {', '.join(AREA_LEVELS)}")
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
        raise TrainingError("not_found", f"no training program {program_id}")
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


def waitlist_rank(session: Session, registration: TrainingRegistration) -> int:
    """1 for the first in the queue; 0 when not waiting."""
    if registration.status != "waitlisted" or registration.waitlist_position is None:
        return 0
    ahead = select(func.count()).where(
        TrainingRegistration.program_id == registration.program_id,
        TrainingRegistration.status == "waitlisted",
        col(TrainingRegistration.waitlist_position) < registration.waitlist_position,
    )
    return int(session.exec(ahead).one()) + 1


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


@dataclass(frozen=True)
class RegistrationDetails:
    full_name: str
    phone: str
    kelurahan_code: str | None
    business_type: str | None
    motivation: str | None = None


@dataclass(frozen=True)
class Registered:
    registration: TrainingRegistration
    program: TrainingProgram
    waitlist_rank: int  # 0 when a seat was given


def register(
    *,
    session: Session,
    program_id: int,
    resident_id: int,
    details: RegistrationDetails,
    now: datetime,
) -> Registered:
    """A seat if one is left, else a place in the queue.

    Raises TrainingError: ``not_found``, ``already`` (an active registration
    exists) or the program's registration state (``closed``, ``cancelled``…)."""
    program = get_program(session, program_id, lock=True)
    state = registration_state(program, now)
    if state != "open":
        raise TrainingError(state)
    existing = session.exec(
        select(TrainingRegistration).where(
            TrainingRegistration.program_id == program_id,
            TrainingRegistration.resident_id == resident_id,
        )
    ).first()
    if existing is not None and existing.status in ACTIVE:
        raise TrainingError("already")
    registration = existing or TrainingRegistration(program_id=program_id, resident_id=resident_id)
    registration.full_name = details.full_name
    registration.phone = details.phone
    registration.kelurahan_code = details.kelurahan_code
    registration.business_type = details.business_type
    registration.motivation = details.motivation
    registration.registered_at = now
    registration.cancelled_at = None
    registration.attended = False
    if seats_taken(session, program_id) < program.quota:
        registration.status, registration.waitlist_position = "registered", None
        registration.seated_at = now
    else:
        registration.status = "waitlisted"
        registration.waitlist_position = _next_position(session, program_id)
        registration.seated_at = None
    session.add(registration)
    session.flush()
    return Registered(registration, program, waitlist_rank(session, registration))


def _next_position(session: Session, program_id: int) -> int:
    last = session.exec(
        select(func.max(TrainingRegistration.waitlist_position)).where(
            TrainingRegistration.program_id == program_id
        )
    ).one()
    return int(last or 0) + 1


def fill_seats(
    *, session: Session, program: TrainingProgram, now: datetime
) -> list[TrainingRegistration]:
    """Give free seats to the queue, first come first served; returns the promoted.

    The caller holds the program's lock (``get_program(lock=True)``)."""
    assert program.id is not None
    if program.status in ("cancelled", "finished") or now >= program.starts_at:
        return []
    free = program.quota - seats_taken(session, program.id)
    if free <= 0:
        return []
    queue = session.exec(
        select(TrainingRegistration)
        .where(
            TrainingRegistration.program_id == program.id,
            TrainingRegistration.status == "waitlisted",
        )
        .order_by(col(TrainingRegistration.waitlist_position))
        .limit(free)
    ).all()
    for registration in queue:
        registration.status, registration.seated_at = "registered", now
        session.add(registration)
    session.flush()
    return list(queue)


@dataclass(frozen=True)
class Cancelled:
    registration: TrainingRegistration
    program: TrainingProgram
    promoted: list[TrainingRegistration]


def cancel_registration(
    *, session: Session, registration_id: int, resident_id: int | None, now: datetime
) -> Cancelled:
    """Cancel one registration (only the resident's own when ``resident_id`` is
    given) and give the freed seat to the first in the queue."""
    registration = session.get(TrainingRegistration, registration_id)
    mine = resident_id is None or (registration and registration.resident_id == resident_id)
    if registration is None or not mine:
        raise TrainingError("not_found")
    program = get_program(session, registration.program_id, lock=True)
    session.refresh(registration)
    if registration.status not in ACTIVE:
        raise TrainingError("not_active")
    registration.status, registration.cancelled_at = "cancelled", now
    registration.waitlist_position, registration.attended = None, False
    session.add(registration)
    drop_pending_reminders(session, registration_ids=[registration_id])
    session.flush()
    return Cancelled(registration, program, fill_seats(session=session, program=program, now=now))


def registrations_of(
    session: Session, resident_id: int, *, active_only: bool = True
) -> list[tuple[TrainingRegistration, TrainingProgram]]:
    query = (
        select(TrainingRegistration, TrainingProgram)
        .join(TrainingProgram, col(TrainingProgram.id) == TrainingRegistration.program_id)
        .where(TrainingRegistration.resident_id == resident_id)
        .order_by(col(TrainingProgram.starts_at))
    )
    if active_only:
        query = query.where(col(TrainingRegistration.status).in_(ACTIVE))
    return [(r, p) for r, p in session.exec(query)]


def registrants(
    session: Session, program_id: int, *, statuses: Sequence[str] = ("registered",)
) -> list[TrainingRegistration]:
    """The program's registrations in queue order: seated first, by time, then waiting."""
    query = (
        select(TrainingRegistration)
        .where(
            TrainingRegistration.program_id == program_id,
            col(TrainingRegistration.status).in_(statuses),
        )
        .order_by(
            col(TrainingRegistration.waitlist_position).is_not(None),
            col(TrainingRegistration.waitlist_position),
            col(TrainingRegistration.seated_at),
            col(TrainingRegistration.id),
        )
    )
    return list(session.exec(query))


def set_attendance(
    *, session: Session, registration_id: int, attended: bool, actor: str, now: datetime
) -> TrainingRegistration:
    registration = session.get(TrainingRegistration, registration_id)
    if registration is None or registration.status != "registered":
        raise TrainingError("not_found")
    registration.attended = attended
    registration.attendance_marked_at, registration.attendance_marked_by = now, actor
    session.add(registration)
    session.flush()
    return registration


@dataclass(frozen=True)
class ProgramChange:
    program: TrainingProgram
    moved_from: datetime | None  # the old start, when the time changed
    promoted: list[TrainingRegistration]
    relocated: bool = False  # the place (or its map link) changed


def update_program(
    *, session: Session, program_id: int, changes: Mapping[str, Any], now: datetime
) -> ProgramChange:
    """Change fields of a program; a new time re-plans its reminders, a larger
    quota seats the queue."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TrainingError("field", f"unknown field(s): {', '.join(sorted(unknown))}")
    program = get_program(session, program_id, lock=True)
    if program.status in ("cancelled", "finished"):
        raise TrainingError(program.status)
    old_start, old_place = program.starts_at, (program.place, program.map_url)
    for name, value in changes.items():
        setattr(program, name, value)
    check_program(program)
    if program.quota < seats_taken(session, program_id):
        raise TrainingError("quota", "the quota is below the seats already taken")
    program.updated_at = now
    session.add(program)
    moved = program.starts_at != old_start
    if moved:
        drop_pending_reminders(session, registration_ids=_registration_ids(session, program_id))
    session.flush()
    promoted = fill_seats(session=session, program=program, now=now)
    relocated = (program.place, program.map_url) != old_place
    return ProgramChange(program, old_start if moved else None, promoted, relocated)


def set_program_status(
    *, session: Session, program_id: int, status: str, now: datetime
) -> tuple[TrainingProgram, list[TrainingRegistration]]:
    """Publish (``open``), close registration, cancel or finish a program.

    Returns the program and, when it was cancelled, the registrations to tell
    (their reminders still pending are dropped)."""
    program = get_program(session, program_id, lock=True)
    allowed = {
        "open": ("draft", "closed"),
        "closed": ("open",),
        "cancelled": ("draft", "open", "closed"),
        "finished": ("open", "closed"),
    }
    if status not in allowed:
        raise TrainingError("status", f"unknown status {status}")
    if program.status == status:
        raise TrainingError("unchanged", f"program {program_id} is already {status}")
    if program.status not in allowed[status]:
        raise TrainingError("status", f"a {program.status} program cannot become {status}")
    program.status, program.updated_at = status, now
    session.add(program)
    affected: list[TrainingRegistration] = []
    if status == "cancelled":
        affected = registrants(session, program_id, statuses=ACTIVE)
        drop_pending_reminders(session, registration_ids=[r.id for r in affected if r.id])
        for registration in affected:  # their notice says so: the registration is void
            registration.status, registration.cancelled_at = "cancelled", now
            registration.waitlist_position = None
            session.add(registration)
    session.flush()
    return program, affected


def finish_past_programs(*, session: Session, now: datetime) -> int:
    """Programs whose end has passed are ``finished``; returns how many."""
    result = session.execute(
        update(TrainingProgram)
        .where(
            col(TrainingProgram.status).in_(("open", "closed")), col(TrainingProgram.ends_at) <= now
        )
        .values(status="finished", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _registration_ids(session: Session, program_id: int) -> list[int]:
    query = select(TrainingRegistration.id).where(TrainingRegistration.program_id == program_id)
    return [i for i in session.exec(query) if i is not None]


def drop_pending_reminders(session: Session, *, registration_ids: Sequence[int]) -> int:
    """Delete reminders not sent yet (outbox row and record), so a moved program
    is reminded at its new time and a cancelled registration not at all."""
    if not registration_ids:
        return 0
    pending = list(
        session.exec(
            select(OutboxMessage.id)
            .join(TrainingReminder, col(TrainingReminder.outbox_id) == OutboxMessage.id)
            .where(
                col(TrainingReminder.registration_id).in_(registration_ids),
                OutboxMessage.status == "pending",
            )
        )
    )
    if not pending:
        return 0
    session.execute(
        delete(TrainingReminder)
        .where(col(TrainingReminder.outbox_id).in_(pending))
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(OutboxMessage)
        .where(col(OutboxMessage.id).in_(pending))
        .execution_options(synchronize_session=False)
    )
    return len(pending)


def resident_for(session: Session, registration: TrainingRegistration) -> Resident | None:
    if registration.resident_id is None:
        return None
    return session.get(Resident, registration.resident_id)
