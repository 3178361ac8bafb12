"""``/statistik``: counts per category, kecamatan and status, with a PNG chart.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL
(through the ``db`` fixture behind ``engine``). Who is who, seeding and the
shared steps are in ``staff_helpers``.
"""

from __future__ import annotations

from service_history import build_history
from staff_helpers import MENU_QUESTION, PNG, STAFF, files, person, spread

from bot.media import MediaStore
from handlers.core.engine import Engine


def test_statistics_give_counts_and_a_png_chart(desk: Engine, media: MediaStore) -> None:
    spread(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/statistik")
    assert "Statistik untuk periode kapan?" in staff.said
    staff.press("Semua waktu")
    chart, per_unit = [r for r in staff.last_batch if r.photo]
    assert "Statistik aspirasi, Semua waktu: 3 aspirasi" in chart.text
    assert "Terbuka sekarang: 2, lewat batas waktu: 1" in per_unit.text  # two months old
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


def test_statistics_add_the_service_numbers_and_a_chart_per_unit(
    desk: Engine, media: MediaStore
) -> None:
    build_history(desk.db)  # as of Saturday 28 November (the chat's now)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/statistik")
    staff.press("Semua waktu")
    counts, service = [r for r in staff.last_batch if r.photo]
    assert "Per kategori:" in counts.text
    text = service.text
    assert "• Verifikasi oleh petugas kota: 40% tepat waktu (2 dari 5)" in text  # E late now too
    assert "• Tanggapan unit: 67% tepat waktu (2 dari 3)" in text
    assert "• Penyelesaian: 50% tepat waktu (1 dari 2)" in text
    assert "Median sampai diverifikasi: 4 hari kerja" in text
    assert "Median dari diteruskan sampai selesai: 4 hari kerja" in text
    assert "Terbuka sekarang: 4, lewat batas waktu: 3" in text
    units = text.split("Per unit (terbuka dan lewat batas waktu saat ini):\n")[1]
    assert units.splitlines() == [
        "• Petugas kota (belum diteruskan): 2 terbuka, 2 lewat batas waktu",
        "• Dinas Perhubungan: 1 terbuka, 1 lewat batas waktu",
        "  tepat waktu: tanggapan 0%, penyelesaian 0%; median selesai - hari kerja",
        "• Dinas PUPR: 1 terbuka, 0 lewat batas waktu",
        "  tepat waktu: tanggapan 100%, penyelesaian 100%; median selesai 4 hari kerja",
    ]
    for reply in (counts, service):
        assert media.path_of(reply.photo or "").read_bytes().startswith(PNG)
    assert len(files(media)) == 2
