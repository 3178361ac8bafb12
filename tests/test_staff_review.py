"""The staff review list and detail: paging, filters, opening by code, and what
the detail shows (never an anonymous sender's name).

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL
(through the ``db`` fixture behind ``engine``). Who is who, seeding and the
shared steps are in ``staff_helpers``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import NOW
from dialogue import Chat, play
from staff_helpers import (
    ASPIRATION_TEXT,
    CODE,
    NOTE,
    REASON,
    STAFF,
    TOMUAN,
    WARGA,
    move,
    person,
    seat,
    seed,
    state,
)

from handlers.core.engine import Engine

# --- 5. the review list ----------------------------------------------------------


def codes_in(chat: Chat) -> list[str]:
    return [o.value for o in chat.last.options if CODE.fullmatch(o.value)]


def test_the_list_pages_by_five_oldest_first(desk: Engine) -> None:
    codes = [seed(desk, at=NOW - timedelta(minutes=60 - i)) for i in range(12)]
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    assert "Aspirasi (Masih berjalan): 12, halaman 1 dari 3." in staff.said
    assert codes_in(staff) == codes[:5]
    assert "Berikutnya »" in staff.labels and "« Sebelumnya" not in staff.labels
    staff.press("Berikutnya")
    assert "halaman 2 dari 3" in staff.said and codes_in(staff) == codes[5:10]
    assert {"Berikutnya »", "« Sebelumnya"} <= set(staff.labels)
    staff.send("berikutnya")
    assert "halaman 3 dari 3" in staff.said and codes_in(staff) == codes[10:]
    assert "Berikutnya »" not in staff.labels and "« Sebelumnya" in staff.labels
    staff.press("Sebelumnya")
    assert "halaman 2 dari 3" in staff.said and codes_in(staff) == codes[5:10]
    staff.press(codes[7])
    assert f"Aspirasi {codes[7]} — Diterima" in staff.said
    staff.press("Kembali ke daftar")
    assert "halaman 2 dari 3" in staff.said  # the page is kept


def test_filters_by_status_category_and_kecamatan_and_clearing_them(desk: Engine) -> None:
    a = seed(desk, category="infrastruktur", kelurahan=TOMUAN)
    b = seed(desk, category="kesehatan", kelurahan="12.72.02.1001", status="diproses")
    c = seed(desk, category="kesehatan", kelurahan=TOMUAN, status="diverifikasi")
    d = seed(desk, category="kesehatan", kelurahan=TOMUAN, status="selesai")
    e = seed(desk, category="lingkungan", kelurahan="12.72.02.1002", status="ditolak")
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    assert "Aspirasi (Masih berjalan): 3" in staff.said
    assert set(codes_in(staff)) == {a, b, c}  # closed ones are not "open"
    play(
        staff, [(("press", "Saring"), "Saring menurut apa?"), (("press", "Status"), "Status yang")]
    )
    staff.press("Selesai")
    assert "Aspirasi (Selesai): 1" in staff.said and codes_in(staff) == [d]
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Status"), "Status yang mana")])
    staff.send("ditolak")
    assert codes_in(staff) == [e]
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Status"), "Status yang mana")])
    staff.press("Semua")
    assert set(codes_in(staff)) == {a, b, c}
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Kategori"), "Kategori yang mana")])
    staff.press("Kesehatan")
    assert "Aspirasi (Masih berjalan · Kesehatan): 2" in staff.said
    assert set(codes_in(staff)) == {b, c}
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Kecamatan"), "Kecamatan yang mana")])
    staff.press("Siantar Timur")
    assert "Aspirasi (Masih berjalan · Kesehatan · Siantar Timur): 1" in staff.said
    assert codes_in(staff) == [c]
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Status"), "Status yang mana")])
    staff.press("Selesai")
    assert "(Selesai · Kesehatan · Siantar Timur): 1" in staff.said and codes_in(staff) == [d]
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Hapus saringan"), "halaman 1")])
    assert "Aspirasi (Masih berjalan): 3" in staff.said
    assert set(codes_in(staff)) == {a, b, c}


def test_a_filter_with_nothing_says_so(desk: Engine) -> None:
    seed(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Kategori"), "Kategori yang mana")])
    staff.press("Pendidikan")
    assert "Tidak ada aspirasi (Masih berjalan · Pendidikan)." in staff.said
    assert codes_in(staff) == []


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "asp {bare}", "{bare}"])
def test_an_aspiration_opens_by_its_typed_code(desk: Engine, typed: str) -> None:
    code = seed(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    staff.send(typed.format(code=code, lower=code.lower(), bare=code[4:].lower()))
    assert f"Aspirasi {code} — Diterima" in staff.said
    assert state(staff)[:2] == ("review", "detail")


def test_an_unknown_code_is_not_found_in_the_list_and_by_command(desk: Engine) -> None:
    seed(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    staff.send("ASP-2222ZZ")
    assert "Aspirasi dengan kode ASP-2222ZZ tidak ditemukan" in staff.said
    assert state(staff)[:2] == ("review", "list")
    staff.send("/aspirasi ASP-3333YY")
    assert "Aspirasi dengan kode ASP-3333YY tidak ditemukan" in staff.said
    assert state(staff)[:2] == ("review", "list")


def test_the_command_with_a_code_opens_the_detail_directly(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status="diteruskan")
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send(f"/aspirasi {code}")
    said = staff.said
    assert f"Aspirasi {code} — Diteruskan ke instansi terkait" in said
    assert "Kategori: Infrastruktur" in said
    assert "Lokasi: Kelurahan Tomuan, Kecamatan Siantar Timur" in said
    assert "Pengirim: Budi Siregar" in said
    assert ASPIRATION_TEXT in said
    assert "Riwayat:" in said
    assert "Titik peta" not in said and "Foto: ada" not in said
    assert "Unit: Dinas PUPR (PUPR), target penyelesaian: kompleks" in said
    assert staff.labels == [
        "Ubah ke: Sedang diproses",
        "Ubah ke: Diteruskan ke instansi terkait",  # to another unit
        "Ubah ke: Diverifikasi",  # taken back from the unit
        "Ubah ke: Tunda (menunggu keterangan warga)",
        "Ubah ke: Ditolak",
        "Ubah ke: Spam",
        "Ubah ke: Duplikat",
        "« Kembali ke daftar",
    ]


def test_an_anonymous_aspiration_never_shows_the_name(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, anonymous=True)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    assert "Budi" not in staff.said
    staff.press(code)
    assert "Pengirim: anonim" in staff.said
    move(staff, code, "diverifikasi", NOTE)
    staff.press("Kembali ke daftar")
    transcript = "\n".join(r.text + " ".join(o.label for o in r.options) for r in staff.transcript)
    assert "Budi" not in transcript and "Siregar" not in transcript


def test_a_photo_comes_as_a_photo_reply_and_a_location_as_a_map_link(desk: Engine) -> None:
    code = seed(desk, photo="2026/11/3f9c0d.jpg", location=(2.9595, 99.0687))
    staff = person(desk, STAFF, name="Rina Petugas")
    replies = staff.send(f"/aspirasi {code}")
    photo, detail = replies
    assert photo.photo == "2026/11/3f9c0d.jpg" and photo.text == f"Foto untuk {code}"
    assert detail.photo is None
    assert "Foto: ada (dikirim di atas)" in detail.text
    assert "Titik peta: https://www.google.com/maps?q=2.959500,99.068700" in detail.text
    staff.send("/aspirasi")
    replies = staff.send(code)
    assert [r.photo for r in replies] == ["2026/11/3f9c0d.jpg", None]


def test_closing_the_last_aspiration_of_a_page_does_not_strand_the_list(desk: Engine) -> None:
    codes = [seed(desk, at=NOW - timedelta(minutes=10 - i)) for i in range(6)]
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    staff.press("Berikutnya")
    assert codes_in(staff) == [codes[5]]
    staff.press(codes[5])
    staff.press("Ubah ke: Ditolak")
    staff.send(REASON)
    staff.press("Simpan")
    staff.press("Kembali ke daftar")
    assert "halaman 2 dari 1" not in staff.said
    assert codes_in(staff)
