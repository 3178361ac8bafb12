"""A resident's right to erasure and to withdraw consent: their personal data
goes, the aspirations stay as anonymous records for public statistics.

Both return the photo references that were let go; the caller removes the files
once the transaction has committed (``remove_photos``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.jobs import erase_jobs
from storage.models import (
    Aspiration,
    AspirationNote,
    Conversation,
    ForumRsvp,
    ForumSubscription,
    OutboxMessage,
    Resident,
    TrainingRegistration,
)

logger = logging.getLogger(__name__)


@dataclass
class Erased:
    """What an erasure or a withdrawal did (counts only, for the audit trail)."""

    aspirations_kept: int = 0
    photos: list[str] = field(default_factory=list)


class PhotoStore(Protocol):
    def path_of(self, reference: str) -> Path: ...


def _strip(session: Session, resident: Resident, photos: Iterable[str]) -> Erased:
    """Everything personal around the resident row, which itself stays."""
    channel, _, user_id = resident.identity.partition(":")
    found = list(photos)
    # their photos and voice notes (a voice note is the resident's own voice)
    for column in (Aspiration.photo_path, Aspiration.voice_path):
        found += [
            path
            for path in session.exec(
                select(column).where(
                    col(Aspiration.resident_id) == resident.id, col(column).is_not(None)
                )
            ).all()
            if path
        ]
    # Photos and voice notes the resident sent as answers to a staff question (tunda)
    # go too; the answers' text stays with the aspiration, as the aspiration's own
    # text does (a spoken answer's only names the voice note and its length).
    own = select(Aspiration.id).where(col(Aspiration.resident_id) == resident.id)
    answers = col(AspirationNote.aspiration_id).in_(own) & (col(AspirationNote.kind) == "jawaban")
    for column in (AspirationNote.photo_path, AspirationNote.voice_path):
        found += [
            path
            for path in session.exec(select(column).where(answers, col(column).is_not(None))).all()
            if path
        ]
    session.execute(
        update(AspirationNote)
        .where(answers)
        .values(photo_path=None, voice_path=None, voice_seconds=None)
        .execution_options(synchronize_session=False)
    )
    kept = session.execute(
        update(Aspiration)
        .where(col(Aspiration.resident_id) == resident.id)
        .values(anonymous=True, photo_path=None, voice_path=None, voice_seconds=None)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    # Registrations stay as anonymous counts (program, status, kelurahan); the caller
    # has cancelled the active ones first, so their seats went to the waitlist.
    session.execute(
        update(TrainingRegistration)
        .where(col(TrainingRegistration.resident_id) == resident.id)
        .values(resident_id=None, full_name=None, phone=None, business_type=None, motivation=None)
        .execution_options(synchronize_session=False)
    )
    for table in (ForumSubscription, ForumRsvp):
        session.execute(delete(table).where(col(table.resident_id) == resident.id))
    session.execute(
        delete(OutboxMessage).where(
            col(OutboxMessage.channel) == channel,
            col(OutboxMessage.recipient) == user_id,
            col(OutboxMessage.status) == "pending",
        )
    )
    return Erased(aspirations_kept=int(kept or 0), photos=sorted(set(found)))


def erase_resident(*, session: Session, resident: Resident, photos: Iterable[str] = ()) -> Erased:
    """Delete the resident, their name, identity, conversation state, photos and
    messages. Their aspirations are kept, unlinked and anonymous.

    ``photos`` are references not yet on an aspiration (a draft's photo)."""
    erased = _strip(session, resident, photos)
    session.execute(
        update(Aspiration)
        .where(col(Aspiration.resident_id) == resident.id)
        .values(resident_id=None)
        .execution_options(synchronize_session=False)
    )
    channel, _, user_id = resident.identity.partition(":")
    session.execute(
        delete(Conversation).where(
            col(Conversation.channel) == channel, col(Conversation.user_id) == user_id
        )
    )
    # Delivered messages to them hold their chat id too: nothing may stay.
    session.execute(
        delete(OutboxMessage).where(
            col(OutboxMessage.channel) == channel, col(OutboxMessage.recipient) == user_id
        )
    )
    erase_jobs(session=session, identity=resident.identity)  # exports they asked for
    session.delete(resident)
    session.flush()
    return erased


def withdraw_consent(*, session: Session, resident: Resident, photos: Iterable[str] = ()) -> Erased:
    """Stop processing the resident's personal data; the account stays, anonymous.

    Name, phone and home area are cleared, registrations, subscriptions and RSVPs
    go, aspirations stay linked (so their status can still be asked) but anonymous.
    The conversation stays too: the caller moves it on, which drops its answers."""
    erased = _strip(session, resident, photos)
    resident.display_name = None
    resident.phone = None
    resident.home_kecamatan_code = None
    resident.home_kelurahan_code = None
    resident.consent_at = None
    resident.consent_version = None
    session.add(resident)
    session.flush()
    return erased


def remove_photos(store: PhotoStore | None, references: Iterable[str]) -> int:
    """Delete the photo files; returns how many were there."""
    if store is None:
        return 0
    removed = 0
    for reference in references:
        try:
            store.path_of(reference).unlink()
            removed += 1
        except FileNotFoundError:
            pass
        except OSError:
            logger.warning("could not remove a photo file", exc_info=True)
    return removed
