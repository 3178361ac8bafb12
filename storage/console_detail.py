"""What Konsol's aspiration page reads about one aspiration, in one place: its
history (status changes and notes), the resident (only when not anonymous), its
duplicates and the units, so the page asks the database a fixed handful of
queries whatever the aspiration's length of history.

Scope (who may see the aspiration at all) is decided by the caller before any of
this is read; nothing here changes anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from storage.aspirations import status_history
from storage.models import Aspiration, AspirationNote, AspirationStatusChange, Opd, Resident
from storage.workflow import duplicates_of, notes_of


@dataclass(frozen=True)
class AspirationRecord:
    """One aspiration with everything its page shows."""

    aspiration: Aspiration
    resident: Resident | None  # None when anonymous (or no longer known)
    changes: Sequence[AspirationStatusChange]  # oldest first
    notes: Sequence[AspirationNote]  # follow-ups, questions, answers; oldest first
    duplicates: Sequence[Aspiration]  # marked as duplicates of it, oldest first
    units: dict[str, Opd]  # every unit by code (names for the history, the select)


def aspiration_record(*, session: Session, aspiration: Aspiration) -> AspirationRecord:
    """The aspiration's page, read; the resident only when it is not anonymous."""
    assert aspiration.id is not None
    resident = None
    if not aspiration.anonymous and aspiration.resident_id is not None:
        resident = session.get(Resident, aspiration.resident_id)
    every_unit = session.exec(select(Opd).order_by(col(Opd.code))).all()
    return AspirationRecord(
        aspiration=aspiration,
        resident=resident,
        changes=status_history(session=session, aspiration_id=aspiration.id),
        notes=notes_of(session=session, aspiration_id=aspiration.id),
        duplicates=duplicates_of(session=session, code=aspiration.code),
        units={unit.code: unit for unit in every_unit},
    )


def note_of(*, session: Session, aspiration: Aspiration, note_id: int) -> AspirationNote | None:
    """A note on ``aspiration`` (None for a note of another aspiration)."""
    note = session.get(AspirationNote, note_id)
    if note is None or note.aspiration_id != aspiration.id:
        return None
    return note
