"""When to remind: a pure function of the event's start, the offsets and now.

Offsets are written like ``"1d"``, ``"2h"`` or ``"30m"``. A reminder is due once
its time has come and the event has not started; when several are due at once
(the process was down) only the latest one is sent, since the earlier ones would
say the same thing less accurately. Someone who signed up after a reminder's
time does not get that one. Times are compared as instants, so WIB (no daylight
saving) needs no special care; texts show them in WIB.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

_OFFSET = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNIT_MINUTES = {"d": 24 * 60, "h": 60, "m": 1}


def parse_offset(text: str) -> timedelta:
    """``"1d"`` → 1 day, ``"2h"`` → 2 hours, ``"30m"`` → 30 minutes."""
    match = _OFFSET.match(text.lower())
    if match is None or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not an offset like 1d, 2h or 30m")
    return timedelta(minutes=int(match.group(1)) * _UNIT_MINUTES[match.group(2)])


@dataclass(frozen=True)
class PlannedReminder:
    offset: timedelta  # before the start
    due_at: datetime

    @property
    def offset_minutes(self) -> int:
        return int(self.offset.total_seconds() // 60)


def plan_reminders(
    *, starts_at: datetime, offsets: Sequence[timedelta], now: datetime
) -> list[PlannedReminder]:
    """The reminders still to come, earliest first (those whose time has passed
    are not listed; see ``due_reminder`` for the one to send now)."""
    planned = (PlannedReminder(o, starts_at - o) for o in offsets)
    return sorted((p for p in planned if p.due_at > now), key=lambda p: p.due_at)


def due_reminder(
    *,
    starts_at: datetime,
    offsets: Sequence[timedelta],
    now: datetime,
    since: datetime | None = None,
) -> PlannedReminder | None:
    """The reminder to send at ``now``: the latest whose time has come, if the
    event has not started and the time came after ``since`` (when the person
    signed up, or the event was set or moved: that moment's own message covers a
    reminder due just then); None otherwise."""
    if now >= starts_at:
        return None
    passed = [
        PlannedReminder(o, starts_at - o)
        for o in offsets
        if starts_at - o <= now and (since is None or starts_at - o > since)
    ]
    return max(passed, key=lambda p: p.due_at, default=None)
