"""Dates and times typed by facilitators, read as WIB (Asia/Jakarta).

Pure functions of the text and ``now``: ``12-12-2026 09.00``, ``12/12/2026 09:00``,
``12 Desember 2026 09.00``, ``Sabtu, 12 Desember 2026 pukul 09.00 WIB`` (as the bot
itself shows dates) and ``2026-12-12 09:00`` all mean the same moment. A refused
text raises ``validation.Invalid`` with an example built from ``now``.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from handlers.core.matching import fold
from handlers.core.validation import Invalid
from storage.clock import WIB

MAX_AHEAD = timedelta(days=366)  # further than this is almost surely a typo in the year
EXAMPLE_DAYS = 14

MONTHS = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "pebruari", "february", "feb", "peb"), 2),
    **dict.fromkeys(("maret", "march", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("agustus", "august", "agu", "agt", "ags", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "december", "des", "dec"), 12),
}
# Words around a date that carry no meaning here: weekdays, "pukul", "WIB"…
_FILLER = re.compile(
    r"\b(?:senin|selasa|rabu|kamis|jumat|sabtu|minggu|ahad|monday|tuesday|wednesday"
    r"|thursday|friday|saturday|sunday|tanggal|tgl|pukul|pkl|jam|at|on|wib)\b\.?"
)
_TIME = r"(?P<hour>\d{1,2})[.:](?P<minute>\d{2})"
_DATES = (
    r"(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})[-/.](?P<year>\d{4}|\d{2})",
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})",
    r"(?P<day>\d{1,2})\s*(?P<month_name>[a-z]+)\.?(?:\s*(?P<year>\d{4}))?",
)
_DATETIME = [re.compile(rf"^{date}\s+{_TIME}$") for date in _DATES]
_DATE_ONLY = [re.compile(rf"^{date}$") for date in _DATES]
_TIME_ONLY = re.compile(rf"^{_TIME}$")


def _normalise(text: str) -> str:
    """Lower case, no accents, fillers and commas dropped, single spaces."""
    folded = fold(text.replace(",", " "))
    return " ".join(_FILLER.sub(" ", folded).split())


def example(now: datetime) -> str:
    """A typical answer, two weeks from ``now`` at 09.00: ``12-12-2026 09.00``."""
    day = now.astimezone(WIB).date() + timedelta(days=EXAMPLE_DAYS)
    return f"{day:%d-%m-%Y} 09.00"


def short_date(moment: datetime) -> str:
    """``12-12-2026``: the day in WIB, the same in every language (for button labels)."""
    return f"{moment.astimezone(WIB):%d-%m-%Y}"


def clock(moment: datetime) -> str:
    """``09.00``: the time of day in WIB, as typed."""
    return f"{moment.astimezone(WIB):%H.%M}"


def _time_of(match: re.Match[str], hint: str) -> time:
    hour, minute = int(match["hour"]), int(match["minute"])
    if hour > 23 or minute > 59:
        raise Invalid("datetime.bad_time", {"example": hint})
    return time(hour, minute)


def _month_of(match: re.Match[str]) -> int | None:
    name = match.groupdict().get("month_name")
    if name is None:
        return int(match["month"])
    return MONTHS.get(name)


def _year_of(match: re.Match[str]) -> int | None:
    year = match["year"]
    if year is None:
        return None
    return 2000 + int(year) if len(year) == 2 else int(year)


def _build(match: re.Match[str], now: datetime, hint: str) -> datetime:
    month = _month_of(match)
    if month is None:
        raise Invalid("datetime.unparseable", {"example": hint})
    at = _time_of(match, hint)
    year, day = _year_of(match), int(match["day"])
    local_now = now.astimezone(WIB)
    try:
        if year is not None:
            return datetime(year, month, day, at.hour, at.minute, tzinfo=WIB)
        # no year: the next time this day comes round
        moment = datetime(local_now.year, month, day, at.hour, at.minute, tzinfo=WIB)
        if moment <= now:
            moment = moment.replace(year=local_now.year + 1)
        return moment
    except ValueError:  # 31-02, 29-02 outside a leap year, month 13
        raise Invalid("datetime.no_such_date", {"example": hint}) from None


def read_datetime(text: str, now: datetime) -> datetime:
    """The moment ``text`` names, past or future (``Invalid`` if it names none)."""
    hint = example(now)
    typed = _normalise(text)
    for pattern in _DATETIME:
        match = pattern.match(typed)
        if match:
            return _build(match, now, hint)
    if any(pattern.match(typed) for pattern in _DATE_ONLY):
        raise Invalid("datetime.needs_time", {"example": hint})
    if _TIME_ONLY.match(typed):
        raise Invalid("datetime.needs_date", {"example": hint})
    raise Invalid("datetime.unparseable", {"example": hint})


def parse_wib_datetime(text: str, now: datetime) -> datetime:
    """A future moment (WIB) typed as a date and a time; ``Invalid`` otherwise,
    also for a moment already past or more than a year ahead."""
    moment = read_datetime(text, now)
    if moment <= now:
        raise Invalid("datetime.past", {"example": example(now)})
    if moment > now + MAX_AHEAD:
        raise Invalid("datetime.too_far", {"example": example(now)})
    return moment


def end_examples(start: datetime) -> dict[str, str]:
    """Examples of an end for ``start``, three hours later: a time alone, and in full."""
    later = start + timedelta(hours=3)
    last = start.astimezone(WIB).replace(hour=23, minute=59, second=0, microsecond=0)
    if later > last > start:  # keep the time-alone example on the start's day
        later = last
    return {"time": clock(later), "example": f"{short_date(later)} {clock(later)}"}


def parse_end(text: str, *, start: datetime, now: datetime) -> datetime:
    """When something that begins at ``start`` ends: a time alone (``12.00``) is on
    the start's day; a full date and time may be a later day. It must be after
    ``start`` (``Invalid`` with the start and examples otherwise)."""
    hints = end_examples(start)
    typed = _normalise(text)
    only_time = _TIME_ONLY.match(typed)
    if only_time:
        at = _time_of(only_time, hints["time"])
        day = start.astimezone(WIB).date()
        end = datetime(day.year, day.month, day.day, at.hour, at.minute, tzinfo=WIB)
    else:
        try:
            end = read_datetime(text, now)
        except Invalid as problem:  # the same reason, with an example of an end
            if problem.key == "datetime.unparseable":
                raise Invalid("datetime.end_unparseable", {**problem.params, **hints}) from None
            raise Invalid(problem.key, {**problem.params, "example": hints["example"]}) from None
    if end <= start:
        raise Invalid("datetime.end_before_start", {"start": start, **hints})
    if end > start + MAX_AHEAD:
        raise Invalid("datetime.too_far", {"example": hints["example"]})
    return end
