"""Konsol's Pelatihan and Forum pages in Chromium: a facilitator creates a
training through the form (a mistake shown beside its field, the rest kept),
finds it in the list, opens the forums; no serious accessibility problem on the
lists or on a form showing a mistake; screenshots of both lists; no Aspirasi
in a facilitator's menu."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from conftest import NOW
from staff_helpers import FACILITATOR

from storage.db import transaction
from storage.forums import NewForum, create_forum


def test_a_facilitator_creates_a_training_and_opens_the_forums(site: Any) -> None:
    with transaction(site.db) as session:
        create_forum(
            session=session,
            new=NewForum(
                title="Forum Warga Siantar Barat",
                starts_at=NOW + timedelta(days=10),
                place="Aula Kecamatan Siantar Barat",
                agenda="Membahas kebersihan pasar dan drainase lingkungan.",
            ),
            actor=FACILITATOR,
            now=NOW,
        )
    staff = site.staff()
    staff.log_in(FACILITATOR)
    page = staff.page
    nav = page.get_by_role("navigation")
    assert nav.get_by_role("link", name="Aspirasi").count() == 0  # not a facilitator's page
    nav.get_by_role("link", name="Pelatihan").click()
    page.get_by_role("link", name="Buat pelatihan").click()

    page.get_by_label("Judul").fill("Pelatihan Foto Produk UMKM")
    page.get_by_label("Deskripsi").fill("Memotret produk dengan ponsel agar menarik di lokapasar.")
    page.get_by_label("Jenis").select_option("pemasaran")
    page.get_by_label("Mulai").fill("2026-12-12T09:00")
    page.get_by_label("Selesai").fill("2026-12-12T12:00")
    page.get_by_label("Tempat").fill("Aula Balai Kota Pematangsiantar")
    page.get_by_label("Kuota peserta").fill("banyak")
    page.get_by_label("Penyelenggara").fill("Dinas Koperasi dan UKM")
    page.get_by_role("button", name="Simpan dan buka pendaftaran").click()

    quota = page.get_by_label("Kuota peserta")
    assert quota.get_attribute("aria-invalid") == "true"
    assert page.locator("#quota-error").is_visible()
    assert page.get_by_label("Judul").input_value() == "Pelatihan Foto Produk UMKM"  # kept
    assert staff.axe() == []
    quota.fill("25")
    page.get_by_role("button", name="Simpan dan buka pendaftaran").click()
    page.wait_for_url(f"{site.url}/konsol/pelatihan/1?ok=created")
    assert page.get_by_role("status").inner_text() == "Pelatihan tersimpan."

    page.get_by_role("link", name="Semua pelatihan").click()
    row = page.locator('tr[data-program="1"]')
    assert "Pelatihan Foto Produk UMKM" in row.inner_text()
    assert "0/25" in row.inner_text()
    assert staff.axe() == []
    staff.screenshots("pelatihan")

    nav.get_by_role("link", name="Forum").click()
    page.wait_for_url(f"{site.url}/konsol/forum")
    assert "Forum Warga Siantar Barat" in page.locator("#forums").inner_text()
    assert staff.axe() == []
    staff.screenshots("forum")
    staff.close()
