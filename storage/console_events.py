"""What Konsol's Pelatihan and Forum pages read: programs with their seat and
queue counts, forums with their RSVP counts, one program's registrants and one
forum's RSVPs as facilitators may see them, and the export data sets narrowed
to one program or forum.

Only reads live here; every change goes through ``storage.trainings`` and
``storage.forums``, as in chat and the CLI. Names and phone numbers are given
only for a resident who exists and has consented, as in the exports and
``siantar training registrants``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlmodel import Session, col, func, select

from storage.exports import AspirationFilter
from storage.exports.registrations import RegistrationExport
from storage.exports.rsvps import RsvpExport
from storage.forums import rsvp_counts
from storage.models import (
    ForumEvent,
    ForumRsvp,
    Resident,
    TrainingProgram,
    TrainingRegistration,
)
from storage.trainings import ACTIVE, list_programs, registrants


@dataclass(frozen=True)
class ProgramRow:
    program: TrainingProgram
    seated: int
    waiting: int


def program_rows(session: Session) -> list[ProgramRow]:
    """Every program, soonest first, with its seats taken and its queue."""
    programs = list_programs(session)
    counts = seat_counts(session, [p.id for p in programs if p.id is not None])
    return [ProgramRow(p, *counts.get(p.id or 0, (0, 0))) for p in programs]


def seat_counts(session: Session, program_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """program id → (seats taken, waiting)."""
    if not program_ids:
        return {}
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


@dataclass(frozen=True)
class Registrant:
    registration: TrainingRegistration
    rank: int  # 1 = next to get a seat; 0 when seated
    name: str | None  # None: the resident is gone or has not consented
    phone: str | None


def program_registrants(session: Session, program_id: int) -> list[Registrant]:
    """Seated first (by time), then the queue in order."""
    people: list[Registrant] = []
    rank = 0
    for registration in registrants(session, program_id, statuses=ACTIVE):
        resident = (
            session.get(Resident, registration.resident_id) if registration.resident_id else None
        )
        personal = resident is not None and resident.has_consent
        waiting = registration.status == "waitlisted"
        rank += waiting
        people.append(
            Registrant(
                registration,
                rank if waiting else 0,
                registration.full_name if personal else None,
                registration.phone if personal else None,
            )
        )
    return people


@dataclass(frozen=True)
class ForumRow:
    forum: ForumEvent
    counts: dict[str, int]  # answer → how many


def forum_rows(session: Session) -> list[ForumRow]:
    """Every forum, soonest first, with its RSVP counts."""
    forums = list(session.exec(select(ForumEvent).order_by(col(ForumEvent.starts_at))))
    return [ForumRow(f, rsvp_counts(session, f.id)) for f in forums if f.id is not None]


@dataclass(frozen=True)
class Answer:
    answer: str
    answered_at: datetime
    name: str | None  # None: the resident has not consented


def forum_answers(session: Session, forum_id: int) -> list[Answer]:
    """One forum's RSVPs, oldest answer first."""
    query = (
        select(ForumRsvp, Resident)
        .join(Resident, col(Resident.id) == ForumRsvp.resident_id)
        .where(ForumRsvp.forum_id == forum_id)
        .order_by(col(ForumRsvp.answered_at), col(ForumRsvp.id))
    )
    return [
        Answer(r.answer, r.answered_at, resident.display_name if resident.has_consent else None)
        for r, resident in session.exec(query)
    ]


class ProgramRegistrations(RegistrationExport):
    """The registrations export (same columns, privacy and formats) of one program."""

    def __init__(self, program_id: int) -> None:
        self.program_id = program_id

    def query(self, filters: AspirationFilter) -> Select[Any]:
        return super().query(filters).where(col(TrainingRegistration.program_id) == self.program_id)


class ForumRsvps(RsvpExport):
    """The RSVPs export (same columns, privacy and formats) of one forum."""

    def __init__(self, forum_id: int) -> None:
        self.forum_id = forum_id

    def query(self, filters: AspirationFilter) -> Select[Any]:
        return super().query(filters).where(col(ForumRsvp.forum_id) == self.forum_id)
