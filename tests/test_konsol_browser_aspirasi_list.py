"""Konsol's aspiration list in Chromium: filter it by status with the form, tick
three rows, change them together with one note, and read the result; no serious
accessibility problem on the list; screenshots at desktop and phone width."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conftest import NOW
from staff_helpers import NOTE, STAFF, seat, seed, stored


def test_filter_then_bulk_change_three(site: Any, engine: Any) -> None:
    people = [seat(engine, f"console:20{n:02d}") for n in range(3)]
    chosen = [
        seed(engine, resident_id=p, at=NOW - timedelta(hours=n)) for n, p in enumerate(people)
    ]
    finished = seed(engine, status="selesai", at=NOW - timedelta(days=3))
    staff = site.staff()
    staff.log_in(STAFF)
    staff.page.get_by_role("link", name="Aspirasi").click()
    staff.page.wait_for_url(f"{site.url}/konsol/aspirasi")
    assert staff.page.locator("#count").inner_text() == "4 aspirasi"
    assert staff.axe() == []
    staff.screenshots("aspirasi")

    staff.page.get_by_label("Status", exact=True).select_option("diterima")
    staff.page.get_by_role("button", name="Terapkan").click()
    staff.page.wait_for_url(lambda url: "status=diterima" in url)
    assert staff.page.locator("#count").inner_text() == "3 aspirasi"
    assert staff.page.locator(f'tr[data-code="{finished}"]').count() == 0

    for code in chosen:
        staff.page.get_by_label(f"Pilih {code}").check()
    staff.page.get_by_label("Ubah ke").select_option("diverifikasi")
    staff.page.get_by_label("Catatan untuk warga").fill(NOTE)
    staff.page.get_by_role("button", name="Simpan untuk yang dipilih").click()
    notice = staff.page.locator("#hasil")
    assert notice.inner_text() == "3 aspirasi diubah ke Diverifikasi."
    assert [stored(engine, code).status for code in chosen] == ["diverifikasi"] * 3

    staff.page.get_by_role("link", name="Kembali ke daftar").click()
    staff.page.wait_for_url("**/konsol/aspirasi?status=diterima")
    assert staff.page.locator("#count").inner_text() == "0 aspirasi"
    staff.close()
