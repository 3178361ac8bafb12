"""Message catalogs (gettext .po files with symbolic ids) and Babel formatting.

``bot/locales/<lang>.po`` holds every user-facing sentence; Indonesian is the
source language and the fallback for anything missing elsewhere.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from importlib import resources

from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from storage.clock import WIB

logger = logging.getLogger(__name__)

LANGUAGES = ("id", "en")
SOURCE_LANGUAGE = "id"
_DATETIME_PATTERNS = {"id": "EEEE, d MMMM y 'pukul' HH.mm", "en": "EEEE, d MMMM y 'at' HH:mm"}
_DATE_PATTERN = "EEEE, d MMMM y"


@cache
def load_catalog(language: str) -> dict[str, str]:
    """msgid → msgstr for one language, read from the packaged .po file."""
    source = resources.files("bot") / "locales" / f"{language}.po"
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


class Translator:
    """User-facing text in one language: ``t("menu.ask")``, ``t.datetime(when)``."""

    def __init__(self, language: str) -> None:
        self.language = language if language in LANGUAGES else SOURCE_LANGUAGE
        self._messages = load_catalog(self.language)
        self._fallback = load_catalog(SOURCE_LANGUAGE)

    def __call__(self, key: str, /, **params: object) -> str:
        template = self._messages.get(key) or self._fallback.get(key)
        if template is None:
            logger.error("message %r is missing from every catalog", key)
            return key
        values = {
            name: format_decimal(value, locale=self.language)
            if isinstance(value, int) and not isinstance(value, bool)
            else value
            for name, value in params.items()
        }
        return template.format(**values)

    def date(self, moment: datetime) -> str:
        """ "Rabu, 10 Desember 2025": the day in WIB (a due date)."""
        return format_date(moment.astimezone(WIB).date(), _DATE_PATTERN, locale=self.language)

    def datetime(self, moment: datetime) -> str:
        """ "Sabtu, 28 November 2026 pukul 09.00 WIB" (times shown in WIB)."""
        local = moment.astimezone(WIB)
        pattern = _DATETIME_PATTERNS.get(self.language, _DATETIME_PATTERNS[SOURCE_LANGUAGE])
        return f"{format_datetime(local, pattern, locale=self.language)} WIB"


@cache
def translator(language: str) -> Translator:
    return Translator(language)
