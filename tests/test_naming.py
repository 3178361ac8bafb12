"""An event's kind and title said once ("pelatihan Pelatihan …" no more)."""

from __future__ import annotations

import pytest

from bot.i18n import translator
from handlers.core.naming import forum_name, names_kind, training_name


@pytest.mark.parametrize(
    ("lang", "title", "expected"),
    [
        ("id", "Pelatihan Pemasaran Digital UMKM", "Pelatihan Pemasaran Digital UMKM"),
        ("id", "Menjahit Dasar", "pelatihan Menjahit Dasar"),
        ("en", "Pelatihan Pemasaran Digital UMKM", "Pelatihan Pemasaran Digital UMKM"),
        ("en", "Menjahit Dasar", "the training Menjahit Dasar"),
    ],
)
def test_a_training_title_naming_its_kind_is_not_repeated(
    lang: str, title: str, expected: str
) -> None:
    assert training_name(translator(lang), title) == expected


@pytest.mark.parametrize(
    ("lang", "forum_type", "title", "expected"),
    [
        ("id", "musrenbang_kelurahan", "Musrenbang Kelurahan Bantan 2027",
         "Musrenbang Kelurahan Bantan 2027"),
        ("en", "musrenbang_kelurahan", "Musrenbang Kelurahan Bantan 2027",
         "Musrenbang Kelurahan Bantan 2027"),
        ("id", "musrenbang_kelurahan", "Rencana Jalan 2027",
         'Musrenbang Kelurahan “Rencana Jalan 2027”'),
        ("id", "forum_warga", "Musrenbang Kota 2027", 'Forum Warga “Musrenbang Kota 2027”'),
        ("en", "sosialisasi", "Sosialisasi Perda Sampah", "Sosialisasi Perda Sampah"),
    ],
)  # fmt: skip
def test_a_forum_title_naming_its_type_is_not_repeated(
    lang: str, forum_type: str, title: str, expected: str
) -> None:
    assert forum_name(translator(lang), forum_type, title) == expected


def test_only_whole_words_count() -> None:
    assert not names_kind("Pelatihanku", ["pelatihan"])
    assert names_kind("Kelurahan Musrenbang Bantan", ["Musrenbang Kelurahan"])
    assert not names_kind("", ["pelatihan"])
