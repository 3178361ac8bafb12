"""Which service-clock alerts to send now: a pure function of the running clocks,
the alerts already sent, who is responsible, the calendar and ``now``.

- a **reminder** ``reminder_days`` working days before the due day (from 00:00
  WIB of that day): verification to the city staff, the unit's response and
  completion to its officers;
- a **breach** escalation once a due time has passed, once per stage and due
  time: to the unit's officers (the city staff, for verification) and the admins;
- a **digest** per unit (and one for the city staff's verifications) at
  ``digest_at`` on working days: what is due within a working day and what is
  overdue.

A unit without officers, or an installation without staff, has its alerts go to
the admins. Nothing is planned in quiet hours (WIB): what came due then is
planned at ``quiet_end``. An alert's ``key`` names it (stage and due time, or the
unit and day): the caller records it with the messages, so it goes out once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from storage.clock import WIB, wib_midnight
from storage.sla import Calendar, add_working_days

STAFF_DESK = ""  # the "unit" of the digest of verifications: the city staff


@dataclass(frozen=True)
class Watch:
    """When alerts go out (``[sla]``)."""

    reminder_days: int = 1
    quiet: tuple[time, time] | None = (time(21), time(6))
    digest_at: time | None = time(7)


@dataclass(frozen=True)
class RunningClock:
    """One stage of an open aspiration whose clock runs (not met, not on hold)."""

    aspiration_id: int
    opd_code: str | None
    stage: str  # verify | response | completion
    due_at: datetime


@dataclass(frozen=True)
class People:
    """Who is told: the city staff, the admins, each unit's officers (identities)."""

    staff: tuple[str, ...] = ()
    admins: tuple[str, ...] = ()
    officers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def responsible(self, clock_unit: str | None, stage: str) -> tuple[str, ...]:
        """Whose clock it is: the staff's for verification, else the unit's officers;
        the admins when nobody holds that job."""
        if stage == "verify" or not clock_unit:
            return self.staff or self.admins
        return self.officers.get(clock_unit) or self.admins


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str  # reminder | breach | digest
    recipients: tuple[str, ...]
    opd_code: str | None = None  # the unit (None: the city staff)
    stage: str | None = None
    aspiration_id: int | None = None
    due_at: datetime | None = None
    due_soon: tuple[RunningClock, ...] = ()  # digest
    overdue: tuple[RunningClock, ...] = ()  # digest


def is_quiet(now: datetime, watch: Watch) -> bool:
    """Whether ``now`` (read in WIB) is within the quiet hours."""
    if watch.quiet is None:
        return False
    start, end = watch.quiet
    moment = now.astimezone(WIB).time()
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # over midnight


def remind_from(due_at: datetime, days: int, calendar: Calendar) -> datetime:
    """00:00 WIB of the working day ``days`` working days before the due day."""
    day = due_at.astimezone(WIB).date()
    counted = 0
    while counted < days:
        day -= timedelta(days=1)
        counted += calendar.is_working_day(day)
    return wib_midnight(day)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(WIB).strftime("%Y%m%d%H%M")


def alert_key(kind: str, clock: RunningClock) -> str:
    return f"{kind}:{clock.aspiration_id}:{clock.stage}:{_stamp(clock.due_at)}"


def digest_key(unit: str | None, day: date) -> str:
    return f"digest:{unit or 'staf'}:{day.isoformat()}"


def _unique(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(identity for group in groups for identity in group))


def plan_clock_alerts(
    clocks: Sequence[RunningClock],
    *,
    sent: Set[str],
    people: People,
    now: datetime,
    calendar: Calendar,
    watch: Watch,
) -> list[Alert]:
    """The reminders and escalations to send now, none already in ``sent``."""
    if is_quiet(now, watch):
        return []
    planned: list[Alert] = []
    for clock in clocks:
        responsible = people.responsible(clock.opd_code, clock.stage)
        if now > clock.due_at:
            kind, recipients = "breach", _unique(responsible, people.admins)
        elif watch.reminder_days and now >= remind_from(
            clock.due_at, watch.reminder_days, calendar
        ):
            kind, recipients = "reminder", responsible
        else:
            continue
        key = alert_key(kind, clock)
        if key in sent or not recipients:
            continue
        planned.append(
            Alert(
                key=key,
                kind=kind,
                recipients=recipients,
                opd_code=clock.opd_code,
                stage=clock.stage,
                aspiration_id=clock.aspiration_id,
                due_at=clock.due_at,
            )
        )
    return planned


def digest_due(now: datetime, calendar: Calendar, watch: Watch) -> bool:
    """Whether today's digests go out now: a working day, past ``digest_at``."""
    local = now.astimezone(WIB)
    if watch.digest_at is None or is_quiet(now, watch):
        return False
    return calendar.is_working_day(local.date()) and local.time() >= watch.digest_at


def plan_digests(
    clocks: Sequence[RunningClock],
    *,
    sent: Set[str],
    people: People,
    now: datetime,
    calendar: Calendar,
    watch: Watch,
) -> list[Alert]:
    """Today's digest for each unit (and the city staff) with something due within
    a working day or overdue; each aspiration once, at its earliest running due."""
    if not digest_due(now, calendar, watch):
        return []
    today = now.astimezone(WIB).date()
    horizon = add_working_days(now, 1, calendar)
    earliest: dict[int, RunningClock] = {}
    for clock in clocks:
        known = earliest.get(clock.aspiration_id)
        if known is None or clock.due_at < known.due_at:
            earliest[clock.aspiration_id] = clock
    by_unit: dict[str, list[RunningClock]] = {}
    for clock in sorted(earliest.values(), key=lambda c: (c.due_at, c.aspiration_id)):
        if clock.due_at <= horizon:
            unit = STAFF_DESK if clock.stage == "verify" else clock.opd_code or STAFF_DESK
            by_unit.setdefault(unit, []).append(clock)
    planned: list[Alert] = []
    for unit, listed in sorted(by_unit.items()):
        key = digest_key(unit, today)
        recipients = people.responsible(unit or None, "verify" if not unit else "response")
        if key in sent or not recipients:
            continue
        planned.append(
            Alert(
                key=key,
                kind="digest",
                recipients=recipients,
                opd_code=unit or None,
                due_soon=tuple(c for c in listed if c.due_at >= now),
                overdue=tuple(c for c in listed if c.due_at < now),
            )
        )
    return planned


def horizon_of(now: datetime, calendar: Calendar, watch: Watch) -> datetime:
    """The latest due time any alert planned now can be about."""
    return add_working_days(now, max(watch.reminder_days, 1), calendar)
