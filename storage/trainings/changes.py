"""Changes to a program after it is written: fields, status, and finishing
programs whose end has passed; each seats the queue or voids registrations as needed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import (
    TrainingProgram,
    TrainingRegistration,
)
from storage.trainings.programs import (
    ACTIVE,
    EDITABLE,
    TrainingError,
    check_program,
    get_program,
    seats_taken,
)
from storage.trainings.registrations import drop_pending_reminders, fill_seats, registrants


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
        fields = ", ".join(sorted(unknown))
        raise TrainingError("field", f"unknown field(s): {fields}", fields=fields)
    program = get_program(session, program_id, lock=True)
    if program.status in ("cancelled", "finished"):
        raise TrainingError(program.status)
    old_start, old_place = program.starts_at, (program.place, program.map_url)
    for name, value in changes.items():
        setattr(program, name, value)
    check_program(program)
    taken = seats_taken(session, program_id)
    if program.quota < taken:
        raise TrainingError("quota", "the quota is below the seats already taken", taken=taken)
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
        raise TrainingError(
            "status", f"unknown status {status}", current=program.status, status=status
        )
    if program.status == status:
        raise TrainingError(
            "unchanged", f"program {program_id} is already {status}", id=program_id, status=status
        )
    if program.status not in allowed[status]:
        raise TrainingError(
            "status",
            f"a {program.status} program cannot become {status}",
            current=program.status,
            status=status,
        )
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
