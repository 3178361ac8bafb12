"""Aspiration counts by category, kecamatan and status over a period (``/statistik``).

The counting happens in the database: one ``GROUP BY category, kecamatan_code,
status`` statement, so the three breakdowns and the total come from the same
snapshot and agree with each other even while aspirations are being written.
The result is at most categories × kecamatan × statuses rows, whatever the
number of aspirations. The period is a range of inclusive calendar days in WIB,
exactly as for the export (``storage.exports.AspirationFilter``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.clock import wib_midnight
from storage.models import ASPIRATION_STATUSES, CATEGORY_KEYS, Aspiration
from storage.wilayah import load_wilayah


class StatsError(ValueError):
    """A period that cannot be counted; ``str()`` is one English line, ``reason`` and
    ``params`` let a caller word it (the CLI: ``cli.stats.<reason>``)."""

    def __init__(self, reason: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class AspirationStats:
    """Counts for one period. Every dict lists its known keys in their contract
    order, zeros included: the nine categories (``CATEGORY_KEYS``), the eight
    kecamatan by code, the statuses in workflow order (``ASPIRATION_STATUSES``).
    A key found in the database but unknown to that order (a category from the
    configuration, say) follows, alphabetically."""

    total: int
    by_category: dict[str, int]
    by_kecamatan: dict[str, int]  # keyed by kecamatan code, e.g. "12.72.02"
    by_status: dict[str, int]
    since: date | None  # inclusive WIB calendar days; None means no limit
    until: date | None


def wib_day_bounds(
    since: date | None, until: date | None
) -> tuple[datetime | None, datetime | None]:
    """``[start, end)`` in aware datetimes for inclusive WIB days ``since``..``until``.

    ``until`` 28 Nov gives an end of 29 Nov 00:00 WIB (28 Nov 17:00 UTC), so
    23:59:59 WIB on the 28th is inside and midnight after it is not.
    """
    if since and until and since > until:
        raise StatsError(
            "since_after_until",
            f"--since {since} is after --until {until}",
            since=str(since),
            until=str(until),
        )
    start = wib_midnight(since) if since else None
    end = wib_midnight(until + timedelta(days=1)) if until else None
    return start, end


def aspiration_stats(
    *, session: Session, since: date | None = None, until: date | None = None
) -> AspirationStats:
    """Count the aspirations created from ``since`` to ``until`` (inclusive WIB days)."""
    start, end = wib_day_bounds(since, until)
    category, kecamatan, status = (
        col(Aspiration.category),
        col(Aspiration.kecamatan_code),
        col(Aspiration.status),
    )
    query: Any = select(category, kecamatan, status, func.count()).group_by(
        category, kecamatan, status
    )
    if start is not None:
        query = query.where(col(Aspiration.created_at) >= start)
    if end is not None:
        query = query.where(col(Aspiration.created_at) < end)
    groups: list[tuple[str, str, str, int]] = list(session.exec(query).all())

    by_category = _ordered(CATEGORY_KEYS, ((g[0], g[3]) for g in groups))
    kecamatan_codes = tuple(k.code for k in load_wilayah().kecamatan)
    by_kecamatan = _ordered(kecamatan_codes, ((g[1], g[3]) for g in groups))
    by_status = _ordered(ASPIRATION_STATUSES, ((g[2], g[3]) for g in groups))
    return AspirationStats(
        total=sum(g[3] for g in groups),
        by_category=by_category,
        by_kecamatan=by_kecamatan,
        by_status=by_status,
        since=since,
        until=until,
    )


def _ordered(known: tuple[str, ...], counts: Iterable[tuple[str, int]]) -> dict[str, int]:
    """Sum ``counts`` per key: the ``known`` keys first, in order and with zeros."""
    totals = dict.fromkeys(known, 0)
    extra: dict[str, int] = {}
    for key, count in counts:
        target = totals if key in totals else extra
        target[key] = target.get(key, 0) + int(count)
    return totals | dict(sorted(extra.items()))
