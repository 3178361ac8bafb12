"""Paced claims: outbox rows claimed together with their send slots.

Each channel has one ``channel_pace`` row: the next free send slot and a pause
after the platform answered 429. Every dispatcher, in every process on one
database, claims through that row and holds its lock while it claims, so the
claims of one channel are taken one after the other:

- claiming N rows reserves N send slots by advancing ``next_slot_at`` by N
  intervals; each claimed row's ``due_at`` becomes its slot. However many
  processes send, together they never go faster than the channel's rate;
- while ``paused_until`` lies ahead nothing is claimed, by any process;
- a recipient gets at most one row per claim, and none while one of their
  messages is in flight (a claimed row, or a direct reply its handler holds) or
  was sent less than ``chat_gap`` ago: the per-chat limit, and each resident's
  messages stay in order.

The lock is the pace row's: an UPDATE first (on SQLite it takes the database's
write lock at once, so the reads after it see every other claim; on PostgreSQL
it locks the row), then the rows are read with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, or_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from storage.announcements import BROADCAST_KINDS
from storage.models import ChannelPace, OutboxMessage, Resident, UTCDateTime

OVERFETCH = 2  # candidates read per row wanted (some belong to busy recipients)


@dataclass(frozen=True)
class Pace:
    next_slot_at: datetime
    paused_until: datetime | None


@dataclass(frozen=True)
class Batch:
    """What one claim got: rows most urgent first, each ``due_at`` its send slot;
    or nothing, with ``paused_until`` when the channel is paused."""

    rows: list[OutboxMessage] = field(default_factory=list)
    paused_until: datetime | None = None


def lock_pace(*, session: Session, channel: str, now: datetime) -> Pace:
    """The channel's pace, locked until the transaction ends (created on first use)."""
    if not _touch(session, channel):
        dialect = session.get_bind().dialect.name
        upsert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            upsert(ChannelPace)
            .values(channel=channel, next_slot_at=now, paused_until=None)
            .on_conflict_do_nothing(index_elements=["channel"])
        )
        _touch(session, channel)
    next_slot_at, paused_until = session.execute(
        select(ChannelPace.next_slot_at, ChannelPace.paused_until).where(
            ChannelPace.channel == channel
        )
    ).one()
    return Pace(next_slot_at=next_slot_at, paused_until=paused_until)


def _touch(session: Session, channel: str) -> bool:
    """A write that changes nothing, for its lock; False when there is no row yet."""
    result = session.execute(
        update(ChannelPace)
        .where(col(ChannelPace.channel) == channel)
        .values(next_slot_at=ChannelPace.next_slot_at)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def pause_channel(*, session: Session, channel: str, now: datetime, until: datetime) -> datetime:
    """No claims on ``channel`` before ``until`` (a 429); returns the pause's end
    (a longer pause already set stands)."""
    pace = lock_pace(session=session, channel=channel, now=now)
    if pace.paused_until is not None and pace.paused_until >= until:
        return pace.paused_until
    session.execute(
        update(ChannelPace)
        .where(col(ChannelPace.channel) == channel)
        .values(paused_until=until)
        .execution_options(synchronize_session=False)
    )
    return until


def claim_batch(
    *,
    session: Session,
    channel: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    interval: timedelta | None,
    chat_gap: timedelta = timedelta(0),
) -> Batch:
    """Claim up to ``limit`` due rows of ``channel`` for ``lease``, with a send slot
    each, ``interval`` apart (``None``: no pace, every slot is now)."""
    due = (
        OutboxMessage.status == "pending",
        OutboxMessage.channel == channel,
        OutboxMessage.due_at <= now,
        or_(col(OutboxMessage.claimed_until).is_(None), col(OutboxMessage.claimed_until) <= now),
    )
    if session.execute(select(OutboxMessage.id).where(*due).limit(1)).first() is None:
        return Batch()  # nothing to do: no lock and no write (an idle bot writes nothing)
    pace = lock_pace(session=session, channel=channel, now=now)
    if pace.paused_until is not None and pace.paused_until > now:
        return Batch(paused_until=pace.paused_until)
    query = (
        select(
            OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.attempts, OutboxMessage.kind
        )
        .where(*due)
        .order_by(col(OutboxMessage.priority), col(OutboxMessage.due_at), col(OutboxMessage.id))
        .limit(limit * OVERFETCH + 8)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    candidates: list[tuple[int, str, int, str]] = [
        (message_id, recipient, attempts, kind)
        for message_id, recipient, attempts, kind in session.execute(query).all()
    ]
    if not candidates:
        return Batch()
    opted_out = skip_opted_out_rows(session=session, channel=channel, candidates=candidates)
    taken = busy_recipients(
        session=session,
        channel=channel,
        recipients={recipient for _, recipient, _, _ in candidates},
        now=now,
        since=now - chat_gap,
    )
    chosen: list[tuple[int, int]] = []
    for message_id, recipient, attempts, _ in candidates:
        if message_id not in opted_out and recipient not in taken:
            taken.add(recipient)  # one row per recipient and claim: the rest wait their turn
            chosen.append((message_id, attempts))
            if len(chosen) == limit:
                break
    if not chosen:
        return Batch()
    start = now
    if interval and now < pace.next_slot_at <= now + lease:  # (further: a clock set back)
        start = pace.next_slot_at
    step = interval or timedelta(0)
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    session.execute(
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values(
            due_at=bindparam("slot", type_=UTCDateTime()),
            claimed_until=now + lease,
            claim=uuid.uuid4().hex,
            attempts=bindparam("tries"),
        ),
        [
            {"row_id": message_id, "slot": start + step * position, "tries": attempts + 1}
            for position, (message_id, attempts) in enumerate(chosen)
        ],
    )
    if interval:
        session.execute(
            update(ChannelPace)
            .where(col(ChannelPace.channel) == channel)
            .values(next_slot_at=start + step * len(chosen))
            .execution_options(synchronize_session=False)
        )
    order = {message_id: position for position, (message_id, _) in enumerate(chosen)}
    rows = session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(order))).all()
    for row in rows:
        session.expunge(row)
    return Batch(rows=sorted(rows, key=lambda row: order[row.id or 0]))


def skip_opted_out_rows(
    *, session: Session, channel: str, candidates: Sequence[tuple[int, str, int, str]]
) -> set[int]:
    """Of the rows about to be claimed, the broadcasts to residents who said
    BERHENTI since the fan-out: marked ``opted_out`` (the opt-out holds at send
    time); returns their ids. Only the candidates are looked at, so a claim costs
    the same behind a six-figure broadcast."""
    broadcasts = {
        message_id: f"{channel}:{recipient}"
        for message_id, recipient, _, kind in candidates
        if kind in BROADCAST_KINDS
    }
    if not broadcasts:
        return set()
    off = set(
        session.exec(
            select(Resident.identity).where(
                col(Resident.identity).in_(set(broadcasts.values())),
                col(Resident.announcements_off_at).is_not(None),
            )
        ).all()
    )
    skipped = {message_id for message_id, identity in broadcasts.items() if identity in off}
    if skipped:
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(skipped), col(OutboxMessage.status) == "pending")
            .values(status="opted_out", claimed_until=None, claim=None)
            .execution_options(synchronize_session=False)
        )
    return skipped


def busy_recipients(
    *, session: Session, channel: str, recipients: set[str], now: datetime, since: datetime
) -> set[str]:
    """Those of ``recipients`` with a message in flight (claimed, or a direct reply
    its handler holds) or sent after ``since``."""
    if not recipients:
        return set()
    query = (
        select(OutboxMessage.recipient)
        .distinct()
        .where(
            OutboxMessage.channel == channel,
            col(OutboxMessage.recipient).in_(recipients),
            or_(
                and_(
                    col(OutboxMessage.status) == "pending", col(OutboxMessage.claimed_until) > now
                ),
                and_(col(OutboxMessage.status) == "sent", col(OutboxMessage.sent_at) > since),
            ),
        )
    )
    return set(session.exec(query).all())
