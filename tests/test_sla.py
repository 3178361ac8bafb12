"""The service clocks: working days in WIB (national holidays from the holidays
package, cuti bersama from the config), tunda pauses, re-disposition and hand-back,
the grades, the ``[sla]`` config, and the due times the workflow stores."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sla_helpers import ensure_units
from sqlalchemy import Engine

from bot.config import ConfigError, load_settings
from storage.aspirations import NewAspiration, create_aspiration
from storage.clock import WIB
from storage.db import transaction
from storage.models import Aspiration
from storage.sla import (
    Calendar,
    Event,
    ServiceClock,
    Targets,
    add_working_days,
    dues,
    working_days_between,
)
from storage.workflow import add_follow_up, attach_answer, change_status

# Cuti bersama 2026 around Nyepi (19 March) and Idul Fitri (21-22 March), as the
# city would list them in [sla] extra_holidays.
CUTI_2026 = frozenset(date(2026, 3, d) for d in (18, 20, 23, 24)) | {date(2026, 5, 15)}
NATIONAL = Calendar()
CITY = Calendar(extra_holidays=CUTI_2026)


def wib(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WIB)


def end(y: int, m: int, d: int) -> datetime:
    return datetime.combine(date(y, m, d), time(23, 59, 59), tzinfo=WIB)


@pytest.mark.parametrize(
    ("start", "days", "calendar", "due"),
    [
        (wib(2026, 11, 23), 3, NATIONAL, end(2026, 11, 26)),  # Monday → Thursday
        (wib(2026, 11, 27), 3, NATIONAL, end(2026, 12, 2)),  # Friday: over the weekend
        (wib(2026, 11, 28), 3, NATIONAL, end(2026, 12, 2)),  # Saturday counts from Monday
        (wib(2026, 11, 29, 23, 30), 1, NATIONAL, end(2026, 11, 30)),  # late Sunday WIB
        # 00:30 WIB Tuesday is still Monday in UTC: the day is WIB's
        (datetime(2026, 11, 23, 17, 30, tzinfo=UTC), 1, NATIONAL, end(2026, 11, 25)),
        # Friday before a long weekend: Monday 17 August is Independence Day
        (wib(2026, 8, 14), 3, NATIONAL, end(2026, 8, 20)),
        # Friday before Waisak (Sunday 31 May) and Pancasila Day (Monday 1 June)
        (wib(2026, 5, 29), 3, NATIONAL, end(2026, 6, 4)),
        # Ascension Thursday 14 May; Friday 15 May cuti bersama only for the city
        (wib(2026, 5, 13), 3, NATIONAL, end(2026, 5, 19)),
        (wib(2026, 5, 13), 3, CITY, end(2026, 5, 20)),
        # Nyepi, Thursday 19 March 2026
        (wib(2026, 3, 18), 3, NATIONAL, end(2026, 3, 24)),
        # Idul Fitri 2026 (Sat 21, Sun 22 March) with its cuti bersama 18, 20, 23, 24
        (wib(2026, 3, 17), 3, NATIONAL, end(2026, 3, 23)),
        (wib(2026, 3, 17), 3, CITY, end(2026, 3, 27)),
        (wib(2026, 3, 17), 5, CITY, end(2026, 3, 31)),
        # Christmas Friday 25 December; New Year Friday 1 January 2027
        (wib(2026, 12, 23), 3, NATIONAL, end(2026, 12, 29)),
        (wib(2026, 12, 30), 2, NATIONAL, end(2027, 1, 4)),
    ],
)
def test_working_days(start: datetime, days: int, calendar: Calendar, due: datetime) -> None:
    assert add_working_days(start, days, calendar) == due
    assert working_days_between(start, due, calendar) == days


def test_calendar_names_the_days_off() -> None:
    assert not CITY.is_working_day(date(2026, 3, 20))
    assert NATIONAL.is_working_day(date(2026, 3, 20))  # cuti bersama: the city's list
    assert CITY.holiday_name(date(2026, 3, 20)) == "cuti bersama"
    assert NATIONAL.holiday_name(date(2026, 3, 19)) is not None  # Nyepi
    assert not NATIONAL.is_working_day(date(2026, 11, 28))  # a Saturday


def clock(calendar: Calendar = NATIONAL, **targets: int) -> ServiceClock:
    return ServiceClock(calendar=calendar, targets=Targets(**targets))  # type: ignore[arg-type]


RECEIVED = Event(wib(2026, 11, 23), "diterima")  # Monday 23 November 2026, 10:00 WIB


def test_verify_until_disposed() -> None:
    open_ = dues([RECEIVED], category="infrastruktur", grade=None)
    assert open_.verify.due_at == end(2026, 11, 26)
    assert open_.response is None and open_.completion is None
    assert open_.breached(wib(2026, 11, 26, 23)) == ()
    assert open_.breached(wib(2026, 11, 27, 8)) == ("verify",)
    disposed = dues(
        [
            RECEIVED,
            Event(wib(2026, 11, 24), "diverifikasi"),
            Event(wib(2026, 11, 25), "diteruskan", "PUPR"),
        ],
        category="infrastruktur",
        grade=None,
    )
    assert disposed.verify.done_at == wib(2026, 11, 25)
    assert disposed.response is not None and disposed.response.due_at == end(2026, 12, 2)
    # infrastruktur is kompleks: 14 working days from Wednesday 25 November
    assert disposed.completion is not None and disposed.completion.due_at == end(2026, 12, 15)
    assert disposed.breached(wib(2026, 12, 3)) == ("response",)


def test_tunda_pause_moves_the_due_time() -> None:
    events = [RECEIVED, Event(wib(2026, 11, 24), "tunda")]
    held = dues(events, category="sosial", grade=None)
    assert held.verify.due_at is None and held.verify.paused  # still open: no due time
    assert held.breached(wib(2027, 1, 1)) == ()
    resumed = dues(
        [*events, Event(wib(2026, 11, 26, 15), "diterima")], category="sosial", grade=None
    )
    # Tue 24 counts; Wed 25 and Thu 26 (the resume day) do not: Fri 27, Mon 30
    assert resumed.verify.due_at == end(2026, 11, 30)


def test_a_stage_past_due_before_the_tunda_stays_past_due() -> None:
    held = dues([RECEIVED, Event(wib(2026, 11, 30), "tunda")], category="sosial", grade=None)
    assert held.verify.due_at == end(2026, 11, 26)
    assert held.breached(wib(2026, 12, 1)) == ("verify",)


def test_tunda_while_disposed_resumes_the_unit_without_restarting() -> None:
    disposed = Event(wib(2026, 11, 23, 11), "diteruskan", "PUPR")
    events = [
        RECEIVED,
        disposed,
        Event(wib(2026, 11, 24), "tunda"),
        Event(wib(2026, 11, 25), "diteruskan", "PUPR"),  # the resident answered
    ]
    found = dues(events, category="sosial", grade=None)
    assert found.response is not None and found.completion is not None
    # response 5 from Monday: Tue 24, [Wed 25 paused], Thu 26, Fri 27, Mon 30, Tue 1
    assert found.response.due_at == end(2026, 12, 1)
    assert found.completion.due_at == end(2026, 12, 1)  # sosial: normatif, 5


def test_redisposition_restarts_response_and_completion() -> None:
    events = [
        RECEIVED,
        Event(wib(2026, 11, 23, 11), "diteruskan", "PUPR"),
        Event(wib(2026, 11, 25), "diteruskan", "DISHUB"),
    ]
    found = dues(events, category="infrastruktur", grade=None)
    assert found.verify.done_at == wib(2026, 11, 23, 11)  # the first disposal met it
    assert found.response is not None and found.response.due_at == end(2026, 12, 2)
    assert found.completion is not None and found.completion.due_at == end(2026, 12, 15)


def test_follow_up_meets_the_response_not_the_completion() -> None:
    events = [
        RECEIVED,
        Event(wib(2026, 11, 23, 11), "diteruskan", "PUPR"),
        Event(wib(2026, 11, 24), None, "PUPR"),
    ]
    found = dues(events, category="sosial", grade=None)
    assert found.response is not None and found.response.done_at == wib(2026, 11, 24)
    assert found.completion is not None and found.completion.done_at is None


def test_hand_back_ends_completion_and_restarts_verification() -> None:
    events = [
        RECEIVED,
        Event(wib(2026, 11, 23, 11), "diteruskan", "PUPR"),
        Event(wib(2026, 11, 25), "diverifikasi"),
    ]
    found = dues(events, category="sosial", grade=None)
    assert found.response is not None and found.response.done_at == wib(2026, 11, 25)
    assert found.completion is not None and found.completion.done_at == wib(2026, 11, 25)
    assert found.verify.done_at is None
    assert found.verify.due_at == end(2026, 11, 30)  # Thu 26, Fri 27, Mon 30
    again = dues(
        [*events, Event(wib(2026, 11, 26), "diteruskan", "DLH")], category="sosial", grade=None
    )
    assert again.verify.done_at == wib(2026, 11, 26)


@pytest.mark.parametrize(
    ("grade", "due"),
    [
        ("ringan", end(2026, 11, 4)),
        ("normatif", end(2026, 11, 9)),
        ("kompleks", end(2026, 11, 20)),
        ("pengawasan", end(2027, 1, 28)),  # over Christmas, New Year, Isra Mi'raj 2027
        (None, end(2026, 11, 9)),  # sosial: normatif
        ("unknown", end(2026, 11, 9)),
    ],
)
def test_each_grade(grade: str | None, due: datetime) -> None:
    events = [
        Event(wib(2026, 11, 2, 9), "diterima"),
        Event(wib(2026, 11, 2, 10), "diteruskan", "X"),
    ]
    found = dues(events, category="sosial", grade=grade)
    assert found.completion is not None and found.completion.due_at == due


def test_category_grades_and_configured_targets() -> None:
    events = [
        Event(wib(2026, 11, 2, 9), "diterima"),
        Event(wib(2026, 11, 2, 10), "diteruskan", "X"),
    ]
    found = dues(events, category="kependudukan", grade=None)  # ringan
    assert found.completion is not None and found.completion.due_at == end(2026, 11, 4)
    custom = ServiceClock(
        targets=Targets(verify_days=1, grades={"ringan": 1, "normatif": 7}, category_grades={})
    )
    found = dues(events, category="kependudukan", grade=None, clock=custom)
    assert found.verify.due_at == end(2026, 11, 3)
    assert found.completion is not None and found.completion.due_at == end(2026, 11, 11)


# --------------------------------------------------------------------------- config


def write(tmp_path, body: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_config_builds_the_clock(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write(
        tmp_path,
        '[sla]\nverify_days = 2\nextra_holidays = ["2026-03-20"]\n'
        'grades = { kompleks = 10 }\ncategories = { sosial = "ringan" }\n'
        'quiet_start = ""\nquiet_end = ""\ndigest_at = "08:30"\n',
    )
    sla = load_settings(path, environ={}).sla
    made = sla.clock
    assert made.targets.verify_days == 2 and made.targets.response_days == 5
    assert made.targets.grades["kompleks"] == 10 and made.targets.grades["pengawasan"] == 60
    assert made.targets.grade_of("sosial", None) == "ringan"
    assert made.targets.grade_of("infrastruktur", None) == "kompleks"
    assert not made.calendar.is_working_day(date(2026, 3, 20))
    assert sla.quiet_hours is None and sla.digest_time == time(8, 30)
    assert load_settings(None, environ={}, cwd=tmp_path / "x").sla.quiet_hours == (
        time(21),
        time(6),
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('extra_holidays = ["20-03-2026"]', "sla.extra_holidays"),
        ("verify_days = 0", "sla.verify_days"),
        ("grades = { mudah = 1 }", "unknown grade 'mudah'"),
        ('categories = { jalan = "ringan" }', "unknown category 'jalan'"),
        ('categories = { sosial = "berat" }', "unknown grade"),
        ('quiet_start = "25:00"', "sla.quiet_start"),
        ('quiet_end = ""', "give both"),
        ('digest_at = "7 pagi"', "sla.digest_at"),
        ("reminder_day = 1", "did you mean 'reminder_days'"),
    ],
)
def test_config_errors_are_one_line(tmp_path, body: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, f"[sla]\n{body}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert message in str(caught.value) and "\n" not in str(caught.value)


# --------------------------------------------------------------------------- stored


def submit(session, at: datetime, category: str = "infrastruktur") -> Aspiration:  # type: ignore[no-untyped-def]
    new = NewAspiration(
        category=category,
        kecamatan_code="12.72.01",
        kelurahan_code="12.72.01.1001",
        text="Jalan berlubang di depan sekolah",
        language="id",
        anonymous=True,
        channel="telegram",
        resident_id=None,
    )
    aspiration = create_aspiration(session=session, new=new, now=at, clock=CITY_CLOCK)
    session.flush()
    return aspiration


CITY_CLOCK = ServiceClock(calendar=CITY)


def move(session, aspiration: Aspiration, status: str, at: datetime, **kw) -> None:  # type: ignore[no-untyped-def]
    note = kw.pop("note", "catatan")
    change_status(
        session=session,
        aspiration=aspiration,
        status=status,
        actor="telegram:1",
        note=note,
        now=at,
        clock=CITY_CLOCK,
        **kw,
    )


def test_the_workflow_stores_due_times(db: Engine) -> None:
    with transaction(db) as session:
        ensure_units(session, "PUPR", "DISHUB")
        aspiration = submit(session, wib(2026, 3, 17))  # before Nyepi and Idul Fitri
        assert aspiration.verify_due_at == end(2026, 3, 27)
        assert aspiration.next_due_at == end(2026, 3, 27)
        move(session, aspiration, "diverifikasi", wib(2026, 3, 25))
        assert aspiration.next_due_at == end(2026, 3, 27)  # verified, not yet disposed
        move(session, aspiration, "diteruskan", wib(2026, 3, 30), opd="PUPR")
        assert aspiration.breached == "verify"  # disposed a working day late
        assert aspiration.response_due_at == end(2026, 4, 7)  # Good Friday 3 April
        assert aspiration.next_due_at == end(2026, 4, 7)
        add_follow_up(
            session=session,
            aspiration=aspiration,
            actor="telegram:2",
            opd_code="PUPR",
            text="Sudah disurvei",
            now=wib(2026, 3, 31),
            clock=CITY_CLOCK,
        )
        # the response is met; completion (kompleks, 14) runs on
        assert aspiration.completion_due_at == end(2026, 4, 20)
        assert aspiration.next_due_at == end(2026, 4, 20)
        move(session, aspiration, "tunda", wib(2026, 4, 1), note="Di nomor berapa?")
        assert aspiration.next_due_at is None  # on hold: no clock runs
        attach_answer(
            session=session,
            aspiration=aspiration,
            now=wib(2026, 4, 6),
            text="No. 12",
            clock=CITY_CLOCK,
        )
        assert aspiration.status == "diteruskan" and aspiration.opd_code == "PUPR"
        # Thu 2 and Mon 6 (the answer's day) did not count: two working days later
        assert aspiration.next_due_at == end(2026, 4, 22)
        move(session, aspiration, "diteruskan", wib(2026, 4, 7), opd="DISHUB", note="salah unit")
        assert aspiration.response_due_at == end(2026, 4, 14)  # restarted for DISHUB
        assert aspiration.breached == "verify"  # kept across the re-disposition
        move(session, aspiration, "diproses", wib(2026, 4, 8))
        move(session, aspiration, "selesai", wib(2026, 4, 8, 11))
    with transaction(db) as session:
        stored = session.get(Aspiration, aspiration.id)
        assert stored is not None
        assert stored.next_due_at is None  # closed
        assert stored.response_due_at == end(2026, 4, 14)
        assert stored.breached == "verify"
