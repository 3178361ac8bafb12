"""The service clocks' numbers for ``/statistik`` and ``siantar stats``: on time
per stage and per unit, median working days to verification and to completion,
and the open and overdue backlog per unit.

The backlog is counted in SQL: ``next_due_at`` is indexed, so "open and overdue
per unit" is one grouped statement whatever the number of aspirations. The
on-time rates and medians need working days, so they are worked out in Python
from the period's status changes and follow-ups, each loaded in one query (never
one per aspiration). A stage is on time when it was met by its stored due time
(``storage.sla``, written by ``storage.workflow.refresh_dues``), late when met
after it or still running past it at ``now``; a stage still running before its
due time, or paused (tunda), is not counted yet. The medians count the working
days as the resident lived them (``storage.sla.working_days_between``), tunda
pauses included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from statistics import median
from typing import Any

from sqlalchemy import case, func
from sqlalchemy import select as select_columns  # sqlmodel's stops at four
from sqlmodel import Session, col, select

from storage.clock import WIB
from storage.models import Aspiration, AspirationNote, AspirationStatusChange, Opd
from storage.sla import _UNIT_ANSWERS, CLOSED, STAGES, ServiceClock, working_days_between
from storage.stats import wib_day_bounds
from storage.workflow import OPEN_STATUSES


@dataclass
class OnTime:
    """How many stages were met by their due time (``met``) and how many were
    not (``late``: met after it, or still running past it)."""

    met: int = 0
    late: int = 0

    @property
    def counted(self) -> int:
        return self.met + self.late

    @property
    def rate(self) -> float | None:
        """The share met on time, 0..1; None when nothing was counted."""
        return self.met / self.counted if self.counted else None


@dataclass
class UnitNumbers:
    """One unit's numbers. ``code`` None stands for the city staff: what is open
    and not (or no longer) with a unit. ``on_time`` has the unit's stages,
    ``response`` and ``completion`` (verification is the city staff's)."""

    code: str | None
    name: str  # the short name residents read ("Dinas PUPR"); "" for the city staff
    open: int = 0  # open now, whatever the period
    overdue: int = 0  # open and past the due time of a running stage, now
    on_time: dict[str, OnTime] = field(
        default_factory=lambda: {"response": OnTime(), "completion": OnTime()}
    )
    completion_days: list[int] = field(default_factory=list, repr=False)

    @property
    def median_completion_days(self) -> float | None:
        return median(self.completion_days) if self.completion_days else None


@dataclass(frozen=True)
class ServiceStats:
    """The service clocks over the aspirations created in a period, as of ``now``.

    ``on_time`` is per stage (``storage.sla.STAGES``); the medians are in working
    days: receipt → verified (first disposition or closing), latest disposition →
    selesai. ``units`` lists the units with something to show (and the city
    staff's row, code None, when it has open aspirations), most overdue first;
    their ``open`` and ``overdue`` are the backlog now, whatever the period."""

    on_time: dict[str, OnTime]
    median_verify_days: float | None
    median_completion_days: float | None
    open: int
    overdue: int
    units: tuple[UnitNumbers, ...]
    since: date | None
    until: date | None
    now: datetime


def service_stats(
    *,
    session: Session,
    now: datetime,
    clock: ServiceClock,
    since: date | None = None,
    until: date | None = None,
) -> ServiceStats:
    """On time per stage and unit, the medians, and the backlog per unit now."""
    start, end = wib_day_bounds(since, until)
    names = {u.code: u.short_name for u in session.exec(select(Opd)).all()}
    units: dict[str | None, UnitNumbers] = {}

    def unit(code: str | None) -> UnitNumbers:
        if code not in units:
            units[code] = UnitNumbers(code, names.get(code, code or "") if code else "")
        return units[code]

    for code, open_, overdue in _backlog(session, now):
        found = unit(code)
        found.open, found.overdue = open_, overdue
    on_time = {stage: OnTime() for stage in STAGES}
    verify_days: list[int] = []
    completion_days: list[int] = []
    for row in _histories(session, start, end):
        row.count(now, on_time, unit)
        if (days := row.verify_days(clock)) is not None:
            verify_days.append(days)
        if (days := row.completion_days(clock)) is not None:
            completion_days.append(days)
            unit(row.unit).completion_days.append(days)
    shown = [
        u for u in units.values() if u.open or u.code and any(r.counted for r in u.on_time.values())
    ]
    shown.sort(key=lambda u: (-u.overdue, -u.open, u.code is None, u.name))
    return ServiceStats(
        on_time=on_time,
        median_verify_days=median(verify_days) if verify_days else None,
        median_completion_days=median(completion_days) if completion_days else None,
        open=sum(u.open for u in units.values()),
        overdue=sum(u.overdue for u in units.values()),
        units=tuple(shown),
        since=since,
        until=until,
        now=now,
    )


def _backlog(session: Session, now: datetime) -> list[tuple[str | None, int, int]]:
    """(unit, open, overdue) now: one grouped statement on the indexed columns."""
    late = case((col(Aspiration.next_due_at) < now, 1), else_=0)
    query: Any = (
        select(col(Aspiration.opd_code), func.count(), func.sum(late))
        .where(col(Aspiration.status).in_(OPEN_STATUSES))
        .group_by(col(Aspiration.opd_code))
    )
    return [(code, int(n), int(overdue or 0)) for code, n, overdue in session.exec(query).all()]


@dataclass
class _History:
    """What the numbers need of one aspiration: its stored due times and its
    status changes and follow-ups (``(at, status, unit)``, status None for a
    follow-up), oldest first."""

    received: datetime
    dues: dict[str, datetime | None]
    events: list[tuple[datetime, str | None, str | None]] = field(default_factory=list)

    @property
    def _disposal(self) -> int | None:
        """The index of the latest disposition (``diteruskan``) in ``events``."""
        found = [i for i, (_, status, _) in enumerate(self.events) if status == "diteruskan"]
        return found[-1] if found else None

    @property
    def unit(self) -> str | None:
        """The unit of the latest disposition."""
        index = self._disposal
        return None if index is None else self.events[index][2]

    def _verified(self) -> datetime | None:
        return next((at for at, s, _ in self.events if s == "diteruskan" or s in CLOSED), None)

    def _after_disposal(self, ends: Sequence[str | None]) -> datetime | None:
        """The first of ``ends`` after the latest disposition."""
        index = self._disposal
        if index is None:
            return None
        return next((at for at, s, _ in self.events[index + 1 :] if s in ends), None)

    def done(self) -> dict[str, datetime | None]:
        """When each stage was met (as ``storage.sla.dues`` reads the events)."""
        return {
            "verify": self._verified(),
            "response": self._after_disposal((None, *_UNIT_ANSWERS, *CLOSED)),
            "completion": self._after_disposal(("diverifikasi", *CLOSED)),
        }

    def count(
        self,
        now: datetime,
        on_time: dict[str, OnTime],
        unit: Callable[[str | None], UnitNumbers],
    ) -> None:
        """Add this aspiration's stages to the overall and its unit's counts."""
        done, code = self.done(), self.unit
        for stage in STAGES:
            due = self.dues[stage]
            if due is None or (done[stage] is None and now <= due):
                continue  # not started, paused, or still running in time
            met = done[stage] is not None and done[stage] <= due  # type: ignore[operator]
            targets = [on_time[stage]]
            if stage != "verify" and code is not None:
                targets.append(unit(code).on_time[stage])
            for target in targets:
                if met:
                    target.met += 1
                else:
                    target.late += 1

    def verify_days(self, clock: ServiceClock) -> int | None:
        verified = self._verified()
        return None if verified is None else _days(self.received, verified, clock)

    def completion_days(self, clock: ServiceClock) -> int | None:
        index, finished = self._disposal, self._after_disposal(("selesai",))
        if index is None or finished is None:
            return None
        return _days(self.events[index][0], finished, clock)


_WORKING_DAYS: dict[tuple[date, date, frozenset[date]], int] = {}


def _days(start: datetime, end: datetime, clock: ServiceClock) -> int:
    """``working_days_between``, remembered per pair of WIB days: a year of
    aspirations shares a few thousand pairs."""
    first, last = start.astimezone(WIB).date(), end.astimezone(WIB).date()
    key = (first, last, clock.calendar.extra_holidays)
    if key not in _WORKING_DAYS:
        if len(_WORKING_DAYS) > 100_000:
            _WORKING_DAYS.clear()
        _WORKING_DAYS[key] = working_days_between(start, end, clock.calendar)
    return _WORKING_DAYS[key]


def _histories(
    session: Session, start: datetime | None, end: datetime | None
) -> Iterable[_History]:
    """The period's aspirations with their events: three queries in all."""

    def in_period(query: Any) -> Any:
        if start is not None:
            query = query.where(col(Aspiration.created_at) >= start)
        if end is not None:
            query = query.where(col(Aspiration.created_at) < end)
        return query

    due_times = select_columns(
        col(Aspiration.id),
        col(Aspiration.created_at),
        col(Aspiration.verify_due_at),
        col(Aspiration.response_due_at),
        col(Aspiration.completion_due_at),
    )
    rows = session.execute(in_period(due_times)).all()
    histories = {
        id_: _History(created, dict(zip(STAGES, (verify, response, completion), strict=True)))
        for id_, created, verify, response, completion in rows
    }
    change = AspirationStatusChange
    changes = session.exec(
        in_period(
            select(
                col(change.aspiration_id), col(change.at), col(change.status), col(change.opd_code)
            )
            .join(Aspiration, col(Aspiration.id) == col(change.aspiration_id))
            .order_by(col(change.aspiration_id), col(change.at), col(change.id))
        )
    ).all()
    for id_, at, status, unit in changes:
        if id_ in histories:
            histories[id_].events.append((at, status, unit))
    note = AspirationNote
    notes = session.exec(
        in_period(
            select(col(note.aspiration_id), col(note.at), col(note.opd_code))
            .join(Aspiration, col(Aspiration.id) == col(note.aspiration_id))
            .where(col(note.kind) == "tindak_lanjut")
        )
    ).all()
    for id_, at, unit in notes:
        if id_ in histories:
            histories[id_].events.append((at, None, unit))
    for history in histories.values():
        # as storage.workflow.events_of: by time, a status change before a note
        history.events.sort(key=lambda event: (event[0], event[1] is None))
        yield history
