"""The Indonesian catalog read as copy: short screens, really translated, one glossary.

Issue 19 ("Must show"): a test over the whole Indonesian catalog.

Length budgets (characters of the msgstr template, placeholders counted as written,
e.g. ``{code}`` is 6 characters; each plural form is checked on its own):

- question (a key part starting with ``ask``, e.g. ``aspiration.ask_text``,
  ``answer.ask``): at most 200;
- notification (``notify.*``, ``training_notice.*`` and the forum notices
  ``forum.moved``, ``forum.cancelled``, ``forum.summary``): at most 250;
- everything else a resident sees: at most 400.

Staff-only texts (``review.*``, ``desk.*``, ``cli.*``, ``konsol.*``, ``units.*``,
``export.*`` …, see STAFF_PREFIXES) have no budget, and the ``words.*`` entries are
matching vocabularies, not messages. The few longer resident texts are listed in
LONG_ALLOWED with the reason.

Glossary (the header of bot/locales/id.po states it), in every Indonesian msgstr,
staff texts included (only the ``words.*`` vocabularies are exempt, and the command
line's straight quotes, which are shell syntax: ``--note "…"``): there is no
"laporan" (we write "aspirasi"), no "kalau", "bila" or "apabila" (we write "jika"),
no "RSVP" (we write "jawaban kehadiran"), no "file" (we write "berkas"), no length
counted in "huruf" (we write "karakter"; "huruf" as the kind of sign, "huruf atau
angka", stays), no "berhenti langganan" (we write "berhenti menerima pengumuman"),
back buttons start with "« " and next buttons end with " »" (no ◀ ▶ → ←), and
quotes are “…” (no straight quotes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.i18n import load_catalog, load_plurals

STAFF_PREFIXES = (
    "access",
    "announce",
    "cli",
    "desk",
    "export",
    "forum_admin",
    "jobs",
    "konsol",
    "opd",
    "period",
    "review",
    "roles",
    "sla",
    "staff",
    "stats",
    "training_admin",
    "units",
    # matching vocabularies (what a resident may type), not messages
    "words",
)

QUESTION_BUDGET = 200
NOTIFICATION_BUDGET = 250
OTHER_BUDGET = 400

NOTIFICATION_KEYS = {"forum.moved", "forum.cancelled", "forum.summary"}

LONG_ALLOWED = {
    # the full privacy notice, shown only on "Baca selengkapnya" (UU PDP: all of it)
    "onboarding.privacy",
    # the confirmation before an irreversible erasure must name everything erased
    "mydata.ask_delete",
    "privacy.ask_withdraw",
}

# Identical in both languages on purpose: place words, names, loanwords, and texts
# made only of placeholders or symbols are found automatically (see should_differ).
SAME_ALLOWED = {
    "place.kelurahan",  # Kelurahan …, Kecamatan … (Indonesian place names)
    "training_admin.area_kecamatan",
    "forum.area_kecamatan",
    "forum.scope_kelurahan",
    "forum.scope_kecamatan",
    "konsol.detail.place_value",
    "konsol.ekspor.kecamatan",
    "review.filter_kecamatan",
    "units.kind_kecamatan",
    "units.kind_kelurahan",
    "language.ask",  # bilingual by design: "Pilih bahasa / Choose your language:"
    "konsol.web.name",  # the product name "Konsol Siantar"
    "contact.whatsapp",  # "WhatsApp: {whatsapp}"
    "export.format_xlsx",  # format names
    "export.format_csv",
    "export.format_json",
    "konsol.ekspor.format",  # "Format" is Indonesian too
    "roles.admin",  # loanword "Admin"
    "status.spam",  # staff status word "Spam", same in both
    "review.filter_status",  # "Status" is Indonesian too
    "konsol.web.status",
    "konsol.pelatihan.status",
    "konsol.forum.status",
    "konsol.ekspor.status",
    "notify.status_line",
    "forum.agenda",  # "Agenda" is Indonesian too
    "forum_admin.field_agenda",
    "konsol.forum.agenda",
    "konsol.web.nav",  # "Menu" is Indonesian too
    "konsol.web.unit",  # "Unit" is Indonesian too
    "desk.detail_unit",
    "review.confirm_unit",
    "konsol.web.audit_page",  # "Audit" is Indonesian too
}


def is_staff(key: str) -> bool:
    return key.split(".")[0] in STAFF_PREFIXES


def messages(language: str) -> Iterator[tuple[str, str]]:
    """(key, text) for every sentence and every plural form."""
    yield from load_catalog(language).items()
    for key, forms in load_plurals(language).items():
        for form in forms:
            yield key, form


def resident_messages() -> list[tuple[str, str]]:
    return [(key, text) for key, text in messages("id") if not is_staff(key)]


def kind(key: str) -> str:
    prefix, *rest = key.split(".")
    if prefix in ("notify", "training_notice") or key in NOTIFICATION_KEYS:
        return "notification"
    if any(part.startswith("ask") for part in rest):
        return "question"
    return "other"


BUDGETS = {
    "question": QUESTION_BUDGET,
    "notification": NOTIFICATION_BUDGET,
    "other": OTHER_BUDGET,
}


def test_resident_messages_fit_their_length_budget() -> None:
    too_long = [
        f"{key} ({kind(key)}): {len(text)} > {BUDGETS[kind(key)]}"
        for key, text in resident_messages()
        if key not in LONG_ALLOWED and len(text) > BUDGETS[kind(key)]
    ]
    assert too_long == []


def test_the_long_allow_list_is_still_needed() -> None:
    """An allowed key that fits again leaves the list (so the list only shrinks)."""
    lengths: dict[str, int] = {}
    for key, text in messages("id"):
        lengths[key] = max(lengths.get(key, 0), len(text))
    assert {key for key in LONG_ALLOWED if lengths[key] <= BUDGETS[kind(key)]} == set()


PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def should_differ(key: str, text: str) -> bool:
    if key.startswith("words.") or key in SAME_ALLOWED:
        return False
    # nothing to translate once placeholders, digits and symbols are gone
    return re.search(r"[A-Za-z]{2,}", PLACEHOLDER.sub("", text)) is not None


def test_indonesian_and_english_texts_are_really_translated() -> None:
    english = dict(messages("en"))
    english_plurals = load_plurals("en")
    same = []
    for key, text in messages("id"):
        other = english_plurals.get(key) or (english.get(key),)
        if text in other and should_differ(key, text):
            same.append(key)
    assert same == []


def test_the_same_allow_list_is_still_needed() -> None:
    indonesian, english = load_catalog("id"), load_catalog("en")
    assert {key for key in SAME_ALLOWED if indonesian[key] != english[key]} == set()


FORBIDDEN = {
    "kalau/bila/apabila (glossary: jika)": re.compile(r"\b(kalau|bila|apabila)\b", re.I),
    "laporan (glossary: aspirasi)": re.compile(r"\blaporan\b", re.I),
    "RSVP (glossary: jawaban kehadiran)": re.compile(r"\brsvp\b", re.I),
    "file (glossary: berkas)": re.compile(r"\bfile\b", re.I),
    "length in huruf (glossary: karakter)": re.compile(
        r"(\d|\}|\bbeberapa|\bbanyak|\bsedikit)\s+huruf\b", re.I
    ),
    "berhenti langganan (glossary: berhenti menerima pengumuman)": re.compile(
        r"berhenti\s+(ber)?langganan", re.I
    ),
    "arrow other than « and » (glossary)": re.compile(r"[◀▶←→⬅➡‹›]"),
    "« only to start a back button (glossary)": re.compile(r"(?<!^)«|«(?! )"),
    "» only to end a next button (glossary)": re.compile(r"»(?!$)|(?<! )»"),
    "straight or low quotes (glossary: “…”)": re.compile(r"[\"„]"),
}


SHELL_QUOTES = "straight or low quotes (glossary: “…”)"
# What an operator types at the command line is the contract, not prose: options
# (--file PATH), segment forms (rsvp:ID) and argparse's placeholders (%(prog)s).
COMMAND_LINE = re.compile(r"--[a-z][a-z-]*|\b[a-z_]+:[A-Z]+\b|%\([a-z_]+\)s")


def as_read(rule: str, key: str, text: str) -> str | None:
    """The part of ``text`` the glossary speaks to (None: none of it)."""
    if key.startswith("words."):
        return None
    if key.startswith("cli."):
        if rule == SHELL_QUOTES:
            return None
        return COMMAND_LINE.sub("", text)
    return text


@pytest.mark.parametrize("rule", FORBIDDEN)
def test_every_text_uses_the_glossary_forms(rule: str) -> None:
    """Resident and staff texts alike: one glossary for the whole service."""
    pattern = FORBIDDEN[rule]
    found = []
    for key, text in messages("id"):
        read = as_read(rule, key, text)
        if read is not None and pattern.search(read):
            found.append(f"{key}: {text!r}")
    assert found == []


def test_the_glossary_is_in_the_catalog_header() -> None:
    root = Path(__file__).parents[1] / "bot" / "locales"
    for language in ("id", "en"):
        header = []
        for line in (root / f"{language}.po").read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                break
            header.append(line)
        text = "\n".join(header)
        for term in ("aspirasi", "pelatihan", "jawaban kehadiran", "berkas", "karakter", "jika"):
            assert term in text, (language, term)
