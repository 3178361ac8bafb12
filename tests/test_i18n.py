"""The message catalogs: complete in both languages and used consistently."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, Translator, load_catalog
from handlers.registry import REGISTRY
from handlers.trainings.register import BUSINESS_TYPES
from handlers.trainings.register import EDITABLE as TRAINING_EDITABLE
from storage.models import ASPIRATION_STATUSES, CATEGORY_KEYS, FORUM_TYPES, RSVP_ANSWERS

# What registration_state() can say besides "open"
PROGRAM_STATES = ("draft", "not_yet", "closed", "cancelled", "started", "finished")

ROOT = Path(__file__).parents[1]
# ctx.t("menu.ask"), t("...") and translator("en")("engine.error")
LITERAL_KEY = re.compile(r'(?:\bt|\))\(\s*"([a-z_]+\.[a-z_]+)"')
DYNAMIC_KEYS = (
    [f"status.{s}" for s in ASPIRATION_STATUSES]
    + [f"category.{c}" for c in CATEGORY_KEYS]
    + [f"menu.{m}" for m in ("aspiration", "status", "training", "forum", "help", "language")]
    + [f"menu.{m}" for m in ("mydata", "profile", "delete")]
    + [f"review.original_{p}" for p in ("unknown", "spam")]
    + [f"aspiration.edit_{f}" for f in ("category", "place", "text", "attachment", "identity")]
    + [
        f"attachment.{r}"
        for r in ("not_found", "not_image", "too_large", "bad_location", "download_failed")
    ]
    # every command in a Telegram menu, for anyone (an admin holds every role)
    + [f"commands.{c.name}" for c in REGISTRY.command_menu(frozenset({"admin"}))]
    + [f"language.name_{code}" for code in LANGUAGES]
    + [f"training.business_{b}" for b in BUSINESS_TYPES]
    + [f"training.state_{s}" for s in PROGRAM_STATES]
    + [f"training.edit_{f}" for f in TRAINING_EDITABLE]
    + [f"forum.type_{f}" for f in FORUM_TYPES]
    + [f"forum.rsvp_{a}" for a in RSVP_ANSWERS]
)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def keys_used_in_code() -> set[str]:
    found: set[str] = set()
    for path in [*ROOT.glob("handlers/**/*.py"), *ROOT.glob("bot/**/*.py")]:
        for match in LITERAL_KEY.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1))
    return found


def test_both_catalogs_have_the_same_keys() -> None:
    assert load_catalog("id").keys() == load_catalog("en").keys()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_the_code_uses_is_in_the_catalog(language: str) -> None:
    used = keys_used_in_code() | set(DYNAMIC_KEYS)
    assert len(used) > 60  # the scan really found the calls
    assert used - load_catalog(language).keys() == set()


def test_translations_use_the_same_placeholders() -> None:
    indonesian, english = load_catalog("id"), load_catalog("en")
    for key, text in indonesian.items():
        assert placeholders(text) == placeholders(english[key]), key


def test_numbers_and_dates_follow_the_language() -> None:
    moment = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    assert Translator("id").datetime(moment) == "Sabtu, 28 November 2026 pukul 09.00 WIB"
    assert Translator("en").datetime(moment) == "Saturday, 28 November 2026 at 09:00 WIB"
    assert "10.000 karakter" in Translator("id")("validation.too_long", length=10_000, maximum=2000)
    assert "10,000 characters" in Translator("en")(
        "validation.too_long", length=10_000, maximum=2000
    )


def test_unknown_language_falls_back_to_indonesian() -> None:
    assert Translator("fr")("menu.ask") == load_catalog("id")["menu.ask"]


def test_indonesian_texts_address_the_resident_as_anda() -> None:
    texts = " ".join(load_catalog("id").values())
    assert "Anda" in texts
    for informal in (" kamu ", " kau ", " lu ", " gue "):
        assert informal not in f" {texts.lower()} "


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_is_written_twice(language: str) -> None:
    """A second entry with the same id would silently win over the first."""
    path = ROOT / "bot" / "locales" / f"{language}.po"
    ids = re.findall(r'^msgid "(.+)"$', path.read_text(encoding="utf-8"), re.M)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_an_events_time_reads_as_one_line() -> None:
    """A training's time as residents read it: one day, or over two (WIB)."""
    from datetime import UTC, datetime

    from bot.i18n import translator

    start, end = datetime(2026, 12, 12, 2, tzinfo=UTC), datetime(2026, 12, 12, 5, tzinfo=UTC)
    assert translator("id").span(start, end) == "Sabtu, 12 Desember 2026, pukul 09.00–12.00 WIB"
    assert translator("en").span(start, end) == "Saturday, 12 December 2026, at 09:00–12:00 WIB"
    late, next_day = (
        datetime(2026, 12, 12, 16, 30, tzinfo=UTC),
        datetime(2026, 12, 13, 5, tzinfo=UTC),
    )
    assert translator("id").span(late, next_day) == (
        "Sabtu, 12 Desember 2026, pukul 23.30 sampai Minggu, 13 Desember 2026, pukul 12.00 WIB"
    )
