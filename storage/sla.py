"""Service clocks in Indonesian working days, after SP4N-LAPOR!.

Three stages, each with its own clock:

- ``verify``: from receipt, city staff verify and dispose (or close) it within
  ``verify_days`` working days (LAPOR: 3);
- ``response``: from the (latest) disposition, the unit answers within
  ``response_days`` (LAPOR: 5): a follow-up note, ``diproses``, ``selesai`` or
  handing it back to the city staff;
- ``completion``: from the (latest) disposition, the unit finishes it within the
  days of its grade (LAPOR: ringan 2, normatif 5, kompleks 14, pengawasan 60).

Counting, in WIB: day 1 is the first working day after the day the clock starts,
and the stage is due at the end of its last day (23:59:59 WIB). A working day is a
Monday to Friday that is neither a national holiday (the ``holidays`` package,
country ID: Idul Fitri, Nyepi, Natal … as the government fixes them) nor one of the
city's ``extra_holidays`` (cuti bersama). While the aspiration waits for the
resident's answer (``tunda``) no clock runs: the working days after the day it was
put on hold, up to and including the day it resumed, do not count. The status a
tunda resumes is not a new start: resuming ``diteruskan`` is not a disposal. A
stage already past due when it was put on hold stays past due.

When a unit hands an aspiration back to the city staff (``diverifikasi``), its
response and completion clocks stop there, and the verification clock starts
again: the staff have ``verify_days`` to dispose it anew or close it. A new
disposal starts new response and completion clocks.

``dues`` is a pure function of the aspiration's events and the calendar; the
workflow stores its result on the aspiration (``refresh_dues``) so that "what is
overdue" is one indexed query. Why the ``holidays`` package: it knows the moving
Islamic, Chinese and Balinese holidays year by year, which a hand-kept list would
have to be told every year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property

import holidays

from storage.clock import WIB

STAGES = ("verify", "response", "completion")
# LAPOR's completion grades, in working days.
GRADES: Mapping[str, int] = {"ringan": 2, "normatif": 5, "kompleks": 14, "pengawasan": 60}
DEFAULT_GRADE = "normatif"
# Which grade a category's aspirations take unless staff choose another: a
# default for the city to confirm (``[sla] grades`` in the config overrides it).
CATEGORY_GRADES: Mapping[str, str] = {
    "infrastruktur": "kompleks",
    "lingkungan": "normatif",
    "perhubungan": "normatif",
    "air": "normatif",
    "kependudukan": "ringan",
    "bencana": "ringan",
}
# A stage's clock stops at these statuses (the verify stage also at diteruskan).
CLOSED = ("selesai", "ditolak", "spam", "duplik", "bukan_wewenang", "arsip")
_UNIT_ANSWERS = ("diproses", "selesai", "diverifikasi")  # diverifikasi: handed back


@dataclass(frozen=True)
class Calendar:
    """Working days in Pematangsiantar: weekdays that are not holidays."""

    extra_holidays: frozenset[date] = frozenset()
    # each day's answer, once asked: the holidays lookup is slow next to a dict
    _known: dict[date, bool] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def _national(self) -> holidays.HolidayBase:
        return holidays.country_holidays("ID")  # fills in each year as it is asked

    def is_working_day(self, day: date) -> bool:
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = (
                day.weekday() < 5 and day not in self._national and day not in self.extra_holidays
            )
        return known

    def holiday_name(self, day: date) -> str | None:
        if day in self.extra_holidays:
            return "cuti bersama"
        name = self._national.get(day)
        return str(name) if name else None


@dataclass(frozen=True)
class Targets:
    """How many working days each stage may take."""

    verify_days: int = 3
    response_days: int = 5
    grades: Mapping[str, int] = field(default_factory=lambda: dict(GRADES))
    category_grades: Mapping[str, str] = field(default_factory=lambda: dict(CATEGORY_GRADES))

    def grade_of(self, category: str, chosen: str | None) -> str:
        grade = chosen or self.category_grades.get(category, DEFAULT_GRADE)
        return grade if grade in self.grades else DEFAULT_GRADE

    def completion_days(self, category: str, chosen: str | None) -> int:
        return self.grades[self.grade_of(category, chosen)]


@dataclass(frozen=True)
class ServiceClock:
    """The calendar and targets an installation runs on (``[sla]`` in the config)."""

    calendar: Calendar = field(default_factory=Calendar)
    targets: Targets = field(default_factory=Targets)


DEFAULT_CLOCK = ServiceClock()


@dataclass(frozen=True)
class Event:
    """One thing that happened to an aspiration: a status change (``status``, with
    the unit at ``diteruskan``) or a unit's follow-up note (``status`` None)."""

    at: datetime
    status: str | None
    opd_code: str | None = None


@dataclass(frozen=True)
class Stage:
    """One clock: when it is due (None while paused or not started) and when it
    was met (None while it runs)."""

    name: str
    due_at: datetime | None
    done_at: datetime | None = None
    paused: bool = False

    def breached(self, now: datetime) -> bool:
        """Past due: met late, or still open after the due time."""
        if self.due_at is None:
            return False
        return (self.done_at or now) > self.due_at


@dataclass(frozen=True)
class Dues:
    verify: Stage
    response: Stage | None  # None until it is disposed to a unit
    completion: Stage | None

    @property
    def stages(self) -> tuple[Stage, ...]:
        return tuple(s for s in (self.verify, self.response, self.completion) if s is not None)

    def breached(self, now: datetime) -> tuple[str, ...]:
        return tuple(stage.name for stage in self.stages if stage.breached(now))


def _wib_day(at: datetime) -> date:
    return at.astimezone(WIB).date()


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=WIB)


def add_working_days(
    start: datetime,
    days: int,
    calendar: Calendar,
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> datetime:
    """The end of the ``days``-th working day after ``start``'s day, skipping the
    days of ``pauses`` (each from the day after it began up to the day it ended)."""
    skipped = [(_wib_day(begun), _wib_day(ended)) for begun, ended in pauses]
    day, counted = _wib_day(start), 0
    one_day, working = timedelta(days=1), calendar.is_working_day
    while counted < days:
        day += one_day
        if working(day) and not (skipped and any(b < day <= e for b, e in skipped)):
            counted += 1
    return _end_of(day)


def working_days_between(start: datetime, end: datetime, calendar: Calendar) -> int:
    """Working days after ``start``'s day up to and including ``end``'s day."""
    first, last = _wib_day(start), _wib_day(end)
    days = (last - first).days
    return sum(calendar.is_working_day(first + timedelta(days=n)) for n in range(1, days + 1))


def _pauses(events: Sequence[Event]) -> tuple[list[tuple[datetime, datetime]], datetime | None]:
    """The tunda periods (begun, ended) and when the one still open began."""
    found: list[tuple[datetime, datetime]] = []
    begun: datetime | None = None
    for event in events:
        if event.status is None:
            continue
        if event.status == "tunda" and begun is None:
            begun = event.at
        elif event.status != "tunda" and begun is not None:
            found.append((begun, event.at))
            begun = None
    return found, begun


def _stage(
    name: str,
    start: datetime,
    days: int,
    ends: Iterable[Event],
    events: Sequence[Event],
    calendar: Calendar,
) -> Stage:
    """A clock from ``start``, met by the first of ``ends`` after it."""
    done = next((e.at for e in ends if e.at >= start), None)
    pauses, open_pause = _pauses([e for e in events if e.at >= start])
    if done is not None:
        pauses = [(b, e) for b, e in pauses if b < done]
    due = add_working_days(start, days, calendar, pauses)
    if done is None and open_pause is not None:
        # on hold: no due time, unless it was already past due when put on hold
        return Stage(name, due if open_pause > due else None, None, paused=True)
    return Stage(name, due, done)


def _marked(events: Sequence[Event]) -> tuple[list[Event], list[Event]]:
    """The disposals (``diteruskan``, not a tunda resuming it) and the hand-backs
    (``diverifikasi`` from a unit) among the status changes."""
    disposals: list[Event] = []
    hand_backs: list[Event] = []
    previous: str | None = None
    for event in events:
        if event.status is None:
            continue
        if event.status == "diteruskan" and previous != "tunda":
            disposals.append(event)
        elif event.status == "diverifikasi" and previous in ("diteruskan", "diproses"):
            hand_backs.append(event)
        previous = event.status
    return disposals, hand_backs


def dues(
    events: Sequence[Event],
    *,
    category: str,
    grade: str | None,
    clock: ServiceClock = DEFAULT_CLOCK,
) -> Dues:
    """Each stage's due time, from the aspiration's events (oldest first; the
    first is its receipt)."""
    calendar, targets = clock.calendar, clock.targets
    disposals, hand_backs = _marked(events)
    # the staff's clock runs from receipt, or from the unit's latest hand-back
    received = hand_backs[-1].at if hand_backs else events[0].at
    verified = [e for e in disposals if e.at >= received]
    verified += [e for e in events if e.status in CLOSED]
    verified.sort(key=lambda event: event.at)
    verify = _stage("verify", received, targets.verify_days, verified, events, calendar)
    if not disposals:
        return Dues(verify, None, None)
    disposed = disposals[-1].at
    # what came after the disposal in the events' order: a change in the same
    # instant but before it (verified and disposed at once) does not answer it
    at = max(i for i, e in enumerate(events) if e is disposals[-1])
    after = list(events[at + 1 :])
    answered = [e for e in after if e.status is None or e.status in (*_UNIT_ANSWERS, *CLOSED)]
    response = _stage("response", disposed, targets.response_days, answered, events, calendar)
    days = targets.completion_days(category, grade)
    finished = [e for e in after if e.status in ("diverifikasi", *CLOSED)]
    completion = _stage("completion", disposed, days, finished, events, calendar)
    return Dues(verify, response, completion)
