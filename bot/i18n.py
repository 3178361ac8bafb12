"""Message catalogs (gettext .po files with symbolic ids) and Babel formatting.

``bot/locales/<lang>.po`` holds every user-facing sentence; Indonesian is the
source language and the fallback for anything missing elsewhere.

A sentence with a count is a gettext plural entry (``msgid_plural``,
``msgstr[0]``, ``msgstr[1]`` …) read through ``t.plural(key, count)``. Which form a
count takes is gettext's rule for the language as Babel knows it (Indonesian has
one form, English two): the catalog is compiled in memory with Babel's ``write_mo``
and read back by ``babel.support.Translations``, so no plural rule is written here.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from importlib import resources
from io import BytesIO

from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from storage.clock import WIB

logger = logging.getLogger(__name__)

LANGUAGES = ("id", "en")
SOURCE_LANGUAGE = "id"
_DATETIME_PATTERNS = {"id": "EEEE, d MMMM y 'pukul' HH.mm", "en": "EEEE, d MMMM y 'at' HH:mm"}
_SPAN_PATTERNS = {"id": ("EEEE, d MMMM y", "HH.mm"), "en": ("EEEE, d MMMM y", "HH:mm")}
_DAY_PATTERN = "EEEE, d MMMM"  # a due day: "Rabu, 10 Desember", "Wednesday, 10 December"


@cache
def _read_catalog(language: str) -> Catalog:
    source = resources.files("bot") / "locales" / f"{language}.po"
    with source.open("rb") as handle:
        return read_po(handle, locale=language)


@cache
def load_catalog(language: str) -> dict[str, str]:
    """msgid → msgstr for one language's sentences without a count."""
    return {
        m.id: m.string
        for m in _read_catalog(language)
        if isinstance(m.id, str) and m.id and isinstance(m.string, str) and m.string
    }


@cache
def short_labels(language: str) -> dict[str, str]:
    """Option label → the title WhatsApp shows for it (at most 20 characters).

    A label longer than a WhatsApp button has ``<key>.short`` beside its ``<key>`` in the
    catalog ("Setuju dan lanjutkan" → "Setuju"); the renderer looks the label up here,
    so no flow has to know about WhatsApp's limits.
    """
    catalog = load_catalog(language if language in LANGUAGES else SOURCE_LANGUAGE)
    return {
        catalog[key.removesuffix(".short")]: short
        for key, short in catalog.items()
        if key.endswith(".short") and key.removesuffix(".short") in catalog
    }


@cache
def load_plurals(language: str) -> dict[str, tuple[str, ...]]:
    """msgid → its plural forms (msgstr[0], msgstr[1] …) for one language."""
    return {
        m.id[0]: tuple(m.string)
        for m in _read_catalog(language)
        if isinstance(m.id, tuple) and isinstance(m.string, tuple | list) and all(m.string)
    }


@cache
def _gettext(language: str) -> Translations:
    """The catalog as gettext reads it, for its plural rule (Plural-Forms)."""
    compiled = BytesIO()
    write_mo(compiled, _read_catalog(language))
    compiled.seek(0)
    return Translations(compiled)


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
        return self._fill(template, params)

    def plural(self, key: str, count: int, /, **params: object) -> str:
        """A sentence with a count, in the form the count takes: ``{count}`` is filled.

        ``t.plural("cli.aspirations_written", 1, path=…)`` → "1 aspiration written…" / "1 aspirasi
        ditulis"; 2 → "2 aspirations written" / "2 aspirasi ditulis".
        """
        language = self.language if key in load_plurals(self.language) else SOURCE_LANGUAGE
        if key not in load_plurals(language):
            logger.error("plural message %r is missing from every catalog", key)
            return key
        template = _gettext(language).ngettext(key, key, count)
        return self._fill(template, {"count": count, **params})

    def _fill(self, template: str, params: dict[str, object]) -> str:
        values = {
            name: format_decimal(value, locale=self.language)
            if isinstance(value, int) and not isinstance(value, bool)
            else value
            for name, value in params.items()
        }
        return template.format(**values)

    def day(self, moment: datetime) -> str:
        """ "Rabu, 10 Desember": the day of ``moment`` in WIB, without the year (a due
        day is weeks away at most)."""
        return format_datetime(moment.astimezone(WIB), _DAY_PATTERN, locale=self.language)

    def span(self, start: datetime, end: datetime) -> str:
        """An event's time in one line: "Sabtu, 12 Desember 2026, pukul 09.00–12.00 WIB";
        over two days, "Sabtu, 12 Desember 2026, pukul 09.00 sampai Minggu, 13 Desember
        2026, pukul 12.00 WIB"."""
        first, last = start.astimezone(WIB), end.astimezone(WIB)
        day, hour = _SPAN_PATTERNS.get(self.language, _SPAN_PATTERNS[SOURCE_LANGUAGE])
        at = self("time.at")

        def when(moment: datetime) -> str:
            date = format_datetime(moment, day, locale=self.language)
            return f"{date}, {at} {format_datetime(moment, hour, locale=self.language)}"

        if first.date() == last.date():
            ending = format_datetime(last, hour, locale=self.language)
            return f"{when(first)}–{ending} WIB"
        return self("time.span_days", start=when(first), end=when(last) + " WIB")

    def datetime(self, moment: datetime) -> str:
        """ "Sabtu, 28 November 2026 pukul 09.00 WIB" (times shown in WIB)."""
        local = moment.astimezone(WIB)
        pattern = _DATETIME_PATTERNS.get(self.language, _DATETIME_PATTERNS[SOURCE_LANGUAGE])
        return f"{format_datetime(local, pattern, locale=self.language)} WIB"


@cache
def translator(language: str) -> Translator:
    return Translator(language)
