"""Counts in both languages through the catalogs' plural forms (gettext, via Babel).

Indonesian has one form ("1 aspirasi", "2 aspirasi"); English two ("1 aspiration",
"2 aspirations"). Which form a count takes is gettext's rule as Babel knows it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, Translator, load_catalog, load_plurals

ROOT = Path(__file__).parents[1]
# t.plural("stats.title", …), ctx.t.plural(…), say.plural(…), t.plural(f"cli.{kind}_written", …)
PLURAL_CALL = re.compile(r'\.plural\(\s*f?"([a-z_.{}]+)"')
EXPORT_KINDS = ("aspirations", "registrations", "rsvps")


def plural_keys_in_code() -> set[str]:
    found: set[str] = set()
    sources = [*ROOT.glob("handlers/**/*.py"), *ROOT.glob("bot/**/*.py")]
    for path in [*sources, *ROOT.glob("bot/konsol/templates/*.html")]:
        for key in PLURAL_CALL.findall(path.read_text(encoding="utf-8")):
            if key == "cli.{args.kind}_written":
                found |= {f"cli.{kind}_written" for kind in EXPORT_KINDS}
            elif key == "cli.forum_told_{done}":
                found |= {"cli.forum_told_created", "cli.forum_told_moved"}
            elif key == "cli.registrants_told_{what}":
                found |= {"cli.registrants_told_time", "cli.registrants_told_place"}
            else:
                found.add(key)
    return found


@pytest.mark.parametrize(
    ("count", "indonesian", "english"),
    [
        (0, "0 aspirasi ditulis ke x.csv", "0 aspirations written to x.csv"),
        (1, "1 aspirasi ditulis ke x.csv", "1 aspiration written to x.csv"),
        (2, "2 aspirasi ditulis ke x.csv", "2 aspirations written to x.csv"),
        (5, "5 aspirasi ditulis ke x.csv", "5 aspirations written to x.csv"),
        (1000, "1.000 aspirasi ditulis ke x.csv", "1,000 aspirations written to x.csv"),
    ],
)
def test_a_count_takes_the_form_its_language_wants(
    count: int, indonesian: str, english: str
) -> None:
    assert Translator("id").plural("cli.aspirations_written", count, path="x.csv") == indonesian
    assert Translator("en").plural("cli.aspirations_written", count, path="x.csv") == english


def test_a_program_with_one_seat_says_so() -> None:
    """siantar training's summary once said "1 seats"; the catalog knows better."""
    shown = Translator("en").plural(
        "cli.program_summary", 1, title="T", status="open", span="s", place="p", area="kota"
    )
    assert shown == "T [open], s, p, 1 seat, kota"
    assert Translator("en").plural("cli.program_cancelled", 1, id="3").endswith("1 registrant told")


@pytest.mark.parametrize(("count", "expected"), [(0, "0 aspirations"), (1, "1 aspiration")])
def test_the_statistics_title_counts_in_english(count: int, expected: str) -> None:
    title = Translator("en").plural("stats.title", count, period="all time")
    assert title == f"Aspiration statistics, all time: {expected}"
    assert (
        Translator("id")
        .plural("stats.title", count, period="Semua waktu")
        .endswith(f": {count} aspirasi")
    )


def test_an_unknown_language_and_a_missing_form_fall_back_to_indonesian() -> None:
    assert (
        Translator("fr").plural("stats.title", 2, period="x") == "Statistik aspirasi, x: 2 aspirasi"
    )
    assert Translator("en").plural("no.such_key", 2) == "no.such_key"


def test_both_catalogs_have_the_same_plural_entries_with_every_form() -> None:
    indonesian, english = load_plurals("id"), load_plurals("en")
    assert len(indonesian) >= 7
    assert indonesian.keys() == english.keys()
    assert all(len(forms) == 1 for forms in indonesian.values())  # nplurals=1
    assert all(len(forms) == 2 for forms in english.values())  # nplurals=2
    for key in indonesian:
        assert "{count}" in indonesian[key][0], key
        assert all("{count}" in form for form in english[key]), key
        assert not set(indonesian) & load_catalog("id").keys()  # never both kinds


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_plural_the_code_uses_is_in_the_catalog(language: str) -> None:
    used = plural_keys_in_code()
    assert {"stats.title", "abuse.daily_cap", "cli.rsvps_written"} <= used
    assert "konsol.aspirasi_list.count" in used  # Konsol's templates too
    assert used - load_plurals(language).keys() == set()


@pytest.mark.parametrize(
    ("count", "english"),
    [
        (1, "Recipients at the moment: 1 resident (counted again when sent)."),
        (5, "Recipients at the moment: 5 residents (counted again when sent)."),
    ],
)
def test_staff_see_one_resident_and_five_residents(count: int, english: str) -> None:
    assert Translator("en").plural("announce.card_expected", count) == english
    indonesian = Translator("id").plural("announce.card_expected", count)
    assert indonesian.startswith(f"Penerima saat ini: {count} warga")
    assert Translator("en").plural("export.ready", 1, kind="aspirations").endswith(": 1 row.")


@pytest.mark.parametrize(
    ("key", "params", "one", "two"),
    [
        ("konsol.audit.count", {"page": 1, "pages": 1}, "1 entry matches", "2 entries match"),
        ("konsol.forum.result_hint", {}, "the 1 resident who", "the 2 residents who"),
        ("konsol.forum.move_hint", {}, "1 resident will be told", "2 residents will be told"),
        (
            "konsol.pelatihan.confirm_cancel",
            {"title": "T", "when": "w"},
            "1 registrant (waiting",
            "2 registrants (waiting",
        ),
    ],
)
def test_konsol_counts_of_one_are_singular(
    key: str, params: dict[str, object], one: str, two: str
) -> None:
    """Konsol once said "1 entries match" and "1 residents will be told"."""
    assert one in Translator("en").plural(key, 1, **params)
    assert two in Translator("en").plural(key, 2, **params)
    assert Translator("id").plural(key, 1, **params) != Translator("en").plural(key, 1, **params)
