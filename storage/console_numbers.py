"""The numbers on Konsol's Beranda: aspirations by status, new today and this week
(WIB), by category and by kecamatan, and what is overdue now, by stage and by unit.

Every count is one grouped statement on indexed columns. ``units`` narrows them
to a unit officer's aspirations (those disposed to their units); None counts the
whole city. "Overdue" is what ``storage.service_stats`` counts: open, with the
earliest due time of a running stage (``next_due_at``) before ``now``. Its stage
is the running one that due time belongs to: verification while no unit holds the
aspiration, else the unit's response or completion."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from storage.clock import WIB
from storage.models import ASPIRATION_STATUSES, Aspiration
from storage.service_stats import UnitNumbers, service_stats
from storage.sla import STAGES, ServiceClock
from storage.stats import wib_day_bounds
from storage.workflow import OPEN_STATUSES


@dataclass(frozen=True)
class BerandaNumbers:
    by_status: dict[str, int]  # every status, in workflow order, zeros included
    total: int
    new_today: int  # created since 00:00 WIB today
    new_week: int  # created since Monday 00:00 WIB
    overdue_by_stage: dict[str, int]  # verify, response, completion
    overdue_by_unit: tuple[UnitNumbers, ...]  # units with open aspirations, most overdue first
    by_category: dict[str, int]  # category key → aspirations (only those with one)
    by_kecamatan: dict[str, int]  # kecamatan code → aspirations (only those with one)


def beranda_numbers(
    *, session: Session, now: datetime, clock: ServiceClock, units: frozenset[str] | None = None
) -> BerandaNumbers:
    """The Beranda's numbers at ``now``, for the city or for ``units`` only."""
    today = now.astimezone(WIB).date()
    counts = _by_status(session, units)
    overdue = _overdue_by_stage(session, now, units)
    # the backlog per unit is the service numbers' (open and overdue now); the
    # period only bounds the on-time histories it also loads: today's
    backlog = service_stats(session=session, now=now, clock=clock, since=today, until=today)
    shown = [u for u in backlog.units if u.open and (units is None or u.code in units)]
    return BerandaNumbers(
        by_status=counts,
        total=sum(counts.values()),
        new_today=_created_since(session, today, units),
        new_week=_created_since(session, today - timedelta(days=today.weekday()), units),
        overdue_by_stage=overdue,
        overdue_by_unit=tuple(shown),
        by_category=_grouped(session, col(Aspiration.category), units),
        by_kecamatan=_grouped(session, col(Aspiration.kecamatan_code), units),
    )


def _scoped(query: Any, units: frozenset[str] | None) -> Any:
    return query if units is None else query.where(col(Aspiration.opd_code).in_(sorted(units)))


def _by_status(session: Session, units: frozenset[str] | None) -> dict[str, int]:
    status = col(Aspiration.status)
    rows = session.exec(_scoped(select(status, func.count()).group_by(status), units)).all()
    return _ordered(ASPIRATION_STATUSES, rows)


def _grouped(session: Session, column: Any, units: frozenset[str] | None) -> dict[str, int]:
    """Aspirations counted by one column's value (the page orders and labels them)."""
    rows = session.exec(_scoped(select(column, func.count()).group_by(column), units)).all()
    return {str(key): int(count) for key, count in rows}


def _created_since(session: Session, day: date, units: frozenset[str] | None) -> int:
    start, _ = wib_day_bounds(day, None)
    query = select(func.count()).where(col(Aspiration.created_at) >= start)
    return int(session.exec(_scoped(query, units)).one())


def _overdue_by_stage(
    session: Session, now: datetime, units: frozenset[str] | None
) -> dict[str, int]:
    due = col(Aspiration.next_due_at)
    stage = case(
        (col(Aspiration.opd_code).is_(None), "verify"),
        (due == col(Aspiration.response_due_at), "response"),
        else_="completion",
    )
    query = (
        select(stage, func.count())
        .where(col(Aspiration.status).in_(OPEN_STATUSES), due < now)
        .group_by(stage)
    )
    return _ordered(STAGES, session.exec(_scoped(query, units)).all())


def _ordered(known: tuple[str, ...], rows: Iterable[Any]) -> dict[str, int]:
    totals = dict.fromkeys(known, 0)
    for key, count in rows:
        totals[key] = totals.get(key, 0) + int(count)
    return totals
