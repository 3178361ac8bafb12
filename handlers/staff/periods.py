"""Reporting periods staff pick from: last 7 days, last 30 days, this month, all."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from handlers.core.flow import Ctx
from handlers.core.types import Option
from storage.clock import WIB

PERIODS = ("7d", "30d", "month", "all")


def period_options(ctx: Ctx) -> tuple[Option, ...]:
    return tuple(Option(p, ctx.t(f"period.{p}")) for p in PERIODS)


def period_bounds(period: str, now: datetime) -> tuple[date | None, date | None]:
    """Inclusive WIB calendar days (since, until) for ``period``."""
    today = now.astimezone(WIB).date()
    if period == "7d":
        return today - timedelta(days=6), today
    if period == "30d":
        return today - timedelta(days=29), today
    if period == "month":
        return today.replace(day=1), today
    return None, None
