"""Sending what the outbox holds: direct replies at once, everything else when due.

Each channel adapter is a ``Sender``; a failed send raises ``DeliveryFailed``
saying whether to retry (and when), give up, or mark the resident unreachable
(both in ``bot.delivery``, with what a failure does to the rows).

Outbox rows go out at the channel's pace, shared by every process on the database
(``storage.pace``): each claim takes about a second's worth of rows, most urgent
first, with a send slot each, and the rows are sent concurrently (up to
``MAX_IN_FLIGHT`` at a time), each at its slot. A 429 pauses the channel for every
process. Direct replies (``send_now``) are not paced: they answer what the
resident just wrote, and the pace leaves room for them (25/s of Telegram's ~30).
Paced rows in turn never go to a chat while a reply to it is in flight or was
sent less than the channel's per-chat gap ago.

Claims are short and renewed while they are held (``bot.outbox_lease``). Failures
that repeat, such as a database outage, are logged once in full and then once a
minute (``bot.outage``).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Engine as Database

from bot.dbthreads import DatabaseThreads
from bot.delivery import DeliveryFailed, Sender, record_failure
from bot.outage import Outage
from bot.outbox_flow import MAX_IN_FLIGHT, NAP, InFlight, SentMarks
from bot.outbox_lease import LEASE, Leases
from handlers.core.types import QueuedReply, Reply
from storage.db import transaction
from storage.models import OutboxMessage
from storage.outbox import (
    mark_sent_many,
    release,
    renew,
)
from storage.pace import Batch, claim_batch

logger = logging.getLogger(__name__)

BATCH = 50  # rows per claim on a channel without a pace
BATCH_SECONDS = 1.0  # a paced claim takes about this much of the channel's time
MAX_BATCH = 500
CLAIM_LEAD = 0.2  # seconds: the next batch is claimed this long before the last slot
# At most one message per chat in this time: Telegram's limit is about one per
# second; WhatsApp's "pair rate limit" one per six seconds to the same user.
PER_CHAT: Mapping[str, timedelta] = {
    "telegram": timedelta(seconds=1),
    "whatsapp": timedelta(seconds=6),
}


class OutboxDispatcher:
    """Claims due rows and sends them; ``per_second`` paces a channel (no entry: as
    fast as ``MAX_IN_FLIGHT`` allows), ``per_chat`` spaces the messages to one chat.
    ``clock`` and ``sleep`` are injectable: slots are times on ``clock``."""

    def __init__(
        self,
        db: Database,
        senders: dict[str, Sender],
        clock: Callable[[], datetime],
        *,
        lease: timedelta = LEASE,
        per_second: Mapping[str, float] | None = None,
        per_chat: Mapping[str, timedelta] | None = None,
        threads: DatabaseThreads | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.db = db
        self.threads = threads or DatabaseThreads(db)
        self.senders = senders
        self.clock = clock
        self.sleep = sleep
        self.lease = lease
        self.per_second = dict(per_second or {})
        self.per_chat = dict(per_chat or {})
        self.max_in_flight = max_in_flight
        self._busy = asyncio.Lock()
        self._stopping = False
        self._paused: dict[str, datetime] = {}  # this process's own 429s, until the next claim
        self._background: asyncio.Task[None] | None = None
        self._marks = SentMarks(self.threads, self._sent_rows, sleep)
        # direct replies: marked at once, or with the others of a busy moment
        self._reply_marks = SentMarks(self.threads, self._sent_rows, sleep, linger=0)
        self._intervals = {
            channel: timedelta(seconds=1 / rate)
            for channel, rate in self.per_second.items()
            if rate
        }
        self._next_start: dict[str, datetime] = {}  # this process's next send, by channel
        self._flights: dict[str, InFlight] = {}
        self.outage = Outage("outbox", lambda: clock().timestamp())
        self.leases = Leases(
            self.threads,
            self._renew,
            clock,
            sleep,
            lease=lease,
            failed=self.outage.failed,
        )

    async def tick(self) -> None:
        """The scheduler's job: start sending in the background unless that is going
        on already. Returns at once, so the job's runs never overlap (none is skipped
        with a warning), and a long broadcast goes on without a pause between runs."""
        if self._stopping or (self._background is not None and not self._background.done()):
            return
        self._background = asyncio.create_task(self._while_due(), name="outbox")

    async def _while_due(self) -> None:
        try:
            while not self._stopping and await self.run_once():
                pass
        except Exception as error:  # noqa: BLE001 - the next tick starts again
            self.outage.failed(error)
        else:
            self.outage.succeeded()

    async def drain(self) -> None:
        """On shutdown: claim nothing more, give back the rows still waiting for their
        slot, and wait for the sends in flight."""
        self._stopping = True
        async with self._busy:
            pass
        if self._background is not None:
            await asyncio.gather(self._background, return_exceptions=True)

    async def send_now(
        self,
        channel: str,
        recipient: str,
        queued: Sequence[QueuedReply],
        claimed_until: datetime | None = None,
    ) -> None:
        """Send the replies a handler just committed, in order, and mark them (in
        one small transaction, shared with other residents' replies sent meanwhile).
        Not paced, not spaced: see the module doc.

        ``claimed_until`` is the claim the handler wrote: it counts from the time
        the handler was given, which an inbound that waited for its turn may have
        spent. When less than a renewal period is left, the claim is renewed before
        anything is sent, so no other process takes the rows over meanwhile."""
        sender = self.senders[channel]
        sent: list[tuple[int, str | None, str | None]] = []
        held = [q.outbox_id for q in queued if q.outbox_id is not None]
        # claimed by the handler, token-less: kept claimed while they go out
        until = claimed_until or self.clock() + self.lease
        self.leases.hold((row_id, None, until) for row_id in held)
        if held and until - self.clock() < self.leases.every:
            await self.leases.renew_now()
        try:
            for position, item in enumerate(queued):
                try:
                    external_id = await sender.deliver(recipient, item.reply)
                except DeliveryFailed as failure:
                    rest = [q.outbox_id for q in queued[position:] if q.outbox_id is not None]
                    await self.threads.run(self._failed, channel, recipient, rest, 1, failure)
                    return
                if item.outbox_id is not None:
                    sent.append((item.outbox_id, external_id, None))
        finally:
            try:
                if sent:
                    await self._reply_marks.mark_all(sent)
            finally:
                for row_id in held:
                    self.leases.drop(row_id)

    async def run_once(self) -> int:
        """Send what is due, batch after batch, until nothing more is (or for 3/4 of
        a lease); returns how many rows were tried."""
        async with self._busy:
            if self._stopping:
                return 0
            claim_until = self.clock() + self.lease * 3 / 4
            tried = await asyncio.gather(
                *(self._run_channel(channel, claim_until) for channel in self.senders)
            )
        if sum(tried):
            logger.info("outbox: %d message(s) tried", sum(tried))
        return sum(tried)

    async def _run_channel(self, channel: str, claim_until: datetime) -> int:
        rate = self.per_second.get(channel)
        interval = self._intervals.get(channel)
        limit = min(MAX_BATCH, math.ceil(rate * BATCH_SECONDS)) if rate else BATCH
        gap = self.per_chat.get(channel, timedelta(0))
        room = asyncio.Semaphore(self.max_in_flight)
        in_flight: set[asyncio.Task[None]] = set()
        tried = 0
        waited: datetime | None = None
        try:
            while not self._stopping and self.clock() < claim_until:
                now = self.clock()
                batch: Batch = await self.threads.run(
                    self._claim, channel, now, max(limit, 1), interval, gap
                )
                if batch.paused_until is not None:
                    # wait a pause out if it ends within this run (once: a clock
                    # that does not move must not keep this loop going)
                    if batch.paused_until == waited or batch.paused_until > claim_until:
                        break
                    waited = batch.paused_until
                    await self._sleep_until(batch.paused_until)
                    continue
                self._paused.pop(channel, None)
                if not batch.rows:
                    if not in_flight:
                        break
                    # a recipient whose message is in flight may have more waiting
                    await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                    continue
                tried += len(batch.rows)
                self.leases.hold(
                    (row.id, row.claim, row.claimed_until or now + self.lease)
                    for row in batch.rows
                    if row.id is not None
                )
                handed = 0
                try:
                    for row in batch.rows:
                        await room.acquire()
                        task = asyncio.create_task(self._send_at_slot(row, room))
                        handed += 1
                        in_flight.add(task)
                        task.add_done_callback(in_flight.discard)
                        # (a done callback runs even for a task cancelled before it began)
                        task.add_done_callback(partial(self._done, row.id))
                finally:
                    for row in batch.rows[handed:]:  # never started: given up by this run
                        self._done(row.id)
                await self._sleep_until(batch.rows[-1].due_at - timedelta(seconds=CLAIM_LEAD))
        finally:
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)
        return tried

    async def _sleep_until(self, when: datetime) -> None:
        """Sleep until ``when`` on the clock, looking at "stop" now and then."""
        left = (when - self.clock()).total_seconds()
        while left > 0 and not self._stopping:
            nap = min(left, NAP)
            await self.sleep(nap)
            left -= nap

    def _done(self, row_id: int | None, _task: object = None) -> None:
        if row_id is not None:
            self.leases.drop(row_id)

    async def _send_at_slot(self, row: OutboxMessage, room: asyncio.Semaphore) -> None:
        """Send one claimed row at its slot (``due_at``) and record the result; a row
        that cannot go (stopping, its claim may lapse soon, the channel paused) is
        given back unsent."""
        assert row.id is not None
        try:
            await self._sleep_until(row.due_at)
            flight = self._flights.setdefault(
                row.channel, InFlight(self.per_second.get(row.channel), self.max_in_flight)
            )
            outcome: str | None | DeliveryFailed = None
            async with flight.place(lambda: self._stopping):
                await self._keep_pace(row.channel, row.due_at)
                due_again = self._not_now(row)
                if due_again is None:
                    began = self.clock()
                    try:
                        outcome = await self.senders[row.channel].deliver(
                            row.recipient, Reply.from_payload(row.payload), kind=row.kind
                        )
                    except DeliveryFailed as failure:
                        outcome = failure
                    flight.took((self.clock() - began).total_seconds())
            if due_again is not None:
                await self.threads.run(self._release, row.id, due_again, row.claim)
            elif isinstance(outcome, DeliveryFailed):
                until = await self.threads.run(
                    self._failed,
                    row.channel,
                    row.recipient,
                    [row.id],
                    row.attempts,
                    outcome,
                    row.claim,
                )
                if outcome.retry_after is not None:
                    self._paused[row.channel] = until
            else:
                await self._marks.mark(row.id, outcome, row.claim)
        except Exception as error:  # noqa: BLE001 - the row is due again when its claim lapses
            self.outage.failed(error)
        finally:
            room.release()

    async def _keep_pace(self, channel: str, slot: datetime) -> None:
        """Not faster than the pace even after a stall: rows that are late go one
        interval apart, not in a burst (the platform counts sends, not slots)."""
        interval = self._intervals.get(channel)
        if interval is not None:
            start = max(self.clock(), self._next_start.get(channel, slot))
            self._next_start[channel] = start + interval
            await self._sleep_until(start)

    def _not_now(self, row: OutboxMessage) -> datetime | None:
        """When a row that must not go now is due again; None: send it."""
        now, paused = self.clock(), self._paused.get(row.channel)
        if paused is not None and now < paused:
            return paused  # a 429 this process heard since the row was claimed
        assert row.id is not None and row.claimed_until is not None
        if self._stopping or now >= self.leases.usable_until(row.id, row.claimed_until):
            return now  # (its claim was not renewed: another process may take it soon)
        return None

    def _claim(
        self, channel: str, now: datetime, limit: int, interval: timedelta | None, gap: timedelta
    ) -> Batch:
        with transaction(self.db) as session:
            return claim_batch(
                session=session,
                channel=channel,
                now=now,
                lease=self.lease,
                limit=limit,
                interval=interval,
                chat_gap=gap,
            )

    def _renew(
        self, claims: list[str], row_ids: list[int], replies: list[int], until: datetime
    ) -> None:
        with transaction(self.db) as session:
            renew(session=session, claims=claims, row_ids=row_ids, replies=replies, until=until)

    def _sent_rows(self, sent: list[tuple[int, str | None, str | None]]) -> None:
        with transaction(self.db) as session:
            mark_sent_many(session=session, sent=sent, now=self.clock())

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
        """Record the failure (``bot.delivery.record_failure``) and log it; returns
        when the recipient's next message may go."""
        if failure.retry_after is None:
            logger.warning("sending to a %s resident failed: %s", channel, failure.reason)
        due_at = record_failure(
            self.db,
            channel=channel,
            recipient=recipient,
            message_ids=message_ids,
            attempts=attempts,
            failure=failure,
            now=self.clock(),
            claim=claim,
        )
        if failure.retry_after is not None:
            logger.warning(
                "%s said 429 (retry after %s s): the channel pauses until %s",
                channel,
                failure.retry_after,
                due_at.isoformat(timespec="seconds"),
            )
        return due_at
