"""Reporting periods staff pick from: last 7 days, last 30 days, this month, all;
the question that asks for one, and the answer that hands the work to a chat job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from handlers.core.flow import HOME, Ctx, Prompt, Step
from handlers.core.types import Option
from storage.clock import WIB

PERIODS = ("7d", "30d", "month", "all")


def period_options(ctx: Ctx) -> tuple[Option, ...]:
    return tuple(Option(p, ctx.t(f"period.{p}")) for p in PERIODS)


def period_step(ask: str, chosen: Callable[[Ctx, str], None]) -> Step:
    """Ask for a period (the catalog key ``ask``); ``chosen`` gets the one picked."""
    return Step(
        lambda ctx: Prompt(ctx.t(ask), period_options(ctx)),
        lambda ctx, answer: chosen(ctx, answer.option or "all"),
        (HOME,),
    )


def queue(ctx: Ctx, job: str, params: dict[str, Any]) -> None:
    """Leave the heavy work to a chat job (``handlers.core.chat_jobs``), off the
    inbound path, and say it is on its way."""
    ctx.later(job, params)
    ctx.say(ctx.t("jobs.preparing"))
    ctx.goto(HOME)


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
