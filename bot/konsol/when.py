"""A short time for tables ("28 Nov 2026 09.00", in WIB): the long form of
``Translator.datetime`` ("Sabtu, 28 November 2026 pukul 09.00 WIB") takes four
lines in a phone-wide table column. The column's heading says "WIB"."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime

from storage.clock import WIB

PATTERNS = {"id": "d MMM y HH.mm", "en": "d MMM y HH:mm"}


def short_time(moment: datetime, language: str) -> str:
    pattern = PATTERNS.get(language, PATTERNS["id"])
    return format_datetime(moment.astimezone(WIB), pattern, locale=language)
