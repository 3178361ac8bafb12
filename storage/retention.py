"""Retention: what is kept how long. Idle conversation state and dedupe records,
delivered (or given-up) outbox messages and finished chat jobs (whose export is
in the audit trail), and photos and voice notes of closed aspirations go once
they are older than their limit; ``purge`` says how many of each (``dry_run``
only counts). Time is an argument. Files sent in chat are not in the database:
the job that calls ``purge`` removes those older than ``file_hours`` itself.

Photos and voice notes of forms never sent (a resident who gave up halfway, a
conversation that expired, a Konsol preview never confirmed) are named by no row:
the job hands ``purge`` the media folder's files older than ``file_hours``, and
those that no row and no conversation's draft names go too ("unsent_attachments")."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, String, cast, delete, func, or_, update
from sqlmodel import Session, col, select

from storage.models import (
    Announcement,
    Aspiration,
    AspirationNote,
    ChatJob,
    Conversation,
    OutboxMessage,
    ProcessedUpdate,
)
from storage.workflow import CLOSED_STATUSES

CLOSED = CLOSED_STATUSES
KINDS = (
    "conversations",
    "dedupe_records",
    "outbox_messages",
    "chat_jobs",
    "photos",
    "voice_notes",
    "unsent_attachments",
)
# Every column that may name a kept photo or voice note; a file none of them (and no
# conversation's draft) names was attached to a form that was never sent.
HOLDERS = (
    Aspiration.photo_path,
    Aspiration.voice_path,
    AspirationNote.photo_path,
    AspirationNote.voice_path,
    Announcement.photo,
)


@dataclass(frozen=True)
class Retention:
    conversation_days: int = 30
    outbox_days: int = 180
    photo_days: int = 365
    # files sent in chat left undelivered (or shown on the console), and the
    # attachments of forms never sent
    file_hours: int = 24


@dataclass
class Purged:
    counts: dict[str, int]
    photos: list[str] = field(default_factory=list)  # files (photos, voice notes) to remove


def purge(
    *,
    session: Session,
    now: datetime,
    retention: Retention,
    dry_run: bool,
    kept_files: Sequence[str] = (),
) -> Purged:
    """``kept_files``: the media folder's photos and voice notes older than
    ``file_hours`` (``MediaStore.kept_files``); those nothing names go."""
    idle = now - timedelta(days=retention.conversation_days)
    delivered = now - timedelta(days=retention.outbox_days)
    closed = now - timedelta(days=retention.photo_days)
    conversations = col(Conversation.updated_at) < idle
    dedupe = col(ProcessedUpdate.processed_at) < idle
    outbox = (col(OutboxMessage.status) != "pending") & (
        func.coalesce(col(OutboxMessage.sent_at), col(OutboxMessage.created_at)) < delivered
    )
    jobs = col(ChatJob.status).in_(("done", "failed")) & (
        func.coalesce(col(ChatJob.finished_at), col(ChatJob.created_at)) < delivered
    )
    photos = (
        col(Aspiration.photo_path).is_not(None)
        & col(Aspiration.status).in_(CLOSED)
        & (col(Aspiration.updated_at) < closed)
    )
    references = [p for p in session.exec(select(Aspiration.photo_path).where(photos)) if p]
    # the photos residents sent as answers to a staff question, on the same terms
    stale = select(Aspiration.id).where(
        col(Aspiration.status).in_(CLOSED), col(Aspiration.updated_at) < closed
    )
    answers = col(AspirationNote.photo_path).is_not(None) & col(AspirationNote.aspiration_id).in_(
        stale
    )
    references += [p for p in session.exec(select(AspirationNote.photo_path).where(answers)) if p]
    # voice notes, on the photos' terms (``photo_days``)
    voices = (
        col(Aspiration.voice_path).is_not(None)
        & col(Aspiration.status).in_(CLOSED)
        & (col(Aspiration.updated_at) < closed)
    )
    spoken = [p for p in session.exec(select(Aspiration.voice_path).where(voices)) if p]
    # and the voice notes residents answered a staff question with, on the same terms
    answered = col(AspirationNote.voice_path).is_not(None) & col(AspirationNote.aspiration_id).in_(
        stale
    )
    spoken += [p for p in session.exec(select(AspirationNote.voice_path).where(answered)) if p]
    counts = {
        "conversations": _count(session, Conversation, conversations),
        "dedupe_records": _count(session, ProcessedUpdate, dedupe),
        "outbox_messages": _count(session, OutboxMessage, outbox),
        "chat_jobs": _count(session, ChatJob, jobs),
        "photos": len(references),
        "voice_notes": len(spoken),
    }
    unsent = unclaimed(session, kept_files)
    counts["unsent_attachments"] = len(unsent)
    if not dry_run:
        session.execute(delete(Conversation).where(conversations))
        session.execute(delete(ProcessedUpdate).where(dedupe))
        session.execute(delete(OutboxMessage).where(outbox))
        session.execute(delete(ChatJob).where(jobs))
        session.execute(
            update(Aspiration)
            .where(photos)
            .values(photo_path=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(AspirationNote)
            .where(answers)
            .values(photo_path=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(Aspiration)
            .where(voices)
            .values(voice_path=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            update(AspirationNote)
            .where(answered)
            .values(voice_path=None)
            .execution_options(synchronize_session=False)
        )
    return Purged(counts=counts, photos=references + spoken + unsent)


def unclaimed(session: Session, references: Sequence[str]) -> list[str]:
    """The ``references`` that no row (``HOLDERS``) and no conversation's draft names."""
    left = set(references)
    if not left:
        return []
    # One read of each column (a few MB for 100,000 photos), not a query per file:
    # none of these columns is indexed, and nearly every file is named by one.
    for column in HOLDERS:
        left -= set(session.exec(select(column).where(col(column).is_not(None))))
    # Drafts live in the conversations' JSON: one scan per 50 files asks which of
    # them any draft still names (few files are ever left to ask about).
    data = cast(Conversation.data, String)
    for chunk in _chunks(sorted(left), 50):
        named = or_(*(data.contains(reference, autoescape=True) for reference in chunk))
        for draft in session.exec(select(Conversation.data).where(named)):
            text = json.dumps(draft)
            left -= {reference for reference in chunk if reference in text}
    return sorted(left)


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _count(session: Session, table: type, where: ColumnElement[bool]) -> int:
    return int(session.exec(select(func.count()).select_from(table).where(where)).one())
