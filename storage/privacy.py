"""A resident's right to erasure: their personal data goes, the aspirations stay
as anonymous records for public statistics."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlmodel import Session

from storage.models import (
    Aspiration,
    Conversation,
    OutboxMessage,
    Resident,
    TrainingRegistration,
)


def erase_resident(*, session: Session, resident: Resident) -> int:
    """Delete the resident, their name, identity, conversation state and messages.

    Their aspirations are kept, unlinked and anonymous. Returns how many were kept.
    """
    channel, _, user_id = resident.identity.partition(":")
    kept = session.execute(
        update(Aspiration)
        .where(Aspiration.resident_id == resident.id)  # type: ignore[arg-type]
        .values(resident_id=None, anonymous=True)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    # Registrations stay as anonymous counts (program, status, kelurahan); the caller
    # has cancelled the active ones first, so their seats went to the waitlist.
    session.execute(
        update(TrainingRegistration)
        .where(TrainingRegistration.resident_id == resident.id)  # type: ignore[arg-type]
        .values(resident_id=None, full_name=None, phone=None, business_type=None, motivation=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        delete(Conversation).where(
            Conversation.channel == channel,  # type: ignore[arg-type]
            Conversation.user_id == user_id,  # type: ignore[arg-type]
        )
    )
    session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.channel == channel,  # type: ignore[arg-type]
            OutboxMessage.recipient == user_id,  # type: ignore[arg-type]
        )
    )
    session.delete(resident)
    session.flush()
    return int(kept or 0)
