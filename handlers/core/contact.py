"""Who runs the service and how to reach a person: the ``[service]`` facts residents
are told in help and after submitting (office, phone, hours, emergency numbers),
and the office hours' arithmetic ("when will a person read this?").

Office hours are open days (weekdays, Monday = 0) and an opening and closing time
in WIB, on the working days of the service clock's calendar: a national holiday
or a cuti bersama is closed even when its weekday is an open day. Every answer is
a pure function of ``now`` and the calendar.

Weekday names and times are formatted with Babel (``get_day_names``,
``format_time``) in the reader's language rather than from a hand-kept list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from babel.dates import format_time, get_day_names

from storage.clock import WIB
from storage.sla import Calendar

WEEKDAYS = 7
_TIME_PATTERNS = {"id": "HH.mm", "en": "HH:mm"}
_LOOK_AHEAD_DAYS = 400  # a year of holidays at most before an open day


@dataclass(frozen=True)
class OfficeHours:
    """When a person reads the chat: ``days`` (weekdays, Monday = 0) from ``opens``
    to ``closes`` (WIB), working days only."""

    days: frozenset[int] = frozenset(range(5))
    opens: time = time(8, 0)
    closes: time = time(16, 0)

    def _open_day(self, day: date, calendar: Calendar) -> bool:
        return day.weekday() in self.days and calendar.is_working_day(day)

    def is_open(self, now: datetime, calendar: Calendar) -> bool:
        local = now.astimezone(WIB)
        return self._open_day(local.date(), calendar) and self.opens <= local.time() < self.closes

    def next_opening(self, now: datetime, calendar: Calendar) -> datetime | None:
        """The next time the office opens after ``now`` (today's opening when it is
        still to come); None when no day of the next year is an open day."""
        local = now.astimezone(WIB)
        day = local.date()
        if self._open_day(day, calendar) and local.time() < self.opens:
            return datetime.combine(day, self.opens, tzinfo=WIB)
        for _ in range(_LOOK_AHEAD_DAYS):
            day += timedelta(days=1)
            if self._open_day(day, calendar):
                return datetime.combine(day, self.opens, tzinfo=WIB)
        return None

    def describe(self, language: str) -> str:
        """ "Senin–Jumat 08.00–16.00 WIB" in ``language``: runs of days joined."""
        names = get_day_names("wide", locale=language)
        runs: list[str] = []
        for first, last in _runs(sorted(self.days)):
            runs.append(names[first] if first == last else f"{names[first]}–{names[last]}")
        pattern = _TIME_PATTERNS.get(language, _TIME_PATTERNS["id"])
        opens = format_time(self.opens, pattern, locale=language)
        closes = format_time(self.closes, pattern, locale=language)
        return f"{', '.join(runs)} {opens}–{closes} WIB"


def _runs(days: list[int]) -> list[tuple[int, int]]:
    """[0, 1, 2, 3, 4, 6] → [(0, 4), (6, 6)]."""
    runs: list[tuple[int, int]] = []
    for day in days:
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


@dataclass(frozen=True)
class ServiceFacts:
    """``[service]``: empty fields are left out of every text, never shown blank."""

    name: str = "Pemerintah Kota Pematangsiantar"
    office: str = ""
    phone: str = ""
    whatsapp: str = ""
    hours: OfficeHours = field(default_factory=OfficeHours)
    emergency: tuple[str, ...] = ("112",)
