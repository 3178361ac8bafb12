"""Konsol speaks both languages: every ``konsol.`` message is in the Indonesian and
the English catalog, and the English is a translation, not a copy, except for the
few words the two languages share (listed here, so a new one is a decision)."""

from __future__ import annotations

from importlib import resources

from babel.messages.pofile import read_po

# The same in both languages on purpose: a name, and words English borrowed.
SAME_IN_BOTH = frozenset(
    {
        "konsol.web.name",  # "Konsol Siantar", the console's name
        "konsol.web.nav",  # "Menu"
        "konsol.web.status",  # "Status"
        "konsol.web.unit",  # "Unit"
        "konsol.web.audit_page",  # "Audit"
        "konsol.pelatihan.status",  # "Status"
        "konsol.forum.status",  # "Status"
        "konsol.ekspor.status",  # "Status"
        "konsol.ekspor.format",  # "Format"
        "konsol.forum.agenda",  # "Agenda"
        "konsol.ekspor.kecamatan",  # "Kecamatan": an area's name, kept in English too
        "konsol.detail.place_value",  # "Kelurahan {kelurahan}, Kecamatan {kecamatan}"
    }
)


def konsol_messages(language: str) -> dict[str, str]:
    source = resources.files("bot") / "locales" / f"{language}.po"
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {str(m.id): str(m.string) for m in catalog if str(m.id).startswith("konsol.")}


def test_every_konsol_message_is_in_both_catalogs_and_filled() -> None:
    indonesian, english = konsol_messages("id"), konsol_messages("en")
    assert len(indonesian) > 50  # the catalogs were read
    assert sorted(set(indonesian) ^ set(english)) == []
    assert [key for key, text in {**indonesian, **english}.items() if not text.strip()] == []


def test_the_english_is_a_translation() -> None:
    indonesian, english = konsol_messages("id"), konsol_messages("en")
    copied = sorted(key for key in indonesian if english.get(key) == indonesian[key])
    assert [key for key in copied if key not in SAME_IN_BOTH] == []
    assert sorted(SAME_IN_BOTH - set(copied)) == []  # the list holds only what is the same
