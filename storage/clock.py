"""The city's one time zone: WIB, Waktu Indonesia Barat (Asia/Jakarta).

Times are stored in UTC; every calendar day, wall-clock time and date typed or
shown (chat, CLI, exports, statistics) is read in this zone. It lives here, in
the lowest layer, so that storage, handlers and the bot all import the same
object. Indonesia has kept UTC+7 without daylight saving since 1964, so a fixed
offset would give the same results today; the IANA zone is kept all the same,
as it stays right for older dates and if the rule ever changes.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def wib_midnight(day: date) -> datetime:
    """00:00 WIB at the start of ``day``, as an aware datetime."""
    return datetime.combine(day, time(), tzinfo=WIB)
