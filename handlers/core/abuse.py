"""Abuse limits: flood control, the daily cap on new aspirations, blocked identities.

The counters live on the resident row (and blocks in their own table), not in
process memory, so every ``siantar run`` process sees the same state. Messages
are counted in the inbound's transaction, which holds the conversation's turn
(``storage.conversations.take_turn``): two processes never count the same
resident at once, so no message of a burst goes uncounted.
"""

from __future__ import annotations

import logging
from datetime import datetime

from handlers.core.flow import HOME, Ctx
from handlers.core.settings import AbuseLimits
from storage.blocks import blocked_row
from storage.clock import WIB
from storage.models import Resident

logger = logging.getLogger(__name__)


def is_blocked(ctx: Ctx) -> bool:
    """A blocked identity gets one notice (this time), then nothing at all."""
    row = blocked_row(
        session=ctx.session,
        identity=ctx.inbound.identity,
        config=ctx.settings.limits.blocked,
        now=ctx.now,
    )
    if row is None:
        return False
    ctx.forget()
    if row.notified_at is None:
        row.notified_at = ctx.now
        ctx.session.add(row)
        ctx.say(ctx.t("abuse.blocked"))
    logger.info("ignoring a message from a blocked %s identity", ctx.inbound.channel)
    return True


def count_message(resident: Resident, now: datetime, limits: AbuseLimits, channel: str) -> str:
    """Count one message: "ok", "warn" (too many: say slow down once) or "drop"
    (in the cool-down: nothing said, nothing done)."""
    if limits.flood_messages is None:
        return "ok"
    if resident.flood_until is not None and now < resident.flood_until:
        return "drop"
    start = resident.flood_window_at
    if start is None or now - start > limits.flood_window or now < start:
        resident.flood_window_at, resident.flood_count = now, 1
        return "ok"
    resident.flood_count += 1
    if resident.flood_count <= limits.flood_messages:
        return "ok"
    resident.flood_until = now + limits.flood_cooldown
    resident.flood_window_at, resident.flood_count = None, 0
    logger.warning(
        "flood control: a %s resident sent more than %d messages in %ss; quiet until %s",
        channel,
        limits.flood_messages,
        limits.flood_window.total_seconds(),
        resident.flood_until.isoformat(),
    )
    return "warn"


def _today(now: datetime) -> str:
    return now.astimezone(WIB).date().isoformat()


def over_daily_cap(ctx: Ctx) -> bool:
    """True when the resident already sent today's allowance of aspirations."""
    resident, cap = ctx.resident, ctx.settings.limits.daily_aspirations
    if cap is None:
        return False
    sent = resident.aspirations_count if resident.aspirations_day == _today(ctx.now) else 0
    return sent >= cap


def count_aspiration(ctx: Ctx) -> None:
    resident, today = ctx.resident, _today(ctx.now)
    if resident.aspirations_day != today:
        resident.aspirations_day, resident.aspirations_count = today, 0
    resident.aspirations_count += 1


def refuse_over_cap(ctx: Ctx) -> None:
    cap = ctx.settings.limits.daily_aspirations or 0  # over a cap: there is one
    ctx.note(ctx.t.plural("abuse.daily_cap", cap))
    ctx.goto(HOME)
