"""The outbox dispatcher: claims, sends, retries, gives up, and never sends twice."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from conftest import NOW
from sqlalchemy import Engine, event
from sqlmodel import Session, select

from bot.dbthreads import DatabaseThreads
from bot.delivery import DeliveryFailed
from bot.outbox import OutboxDispatcher
from handlers.core.types import QueuedReply, Reply
from storage.db import transaction
from storage.models import OutboxMessage, Resident
from storage.outbox import (
    MAX_ATTEMPTS,
    claim_due,
    enqueue,
    enqueue_claimed,
    mark_failed,
    mark_sent,
    release,
)


class FakeSender:
    """Records what it sends; ``failures`` are raised by the next calls, in order."""

    channel = "telegram"

    def __init__(self, *failures: DeliveryFailed | None) -> None:
        self.failures = list(failures)
        self.sent: list[tuple[str, str]] = []

    async def deliver(self, recipient: str, reply: Reply, *, kind: str = "reply") -> str | None:
        await asyncio.sleep(0)
        if self.failures:
            failure = self.failures.pop(0)
            if failure is not None:
                raise failure
        self.sent.append((recipient, reply.text))
        return f"m{len(self.sent)}"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def add(db: Engine, text: str, *, recipient: str = "111", priority: int = 10) -> int:
    with transaction(db) as session:
        row = enqueue(
            session=session,
            channel="telegram",
            recipient=recipient,
            kind="status",
            payload=Reply(text).to_payload(),
            now=NOW,
            priority=priority,
        )
        session.flush()
        assert row.id is not None
        return row.id


def rows(db: Engine) -> dict[int, OutboxMessage]:
    with Session(db) as session:
        return {row.id: row for row in session.exec(select(OutboxMessage)).all()}  # type: ignore[misc]


def dispatcher(db: Engine, sender: FakeSender, clock: Clock) -> OutboxDispatcher:
    return OutboxDispatcher(db, {"telegram": sender}, clock)


async def test_due_rows_are_sent_most_urgent_first_and_marked(db: Engine) -> None:
    late = add(db, "broadcast", priority=50)
    first = add(db, "status", priority=10, recipient="222")
    sender, clock = FakeSender(), Clock()
    assert await dispatcher(db, sender, clock).run_once() == 2
    assert sender.sent == [("222", "status"), ("111", "broadcast")]
    stored = rows(db)
    assert stored[first].status == stored[late].status == "sent"
    assert stored[first].external_id == "m1" and stored[first].sent_at == NOW
    assert await dispatcher(db, sender, clock).run_once() == 0  # nothing sent twice


async def test_429_waits_for_retry_after(db: Engine) -> None:
    # (a pause that ends within the run, 45 s, is waited out in the run: see test_dispatch)
    message = add(db, "halo")
    sender, clock = FakeSender(DeliveryFailed("rate limited", retry_after=60)), Clock()
    await dispatcher(db, sender, clock).run_once()
    row = rows(db)[message]
    assert row.status == "pending" and row.due_at == NOW + timedelta(seconds=60)
    assert row.last_error == "rate limited" and sender.sent == []
    assert row.attempts == 0  # the platform's pace is not the message's fault
    clock.now = NOW + timedelta(seconds=59)
    assert await dispatcher(db, sender, clock).run_once() == 0
    clock.now = NOW + timedelta(seconds=60)
    await dispatcher(db, sender, clock).run_once()
    assert rows(db)[message].status == "sent" and sender.sent == [("111", "halo")]


async def test_5xx_backs_off_then_succeeds(db: Engine) -> None:
    message = add(db, "halo")
    sender = FakeSender(DeliveryFailed("network: Bad Gateway"), DeliveryFailed("network: timeout"))
    clock = Clock()
    await dispatcher(db, sender, clock).run_once()
    assert rows(db)[message].due_at == NOW + timedelta(seconds=5)
    clock.now = NOW + timedelta(seconds=5)
    await dispatcher(db, sender, clock).run_once()
    assert rows(db)[message].due_at == clock.now + timedelta(seconds=10)  # doubled
    clock.now += timedelta(seconds=10)
    await dispatcher(db, sender, clock).run_once()
    row = rows(db)[message]
    assert row.status == "sent" and row.attempts == 3


async def test_attempts_are_limited(db: Engine) -> None:
    message = add(db, "halo")
    sender = FakeSender(*[DeliveryFailed("network: down")] * MAX_ATTEMPTS)
    clock = Clock()
    for _ in range(MAX_ATTEMPTS):
        await dispatcher(db, sender, clock).run_once()
        clock.now += timedelta(hours=1)
    row = rows(db)[message]
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS and sender.sent == []


async def test_a_blocked_resident_is_marked_unreachable_without_retries(db: Engine) -> None:
    with transaction(db) as session:
        session.add(
            Resident(identity="telegram:111", channel="telegram", created_at=NOW, last_seen_at=NOW)
        )
    message = add(db, "halo")
    sender, clock = (
        FakeSender(DeliveryFailed("forbidden: bot was blocked", unreachable=True)),
        Clock(),
    )
    await dispatcher(db, sender, clock).run_once()
    clock.now += timedelta(days=1)
    assert await dispatcher(db, sender, clock).run_once() == 0
    assert rows(db)[message].status == "unreachable"
    with Session(db) as session:
        resident = session.exec(select(Resident)).one()
    assert resident.unreachable_at == NOW


async def test_a_permanent_error_fails_at_once(db: Engine) -> None:
    message = add(db, "halo")
    sender = FakeSender(DeliveryFailed("bad request: chat not found", permanent=True))
    await dispatcher(db, sender, Clock()).run_once()
    assert rows(db)[message].status == "failed"


async def test_a_crash_between_claim_and_send_is_sent_after_the_lease(db: Engine) -> None:
    message = add(db, "halo")
    with transaction(db) as session:  # a dispatcher claims it, then its process dies
        [claimed] = claim_due(
            session=session, now=NOW, lease=timedelta(seconds=60), limit=10, channels=["telegram"]
        )
    assert claimed.id == message
    sender, clock = FakeSender(), Clock()
    clock.now = NOW + timedelta(seconds=59)
    assert await dispatcher(db, sender, clock).run_once() == 0  # still claimed
    clock.now = NOW + timedelta(seconds=60)
    assert await dispatcher(db, sender, clock).run_once() == 1
    assert sender.sent == [("111", "halo")] and rows(db)[message].status == "sent"


async def test_a_failure_keeps_the_recipients_order(db: Engine) -> None:
    first, second = add(db, "satu"), add(db, "dua")
    other = add(db, "lain", recipient="222")
    sender, clock = FakeSender(DeliveryFailed("network: down")), Clock()
    await dispatcher(db, sender, clock).run_once()
    assert sender.sent == [("222", "lain")]  # others are not held up
    stored = rows(db)
    assert stored[first].due_at == stored[second].due_at == NOW + timedelta(seconds=5)
    assert stored[second].attempts == 0 and stored[other].status == "sent"
    clock.now += timedelta(seconds=5)
    await dispatcher(db, sender, clock).run_once()
    assert sender.sent[1:] == [("111", "satu"), ("111", "dua")]


async def test_two_dispatchers_never_send_one_row_twice(db: Engine) -> None:
    ids = {add(db, f"pesan {n}", recipient=str(n)) for n in range(120)}
    senders = [FakeSender(), FakeSender()]
    clock = Clock()
    workers = [dispatcher(db, sender, clock) for sender in senders]

    async def drain(worker: OutboxDispatcher) -> None:
        while await worker.run_once():
            pass

    await asyncio.gather(*(drain(worker) for worker in workers))
    texts = [text for sender in senders for _, text in sender.sent]
    assert len(texts) == len(set(texts)) == len(ids)
    assert all(row.status == "sent" for row in rows(db).values())


class SlowSender(FakeSender):
    """Each send takes ``seconds`` on ``clock``: a 429 waited out, a slow network."""

    def __init__(self, clock: Clock, seconds: float) -> None:
        super().__init__()
        self.clock, self.seconds = clock, seconds

    async def deliver(self, recipient: str, reply: Reply, *, kind: str = "reply") -> str | None:
        self.clock.now += timedelta(seconds=self.seconds)
        return await super().deliver(recipient, reply)


async def test_a_slow_run_gives_rows_back_before_its_lease_lapses(db: Engine) -> None:
    ids = [add(db, f"pesan {n}", recipient=str(n)) for n in range(10)]
    clock = Clock()
    # 15 s lease, never renewed here (the clock jumps 10 s a send, no time passes for
    # the renewals): no send starts after 11.25 s
    sender = SlowSender(clock, seconds=10)
    assert await dispatcher(db, sender, clock).run_once() == 10
    assert [text for _, text in sender.sent] == [f"pesan {n}" for n in range(2)]
    stored = rows(db)
    given_back = [stored[i] for i in ids[2:]]
    assert all(r.status == "pending" and r.claim is None for r in given_back)
    assert all(r.attempts == 0 and r.claimed_until is None for r in given_back)
    await dispatcher(db, FakeSender(), clock).run_once()  # due at once: the next run sends them
    assert all(row.status == "sent" for row in rows(db).values())


async def test_a_dispatcher_whose_lease_lapsed_cannot_overwrite_the_next_claim(
    db: Engine,
) -> None:
    message = add(db, "halo")
    with transaction(db) as session:
        [first] = claim_due(
            session=session, now=NOW, lease=timedelta(seconds=60), limit=5, channels=["telegram"]
        )
    later = NOW + timedelta(seconds=61)  # the first dispatcher hung past its lease
    with transaction(db) as session:
        [second] = claim_due(
            session=session, now=later, lease=timedelta(seconds=60), limit=5, channels=["telegram"]
        )
    assert first.claim and second.claim and first.claim != second.claim
    with transaction(db) as session:
        mark_sent(
            session=session, message_id=message, now=later, external_id="m9", claim=second.claim
        )
    with transaction(db) as session:  # the first one wakes up and reports a failure
        mark_failed(session=session, message_id=message, error="timeout", claim=first.claim)
        release(session=session, message_id=message, due_at=later, claim=first.claim)
    stored = rows(db)[message]
    assert stored.status == "sent" and stored.external_id == "m9" and stored.last_error is None


async def test_claims_on_postgresql_skip_locked_rows(db: Engine) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("FOR UPDATE SKIP LOCKED is PostgreSQL's; SQLite has one writer")
    add(db, "halo")
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(db, "before_cursor_execute", record)
    try:
        with transaction(db) as session:
            claim_due(
                session=session,
                now=NOW,
                lease=timedelta(seconds=60),
                limit=5,
                channels=["telegram"],
            )
    finally:
        event.remove(db, "before_cursor_execute", record)
    assert any("FOR UPDATE SKIP LOCKED" in s for s in statements), statements


async def test_direct_replies_sent_while_the_database_is_busy_share_one_mark(db: Engine) -> None:
    with transaction(db) as session:
        ids = [
            enqueue_claimed(
                session=session,
                channel="telegram",
                recipient=recipient,
                kind="reply",
                payloads=[Reply(f"halo {recipient}").to_payload()],
                now=NOW,
                claim_for=timedelta(seconds=60),
            )[0]
            for recipient in ("111", "222", "333")
        ]
    threads = DatabaseThreads(db)
    threads.executor.shutdown()
    threads.executor = ThreadPoolExecutor(1)  # one database thread, busy for a moment
    outbox = OutboxDispatcher(db, {"telegram": FakeSender()}, Clock(), threads=threads)
    writes: list[int] = []
    write = outbox._reply_marks.write
    outbox._reply_marks.write = lambda marks: (writes.append(len(marks)), write(marks))[1]
    busy = threading.Event()
    blocker = asyncio.ensure_future(threads.run(busy.wait, 5))
    sending = [
        asyncio.ensure_future(
            outbox.send_now("telegram", recipient, [QueuedReply(row_id, Reply("halo"))])
        )
        for recipient, row_id in zip(("111", "222", "333"), ids, strict=True)
    ]
    await asyncio.sleep(0.05)
    assert not any(task.done() for task in sending)  # each waits for its mark
    busy.set()
    await asyncio.gather(blocker, *sending)
    assert writes == [3]
    assert {rows(db)[row_id].status for row_id in ids} == {"sent"}
    threads.close()


def test_replies_enqueued_in_one_statement_keep_their_order(db: Engine) -> None:
    texts = ["satu", "dua", "tiga"]
    with transaction(db) as session:
        ids = enqueue_claimed(
            session=session,
            channel="telegram",
            recipient="111",
            kind="reply",
            payloads=[Reply(text).to_payload() for text in texts],
            now=NOW,
            claim_for=timedelta(seconds=60),
        )
    stored = rows(db)
    assert [Reply.from_payload(stored[row_id].payload).text for row_id in ids] == texts
    first = stored[ids[0]]
    assert (first.status, first.attempts, first.claim) == ("pending", 1, None)
    assert first.claimed_until == NOW + timedelta(seconds=60)
