"""Queries on residents."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from storage.models import Resident


def get_resident(*, session: Session, identity: str) -> Resident | None:
    return session.exec(select(Resident).where(Resident.identity == identity)).first()


def create_resident(
    *, session: Session, identity: str, channel: str, language: str, now: datetime
) -> Resident:
    """A new resident known only by identity and language: no personal data yet."""
    resident = Resident(
        identity=identity, channel=channel, language=language, created_at=now, last_seen_at=now
    )
    session.add(resident)
    return resident


def set_unreachable(*, session: Session, identity: str, at: datetime | None) -> None:
    """Flag (or clear, with None) a resident who blocked the bot."""
    resident = get_resident(session=session, identity=identity)
    if resident is not None:
        resident.unreachable_at = at
