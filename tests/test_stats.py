"""Aspiration statistics: counts on both backends, the WIB period, the chart and the text."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import NOW
from matplotlib.image import imread
from sqlalchemy import Engine

from bot.charts import format_date_range, format_period, stats_chart, stats_text
from bot.i18n import Translator
from storage.aspirations import NewAspiration, create_aspiration
from storage.db import transaction
from storage.exports import WIB
from storage.models import ASPIRATION_STATUSES, CATEGORY_KEYS
from storage.stats import AspirationStats, StatsError, aspiration_stats
from storage.wilayah import load_wilayah

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KECAMATAN = tuple(k.code for k in load_wilayah().kecamatan)
NOVEMBER = {"since": date(2026, 11, 1), "until": date(2026, 11, 28)}

# The new stats.* texts as proposed for bot/locales/*.po; the catalog wins once it has them.
PROPOSED = {
    "id": {
        "stats.period_all": "semua waktu",
        "stats.period_since": "sejak {date}",
        "stats.period_until": "sampai {date}",
        "stats.more": "• {groups} lainnya: {count}",
        "stats.empty": "Tidak ada aspirasi pada periode ini.",
    },
    "en": {
        "stats.period_all": "all time",
        "stats.period_since": "since {date}",
        "stats.period_until": "until {date}",
        "stats.more": "• {groups} others: {count}",
        "stats.empty": "No aspirations in this period.",
    },
}


def _translator(language: str) -> Translator:
    t = Translator(language)  # not the cached one: its messages are extended here
    t._messages = {**PROPOSED[language], **t._messages}
    return t


def _wib(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=WIB)


# (category, kecamatan, status, created_at) inside 1–28 November 2026 in WIB.
INSIDE = [
    ("infrastruktur", "12.72.01", "diterima", _wib(1)),  # first second of the period
    ("infrastruktur", "12.72.01", "diproses", _wib(3, 8)),
    ("infrastruktur", "12.72.02", "selesai", _wib(10, 14)),
    ("infrastruktur", "12.72.06", "diterima", _wib(12, 7)),
    ("kesehatan", "12.72.02", "diverifikasi", _wib(15, 22)),
    ("kesehatan", "12.72.08", "diteruskan", _wib(20, 1)),
    ("pendidikan", "12.72.03", "ditolak", _wib(21, 9)),
    ("lingkungan", "12.72.04", "diterima", _wib(25, 10)),
    ("pelayanan", "12.72.07", "selesai", _wib(27, 16)),
    ("lainnya", "12.72.01", "diterima", _wib(28, 23, 59, 59)),  # last second of the period
]
OUTSIDE = [
    ("ekonomi", "12.72.05", "diterima", _wib(31, 23, 59, 59, month=10)),  # day before
    ("sosial", "12.72.05", "selesai", _wib(29)),  # midnight after the last day
]


def _seed(db: Engine, rows: list[tuple[str, str, str, datetime]]) -> None:
    with transaction(db) as session:
        for category, kecamatan, status, created in rows:
            aspiration = create_aspiration(
                session=session,
                new=NewAspiration(
                    category=category,
                    kecamatan_code=kecamatan,
                    kelurahan_code=f"{kecamatan}.1001",
                    text="Lampu jalan mati",
                    language="id",
                    anonymous=True,
                    channel="telegram",
                    resident_id=None,
                ),
                now=created,
            )
            aspiration.status = status


def _stats(db: Engine, **period: date | None) -> AspirationStats:
    with transaction(db) as session:
        return aspiration_stats(session=session, **period)


def _expected(known: tuple[str, ...], values: list[str]) -> dict[str, int]:
    return dict.fromkeys(known, 0) | dict(Counter(values))


def test_counts_per_dimension_within_the_wib_period(db: Engine) -> None:
    _seed(db, INSIDE + OUTSIDE)
    stats = _stats(db, **NOVEMBER)

    assert stats.total == len(INSIDE) == 10
    assert stats.by_category == _expected(CATEGORY_KEYS, [r[0] for r in INSIDE])
    assert stats.by_kecamatan == _expected(KECAMATAN, [r[1] for r in INSIDE])
    assert stats.by_status == _expected(ASPIRATION_STATUSES, [r[2] for r in INSIDE])
    # Every known key, in contract order, zeros included.
    assert tuple(stats.by_category) == CATEGORY_KEYS
    assert tuple(stats.by_kecamatan) == KECAMATAN and len(KECAMATAN) == 8
    assert tuple(stats.by_status) == ASPIRATION_STATUSES
    assert stats.by_category["ekonomi"] == stats.by_kecamatan["12.72.05"] == 0
    assert (stats.since, stats.until) == (NOVEMBER["since"], NOVEMBER["until"])


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ({}, 12),
        ({"since": date(2026, 11, 28), "until": date(2026, 11, 28)}, 1),  # 23:59:59 only
        ({"since": date(2026, 11, 29)}, 1),  # the midnight after
        ({"until": date(2026, 10, 31)}, 1),  # the second before
        ({"since": date(2026, 11, 2), "until": date(2026, 11, 27)}, 8),
    ],
)
def test_period_boundaries(db: Engine, period: dict[str, date], expected: int) -> None:
    _seed(db, INSIDE + OUTSIDE)
    stats = _stats(db, **period)
    assert stats.total == expected
    assert sum(stats.by_category.values()) == sum(stats.by_kecamatan.values()) == expected
    assert sum(stats.by_status.values()) == expected


def test_empty_period_has_every_key_at_zero(db: Engine) -> None:
    stats = _stats(db)
    assert stats.total == 0
    assert stats.by_category == dict.fromkeys(CATEGORY_KEYS, 0)
    assert stats.by_kecamatan == dict.fromkeys(KECAMATAN, 0)
    assert stats.by_status == dict.fromkeys(ASPIRATION_STATUSES, 0)


def test_a_configured_category_follows_the_contract_ones(db: Engine) -> None:
    _seed(db, [(key, "12.72.01", "diterima", NOW) for key in ("banjir", "infrastruktur")])
    stats = _stats(db)
    assert list(stats.by_category) == [*CATEGORY_KEYS, "banjir"]
    assert stats.by_category["banjir"] == stats.by_category["infrastruktur"] == 1


def test_since_after_until_is_an_error(db: Engine) -> None:
    with pytest.raises(StatsError, match="after"):
        _stats(db, since=date(2026, 11, 28), until=date(2026, 11, 1))


def _sample() -> AspirationStats:
    by_category = dict.fromkeys(CATEGORY_KEYS, 0) | {
        "infrastruktur": 1234, "kesehatan": 40, "pendidikan": 12, "lingkungan": 9,
        "pelayanan": 5, "sosial": 2, "lainnya": 1,
    }  # fmt: skip
    by_kecamatan = dict(zip(KECAMATAN, (400, 300, 0, 200, 100, 150, 90, 63), strict=True))
    by_status = dict(
        zip(ASPIRATION_STATUSES, (600, 300, 200, 100, 90, 0, 8, 5, 0, 0, 0), strict=True)
    )
    return AspirationStats(1303, by_category, by_kecamatan, by_status, **NOVEMBER)


@pytest.mark.parametrize("language", ["id", "en"])
def test_chart_is_a_phone_sized_png(tmp_path: Path, language: str) -> None:
    path = stats_chart(_sample(), t=_translator(language), path=tmp_path / "stats.png")
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert 10_000 < len(data) < 300_000
    height, width, _ = imread(path).shape
    assert (width, height) == (880, 1210)


def test_chart_of_an_empty_period(tmp_path: Path) -> None:
    empty = AspirationStats(
        0,
        dict.fromkeys(CATEGORY_KEYS, 0),
        dict.fromkeys(KECAMATAN, 0),
        dict.fromkeys(ASPIRATION_STATUSES, 0),
        None,
        None,
    )
    path = stats_chart(empty, t=_translator("id"), path=tmp_path / "empty.png")
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_text_summary_in_indonesian() -> None:
    text = stats_text(_sample(), t=_translator("id"), wilayah=load_wilayah())
    title, categories, kecamatan, statuses = text.split("\n\n")
    assert title == "Statistik aspirasi, 1–28 November 2026: 1.303 aspirasi"
    # Zeros are left out; beyond the top five, two or more groups are summed in one line.
    assert categories.splitlines() == [
        "Per kategori:",
        "• Infrastruktur (jalan, jembatan, drainase): 1.234",
        "• Kesehatan: 40",
        "• Pendidikan: 12",
        "• Lingkungan & kebersihan: 9",
        "• Pelayanan publik (pengurusan surat, izin, layanan kantor): 5",
        "• 2 lainnya: 3",  # sosial 2 + lainnya 1
    ]
    # Official kecamatan names, largest first; seven non-zero, so two are summed.
    assert kecamatan.splitlines()[:2] == ["Per kecamatan:", "• Siantar Timur: 400"]
    assert kecamatan.splitlines()[-1] == "• 2 lainnya: 153"
    assert "Siantar Utara" not in kecamatan
    # Statuses keep their workflow order, not their size.
    assert statuses.splitlines() == [
        "Per status:",
        "• Diterima: 600",
        "• Diverifikasi: 300",
        "• Diteruskan ke instansi terkait: 200",
        "• Sedang diproses: 100",
        "• Selesai: 90",
        "• Spam: 8",
        "• Duplikat: 5",
    ]


def test_text_summary_shows_a_single_leftover_group_by_name() -> None:
    stats = _sample()
    one_more = replace(stats, by_category=stats.by_category | {"sosial": 0}, total=1301)
    text = stats_text(one_more, t=_translator("en"), wilayah=load_wilayah())
    assert "• Other: 1" in text.splitlines()
    assert "others" not in text.split("\n\n")[1]


def test_text_summary_of_an_empty_period_in_english(db: Engine) -> None:
    stats = _stats(db, since=date(2026, 11, 1))
    text = stats_text(stats, t=_translator("en"), wilayah=load_wilayah())
    assert text.splitlines() == [
        "Aspiration statistics, since November 1, 2026: 0 aspirations",
        "No aspirations in this period.",
    ]


@pytest.mark.parametrize(
    ("language", "start", "end", "expected"),
    [
        ("id", date(2026, 11, 1), date(2026, 11, 28), "1–28 November 2026"),
        ("id", date(2026, 10, 15), date(2026, 11, 28), "15 Oktober–28 November 2026"),
        ("id", date(2025, 12, 15), date(2026, 1, 28), "15 Desember 2025–28 Januari 2026"),
        ("id", date(2026, 11, 28), date(2026, 11, 28), "28 November 2026"),
        ("en", date(2026, 11, 1), date(2026, 11, 28), "November 1\u2009–\u200928, 2026"),
    ],
)
def test_period_with_full_month_names(language: str, start: date, end: date, expected: str) -> None:
    assert format_date_range(start, end, language) == expected


def test_open_ended_periods() -> None:
    t = _translator("id")
    assert format_period(None, None, t=t) == "semua waktu"
    assert format_period(date(2026, 11, 1), None, t=t) == "sejak 1 November 2026"
    assert format_period(None, NOW.astimezone(WIB).date(), t=t) == "sampai 28 November 2026"
