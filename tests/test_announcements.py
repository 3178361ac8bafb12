"""Announcements: segment resolution, fan-out in batches, cancelling, delivery
figures, and the opt-out honoured at send time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import NOW
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_training import DETAILS, add_program

from bot.jobs import broadcast_tick
from storage.announcements import (
    AnnouncementError,
    Segment,
    cancel_announcement,
    count_members,
    create_announcement,
    delivery_stats,
    fan_out_batch,
    set_opt_out,
)
from storage.db import transaction
from storage.forums import NewForum, create_forum, set_rsvp, set_subscription
from storage.models import Announcement, OutboxMessage, Resident
from storage.outbox import claim_due
from storage.trainings import register

BARAT, TIMUR = "12.72.02", "12.72.01"
BANTAN, TOMUAN = "12.72.02.1003", "12.72.01.1002"


def person(
    db: Engine,
    user_id: str,
    *,
    kelurahan: str | None = BANTAN,
    channel: str = "telegram",
    opted_out: bool = False,
    unreachable: bool = False,
    consented: bool = True,
    language: str = "id",
) -> int:
    with transaction(db) as session:
        resident = Resident(
            identity=f"{channel}:{user_id}",
            channel=channel,
            language=language,
            home_kecamatan_code=kelurahan[:8] if kelurahan else None,
            home_kelurahan_code=kelurahan,
            consent_at=NOW if consented else None,
            created_at=NOW,
            last_seen_at=NOW,
            announcements_off_at=NOW if opted_out else None,
            unreachable_at=NOW if unreachable else None,
        )
        session.add(resident)
        session.flush()
        assert resident.id is not None
        return resident.id


@pytest.fixture
def city(db: Engine) -> dict[str, int]:
    """Five reachable residents in two kecamatan, and four who cannot be sent to."""
    return {
        "bantan1": person(db, "1"),
        "bantan2": person(db, "2"),
        "tomuan": person(db, "3", kelurahan=TOMUAN),
        "nohome": person(db, "4", kelurahan=None),
        "english": person(db, "5", kelurahan=TOMUAN, language="en"),
        "stopped": person(db, "6", opted_out=True),
        "blocked": person(db, "7", unreachable=True),
        "console": person(db, "8", channel="console"),
        "declined": person(db, "9", kelurahan=None, consented=False),  # no home without consent
    }


def count(db: Engine, segment: Segment) -> int:
    with Session(db) as session:
        return count_members(session, segment)


def test_each_segment_counts_only_reachable_residents(db: Engine, city: dict[str, int]) -> None:
    assert count(db, Segment("everyone")) == 5
    assert count(db, Segment("kecamatan", BARAT)) == 2  # not the opted-out or blocked one
    assert count(db, Segment("kecamatan", TIMUR)) == 2
    assert count(db, Segment("kelurahan", TOMUAN)) == 2
    assert count(db, Segment("kelurahan", "12.72.03.1001")) == 0


def test_training_and_forum_segments(db: Engine, city: dict[str, int]) -> None:
    program_id = add_program(db, quota=1)
    with transaction(db) as session:
        for who in ("bantan1", "tomuan", "stopped"):  # bantan1 seated, the rest waiting
            register(
                session=session,
                program_id=program_id,
                resident_id=city[who],
                details=DETAILS,
                now=NOW,
            )
        forum = create_forum(
            session=session,
            new=NewForum(
                "Musrenbang Kelurahan Bantan",
                NOW + timedelta(days=5),
                "musrenbang_kelurahan",
                area_level="kelurahan",
                area_code=BANTAN,
            ),
            actor="x",
            now=NOW,
        )
        for who in ("bantan1", "tomuan", "stopped"):
            set_subscription(
                session=session, resident_id=city[who], scope="kelurahan", on=True, now=NOW
            )
        set_rsvp(
            session=session, forum_id=forum.id, resident_id=city["english"], answer="hadir", now=NOW
        )  # type: ignore[arg-type]
    assert count(db, Segment("training", str(program_id))) == 1
    # subscribed to kelurahan forums and living in Bantan, or answered the RSVP
    assert count(db, Segment("forum_subscribers", str(forum.id))) == 2
    assert count(db, Segment("forum_rsvp", str(forum.id))) == 1


@pytest.mark.parametrize(
    "segment",
    [
        Segment("nobody"),
        Segment("kecamatan"),
        Segment("training", "999"),
        Segment("forum_rsvp", "x"),
    ],
)
def test_a_segment_that_names_nothing_is_refused(db: Engine, segment: Segment) -> None:
    with pytest.raises(AnnouncementError), Session(db) as session:
        count_members(session, segment)


def announce(db: Engine, segment: Segment, *, at: timedelta = timedelta(0)) -> int:
    with transaction(db) as session:
        announcement = create_announcement(
            session=session,
            text="Pendaftaran bantuan modal UMKM dibuka sampai 20 Desember.",
            segment=segment,
            send_at=NOW + at,
            actor="telegram:9",
            now=NOW,
        )
        assert announcement.id is not None
        return announcement.id


def rows(db: Engine) -> list[OutboxMessage]:
    with Session(db) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))  # type: ignore[arg-type]


def test_fan_out_goes_in_batches_and_resumes_from_its_cursor(
    db: Engine, city: dict[str, int]
) -> None:
    announcement_id = announce(db, Segment("everyone"))
    written = []
    for _ in range(4):
        with transaction(db) as session:
            written.append(
                fan_out_batch(session=session, announcement_id=announcement_id, now=NOW, batch=2)
            )
    assert written == [2, 2, 1, 0]
    sent_to = [r.recipient for r in rows(db)]
    assert sorted(sent_to) == ["1", "2", "3", "4", "5"]  # each once, none of the excluded
    with Session(db) as session:
        announcement = session.get(Announcement, announcement_id)
        assert announcement is not None
        assert (announcement.status, announcement.recipients) == ("sent", 5)
    assert {r.priority for r in rows(db)} == {100}
    assert all(r.announcement_id == announcement_id and r.kind == "announcement" for r in rows(db))


def test_the_broadcast_job_fans_out_only_what_is_due(db: Engine, city: dict[str, int]) -> None:
    now_id = announce(db, Segment("kelurahan", BANTAN))
    later_id = announce(db, Segment("everyone"), at=timedelta(hours=3))
    assert broadcast_tick(db, NOW) == 2
    assert broadcast_tick(db, NOW + timedelta(hours=1)) == 0
    assert broadcast_tick(db, NOW + timedelta(hours=3)) == 5
    with Session(db) as session:
        assert delivery_stats(session, now_id)["pending"] == 2
        assert delivery_stats(session, later_id).written == 5


def test_a_scheduled_announcement_can_be_cancelled_before_it_starts(
    db: Engine, city: dict[str, int]
) -> None:
    later_id = announce(db, Segment("everyone"), at=timedelta(hours=3))
    with transaction(db) as session:
        assert cancel_announcement(session=session, announcement_id=later_id, now=NOW) == 0
    assert broadcast_tick(db, NOW + timedelta(hours=4)) == 0
    now_id = announce(db, Segment("everyone"))
    broadcast_tick(db, NOW)
    with pytest.raises(AnnouncementError) as refused, transaction(db) as session:
        cancel_announcement(session=session, announcement_id=now_id, now=NOW)
    assert refused.value.reason == "started"


def test_an_opt_out_after_the_fan_out_is_honoured_when_sending(
    db: Engine, city: dict[str, int]
) -> None:
    announcement_id = announce(db, Segment("kelurahan", BANTAN))
    broadcast_tick(db, NOW)
    with transaction(db) as session:
        resident = session.get(Resident, city["bantan2"])
        assert resident is not None
        assert set_opt_out(session=session, resident=resident, now=NOW) is True
        assert set_opt_out(session=session, resident=resident, now=NOW) is False
        # a personal status notification to the same resident still goes
        session.add(
            OutboxMessage(
                channel="telegram", recipient="2", kind="status", payload={"text": "x"},
                due_at=NOW, created_at=NOW,
            )
        )  # fmt: skip
    with transaction(db) as session:
        claimed = claim_due(
            session=session, now=NOW, lease=timedelta(seconds=60), limit=10, channels=["telegram"]
        )
    assert sorted((m.recipient, m.kind) for m in claimed) == [
        ("1", "announcement"),
        ("2", "status"),
    ]
    with Session(db) as session:
        stats = delivery_stats(session, announcement_id)
    assert stats["opted_out"] == 1 and stats["pending"] == 1
