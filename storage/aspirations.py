"""Aspirations: creation with a tracking code, and the owner's view of them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from storage.models import Aspiration, AspirationStatusChange
from storage.sla import DEFAULT_CLOCK, Event, ServiceClock, dues

# No 0/O, 1/I/L: a code read aloud or copied by hand cannot be misread.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_PREFIX = "ASP-"
CODE_LENGTH = 6


def new_tracking_code() -> str:
    """A random, non-sequential code such as ``ASP-7K2M9Q``."""
    return CODE_PREFIX + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_tracking_code(raw: str) -> str | None:
    """``asp 7k2m9q`` or ``7K2M9Q`` → ``ASP-7K2M9Q``; None when it cannot be a code."""
    compact = "".join(ch for ch in raw.upper() if ch.isalnum())
    if compact.startswith("ASP"):
        compact = compact[3:]
    if len(compact) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in compact):
        return None
    return CODE_PREFIX + compact


@dataclass(frozen=True)
class NewAspiration:
    category: str
    kecamatan_code: str
    kelurahan_code: str
    text: str
    language: str
    anonymous: bool
    channel: str
    resident_id: int | None
    photo_path: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    voice_path: str | None = None
    voice_seconds: int | None = None


def create_aspiration(
    *, session: Session, new: NewAspiration, now: datetime, clock: ServiceClock = DEFAULT_CLOCK
) -> Aspiration:
    """Store an aspiration with status ``diterima`` and its first history entry; its
    verification clock starts.

    A code collision (about one in 10^9) fails the unique constraint at commit
    and the caller's transaction is retried with a fresh code.
    """
    code = new_tracking_code()
    while session.exec(select(Aspiration.id).where(Aspiration.code == code)).first():
        code = new_tracking_code()
    aspiration = Aspiration(
        code=code,
        resident_id=new.resident_id,
        channel=new.channel,
        category=new.category,
        kecamatan_code=new.kecamatan_code,
        kelurahan_code=new.kelurahan_code,
        text=new.text,
        language=new.language,
        anonymous=new.anonymous,
        photo_path=new.photo_path,
        voice_path=new.voice_path,
        voice_seconds=new.voice_seconds,
        latitude=new.latitude,
        longitude=new.longitude,
        status="diterima",
        created_at=now,
        updated_at=now,
    )
    session.add(aspiration)
    session.flush()
    assert aspiration.id is not None
    session.add(AspirationStatusChange(aspiration_id=aspiration.id, status="diterima", at=now))
    first = dues([Event(now, "diterima")], category=new.category, grade=None, clock=clock)
    aspiration.verify_due_at = aspiration.next_due_at = first.verify.due_at
    return aspiration


def find_owned_aspiration(*, session: Session, code: str, resident_id: int) -> Aspiration | None:
    """The aspiration with ``code`` if ``resident_id`` sent it; None otherwise.

    "Not yours" and "does not exist" are the same answer: no enumeration.
    """
    return session.exec(
        select(Aspiration).where(Aspiration.code == code, Aspiration.resident_id == resident_id)
    ).first()


def recent_aspirations(
    *, session: Session, resident_id: int, limit: int = 5
) -> Sequence[Aspiration]:
    return session.exec(
        select(Aspiration)
        .where(Aspiration.resident_id == resident_id)
        .order_by(col(Aspiration.created_at).desc(), col(Aspiration.id).desc())
        .limit(limit)
    ).all()


def status_history(*, session: Session, aspiration_id: int) -> Sequence[AspirationStatusChange]:
    return session.exec(
        select(AspirationStatusChange)
        .where(AspirationStatusChange.aspiration_id == aspiration_id)
        .order_by(col(AspirationStatusChange.at), col(AspirationStatusChange.id))
    ).all()


def find_aspiration(*, session: Session, code: str) -> Aspiration | None:
    """Any aspiration by code: for staff, who see them all."""
    return session.exec(select(Aspiration).where(Aspiration.code == code)).first()


def list_aspirations(
    *,
    session: Session,
    statuses: Sequence[str],
    category: str | None = None,
    kecamatan_code: str | None = None,
    offset: int = 0,
    limit: int = 5,
) -> tuple[Sequence[Aspiration], int]:
    """One page of aspirations with these statuses, oldest first, and the total."""
    conditions: list[ColumnElement[bool]] = [col(Aspiration.status).in_(statuses)]
    if category:
        conditions.append(col(Aspiration.category) == category)
    if kecamatan_code:
        conditions.append(col(Aspiration.kecamatan_code) == kecamatan_code)
    total = session.exec(select(func.count()).select_from(Aspiration).where(*conditions)).one()
    rows = session.exec(
        select(Aspiration)
        .where(*conditions)
        .order_by(col(Aspiration.created_at), col(Aspiration.id))
        .offset(offset)
        .limit(limit)
    ).all()
    return rows, int(total)


def record_rating(
    *, session: Session, aspiration: Aspiration, rating: int, comment: str | None, now: datetime
) -> None:
    """The resident's evaluation of a finished aspiration (1–5, optional comment)."""
    if not 1 <= rating <= 5:
        raise ValueError("rating must be 1–5")
    aspiration.rating = rating
    if comment is not None:
        aspiration.rating_comment = comment
    aspiration.rated_at = now
    session.add(aspiration)
