"""Dates and times typed by facilitators: every usual form means the same WIB
moment; anything else is refused with a reason and an example."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import NOW

from bot.i18n import load_catalog
from handlers.core.datetimes import (
    clock,
    end_examples,
    example,
    parse_end,
    parse_wib_datetime,
    read_datetime,
    short_date,
)
from handlers.core.validation import Invalid
from storage.clock import WIB

TWELFTH = datetime(2026, 12, 12, 9, 0, tzinfo=WIB)  # 12 Dec 2026, 09.00 WIB


def refusal(text: str, now: datetime = NOW) -> Invalid:
    with pytest.raises(Invalid) as caught:
        parse_wib_datetime(text, now)
    return caught.value


@pytest.mark.parametrize(
    "typed",
    [
        "12-12-2026 09.00",
        "12/12/2026 09:00",
        "12 Desember 2026 09.00",
        "12 desember 2026 9.00",
        "12 Des 2026 09.00",
        "12 December 2026 09:00",
        "12 Dec. 2026 09:00",
        "12.12.2026 09.00",
        "12-12-26 09.00",
        "2026-12-12 09:00",
        "  12-12-2026   09.00  ",
        "12-12-2026, 09.00",
        "12-12-2026 pukul 09.00",
        "12-12-2026 jam 09.00 WIB",
        "Sabtu, 12 Desember 2026 pukul 09.00 WIB",  # as the bot itself shows dates
        "Saturday, 12 December 2026 at 09:00 WIB",
        "12 Desember 09.00",  # no year: the next 12 December
    ],
)
def test_every_usual_form_means_the_same_wib_moment(typed: str) -> None:
    moment = parse_wib_datetime(typed, NOW)
    assert moment == TWELFTH
    assert moment.utcoffset() == timedelta(hours=7)
    assert moment.astimezone(UTC) == datetime(2026, 12, 12, 2, 0, tzinfo=UTC)


def test_a_day_without_a_year_already_past_this_year_is_next_year() -> None:
    assert parse_wib_datetime("3 Maret 10.30", NOW) == datetime(2027, 3, 3, 10, 30, tzinfo=WIB)
    # the same day, earlier than now (09.00): next year's, later today: today's
    assert parse_wib_datetime("28 November 08.00", NOW).year == 2027
    assert parse_wib_datetime("28 November 10.00", NOW) == datetime(2026, 11, 28, 10, 0, tzinfo=WIB)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("besok pagi", "datetime.unparseable"),
        ("", "datetime.unparseable"),
        ("12-12-2026 9", "datetime.unparseable"),
        ("12 Desembre 2026 09.00", "datetime.unparseable"),  # a misspelt month
        ("12-12-2026", "datetime.needs_time"),
        ("12 Desember 2026", "datetime.needs_time"),
        ("09.00", "datetime.needs_date"),
        ("31-02-2027 09.00", "datetime.no_such_date"),
        ("29-02-2027 09.00", "datetime.no_such_date"),
        ("12-13-2026 09.00", "datetime.no_such_date"),
        ("12-12-2026 24.00", "datetime.bad_time"),
        ("12-12-2026 09.75", "datetime.bad_time"),
        ("27-11-2026 09.00", "datetime.past"),
        ("28-11-2026 09.00", "datetime.past"),  # exactly now is not the future
        ("28-11-2026 08.59", "datetime.past"),
        ("12-12-2028 09.00", "datetime.too_far"),
    ],
)
def test_refusals_say_why_with_an_example(typed: str, key: str) -> None:
    problem = refusal(typed)
    assert problem.key == key
    assert problem.params == {"example": "12-12-2026 09.00"}


def test_a_leap_day_is_a_date() -> None:
    now = datetime(2027, 12, 1, 2, 0, tzinfo=UTC)
    assert parse_wib_datetime("29-02-2028 09.00", now) == datetime(2028, 2, 29, 9, 0, tzinfo=WIB)


def test_read_datetime_also_reads_the_past() -> None:
    assert read_datetime("1-11-2026 08.00", NOW) == datetime(2026, 11, 1, 8, 0, tzinfo=WIB)


def test_the_example_is_two_weeks_ahead_in_wib() -> None:
    assert example(NOW) == "12-12-2026 09.00"
    # 20.00 UTC on 30 Nov is already 1 Dec in Pematangsiantar
    assert example(datetime(2026, 11, 30, 20, 0, tzinfo=UTC)) == "15-12-2026 09.00"
    assert parse_wib_datetime(example(NOW), NOW) > NOW


def test_short_forms_are_in_wib() -> None:
    moment = datetime(2026, 12, 11, 20, 30, tzinfo=UTC)  # 12 Dec, 03.30 WIB
    assert short_date(moment) == "12-12-2026"
    assert clock(moment) == "03.30"


# --- the end of something that starts at TWELFTH ----------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12.00", datetime(2026, 12, 12, 12, 0, tzinfo=WIB)),
        ("12:00", datetime(2026, 12, 12, 12, 0, tzinfo=WIB)),
        ("pukul 15.30 WIB", datetime(2026, 12, 12, 15, 30, tzinfo=WIB)),
        ("12-12-2026 16.00", datetime(2026, 12, 12, 16, 0, tzinfo=WIB)),
        ("13 Desember 2026 12.00", datetime(2026, 12, 13, 12, 0, tzinfo=WIB)),
    ],
)
def test_an_end_is_a_time_that_day_or_a_full_date(typed: str, expected: datetime) -> None:
    assert parse_end(typed, start=TWELFTH, now=NOW) == expected


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("08.00", "datetime.end_before_start"),
        ("09.00", "datetime.end_before_start"),  # ending as it starts is no training
        ("11-12-2026 12.00", "datetime.end_before_start"),
        ("siang", "datetime.end_unparseable"),
        ("25.00", "datetime.bad_time"),
        ("12-12-2026", "datetime.needs_time"),
        ("12-12-2028 12.00", "datetime.too_far"),
    ],
)
def test_an_end_not_after_the_start_is_refused(typed: str, key: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_end(typed, start=TWELFTH, now=NOW)
    assert caught.value.key == key


def test_an_end_refused_for_another_reason_has_an_example_of_an_end() -> None:
    with pytest.raises(Invalid) as caught:
        parse_end("12-12-2026", start=TWELFTH, now=NOW)
    assert caught.value.params == {"example": "12-12-2026 12.00"}
    with pytest.raises(Invalid) as caught:
        parse_end("siang", start=TWELFTH, now=NOW)
    assert caught.value.params == {"time": "12.00", "example": "12-12-2026 12.00"}


def test_an_end_before_the_start_names_the_start_and_examples() -> None:
    with pytest.raises(Invalid) as caught:
        parse_end("08.00", start=TWELFTH, now=NOW)
    assert caught.value.params == {
        "start": TWELFTH,
        "time": "12.00",
        "example": "12-12-2026 12.00",
    }


def test_end_examples_stay_on_the_start_day() -> None:
    assert end_examples(TWELFTH) == {"time": "12.00", "example": "12-12-2026 12.00"}
    late = datetime(2026, 12, 12, 22, 0, tzinfo=WIB)
    assert end_examples(late)["time"] == "23.59"
    assert parse_end(end_examples(late)["time"], start=late, now=NOW) > late


def test_every_refusal_is_in_both_catalogs_with_its_placeholders() -> None:
    source = (Path(__file__).parents[1] / "handlers" / "core" / "datetimes.py").read_text()
    keys = set(re.findall(r'Invalid\(\s*"(datetime\.[a-z_]+)"', source))
    assert len(keys) >= 8
    for language in ("id", "en"):
        catalog = load_catalog(language)
        assert keys <= catalog.keys(), language
        assert "{example}" in catalog["datetime.past"]
        assert "{start}" in catalog["datetime.end_before_start"]
