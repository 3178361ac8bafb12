"""Conversation state with optimistic locking, and the record of handled updates."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from storage.models import Conversation, ProcessedUpdate


class ConversationConflict(Exception):
    """Another writer changed this conversation since it was read; start over."""


def load_conversation(*, session: Session, channel: str, user_id: str) -> Conversation | None:
    """The stored state, detached: changes reach the database only through ``save``."""
    row = session.get(Conversation, (channel, user_id))
    if row is not None:
        session.expunge(row)
    return row


def save_conversation(*, session: Session, conversation: Conversation, now: datetime) -> None:
    """Write the state if nobody else did since it was read (``version`` check).

    Raises ConversationConflict when the stored version moved on, or when another
    writer created the row first.
    """
    values: dict[str, Any] = {
        "flow": conversation.flow,
        "step": conversation.step,
        "data": conversation.data,
        "prompt_id": conversation.prompt_id,
        "expires_at": conversation.expires_at,
        "updated_at": now,
    }
    if conversation.version == 0:
        row = Conversation(
            channel=conversation.channel, user_id=conversation.user_id, version=1, **values
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError as exc:
            raise ConversationConflict(conversation.channel) from exc
        return
    session.flush()
    result = session.execute(
        _SAVE,
        {
            "key_channel": conversation.channel,
            "key_user_id": conversation.user_id,
            "read_version": conversation.version,
            "version": conversation.version + 1,
            **values,
        },
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConversationConflict(conversation.channel)


_CONVERSATION = Conversation.__table__  # type: ignore[attr-defined]
# Built once: every handled update saves its conversation with it.
_SAVE = (
    update(_CONVERSATION)
    .where(
        _CONVERSATION.c.channel == bindparam("key_channel"),
        _CONVERSATION.c.user_id == bindparam("key_user_id"),
        _CONVERSATION.c.version == bindparam("read_version"),
    )
    .values(
        {
            name: bindparam(name)
            for name in (
                "flow",
                "step",
                "data",
                "prompt_id",
                "expires_at",
                "updated_at",
                "version",
            )
        }
    )
)


def delete_conversation(*, session: Session, channel: str, user_id: str) -> None:
    row = session.get(Conversation, (channel, user_id))
    if row is not None:
        session.delete(row)


def mark_update_processed(
    *, session: Session, channel: str, update_key: str, key: bytes, now: datetime
) -> bool:
    """Record an inbound update; False when it was handled before (a redelivery).

    Only a fingerprint of the platform's key is stored, keyed with the
    installation's ``key`` (``storage.installation``): platform keys embed chat ids
    and phone numbers, and a dedupe record must not be traceable to a resident
    after their erasure by trying likely ids."""
    values = {
        "channel": channel,
        "update_key": update_fingerprint(key, channel, update_key),
        "processed_at": now,
    }
    # One statement: the record is written, or it was there already. On PostgreSQL
    # a concurrent redelivery waits for the first one's transaction, then does nothing.
    dialect = session.get_bind().dialect.name
    insert = _RECORD_PG if dialect == "postgresql" else _RECORD_SQLITE
    return session.execute(insert, values).first() is not None  # a row: it was written


_PROCESSED = ProcessedUpdate.__table__  # type: ignore[attr-defined]
# RETURNING, not the rowcount: psycopg reports -1 for it here
_RECORD_SQLITE = sqlite_insert(_PROCESSED).on_conflict_do_nothing().returning(_PROCESSED.c.channel)
_RECORD_PG = postgresql_insert(_PROCESSED).on_conflict_do_nothing().returning(_PROCESSED.c.channel)


def update_fingerprint(key: bytes, channel: str, update_key: str) -> str:
    """What is stored of an update key: HMAC-SHA256 under the installation's key,
    64 hex digits. Unlike a plain hash, it cannot be recomputed from a chat id and
    guessed message ids without the key."""
    return hmac.new(key, f"{channel}\x00{update_key}".encode(), hashlib.sha256).hexdigest()
