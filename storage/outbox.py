"""The outbox: every outgoing message as a row, claimed, sent and marked.

A row is written in the same transaction as the event that causes it. Senders
claim due rows for a lease (``claimed_until``); a row whose claim lapsed without
being marked (the process died) is due again, so nothing is lost and at most the
rows in flight are sent twice. On PostgreSQL claims skip rows locked by another
dispatcher (``FOR UPDATE SKIP LOCKED``); SQLite has a single writer anyway.

Each claim carries a token (``claim``) and every mark matches it: a dispatcher
whose lease lapsed during a slow send cannot overwrite what the dispatcher that
claimed the row after it recorded. Direct replies, claimed by their handler at
enqueue time, have no token until the dispatcher takes them over. A live sender
renews what it still holds (``renew``), so a lease can be short and a dead
process's rows are soon due again.

The dispatcher claims through ``storage.pace.claim_batch`` (send slots at the
channel's shared pace, one row per chat); ``claim_due`` is the plain claim.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, and_, bindparam, insert, or_, update
from sqlmodel import Session, col, select

from storage.announcements import BROADCAST_KINDS
from storage.models import OutboxMessage, Resident

# How long a claim on outbox rows lasts unless renewed (bot.outbox_lease renews it
# every third of it while its dispatcher lives); direct replies start with one too.
LEASE = timedelta(seconds=15)

MAX_ATTEMPTS = 8
ERROR_LENGTH = 500
_TABLE = OutboxMessage.__table__  # type: ignore[attr-defined]
_ENQUEUE = insert(_TABLE).returning(_TABLE.c.id)
_ENQUEUE_MANY = insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True)


def enqueue(
    *,
    session: Session,
    channel: str,
    recipient: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    priority: int = 0,
    claim_for: timedelta | None = None,
) -> OutboxMessage:
    """Add a message; ``claim_for`` keeps it for the caller, who sends it at once."""
    message = OutboxMessage(
        channel=channel,
        recipient=recipient,
        kind=kind,
        priority=priority,
        payload=payload,
        due_at=now,
        claimed_until=now + claim_for if claim_for else None,
        attempts=1 if claim_for else 0,
        created_at=now,
    )
    session.add(message)
    return message


def enqueue_claimed(
    *,
    session: Session,
    channel: str,
    recipient: str,
    kind: str,
    payloads: Sequence[dict[str, Any]],
    now: datetime,
    claim_for: timedelta,
) -> list[int]:
    """``enqueue`` with ``claim_for`` for several messages in one statement (no ORM
    objects); returns their ids, in order."""
    if not payloads:
        return []
    rows = [
        {
            "channel": channel,
            "recipient": recipient,
            "kind": kind,
            "priority": 0,
            "payload": payload,
            "status": "pending",
            "attempts": 1,
            "due_at": now,
            "claimed_until": now + claim_for,
            "created_at": now,
        }
        for payload in payloads
    ]
    if len(rows) == 1:
        return [session.execute(_ENQUEUE, rows[0]).scalar_one()]
    return list(session.execute(_ENQUEUE_MANY, rows).scalars())


def claim_due(
    *, session: Session, now: datetime, lease: timedelta, limit: int, channels: Sequence[str]
) -> list[OutboxMessage]:
    """Claim up to ``limit`` due rows, most urgent first, for ``lease``.

    Each row is claimed by a conditional UPDATE, so of two dispatchers that saw the
    same row only one gets it (on SQLite the write lock orders them; PostgreSQL
    also skips rows another dispatcher has locked)."""
    due = or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) <= now)
    query = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == "pending",
            col(OutboxMessage.channel).in_(channels),
            OutboxMessage.due_at <= now,
            due,
        )
        .order_by(col(OutboxMessage.priority), col(OutboxMessage.due_at), col(OutboxMessage.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    skip_opted_out(session=session, now=now, channels=channels)
    token = uuid.uuid4().hex
    claimed: list[int] = []
    for message_id in session.exec(query).all():
        result = session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == message_id,
                col(OutboxMessage.status) == "pending",
                due,
            )
            .values(claimed_until=now + lease, claim=token, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(message_id)  # type: ignore[arg-type]
    if not claimed:
        return []
    rows = session.exec(
        select(OutboxMessage)
        .where(col(OutboxMessage.id).in_(claimed))
        .order_by(col(OutboxMessage.priority), col(OutboxMessage.due_at), col(OutboxMessage.id))
    ).all()
    for row in rows:
        session.expunge(row)
    return list(rows)


def skip_opted_out(*, session: Session, now: datetime, channels: Sequence[str]) -> int:
    """Due broadcast rows to residents who said BERHENTI since the fan-out are not
    sent: they are marked ``opted_out`` (the opt-out holds at send time)."""
    opted_out = select(Resident.id).where(
        col(Resident.announcements_off_at).is_not(None),
        col(Resident.identity) == OutboxMessage.channel + ":" + OutboxMessage.recipient,
    )
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.status) == "pending",
            col(OutboxMessage.kind).in_(BROADCAST_KINDS),
            col(OutboxMessage.channel).in_(channels),
            col(OutboxMessage.due_at) <= now,
            opted_out.exists(),
        )
        .values(status="opted_out", claimed_until=None, claim=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_sent(
    *,
    session: Session,
    message_id: int,
    now: datetime,
    external_id: str | None,
    claim: str | None = None,
) -> None:
    _set(
        session,
        message_id,
        claim,
        status="sent",
        sent_at=now,
        external_id=external_id,
        claimed_until=None,
    )


# Built once: the dispatcher marks every row it sends with it.
_MARK_SENT = (
    update(_TABLE)
    .where(
        _TABLE.c.id == bindparam("row_id"),
        _TABLE.c.status == "pending",
        _TABLE.c.claim.is_not_distinct_from(bindparam("held_by", type_=String())),
    )
    .values(
        status="sent", sent_at=bindparam("now"), external_id=bindparam("ext"), claimed_until=None
    )
)


def mark_sent_many(
    *, session: Session, sent: Sequence[tuple[int, str | None, str | None]], now: datetime
) -> None:
    """``mark_sent`` for many rows in one statement: (id, external id, claim) each."""
    if sent:
        session.execute(
            _MARK_SENT,
            [
                {"row_id": message_id, "ext": external_id, "held_by": claim, "now": now}
                for message_id, external_id, claim in sent
            ],
        )


def mark_retry(
    *,
    session: Session,
    message_id: int,
    attempts: int,
    now: datetime,
    after: timedelta,
    error: str,
    claim: str | None = None,
) -> datetime | None:
    """Due again after ``after`` (returns when), or failed once the attempts are spent."""
    if attempts >= MAX_ATTEMPTS:
        mark_failed(session=session, message_id=message_id, error=error, claim=claim)
        return None
    due_at = now + after
    _set(
        session,
        message_id,
        claim,
        due_at=due_at,
        claimed_until=None,
        claim=None,
        last_error=error[:ERROR_LENGTH],
    )
    return due_at


def renew(
    *,
    session: Session,
    claims: Sequence[str],
    row_ids: Sequence[int],
    replies: Sequence[int],
    until: datetime,
) -> int:
    """Keep rows claimed until ``until``: those of ``row_ids`` still pending under one
    of ``claims``, and the direct replies ``replies`` their handler still holds (no
    token yet). A row another dispatcher has claimed since is left alone."""
    if not row_ids:
        return 0
    held = or_(
        col(OutboxMessage.claim).in_(claims),
        and_(col(OutboxMessage.claim).is_(None), col(OutboxMessage.id).in_(replies)),
    )
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(row_ids), col(OutboxMessage.status) == "pending", held)
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def release(
    *, session: Session, message_id: int, due_at: datetime, claim: str | None = None
) -> None:
    """Give back a claimed row unsent (not counted as an attempt), due at ``due_at``."""
    _set(
        session,
        message_id,
        claim,
        claimed_until=None,
        claim=None,
        due_at=due_at,
        attempts=OutboxMessage.attempts - 1,
    )


def mark_rate_limited(
    *, session: Session, message_id: int, due_at: datetime, error: str, claim: str | None = None
) -> None:
    """The platform said 429: due again at ``due_at``; the platform's pace is not the
    message's fault, so it does not use up an attempt."""
    _set(
        session,
        message_id,
        claim,
        claimed_until=None,
        claim=None,
        due_at=due_at,
        attempts=OutboxMessage.attempts - 1,
        last_error=error[:ERROR_LENGTH],
    )


def hold_recipient(
    *, session: Session, channel: str, recipient: str, until: datetime, now: datetime
) -> int:
    """A recipient's other unclaimed pending rows wait until ``until`` (their first
    message failed and is retried then), so their messages stay in order."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.channel) == channel,
            col(OutboxMessage.recipient) == recipient,
            col(OutboxMessage.status) == "pending",
            col(OutboxMessage.due_at) < until,
            or_(
                col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) <= now
            ),
        )
        .values(due_at=until)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_failed(*, session: Session, message_id: int, error: str, claim: str | None = None) -> None:
    _set(
        session,
        message_id,
        claim,
        status="failed",
        claimed_until=None,
        last_error=error[:ERROR_LENGTH],
    )


def mark_unreachable(
    *,
    session: Session,
    message_id: int,
    identity: str,
    now: datetime,
    error: str,
    claim: str | None = None,
) -> None:
    """The recipient blocked the bot: no retries, and the resident is flagged."""
    _set(
        session,
        message_id,
        claim,
        status="unreachable",
        claimed_until=None,
        last_error=error[:ERROR_LENGTH],
    )
    session.execute(
        update(Resident)
        .where(Resident.identity == identity)  # type: ignore[arg-type]
        .values(unreachable_at=now)
    )


def _set(session: Session, message_id: int, held_by: str | None, **values: Any) -> bool:
    """Update one pending row, only while claim ``held_by`` (None: the handler's
    own claim on a direct reply) still holds it."""
    held: ColumnElement[bool] = (
        col(OutboxMessage.claim).is_(None)
        if held_by is None
        else col(OutboxMessage.claim) == held_by
    )
    result = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == message_id, col(OutboxMessage.status) == "pending", held)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
