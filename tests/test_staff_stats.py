"""``/statistik``: counts per category, kecamatan and status, with a PNG chart.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL
(through the ``db`` fixture behind ``engine``). Who is who, seeding and the
shared steps are in ``staff_helpers``.
"""

from __future__ import annotations

from staff_helpers import MENU_QUESTION, PNG, STAFF, files, person, spread

from bot.media import MediaStore
from handlers.core.engine import Engine


def test_statistics_give_counts_and_a_png_chart(desk: Engine, media: MediaStore) -> None:
    spread(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/statistik")
    assert "Statistik untuk periode kapan?" in staff.said
    staff.press("Semua waktu")
    [chart] = [r for r in staff.last_batch if r.photo]
    assert "Statistik aspirasi, Semua waktu: 3 aspirasi" in chart.text
    by_category = "Per kategori:\n• Infrastruktur (jalan, jembatan, drainase): 2\n• Kesehatan: 1"
    assert by_category in chart.text
    assert "Per kecamatan:\n• Siantar Timur: 2\n• Siantar Barat: 1" in chart.text
    assert "Per status:" in chart.text and "• Selesai: 1" in chart.text
    assert media.path_of(chart.photo or "").read_bytes().startswith(PNG)
    assert staff.last.text.endswith(MENU_QUESTION)
    staff.send("/statistik")
    staff.press("7 hari terakhir")
    assert "Statistik aspirasi, 7 hari terakhir: 1 aspirasi" in staff.said


def test_statistics_with_nothing_to_count_send_no_chart(desk: Engine, media: MediaStore) -> None:
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/statistik")
    staff.press("Semua waktu")
    assert "Statistik aspirasi, Semua waktu: 0 aspirasi" in staff.said
    assert all(r.photo is None for r in staff.last_batch)
    assert files(media) == []
