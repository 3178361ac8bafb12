"""Training reminders: planned by a pure function of (start, offsets, now), written
once by the scheduler job, re-planned when a program moves, none when cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import NOW
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_training import add_program, add_resident, outbox, sign_up

from bot.jobs import training_tick
from storage.clock import WIB
from storage.db import transaction
from storage.models import TrainingProgram, TrainingReminder
from storage.reminders import due_reminder, parse_offset, plan_reminders
from storage.trainings import cancel_registration, set_program_status, update_program

DAY, TWO_HOURS = timedelta(days=1), timedelta(hours=2)
OFFSETS = (DAY, TWO_HOURS)
# Saturday 12 December 2026, 09:00 WIB
START = datetime(2026, 12, 12, 9, 0, tzinfo=WIB)


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=WIB)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1d", DAY), ("2h", TWO_HOURS), ("30m", timedelta(minutes=30)), (" 3D ", 3 * DAY)],
)
def test_offsets_are_read_from_short_words(text: str, expected: timedelta) -> None:
    assert parse_offset(text) == expected


@pytest.mark.parametrize("text", ["", "1", "h", "0h", "1w", "-1d", "1.5h"])
def test_a_bad_offset_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_offset(text)


def test_plan_lists_the_reminders_still_to_come() -> None:
    plan = plan_reminders(starts_at=START, offsets=OFFSETS, now=wib(1, 9))
    assert [p.due_at for p in plan] == [wib(11, 9), wib(12, 7)]
    assert [p.offset_minutes for p in plan] == [1440, 120]
    assert [
        p.due_at for p in plan_reminders(starts_at=START, offsets=OFFSETS, now=wib(11, 10))
    ] == [wib(12, 7)]
    assert plan_reminders(starts_at=START, offsets=OFFSETS, now=wib(12, 8)) == []


def test_wib_has_no_daylight_saving_so_offsets_are_exact_all_year() -> None:
    for month in range(1, 13):
        start = datetime(2027, month, 15, 9, 0, tzinfo=WIB)
        [day, two] = plan_reminders(starts_at=start, offsets=OFFSETS, now=start - 3 * DAY)
        assert day.due_at.astimezone(UTC).hour == 2 and two.due_at.astimezone(UTC).hour == 0
        assert start.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize(
    ("now", "since", "expected"),
    [
        (wib(11, 8, 59), None, None),  # nothing due yet
        (wib(11, 9), None, DAY),  # exactly on time
        (wib(11, 15), None, DAY),  # late (the bot was down), the start still ahead
        (wib(12, 7, 30), None, TWO_HOURS),  # both passed: only the latest
        (wib(12, 9), None, None),  # the start: never after it
        (wib(12, 10), None, None),
        (wib(11, 20), wib(11, 12), None),  # signed up after the 1-day mark: not that one
        (wib(12, 7), wib(11, 12), TWO_HOURS),  # but the 2-hour one
    ],
)
def test_the_due_reminder(
    now: datetime, since: datetime | None, expected: timedelta | None
) -> None:
    due = due_reminder(starts_at=START, offsets=OFFSETS, now=now, since=since)
    assert (due.offset if due else None) == expected


def test_a_program_moved_later_or_earlier_is_planned_from_its_new_start() -> None:
    now = wib(10, 12)
    later, earlier = START + DAY, START - timedelta(hours=23)
    assert [p.due_at for p in plan_reminders(starts_at=later, offsets=OFFSETS, now=now)] == [
        wib(12, 9),
        wib(13, 7),
    ]
    # Moved to 11 Dec 10:00: its 1-day reminder (10 Dec 10:00) has already passed
    assert [p.due_at for p in plan_reminders(starts_at=earlier, offsets=OFFSETS, now=now)] == [
        wib(11, 8)
    ]
    due = due_reminder(starts_at=earlier, offsets=OFFSETS, now=now)
    assert due is not None and due.offset == DAY  # sent now: the training is tomorrow


# --- the scheduler job -------------------------------------------------------


def reminders(db: Engine) -> list[TrainingReminder]:
    with Session(db) as session:
        return list(session.exec(select(TrainingReminder)))


def test_the_job_writes_each_reminder_once(db: Engine) -> None:
    start = NOW + timedelta(days=3)
    program_id = add_program(db, starts_at=start, ends_at=start + TWO_HOURS)
    sign_up(db, program_id, add_resident(db, "11"))
    assert training_tick(db, OFFSETS, start - 2 * DAY) == 0
    assert training_tick(db, OFFSETS, start - DAY) == 1
    assert training_tick(db, OFFSETS, start - DAY + timedelta(minutes=1)) == 0  # once
    assert training_tick(db, OFFSETS, start - TWO_HOURS) == 1
    texts = [m.payload["text"] for m in outbox(db, "training_reminder")]
    assert len(texts) == 2
    assert all("Pengingat: pelatihan Pembukuan Sederhana untuk UMKM" in t for t in texts)
    assert "Selasa, 1 Desember 2026 pukul 09.00 WIB" in texts[0]
    assert training_tick(db, OFFSETS, start + timedelta(minutes=1)) == 0  # never after


def test_waitlisted_and_cancelled_registrations_get_no_reminder(db: Engine) -> None:
    start = NOW + timedelta(days=3)
    program_id = add_program(db, starts_at=start, ends_at=start + TWO_HOURS, quota=1)
    seated = sign_up(db, program_id, add_resident(db, "21"))
    sign_up(db, program_id, add_resident(db, "22"))  # waiting
    with transaction(db) as session:
        cancel_registration(session=session, registration_id=seated.id, resident_id=None, now=NOW)  # type: ignore[arg-type]
    # The waiting resident was promoted by the cancellation: only they are reminded
    assert training_tick(db, OFFSETS, start - DAY) == 1
    assert [m.recipient for m in outbox(db, "training_reminder")] == ["22"]


def test_cancelling_drops_a_reminder_not_sent_yet(db: Engine) -> None:
    start = NOW + timedelta(days=3)
    program_id = add_program(db, starts_at=start, ends_at=start + TWO_HOURS)
    registration = sign_up(db, program_id, add_resident(db, "31"))
    assert training_tick(db, OFFSETS, start - DAY) == 1
    with transaction(db) as session:
        cancel_registration(
            session=session,
            registration_id=registration.id,
            resident_id=None,
            now=start - DAY,  # type: ignore[arg-type]
        )
    assert outbox(db, "training_reminder") == [] and reminders(db) == []


def test_a_moved_program_is_reminded_at_its_new_time(db: Engine) -> None:
    start = NOW + timedelta(days=3)
    program_id = add_program(db, starts_at=start, ends_at=start + TWO_HOURS)
    sign_up(db, program_id, add_resident(db, "41"))
    assert training_tick(db, OFFSETS, start - DAY) == 1  # written, not sent yet
    later = start + 2 * DAY
    with transaction(db) as session:
        update_program(
            session=session,
            program_id=program_id,
            changes={"starts_at": later, "ends_at": later + TWO_HOURS},
            now=start - DAY,
        )
    assert outbox(db, "training_reminder") == []  # the pending one is dropped
    assert training_tick(db, OFFSETS, start - TWO_HOURS) == 0  # the old time means nothing
    assert training_tick(db, OFFSETS, later - DAY) == 1
    [reminder] = reminders(db)
    assert reminder.starts_at == later


def test_a_cancelled_program_is_not_reminded_and_a_past_one_finishes(db: Engine) -> None:
    start = NOW + timedelta(days=3)
    cancelled = add_program(db, starts_at=start, ends_at=start + TWO_HOURS)
    sign_up(db, cancelled, add_resident(db, "51"))
    with transaction(db) as session:
        set_program_status(session=session, program_id=cancelled, status="cancelled", now=NOW)
    assert training_tick(db, OFFSETS, start - DAY) == 0
    running = add_program(db, starts_at=start, ends_at=start + TWO_HOURS)
    training_tick(db, OFFSETS, start + 3 * TWO_HOURS)
    with Session(db) as session:
        program = session.get(TrainingProgram, running)
        assert program is not None and program.status == "finished"
