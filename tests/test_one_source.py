"""Facts the whole code base shares are written once: the WIB time zone, the
aspiration category keys, the message splitting of the chat renderers and the
limits of typed fields. Every user of a fact imports it from that one place."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot.cli.common
import bot.cli.privacy
import bot.i18n
import handlers.core.datetimes
import handlers.staff.periods
from storage.clock import WIB
from storage.exports.base import wib_iso, wib_midnight

ROOT = Path(__file__).resolve().parent.parent
CODE = ("bot", "handlers", "storage", "bench")  # tests may state expected values


def definitions(pattern: str) -> list[str]:
    """``path:line`` of every line of our Python code that matches ``pattern``."""
    found = []
    for folder in CODE:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(pattern, line):
                    found.append(f"{path.relative_to(ROOT)}:{number}")
    return found


# --- one WIB ------------------------------------------------------------------------


def test_wib_is_defined_once_and_shared() -> None:
    users = (
        bot.i18n,
        bot.cli.common,
        bot.cli.privacy,
        handlers.core.datetimes,
        handlers.staff.periods,
    )
    assert all(module.WIB is WIB for module in users)
    defined = definitions(r"^\s*WIB\s*=")
    assert [where.partition(":")[0] for where in defined] == ["storage/clock.py"]


@pytest.mark.parametrize("year", [1970, 1999, 2026, 2038, 2099])
def test_the_fast_wib_times_of_exports_agree_with_the_zone(year: int) -> None:
    """Exports format times with a cached fixed +07:00 (no daylight saving in
    Indonesia since 1964): it agrees with Asia/Jakarta."""
    start = datetime(year, 1, 1, tzinfo=UTC)
    for hours in range(0, 366 * 24, 7):
        moment = start + timedelta(hours=hours, minutes=hours % 60)
        assert wib_iso(moment) == moment.astimezone(WIB).isoformat(timespec="seconds")
        day = moment.astimezone(WIB).date()
        assert wib_midnight(day) == datetime(day.year, day.month, day.day, tzinfo=WIB)


# --- one category list --------------------------------------------------------------


def test_category_keys_are_written_once() -> None:
    """The setting's type, the menu, statistics and exports read the same tuple."""
    import typing

    import bot.config
    import storage.models

    assert bot.config.CATEGORY_KEYS is storage.models.CATEGORY_KEYS
    assert typing.get_args(bot.config.CategoryKey) == storage.models.CATEGORY_KEYS
    defined = definitions(r'^\s*"infrastruktur",')
    assert [where.split(":")[0] for where in defined] == ["storage/models/aspirations.py"]
