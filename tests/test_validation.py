"""Free-text checks: what is accepted, cleaned, or refused and why."""

from __future__ import annotations

import pytest

from handlers.core.validation import Invalid, check_aspiration_text, check_name, clean_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Jalan   rusak  ", "Jalan rusak"),
        ("a\u200bb\u200cc\u200dd\ufeffe", "abcde"),
        ("\u202eJalan\u202c \u2066rusak\u2069", "Jalan rusak"),
        ("baris satu\r\nbaris dua\n\n\n\nbaris tiga", "baris satu\nbaris dua\n\nbaris tiga"),
        ("nul\x00 byte\x07", "nul byte"),
        ("e\u0301", "\u00e9"),  # NFC
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("", "validation.empty"),
        (" \n\t ", "validation.empty"),
        ("\u200b" * 20, "validation.empty"),
        ("🙏🙏🙏🙏🙏🙏🙏🙏🙏🙏", "validation.no_words"),
        ("12345678901234", "validation.no_words"),
        ("Got rusak", "validation.too_short"),
        ("a" * 2001, "validation.too_long"),
    ],
)
def test_refused_aspiration_texts(raw: str, key: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_aspiration_text(raw)
    assert refused.value.key == key


def test_limits_are_inclusive() -> None:
    assert check_aspiration_text("a" * 10) == "a" * 10
    assert check_aspiration_text("a" * 2000) == "a" * 2000
    with pytest.raises(Invalid) as refused:
        check_aspiration_text("a" * 2001)
    assert refused.value.params == {"maximum": 2000, "length": 2001}


def test_sql_and_markup_pass_unchanged() -> None:
    text = "'; DROP TABLE aspiration; -- <b>jalan</b> rusak"
    assert check_aspiration_text(text) == text


@pytest.mark.parametrize(
    "name",
    [
        "Budi",
        "Rina Hutabarat",
        "Sri Rahayu S.Pd.",
        "Dr. Maria O'Neil",
        "Ni Ketut-Ayu",
        "Siti, S.E.",
    ],
)
def test_names_accepted(name: str) -> None:
    assert check_name(f"  {name} ") == name


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("", "validation.empty"),
        ("B", "validation.name_invalid"),
        ("Budi123", "validation.name_invalid"),
        ("http://x.co", "validation.name_invalid"),
        ("😀😀", "validation.name_invalid"),
        ("a" * 81, "validation.name_too_long"),
    ],
)
def test_names_refused(name: str, key: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_name(name)
    assert refused.value.key == key
