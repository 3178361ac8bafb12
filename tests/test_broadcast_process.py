"""A broadcast survives kill -9: the real ``siantar run`` against the fake Bot API.

2,000 Telegram residents and one announcement to everyone. The process is killed
with SIGKILL once some hundreds have been delivered, then started again: every
resident gets the announcement, and only the rows that were in flight at the kill
(claimed by the dead process, not yet marked) may have gone out twice — within
one lease (15 s) of the kill, as nothing renews the dead process's claims.

Like ``test_telegram_process.py`` (whose process helpers this uses) on SQLite. The
pace is 400/s (``telegram_fake_api``: above Telegram's 30, the fake has no limit),
so the whole broadcast takes seconds.

With ``TEST_DATABASE_URL`` set, two processes in webhook mode share one PostgreSQL
database and one pace: the README's "Scaling out" set-up.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import TEST_DATABASE_URL
from fake_telegram import TOKEN, FakeTelegram
from sqlalchemy import Engine, func, insert, text
from sqlmodel import Session, SQLModel, col, select
from test_telegram_process import (
    LEASE_WAIT,
    POLLING_READY,
    RESEND_PROMISE,
    RUNNING,
    SiantarRun,
    eventually,
    free_port,
    toml,
)

from bot.outbox import MAX_IN_FLIGHT
from storage.announcements import Segment, create_announcement
from storage.db import make_engine, migrate, transaction
from storage.models import Announcement, OutboxMessage, Resident

RESIDENTS = 2000
FIRST_ID = 5_000_001
PER_SECOND = 400
KILL_AFTER = 300  # delivered messages
SHARED_PER_SECOND = 100  # two processes, 600 residents: some 6 s, both take part


def delivered(fake: FakeTelegram) -> Counter[int]:
    """Messages each chat received (successful sendMessage calls)."""
    return Counter(
        int(call.params["chat_id"]) for call in fake.calls_to("sendMessage") if call.status == 200
    )


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def configure(
    workdir: Path,
    fake: FakeTelegram,
    database_url: str,
    per_second: int = PER_SECOND,
    **telegram: Any,
) -> None:
    lines = [
        "[database]",
        f"url = {toml(database_url)}",
        "[telegram]",
        "enabled = true",
        f"token = {toml(TOKEN)}",
        f"api_base_url = {toml(fake.base_url)}",
        *(f"{key} = {toml(value)}" for key, value in telegram.items() if key != "port"),
        "[broadcast]",
        "telegram_fake_api = true",
        f"telegram_per_second = {per_second}",
        "[media]",
        f"directory = {toml(str(workdir / 'media'))}",
    ]
    # every mode serves /healthz: a port of its own, so tests never share one
    lines += ["[server]", 'host = "127.0.0.1"', f"port = {telegram.get('port') or free_port()}"]
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def add_residents(db: Engine, count: int) -> None:
    now = datetime.now(UTC)
    with transaction(db) as session:
        session.execute(
            insert(Resident),
            [
                {
                    "identity": f"telegram:{FIRST_ID + n}",
                    "channel": "telegram",
                    "language": "id",
                    "language_chosen": False,
                    "english_offered": False,
                    "consent_at": now,
                    "onboarded_at": now,
                    "created_at": now,
                    "last_seen_at": now,
                }
                for n in range(count)
            ],
        )


def announce_to_everyone(db: Engine) -> None:
    now = datetime.now(UTC)
    with transaction(db) as session:
        create_announcement(
            session=session,
            text="Musrenbang Kelurahan Sabtu ini pukul 09.00 WIB di kantor lurah.",
            segment=Segment("everyone"),
            send_at=now,
            actor="telegram:1",
            now=now,
        )


def finished(db: Engine) -> bool:
    """The announcement is fanned out and no outbox row is pending."""
    with Session(db) as session:
        announcement = session.exec(select(Announcement)).one()
        pending = session.exec(select(func.count()).where(OutboxMessage.status == "pending")).one()
    return announcement.status == "sent" and pending == 0


@pytest.fixture
def workdir(tmp_path: Path, fake: FakeTelegram) -> Path:
    url = f"sqlite:///{tmp_path / 'siantar.db'}"
    configure(tmp_path, fake, url)
    db = make_engine(url)
    migrate(db)
    add_residents(db, RESIDENTS)
    announce_to_everyone(db)
    db.dispose()
    return tmp_path


def test_kill_9_mid_broadcast_loses_no_one_and_repeats_only_the_rows_in_flight(
    workdir: Path, fake: FakeTelegram
) -> None:
    db = make_engine(f"sqlite:///{workdir / 'siantar.db'}")
    runs = [SiantarRun(workdir, "run1")]
    try:
        runs[0].wait_for_log(POLLING_READY)
        eventually(lambda: sum(delivered(fake).values()) >= KILL_AFTER, "some hundreds sent")
        runs[0].kill9()
        killed_at = time.monotonic()
        at_kill = delivered(fake)
        now = datetime.now(UTC)
        with Session(db) as session:
            held = session.exec(  # claimed by the dead process, not marked
                select(OutboxMessage).where(
                    OutboxMessage.status == "pending",
                    col(OutboxMessage.claimed_until) > now,
                )
            ).all()
            sent_rows = session.exec(
                select(func.count()).where(OutboxMessage.status == "sent")
            ).one()
        in_flight = {int(row.recipient) for row in held}
        reached = in_flight & set(at_kill)  # sent, but the mark never committed
        assert KILL_AFTER <= sum(at_kill.values()) < RESIDENTS, "killed too late to tell"
        assert in_flight, "nothing was held at the kill"
        assert sent_rows <= sum(at_kill.values())

        # the claims of the dead process lapse within one lease: no one moves them
        assert all(row.claimed_until <= now + timedelta(seconds=RESEND_PROMISE + 1) for row in held)
        runs.append(SiantarRun(workdir, "run2"))
        runs[1].wait_for_log(POLLING_READY)

        def resent() -> bool:  # every row held at the kill went out after it
            after = {int(c.params["chat_id"]) for c in fake.calls_to("sendMessage")
                     if c.status == 200 and c.at > killed_at}  # fmt: skip
            return in_flight <= after

        eventually(resent, "the rows held at the kill sent again", timeout=LEASE_WAIT)
        took = time.monotonic() - killed_at
        eventually(lambda: finished(db), "the broadcast finished after the restart", timeout=60)
        assert runs[1].stop() == 0
    finally:
        for run in runs:
            run.ensure_dead()
        db.dispose()

    counts = delivered(fake)
    twice = sorted(chat for chat, n in counts.items() if n > 1)
    print(
        f"\nkilled after {sum(at_kill.values())} delivered; {len(held)} row(s) claimed and "
        f"not marked at the kill, {len(reached)} of them already delivered (in flight); "
        f"{len(twice)} resident(s) got the announcement twice; the held rows went out "
        f"{took:.1f} s after the kill"
    )
    assert took < RESEND_PROMISE + 5  # not the minute a lease used to be
    assert set(counts) == {FIRST_ID + n for n in range(RESIDENTS)}  # no one got none
    assert max(counts.values()) <= 2
    assert set(twice) <= in_flight  # only rows in flight at the kill went out twice
    assert len(twice) <= MAX_IN_FLIGHT
    with Session(db) as session:
        statuses = Counter(session.exec(select(OutboxMessage.status)).all())
    assert statuses == {"sent": RESIDENTS}
    assert "Traceback" not in runs[1].stderr()


def test_the_fake_answers_429_beyond_its_rate_limit(fake: FakeTelegram) -> None:
    import httpx

    fake.rate_limit(5, retry_after=2)
    url = f"{fake.base_url}/bot{TOKEN}/sendMessage"
    with httpx.Client(trust_env=False) as client:
        answers = [client.post(url, json={"chat_id": 7, "text": "x"}) for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 3
    assert answers[-1].json()["parameters"] == {"retry_after": 2}
    time.sleep(1.05)
    with httpx.Client(trust_env=False) as client:
        assert client.post(url, json={"chat_id": 7, "text": "x"}).status_code == 200


@pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="PostgreSQL leg skipped: TEST_DATABASE_URL is not set"
)
def test_two_processes_on_postgresql_share_one_pace(
    tmp_path: Path, fake: FakeTelegram, request: pytest.FixtureRequest
) -> None:
    """The README's scaling-out set-up: two ``siantar run`` (webhook mode) on one
    PostgreSQL. Both send, and the send slots they reserved never come closer than
    the one rate allows: together they keep it."""
    db: Engine = request.getfixturevalue("_postgres_engine")
    tables = ", ".join(f'"{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables))
    with db.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    add_residents(db, 600)
    runs = []
    try:
        for name in ("a", "b"):
            configure(
                tmp_path / name,
                fake,
                TEST_DATABASE_URL,
                per_second=SHARED_PER_SECOND,
                mode="webhook",
                webhook_url="https://bot.example.org/telegram/webhook",
                webhook_secret="s3cret-token",
                port=free_port(),
            )
            runs.append(SiantarRun(tmp_path / name, "run"))
        for run in runs:
            run.wait_for_log(RUNNING)
        announce_to_everyone(db)
        eventually(lambda: finished(db), "the broadcast finished", timeout=60)
        for run in runs:
            assert run.stop() == 0
    finally:
        for run in runs:
            run.ensure_dead()
    counts = delivered(fake)
    assert sorted(counts) == [FIRST_ID + n for n in range(600)]
    assert set(counts.values()) == {1}
    for run in runs:  # each process sent its share
        assert "message(s) tried" in run.stderr() and "Traceback" not in run.stderr()
    with Session(db) as session:
        slots = sorted(session.exec(select(OutboxMessage.due_at)).all())
    gaps = [(b - a).total_seconds() for a, b in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= 1 / SHARED_PER_SECOND - 1e-6
