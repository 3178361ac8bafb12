"""Sending what the outbox holds: direct replies at once, everything else when due.

Each channel adapter is a ``Sender``; a failed send raises ``DeliveryFailed``
saying whether to retry (and when), give up, or mark the resident unreachable.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine as Database

from bot.dbthreads import DatabaseThreads
from handlers.types import QueuedReply, Reply
from storage.db import transaction
from storage.models import OutboxMessage
from storage.outbox import (
    claim_due,
    mark_failed,
    mark_retry,
    mark_sent,
    mark_unreachable,
    release,
)

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
BATCH = 50


class DeliveryFailed(Exception):
    """A send that did not go through; the flags say what to do next."""

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        unreachable: bool = False,
        permanent: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.unreachable = unreachable
        self.permanent = permanent


class Sender(Protocol):
    channel: str

    async def deliver(self, recipient: str, reply: Reply) -> str | None:
        """Send one reply; return the platform's message id, or raise DeliveryFailed."""
        ...


class RateLimit:
    """At most ``per_second`` sends per second, spaced evenly (no bursts)."""

    def __init__(self, per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / per_second
        self.clock = clock
        self.next_at = 0.0

    async def wait(self) -> None:
        now = self.clock()
        if self.next_at > now:
            await asyncio.sleep(self.next_at - now)
            now = self.next_at
        self.next_at = now + self.interval


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … capped at 30 minutes."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 1800))


class OutboxDispatcher:
    def __init__(
        self,
        db: Database,
        senders: dict[str, Sender],
        clock: Callable[[], datetime],
        *,
        lease: timedelta = LEASE,
        per_second: dict[str, float] | None = None,
        threads: DatabaseThreads | None = None,
    ) -> None:
        self.db = db
        self.threads = threads or DatabaseThreads(db)
        self.senders = senders
        self.clock = clock
        self.lease = lease
        self.limits = {channel: RateLimit(rate) for channel, rate in (per_second or {}).items()}
        self._busy = asyncio.Lock()

    async def drain(self) -> None:
        """Wait for a run in progress to finish (on shutdown)."""
        async with self._busy:
            pass

    async def send_now(self, channel: str, recipient: str, queued: Sequence[QueuedReply]) -> None:
        """Send the replies a handler just committed, in order, and mark them
        (all in one small transaction)."""
        sender = self.senders[channel]
        sent: list[tuple[int, str | None]] = []
        try:
            for position, item in enumerate(queued):
                try:
                    external_id = await sender.deliver(recipient, item.reply)
                except DeliveryFailed as failure:
                    rest = [q.outbox_id for q in queued[position:] if q.outbox_id is not None]
                    await self.threads.run(self._failed, channel, recipient, rest, 1, failure)
                    return
                if item.outbox_id is not None:
                    sent.append((item.outbox_id, external_id))
        finally:
            if sent:
                await self.threads.run(self._sent_all, sent)

    async def run_once(self) -> int:
        """Send every due message (claimed for a lease); returns how many were tried."""
        async with self._busy:
            return await self._run_once()

    async def _run_once(self) -> int:
        now = self.clock()
        rows = await self.threads.run(self._claim, now)
        # Stop sending well before the lease lapses: after that another
        # dispatcher may claim the same rows, and a row would go out twice.
        send_until = now + self.lease * 3 / 4
        held: dict[tuple[str, str], datetime] = {}  # a recipient's later messages wait too
        for row in rows:
            assert row.id is not None
            key = (row.channel, row.recipient)
            if key not in held and self.clock() >= send_until:
                held[key] = self.clock()  # not tried: due again at once, for the next run
            if key in held:
                await self.threads.run(self._release, row.id, held[key], row.claim)
                continue
            limit = self.limits.get(row.channel)
            if limit is not None:
                await limit.wait()
            try:
                external_id = await self.senders[row.channel].deliver(
                    row.recipient, Reply.from_payload(row.payload)
                )
            except DeliveryFailed as failure:
                held[key] = await self.threads.run(
                    self._failed,
                    row.channel,
                    row.recipient,
                    [row.id],
                    row.attempts,
                    failure,
                    row.claim,
                )
                continue
            await self.threads.run(self._sent, row.id, external_id, row.claim)
        if rows:
            logger.info("outbox: %d message(s) tried", len(rows))
        return len(rows)

    def _claim(self, now: datetime) -> list[OutboxMessage]:
        with transaction(self.db) as session:
            return claim_due(
                session=session, now=now, lease=self.lease, limit=BATCH, channels=list(self.senders)
            )

    def _sent(self, message_id: int, external_id: str | None, claim: str | None) -> None:
        self._sent_all([(message_id, external_id)], claim)

    def _sent_all(self, sent: list[tuple[int, str | None]], claim: str | None = None) -> None:
        now = self.clock()
        with transaction(self.db) as session:
            for message_id, external_id in sent:
                mark_sent(
                    session=session,
                    message_id=message_id,
                    now=now,
                    external_id=external_id,
                    claim=claim,
                )

    def _release(self, message_id: int, due_at: datetime, claim: str | None) -> None:
        with transaction(self.db) as session:
            release(session=session, message_id=message_id, due_at=due_at, claim=claim)

    def _failed(
        self,
        channel: str,
        recipient: str,
        message_ids: list[int],
        attempts: int,
        failure: DeliveryFailed,
        claim: str | None = None,
    ) -> datetime:
        """Record the failure; returns when the recipient's next message may go."""
        now = self.clock()
        due_at = now
        logger.warning("sending to a %s resident failed: %s", channel, failure.reason)
        with transaction(self.db) as session:
            for message_id in message_ids:
                if failure.unreachable:
                    mark_unreachable(
                        session=session,
                        message_id=message_id,
                        identity=f"{channel}:{recipient}",
                        now=now,
                        error=failure.reason,
                        claim=claim,
                    )
                elif failure.permanent:
                    mark_failed(
                        session=session, message_id=message_id, error=failure.reason, claim=claim
                    )
                else:
                    after = (
                        timedelta(seconds=failure.retry_after)
                        if failure.retry_after is not None
                        else backoff(attempts)
                    )
                    retry_at = mark_retry(
                        session=session,
                        message_id=message_id,
                        attempts=attempts,
                        now=now,
                        after=after,
                        error=failure.reason,
                        claim=claim,
                    )
                    due_at = retry_at or now
        return due_at
