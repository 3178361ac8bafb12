"""Forum reminders and notices: planned from (forum, offsets, now), re-planned when
a forum moves, withdrawn when it is cancelled, never sent after it started."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import NOW
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_announcements import BANTAN, person

from bot.i18n import translator
from bot.jobs import broadcast_tick, forum_tick
from handlers.forums.notices import forum_cancelled, forum_moved, forum_summary
from storage.db import transaction
from storage.forums import (
    ForumError,
    NewForum,
    cancel_forum,
    create_forum,
    move_forum,
    post_summary,
    rsvp_counts,
    set_rsvp,
    set_subscription,
)
from storage.models import Announcement, OutboxMessage

OFFSETS = (timedelta(days=3), timedelta(days=1), timedelta(hours=2))
START = NOW + timedelta(days=10)  # Tuesday 8 December 2026, 09:00 WIB


def forum(db: Engine, **overrides: object) -> int:
    fields: dict[str, object] = {
        "title": "Musrenbang Kelurahan Bantan 2027",
        "starts_at": START,
        "forum_type": "musrenbang_kelurahan",
        "place": "Kantor Lurah Bantan",
        "area_level": "kelurahan",
        "area_code": BANTAN,
    }
    fields.update(overrides)
    with transaction(db) as session:
        created = create_forum(session=session, new=NewForum(**fields), actor="telegram:9", now=NOW)  # type: ignore[arg-type]
        assert created.id is not None
        return created.id


def subscriber(db: Engine, user_id: str, **kwargs: object) -> int:
    resident_id = person(db, user_id, **kwargs)  # type: ignore[arg-type]
    with transaction(db) as session:
        set_subscription(
            session=session, resident_id=resident_id, scope="kelurahan", on=True, now=NOW
        )
    return resident_id


def outbox(db: Engine) -> list[OutboxMessage]:
    with Session(db) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))  # type: ignore[arg-type]


def tick(db: Engine, at: timedelta) -> int:
    """Plan and fan out at START - at; returns the reminders planned."""
    planned = forum_tick(db, OFFSETS, START - at)
    broadcast_tick(db, START - at)
    return planned


def test_each_offset_reminds_each_subscriber_once_in_their_language(db: Engine) -> None:
    forum(db)
    subscriber(db, "1")
    subscriber(db, "2", language="en")
    person(db, "3")  # lives in Bantan, not subscribed
    assert tick(db, timedelta(days=4)) == 0
    assert tick(db, timedelta(days=3)) == 1
    assert tick(db, timedelta(days=3) - timedelta(minutes=1)) == 0  # once
    assert tick(db, timedelta(days=1)) == 1
    assert tick(db, timedelta(hours=2)) == 1
    rows = outbox(db)
    assert len(rows) == 6 and sorted({r.recipient for r in rows}) == ["1", "2"]
    indonesian = next(r for r in rows if r.recipient == "1").payload
    assert indonesian["text"].startswith("Pengingat: Musrenbang Kelurahan Bantan")
    assert "Selasa, 8 Desember 2026 pukul 09.00 WIB" in indonesian["text"]
    assert [label for _value, label in indonesian["options"]] == ["Hadir", "Tidak hadir", "Mungkin"]
    english = next(r for r in rows if r.recipient == "2").payload
    assert "Tuesday, 8 December 2026 at 09:00 WIB" in english["text"]
    assert tick(db, timedelta(minutes=-1)) == 0  # never after the start


def test_after_downtime_only_the_latest_useful_reminder_goes(db: Engine) -> None:
    forum(db)
    subscriber(db, "1")
    # down from 4 days before until 20 hours before: the 3-day and 1-day marks passed
    assert tick(db, timedelta(hours=20)) == 1
    [row] = outbox(db)
    with Session(db) as session:
        [reminder] = session.exec(select(Announcement)).all()
    assert reminder.kind == "forum_reminder" and row.announcement_id == reminder.id
    assert tick(db, timedelta(hours=2)) == 1  # the 2-hour one still comes


def test_a_moved_forum_is_announced_and_reminded_at_its_new_time(db: Engine) -> None:
    forum_id = forum(db)
    subscriber(db, "1")
    planned_at = START - timedelta(days=1)
    forum_tick(db, OFFSETS, planned_at)  # the 1-day reminder, not fanned out yet
    later = START + timedelta(days=2)
    with transaction(db) as session:
        moved = move_forum(session=session, forum_id=forum_id, starts_at=later, now=planned_at)
        forum_moved(session, translator, moved, planned_at, "telegram:9")
    broadcast_tick(db, planned_at)
    [notice] = outbox(db)  # the reminder was withdrawn, the move announced
    assert "Waktu baru: Kamis, 10 Desember 2026 pukul 09.00 WIB" in notice.payload["text"]
    assert "Apakah Anda bisa hadir pada jadwal baru ini?" in notice.payload["text"]
    # whoever said Tidak to the old time answers again in one press
    assert notice.payload["options"] == [
        [f"!rsvp:{forum_id}:hadir", "Hadir"],
        [f"!rsvp:{forum_id}:tidak", "Tidak hadir"],
        [f"!rsvp:{forum_id}:mungkin", "Mungkin"],
    ]
    assert forum_tick(db, OFFSETS, START - timedelta(hours=2)) == 0  # the old time is gone
    assert forum_tick(db, OFFSETS, later - timedelta(days=1)) == 1


def test_a_cancelled_forum_withdraws_pending_reminders_and_tells_subscribers(db: Engine) -> None:
    forum_id = forum(db)
    subscriber(db, "1")
    subscriber(db, "2")
    at = START - timedelta(days=3)
    forum_tick(db, OFFSETS, at)
    broadcast_tick(db, at)  # two reminder rows pending in the outbox
    with transaction(db) as session:
        cancelled = cancel_forum(session=session, forum_id=forum_id, now=at)
        forum_cancelled(session, translator, cancelled, at, "telegram:9")
    broadcast_tick(db, at)
    statuses = sorted((r.kind, r.status) for r in outbox(db))
    assert statuses == [("forum_notice", "pending")] * 2 + [("forum_reminder", "cancelled")] * 2
    assert forum_tick(db, OFFSETS, START - timedelta(hours=2)) == 0
    with pytest.raises(ForumError), transaction(db) as session:
        move_forum(session=session, forum_id=forum_id, starts_at=START, now=at)


def test_rsvp_is_changeable_and_the_result_goes_to_those_who_answered(db: Engine) -> None:
    forum_id = forum(db)
    came, skipped = subscriber(db, "1"), subscriber(db, "2")
    subscriber(db, "3")  # never answered
    with transaction(db) as session:
        set_rsvp(session=session, forum_id=forum_id, resident_id=came, answer="mungkin", now=NOW)
        set_rsvp(session=session, forum_id=forum_id, resident_id=came, answer="hadir", now=NOW)
        set_rsvp(session=session, forum_id=forum_id, resident_id=skipped, answer="tidak", now=NOW)
        assert rsvp_counts(session, forum_id) == {"hadir": 1, "tidak": 1, "mungkin": 0}
    after = START + timedelta(hours=3)
    with pytest.raises(ForumError), transaction(db) as session:
        set_rsvp(session=session, forum_id=forum_id, resident_id=came, answer="tidak", now=after)
    with transaction(db) as session:
        held = post_summary(
            session=session,
            forum_id=forum_id,
            summary="Disepakati 3 usulan prioritas: drainase Jl. Bantan, posyandu, lampu jalan.",
            now=after,
        )
        forum_summary(session, translator, held, after, "telegram:9")
    broadcast_tick(db, after)
    rows = outbox(db)
    assert sorted(r.recipient for r in rows) == ["1", "2"]
    assert all("Disepakati 3 usulan prioritas" in r.payload["text"] for r in rows)
    with pytest.raises(ForumError), transaction(db) as session:
        post_summary(session=session, forum_id=forum_id, summary="lagi", now=after)
