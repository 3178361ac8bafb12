"""Dispatch at the channel's pace: shared by every dispatcher on the database, paused
for all by a 429, urgent rows first, one message per chat per second, sends in
parallel.

Every test runs on an event loop with virtual time: when nothing is ready to run,
the loop's clock jumps to the next timer instead of waiting. The dispatchers' clock
reads that loop time, their sleeps are the loop's, and their database work runs
inline (no worker thread), so a minute of sending takes a moment and every time a
test looks at is exact — nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeVar

import pytest
from conftest import NOW
from sqlalchemy import Engine, insert
from sqlmodel import Session, col, select

from bot.dbthreads import DatabaseThreads
from bot.delivery import DeliveryFailed
from bot.outbox import LEASE, MAX_IN_FLIGHT, PER_CHAT, OutboxDispatcher
from handlers.core.types import QueuedReply, Reply
from storage.announcements import BROADCAST_PRIORITY
from storage.db import make_engine, transaction
from storage.models import ChannelPace, OutboxMessage, Resident
from storage.outbox import enqueue, enqueue_claimed
from storage.pace import Batch

P = ParamSpec("P")
T = TypeVar("T")
EPSILON = 1e-5  # seconds: datetimes are rounded to microseconds


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock only moves when the loop would otherwise wait."""

    def __init__(self) -> None:
        super().__init__()
        self._virtual = 0.0
        select = self._selector.select  # type: ignore[attr-defined]

        def jump(timeout: float | None = None) -> list[Any]:
            events = select(0)
            if events:
                return events
            if timeout is None:
                raise RuntimeError("deadlock: nothing to run and no timer set")
            self._virtual += timeout
            return events

        self._selector.select = jump  # type: ignore[attr-defined]

    def time(self) -> float:
        return self._virtual


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(coroutine)


def clock() -> datetime:
    return NOW + timedelta(seconds=asyncio.get_running_loop().time())


def seconds(at: datetime) -> float:
    return (at - NOW).total_seconds()


class InlineThreads(DatabaseThreads):
    """Database work on the event loop itself, so virtual time stays exact."""

    def __init__(self) -> None:
        pass

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return function(*args, **kwargs)

    def close(self) -> None:
        pass


class Sender:
    """A Telegram stand-in: each send takes ``latency`` seconds; ``failures`` maps a
    message text to what its next sends raise; ``sent`` and ``failed`` are (start,
    recipient, text), ``failed`` with the time the error came instead."""

    channel = "telegram"

    def __init__(
        self,
        latency: float = 0.1,
        failures: dict[str, list[DeliveryFailed]] | None = None,
        on_send: Callable[[str], None] | None = None,
    ) -> None:
        self.latency = latency
        self.failures = failures or {}
        self.on_send = on_send
        self.sent: list[tuple[float, str, str]] = []
        self.failed: list[tuple[float, str, str]] = []
        self.in_flight = self.most_in_flight = 0

    async def deliver(self, recipient: str, reply: Reply, *, kind: str = "reply") -> str | None:
        started = seconds(clock())
        if self.on_send is not None:
            self.on_send(reply.text)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.latency)
            if self.failures.get(reply.text):
                self.failed.append((seconds(clock()), recipient, reply.text))
                raise self.failures[reply.text].pop(0)
        finally:
            self.in_flight -= 1
        self.sent.append((started, recipient, reply.text))
        return f"m{len(self.sent)}"


def dispatcher(
    db: Engine, sender: Sender, rate: float | None = 20, **options: Any
) -> OutboxDispatcher:
    return OutboxDispatcher(
        db,
        {"telegram": sender},
        clock,
        per_second={"telegram": rate} if rate else None,
        per_chat=PER_CHAT,
        threads=InlineThreads(),
        **options,
    )


def broadcast(db: Engine, count: int, *, first: int = 1000, at: datetime = NOW) -> None:
    """``count`` announcement rows, one per recipient, as the fan-out writes them."""
    with transaction(db) as session:
        session.execute(
            insert(OutboxMessage),
            [
                {
                    "channel": "telegram",
                    "recipient": str(first + n),
                    "kind": "announcement",
                    "priority": BROADCAST_PRIORITY,
                    "payload": {"text": f"pengumuman {first + n}"},
                    "status": "pending",
                    "attempts": 0,
                    "due_at": at,
                    "created_at": at,
                }
                for n in range(count)
            ],
        )


def notice(db: Engine, recipient: str, text: str, *, at: datetime = NOW) -> int:
    with transaction(db) as session:
        row = enqueue(
            session=session,
            channel="telegram",
            recipient=recipient,
            kind="status",
            payload=Reply(text).to_payload(),
            now=at,
            priority=10,
        )
        session.flush()
        assert row.id is not None
        return row.id


def outbox(db: Engine) -> list[OutboxMessage]:
    with Session(db) as session:
        return list(session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all())


def pace(db: Engine) -> ChannelPace:
    with Session(db) as session:
        row = session.get(ChannelPace, "telegram")
        assert row is not None
        return row


async def until_done(*workers: OutboxDispatcher, ticks: int = 40) -> None:
    """Run like the scheduler does: a run whenever the last one is over, every 2 s."""
    for _ in range(ticks):
        await asyncio.gather(*(worker.run_once() for worker in workers))
        await asyncio.sleep(2)


def most_in_one_second(times: list[float]) -> int:
    times = sorted(times)
    return max(
        sum(1 for t in times[i:] if t < start + 1.0 - EPSILON) for i, start in enumerate(times)
    )


def test_two_dispatchers_share_the_pace_and_never_exceed_it_together(db: Engine) -> None:
    broadcast(db, 300)
    senders = [Sender(latency=0.15), Sender(latency=0.15)]
    # a run claims for 3/4 of the lease: 45 s here, so one run each covers the 15 s
    workers = [dispatcher(db, sender, rate=20, lease=timedelta(seconds=60)) for sender in senders]
    run(until_done(*workers, ticks=3))

    starts = sorted(start for sender in senders for start, _, _ in sender.sent)
    recipients = [recipient for sender in senders for _, recipient, _ in sender.sent]
    assert len(recipients) == len(set(recipients)) == 300  # each exactly once
    assert all(len(sender.sent) >= 60 for sender in senders)  # both took their share
    assert most_in_one_second(starts) <= 20  # together, never above the rate
    assert all(b - a >= 1 / 20 - EPSILON for a, b in zip(starts, starts[1:], strict=False))
    assert starts[-1] - starts[0] <= 300 / 20 * 1.05  # and the pace was used, not wasted
    slots = sorted(seconds(row.due_at) for row in outbox(db))  # each row's reserved slot
    assert all(b - a >= 1 / 20 - EPSILON for a, b in zip(slots, slots[1:], strict=False))
    assert all(row.status == "sent" for row in outbox(db))


def test_sends_overlap_so_a_slow_api_still_gets_the_full_rate(db: Engine) -> None:
    broadcast(db, 100)
    sender = Sender(latency=0.4)  # serial sending would manage 2.5 a second
    run(until_done(dispatcher(db, sender, rate=25), ticks=1))
    starts = [start for start, _, _ in sender.sent]
    assert len(starts) == 100
    assert 1 < sender.most_in_flight <= MAX_IN_FLIGHT
    assert starts[-1] - starts[0] <= 100 / 25 * 1.05
    assert most_in_one_second(starts) <= 25


def test_a_429_pauses_the_channel_for_every_dispatcher(db: Engine) -> None:
    broadcast(db, 40)
    limited = DeliveryFailed("rate limited", retry_after=120)  # longer than a run
    first = Sender(failures={"pengumuman 1004": [limited]})
    second = Sender()

    async def scenario() -> int:
        a, b = dispatcher(db, first, rate=10), dispatcher(db, second, rate=10)
        await a.run_once()
        assert await b.run_once() == 0  # the other process holds off too
        await asyncio.sleep(60)
        assert await b.run_once() == 0  # still paused
        await asyncio.sleep(60)
        return await b.run_once()

    tried = run(scenario())
    assert len(first.sent) == 4  # 1000…1003; the rest of its batch was given back, unsent
    [(said_429_at, _, _)] = first.failed
    assert abs(seconds(pace(db).paused_until or NOW) - (said_429_at + 120)) < EPSILON
    assert tried == 36 and all(start >= said_429_at + 120 for start, _, _ in second.sent)
    rows = outbox(db)
    assert all(row.status == "sent" for row in rows)
    assert all(row.attempts == 1 for row in rows)  # a 429 does not use up an attempt
    [limited_row] = [row for row in rows if row.recipient == "1004"]
    assert limited_row.last_error == "rate limited"


def test_a_429_seen_by_one_stops_the_others_within_a_batch(db: Engine) -> None:
    broadcast(db, 120)
    limited = DeliveryFailed("rate limited", retry_after=5)
    senders = [Sender(failures={"pengumuman 1030": [limited]}), Sender(failures={})]
    senders[1].failures = senders[0].failures  # whoever sends it gets the 429
    run(until_done(*(dispatcher(db, s, rate=10) for s in senders), ticks=2))
    starts = sorted(start for sender in senders for start, _, _ in sender.sent)
    recipients = [recipient for sender in senders for _, recipient, _ in sender.sent]
    assert len(recipients) == len(set(recipients)) == 120
    # the 429 came at about 3 s; what the other had claimed before may still go
    # (at most about a second's worth of slots), then nothing until the pause ends
    [(said_429_at, _, _)] = senders[0].failed + senders[1].failed
    paused = [t for t in starts if said_429_at + 2.5 < t < said_429_at + 5]
    assert 2.5 < said_429_at < 3.5 and paused == []
    assert any(said_429_at + 5 <= t < said_429_at + 5.1 for t in starts)  # then on again
    assert most_in_one_second(starts) <= 10


def test_a_personal_notice_goes_out_in_the_first_batch_after_it(db: Engine) -> None:
    broadcast(db, 2000)
    enqueued: list[float] = []

    def during_the_broadcast(text: str) -> None:
        if text == "pengumuman 1060":  # well into it: the third batch
            enqueued.append(seconds(clock()))
            notice(db, "77", "Status aspirasi Anda: diproses", at=clock())

    sender = Sender(on_send=during_the_broadcast)
    worker = dispatcher(db, sender, rate=25, lease=timedelta(seconds=8))  # a 6 s run
    claims: list[tuple[float, list[str]]] = []
    claim = worker._claim

    def recording(*args: Any) -> Batch:
        batch = claim(*args)
        claims.append((seconds(clock()), [row.recipient for row in batch.rows]))
        return batch

    worker._claim = recording  # type: ignore[method-assign]
    run(worker.run_once())
    [at] = enqueued
    first_after = next(recipients for when, recipients in claims if when >= at)
    assert first_after[0] == "77"  # first in the first batch claimed after it
    [(sent_at, _, _)] = [s for s in sender.sent if s[1] == "77"]
    assert sent_at - at <= 1.0  # not behind the 1,900 broadcast rows still waiting
    waiting = sum(row.status == "pending" for row in outbox(db))
    assert waiting > 1800


def test_one_chat_gets_at_most_one_message_a_second(db: Engine) -> None:
    for n in range(4):
        notice(db, "55", f"pemberitahuan {n}")
    broadcast(db, 50)
    with transaction(db) as session:  # a direct reply to 1010 went out just now
        session.add(
            OutboxMessage(
                channel="telegram", recipient="1010", kind="reply", payload={"text": "balasan"},
                status="sent", due_at=NOW, created_at=NOW, sent_at=NOW,
            )
        )  # fmt: skip
        # and one to 1020 is being sent by its handler (claimed, not yet marked)
        session.add(
            OutboxMessage(
                channel="telegram", recipient="1020", kind="reply", payload={"text": "balasan"},
                due_at=NOW, created_at=NOW, claimed_until=NOW + timedelta(seconds=60),
                attempts=1,
            )
        )  # fmt: skip
    sender = Sender()
    worker = dispatcher(db, sender, rate=25)

    async def scenario() -> None:
        await worker.run_once()
        assert all(recipient != "1020" for _, recipient, _ in sender.sent)
        with transaction(db) as session:  # the handler marks its reply sent
            reply = session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.recipient == "1020", OutboxMessage.kind == "reply"
                )
            ).one()
            reply.status, reply.sent_at, reply.claimed_until = "sent", clock(), None
            session.add(reply)
        await until_done(worker, ticks=5)

    run(scenario())
    to_55 = [(start, text) for start, recipient, text in sender.sent if recipient == "55"]
    assert [text for _, text in to_55] == [f"pemberitahuan {n}" for n in range(4)]  # in order
    assert all(b[0] - a[0] >= 1.0 for a, b in zip(to_55, to_55[1:], strict=False))
    [to_1010] = [start for start, recipient, _ in sender.sent if recipient == "1010"]
    assert to_1010 >= 1.0  # a second after the reply
    assert len(sender.sent) == 54 and all(r.status == "sent" for r in outbox(db))


def test_an_opt_out_after_the_fan_out_holds_at_claim(db: Engine) -> None:
    broadcast(db, 3)
    with transaction(db) as session:
        session.add(
            Resident(
                identity="telegram:1001", channel="telegram", created_at=NOW, last_seen_at=NOW,
                announcements_off_at=NOW,
            )
        )  # fmt: skip
    sender = Sender()
    run(dispatcher(db, sender).run_once())
    assert sorted(r for _, r, _ in sender.sent) == ["1000", "1002"]
    assert {row.recipient: row.status for row in outbox(db)}["1001"] == "opted_out"


def test_a_blocked_resident_is_marked_unreachable_and_others_go_on(db: Engine) -> None:
    broadcast(db, 5)
    with transaction(db) as session:
        session.add(
            Resident(identity="telegram:1002", channel="telegram", created_at=NOW, last_seen_at=NOW)
        )
    blocked = DeliveryFailed("forbidden: bot was blocked by the user", unreachable=True)
    sender = Sender(failures={"pengumuman 1002": [blocked]})
    run(dispatcher(db, sender).run_once())
    assert len(sender.sent) == 4
    assert {row.recipient: row.status for row in outbox(db)}["1002"] == "unreachable"
    with Session(db) as session:
        assert session.exec(select(Resident)).one().unreachable_at is not None


def test_a_transient_error_is_retried_with_backoff(db: Engine) -> None:
    broadcast(db, 3)
    sender = Sender(failures={"pengumuman 1001": [DeliveryFailed("network: Bad Gateway")]})
    run(until_done(dispatcher(db, sender), ticks=5))
    [(start, _, _)] = [s for s in sender.sent if s[1] == "1001"]
    assert start >= 5.0  # the first backoff
    [row] = [row for row in outbox(db) if row.recipient == "1001"]
    assert row.status == "sent" and row.attempts == 2


def test_draining_gives_back_the_rows_still_waiting_for_their_slot(db: Engine) -> None:
    broadcast(db, 50)
    sender = Sender()
    worker = dispatcher(db, sender, rate=10)

    async def scenario() -> None:
        running = asyncio.create_task(worker.run_once())
        await asyncio.sleep(1.05)  # 11 slots have come
        await worker.drain()
        await running

    run(scenario())
    rows = outbox(db)
    sent = [row for row in rows if row.status == "sent"]
    assert len(sent) == len(sender.sent) == 11
    given_back = [row for row in rows if row.status == "pending"]
    assert len(given_back) == 39
    assert all(row.claim is None and row.attempts == 0 for row in given_back)


@pytest.mark.parametrize("rate", [25.0, 400.0])
def test_a_claim_takes_about_a_second_of_slots(db: Engine, rate: float) -> None:
    broadcast(db, 1000)
    worker = dispatcher(db, Sender(), rate=rate)

    async def claim() -> Batch:
        return worker._claim(
            "telegram", clock(), int(rate), timedelta(seconds=1 / rate), PER_CHAT["telegram"]
        )

    batch = run(claim())
    assert len(batch.rows) == int(rate)
    slots = [seconds(row.due_at) for row in batch.rows]
    assert slots[0] == 0 and abs(slots[-1] - (rate - 1) / rate) < EPSILON
    assert abs(seconds(pace(db).next_slot_at) - 1.0) < EPSILON


def test_slots_stay_apart_when_two_processes_claim_at_the_same_moment(db: Engine) -> None:
    """Real threads, real time and two engines (as two processes would have): the
    reserved slots alone show that the claims never overlapped."""
    broadcast(db, 400, at=datetime.now(UTC) - timedelta(seconds=1))
    other = make_engine(db.url.render_as_string(hide_password=False))
    senders = [Sender(latency=0), Sender(latency=0)]
    workers = [
        OutboxDispatcher(engine, {"telegram": sender}, lambda: datetime.now(UTC),
                         per_second={"telegram": 200}, per_chat=PER_CHAT)
        for engine, sender in zip((db, other), senders, strict=True)
    ]  # fmt: skip

    async def both() -> None:
        await asyncio.gather(*(worker.run_once() for worker in workers))

    try:
        asyncio.run(both())
    finally:
        for worker in workers:
            worker.threads.close()
        other.dispose()
    rows = outbox(db)
    assert all(row.status == "sent" for row in rows)
    assert all(len(sender.sent) > 0 for sender in senders)
    slots = sorted(row.due_at for row in rows)
    gaps = [(b - a).total_seconds() for a, b in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= 1 / 200 - EPSILON


def test_a_stalled_adapter_does_not_gather_a_burst(db: Engine) -> None:
    """python-telegram-bot waits out a 429 by holding every request back; the sends
    waiting there all go at once when it resumes. Only a few may be waiting."""
    broadcast(db, 200)

    class Stalling(Sender):
        def __init__(self) -> None:
            super().__init__(latency=0.01)
            self.released: list[float] = []

        async def deliver(self, recipient: str, reply: Reply, *, kind: str = "reply") -> str | None:
            now = seconds(clock())
            if 3.0 <= now < 4.1:  # held back, as after a 429 with retry_after 1
                await asyncio.sleep(4.1 - now)
            self.released.append(seconds(clock()))  # when it really reaches the API
            return await super().deliver(recipient, reply)

    sender = Stalling()
    run(until_done(dispatcher(db, sender, rate=20), ticks=1))
    assert len(sender.sent) == 200
    assert most_in_one_second(sender.released) <= 20 + 6  # not the 20 held back at once
    assert sum(4.1 <= t < 4.1 + EPSILON for t in sender.released) <= 6


async def die(worker: OutboxDispatcher) -> None:
    """The process is killed: every task of ``worker`` stops where it is, nothing is
    given back or marked (the done callbacks only forget the rows in memory)."""
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(0)  # (the done callbacks)


async def sent_by(worker: OutboxDispatcher, sender: Sender, count: int) -> float:
    """Run ``worker`` as the outbox job does (every 2 s) until ``count`` are sent; when."""
    while len(sender.sent) < count:
        await worker.run_once()
        if len(sender.sent) < count:
            await asyncio.sleep(2)
    return max(start for start, _, _ in sender.sent)


def test_held_rows_stay_claimed_while_their_dispatcher_lives_and_come_back_soon_after_it_dies(
    db: Engine,
) -> None:
    """A send may hang far longer than the 15 s lease: the claims are renewed, so no
    other dispatcher sends those rows meanwhile. Once the process is gone nothing
    renews them, and another dispatcher sends them within one lease."""
    broadcast(db, 5)
    first = dispatcher(db, Sender(latency=3600), rate=None)  # sends that never come back
    second_sender = Sender(latency=0)
    second = dispatcher(db, second_sender, rate=None)

    async def scenario() -> tuple[float, float]:
        running = asyncio.create_task(first.run_once())
        await asyncio.sleep(90)
        assert await second.run_once() == 0  # still claimed, a minute and a half on
        assert first.leases.held() == 5
        died = seconds(clock())
        await die(first)
        assert running.cancelled() and first.leases.held() == 0
        return died, await sent_by(second, second_sender, 5)

    died, resent = run(scenario())
    assert sorted(recipient for _, recipient, _ in second_sender.sent) == [
        str(1000 + n) for n in range(5)
    ]
    # claimed until at most one lease after the last renewal (every 5 s)
    assert 15 - 5 <= resent - died <= 15 + 2
    assert all(row.status == "sent" for row in outbox(db))


def test_a_direct_reply_held_by_a_dead_process_is_sent_within_one_lease(db: Engine) -> None:
    with transaction(db) as session:  # what the engine commits with the new state
        [reply_id] = enqueue_claimed(
            session=session,
            channel="telegram",
            recipient="321",
            kind="reply",
            payloads=[Reply("Pilih kategorinya").to_payload()],
            now=NOW,
            claim_for=LEASE,
        )
    handler = dispatcher(db, Sender(latency=3600), rate=None)  # a 429 waited out, say
    other_sender = Sender(latency=0)
    other = dispatcher(db, other_sender, rate=None)

    async def scenario() -> tuple[float, float]:
        sending = asyncio.create_task(
            handler.send_now("telegram", "321", [QueuedReply(reply_id, Reply("Pilih"))])
        )
        await asyncio.sleep(75)
        assert await other.run_once() == 0  # the handler still holds it
        died = seconds(clock())
        await die(handler)
        assert sending.cancelled()
        return died, await sent_by(other, other_sender, 1)

    died, resent = run(scenario())
    assert [text for _, _, text in other_sender.sent] == ["Pilih kategorinya"]
    assert resent - died <= 15 + 2


def test_a_reply_whose_claim_was_spent_waiting_is_renewed_before_it_is_sent(db: Engine) -> None:
    """An inbound that waited 12 s for its turn commits replies claimed until only
    3 s from now: the handler renews that claim before its slow send starts, so no
    other dispatcher sends the same reply meanwhile."""
    waited = NOW - timedelta(seconds=12)
    with transaction(db) as session:
        [reply_id] = enqueue_claimed(
            session=session,
            channel="telegram",
            recipient="321",
            kind="reply",
            payloads=[Reply("Pilih kategorinya").to_payload()],
            now=waited,
            claim_for=LEASE,
        )
    handler_sender, other_sender = Sender(latency=8), Sender(latency=0)
    handler = dispatcher(db, handler_sender, rate=None)
    other = dispatcher(db, other_sender, rate=None)

    async def scenario() -> None:
        sending = asyncio.create_task(
            handler.send_now(
                "telegram", "321", [QueuedReply(reply_id, Reply("Pilih"))], waited + LEASE
            )
        )
        await asyncio.sleep(5)  # the claim as written lapsed 2 s ago
        assert await other.run_once() == 0
        await sending

    run(scenario())
    assert [text for _, _, text in handler_sender.sent] == ["Pilih"]
    assert other_sender.sent == []
