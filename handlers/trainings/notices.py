"""Messages about trainings that are not replies: a seat from the waitlist, a
moved or cancelled program, reminders before the start.

Each is written to the outbox in the same transaction as its cause, in the
resident's language; the CLI, the chat flows and the scheduler share them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from handlers.core.naming import training_name
from handlers.core.notifications import PERSONAL_PRIORITY
from handlers.core.types import Reply, Translator
from storage.models import Resident, TrainingProgram, TrainingRegistration, TrainingReminder
from storage.outbox import enqueue
from storage.reminders import due_reminder
from storage.trainings import ACTIVE, ProgramChange, registrants, resident_for

logger = logging.getLogger(__name__)

Translators = Callable[[str], Translator]


def describe_place(t: Translator, program: TrainingProgram) -> str:
    place = program.place or t("training.place_unknown")
    if not program.map_url:
        return place
    return place + "\n" + t("training.map", url=program.map_url)


def _send(
    session: Session,
    resident: Resident,
    kind: str,
    text: str,
    now: datetime,
) -> int | None:
    if resident.unreachable_at is not None:
        return None
    channel, _, user_id = resident.identity.partition(":")
    message = enqueue(
        session=session,
        channel=channel,
        recipient=user_id,
        kind=kind,
        payload=Reply(text=text).to_payload(),
        now=now,
        priority=PERSONAL_PRIORITY,
    )
    session.flush()
    return message.id


def _each(
    session: Session, registrations: Iterable[TrainingRegistration]
) -> Iterable[tuple[TrainingRegistration, Resident]]:
    for registration in registrations:
        resident = resident_for(session, registration)
        if resident is not None:
            yield registration, resident


def program_text(t: Translator, key: str, program: TrainingProgram) -> str:
    """One of the ``training_notice.*`` texts, filled in for ``program``."""
    return t(
        key,
        name=training_name(t, program.title),
        when=t.datetime(program.starts_at),
        place=describe_place(t, program),
    )


def _tell(
    session: Session,
    translators: Translators,
    program: TrainingProgram,
    registrations: Sequence[TrainingRegistration],
    key: str,
    now: datetime,
) -> int:
    """Write ``key``'s text to each registrant, in their language; returns how many."""
    told = 0
    for _registration, resident in _each(session, registrations):
        text = program_text(translators(resident.language), key, program)
        told += _send(session, resident, "training", text, now) is not None
    return told


def notify_promoted(
    session: Session,
    translators: Translators,
    program: TrainingProgram,
    promoted: Sequence[TrainingRegistration],
    now: datetime,
) -> int:
    """Tell each resident who got a seat from the waitlist; returns how many."""
    return _tell(session, translators, program, promoted, "training_notice.promoted", now)


def notify_cancelled(
    session: Session,
    translators: Translators,
    program: TrainingProgram,
    registrations: Sequence[TrainingRegistration],
    now: datetime,
) -> int:
    """Tell every registrant (seated or waiting) that the program is cancelled."""
    return _tell(session, translators, program, registrations, "training_notice.cancelled", now)


def notify_moved(
    session: Session,
    translators: Translators,
    program: TrainingProgram,
    registrations: Sequence[TrainingRegistration],
    now: datetime,
) -> int:
    """Tell registrants the program's new time and place."""
    return _tell(session, translators, program, registrations, "training_notice.moved", now)


@dataclass(frozen=True)
class ChangeTold:
    """Who heard of a changed program: of its new time or place, of a seat."""

    moved: int
    promoted: int


def tell_changed(
    session: Session, translators: Translators, change: ProgramChange, now: datetime
) -> ChangeTold:
    """After ``update_program``: registrants hear of a new time or place, and those
    seated from the queue of their seat (they are not told twice). The CLI and
    Konsol share it."""
    program = change.program
    assert program.id is not None
    promoted_ids = {r.id for r in change.promoted}
    moved = 0
    if change.moved_from is not None or change.relocated:
        others = [
            r for r in registrants(session, program.id, statuses=ACTIVE) if r.id not in promoted_ids
        ]
        moved = notify_moved(session, translators, program, others, now)
    promoted = (
        notify_promoted(session, translators, program, change.promoted, now)
        if change.promoted
        else 0
    )
    return ChangeTold(moved, promoted)


def send_due_reminders(
    session: Session, translators: Translators, offsets: Sequence[timedelta], now: datetime
) -> int:
    """Write the reminders due at ``now`` to the outbox, once per registration,
    offset and start time; returns how many were written."""
    if not offsets:
        return 0
    horizon = now + max(offsets)
    programs = session.exec(
        select(TrainingProgram).where(
            col(TrainingProgram.status).in_(("open", "closed")),
            col(TrainingProgram.starts_at) > now,
            col(TrainingProgram.starts_at) <= horizon,
        )
    ).all()
    written = 0
    for program in programs:
        assert program.id is not None
        seated = session.exec(
            select(TrainingRegistration).where(
                TrainingRegistration.program_id == program.id,
                TrainingRegistration.status == "registered",
            )
        ).all()
        for registration, resident in _each(session, seated):
            reminder = due_reminder(
                starts_at=program.starts_at,
                offsets=offsets,
                now=now,
                since=registration.seated_at or registration.registered_at,
            )
            if reminder is None or _already(
                session, registration, reminder.offset_minutes, program
            ):
                continue
            t = translators(resident.language)
            text = program_text(t, "training_notice.reminder", program)
            outbox_id = _send(session, resident, "training_reminder", text, now)
            assert registration.id is not None
            session.add(
                TrainingReminder(
                    registration_id=registration.id,
                    offset_minutes=reminder.offset_minutes,
                    starts_at=program.starts_at,
                    outbox_id=outbox_id,
                    created_at=now,
                )
            )
            written += outbox_id is not None
    session.flush()
    if written:
        logger.info("training reminders: %d written to the outbox", written)
    return written


def _already(
    session: Session,
    registration: TrainingRegistration,
    offset_minutes: int,
    program: TrainingProgram,
) -> bool:
    query = select(TrainingReminder.id).where(
        TrainingReminder.registration_id == registration.id,
        TrainingReminder.offset_minutes == offset_minutes,
        TrainingReminder.starts_at == program.starts_at,
    )
    return session.exec(query).first() is not None
