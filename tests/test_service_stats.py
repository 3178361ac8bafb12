"""The service clocks' numbers (storage.service_stats) on a hand-built history
whose working days are counted by hand in tests/service_history.py."""

from __future__ import annotations

from datetime import date

from service_history import NOW_SERVICE, build_history, wib
from sqlalchemy import Engine

from storage.db import transaction
from storage.service_stats import OnTime, ServiceStats, service_stats
from storage.sla import DEFAULT_CLOCK, Calendar, ServiceClock


def _numbers(db: Engine, clock: ServiceClock = DEFAULT_CLOCK, **period: date) -> ServiceStats:
    with transaction(db) as session:
        return service_stats(session=session, now=NOW_SERVICE, clock=clock, **period)


def _pair(on_time: OnTime) -> tuple[int, int]:
    return on_time.met, on_time.late


def test_on_time_per_stage_medians_and_backlog(db: Engine) -> None:
    build_history(db)
    numbers = _numbers(db)

    assert {stage: _pair(n) for stage, n in numbers.on_time.items()} == {
        "verify": (2, 2),  # A, C on time; B met late, D running past its due time
        "response": (2, 1),  # A, C on time; B running past its due time
        "completion": (1, 1),  # A on time; B past due; C not due yet
    }
    assert numbers.on_time["verify"].rate == 0.5
    # verification: A 2 (Fri → Tue over a weekend), B 4, C 6 working days
    assert numbers.median_verify_days == 4
    assert numbers.median_completion_days == 4  # A: Tue 10 → Mon 16
    assert (numbers.open, numbers.overdue) == (4, 2)  # B, C, D, E open; B, D overdue

    rows = [(u.code, u.name, u.open, u.overdue) for u in numbers.units]
    assert rows == [
        (None, "", 2, 1),  # D and E with the city staff, D overdue
        ("DISHUB", "Dinas Perhubungan", 1, 1),
        ("PUPR", "Dinas PUPR", 1, 0),
    ]
    by_code = {u.code: u for u in numbers.units}
    assert _pair(by_code["PUPR"].on_time["response"]) == (2, 0)
    assert _pair(by_code["PUPR"].on_time["completion"]) == (1, 0)
    assert by_code["PUPR"].median_completion_days == 4
    assert _pair(by_code["DISHUB"].on_time["response"]) == (0, 1)
    assert _pair(by_code["DISHUB"].on_time["completion"]) == (0, 1)
    assert by_code["DISHUB"].median_completion_days is None


def test_the_period_limits_the_rates_not_the_backlog(db: Engine) -> None:
    build_history(db)
    numbers = _numbers(db, since=date(2026, 11, 9), until=date(2026, 11, 30))  # C, D, E

    assert {stage: _pair(n) for stage, n in numbers.on_time.items()} == {
        "verify": (1, 1),
        "response": (1, 0),
        "completion": (0, 0),
    }
    assert numbers.median_verify_days == 6 and numbers.median_completion_days is None
    assert numbers.on_time["completion"].rate is None
    assert (numbers.open, numbers.overdue) == (4, 2)  # the backlog now, whatever the period


def test_a_city_holiday_counts_in_the_medians(db: Engine) -> None:
    build_history(db)
    # cuti bersama on Monday 9 November: A took 1 working day, B 3, C 5
    clock = ServiceClock(calendar=Calendar(extra_holidays=frozenset({date(2026, 11, 9)})))
    numbers = _numbers(db, clock=clock)
    assert numbers.median_verify_days == 3


def test_nothing_to_count(db: Engine) -> None:
    numbers = _numbers(db)
    assert numbers.units == () and (numbers.open, numbers.overdue) == (0, 0)
    assert numbers.median_verify_days is None
    assert all(n.rate is None for n in numbers.on_time.values())
    assert numbers.now == NOW_SERVICE == wib(23)
