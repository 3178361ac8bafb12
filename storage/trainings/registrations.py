"""Registrations: a seat or a place in the queue, promotion from the queue,
cancelling, attendance, and dropping the reminders not sent yet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, func, select

from storage.models import (
    OutboxMessage,
    Resident,
    TrainingProgram,
    TrainingRegistration,
    TrainingReminder,
)
from storage.trainings.programs import (
    ACTIVE,
    TrainingError,
    get_program,
    registration_state,
    seats_taken,
)


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
