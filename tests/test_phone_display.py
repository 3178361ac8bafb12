"""Phone numbers are stored in E.164 and shown as people in Siantar write them."""

from __future__ import annotations

import pytest

from handlers.core.validation import check_phone, local_phone


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("+6281234567890", "0812-3456-7890"),
        ("+628126000101", "0812-6000-101"),
        ("+62622123456", "(0622) 123456"),  # a Pematangsiantar landline
        ("+12025550143", "+1 202-555-0143"),  # not Indonesian: the international form
        ("not a number", "not a number"),  # shown as stored rather than lost
        (None, "-"),
        ("", "-"),
    ],
)
def test_a_stored_number_in_local_form(stored: str | None, shown: str) -> None:
    assert local_phone(stored) == shown


@pytest.mark.parametrize("typed", ["081234567890", "+62 812 3456 7890", "6281234567890"])
def test_what_is_typed_comes_back_the_same_way(typed: str) -> None:
    assert local_phone(check_phone(typed)) == "0812-3456-7890"
