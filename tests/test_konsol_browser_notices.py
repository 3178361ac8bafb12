"""Konsol in Chromium: a facilitator composes an announcement with a photo, sees
the live count change as the segment changes and the preview with the count,
confirms and finds it in the list; an admin downloads an XLSX export. Both pages
have no serious accessibility problem, and are photographed."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from conftest import NOW
from images import png
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlmodel import Session, select
from staff_helpers import ADMIN, FACILITATOR, seed
from test_announcements import BANTAN, TOMUAN, person

from bot.media import MediaStore
from handlers.core.engine import Engine
from storage.models import Announcement

TEXT = "Posyandu balita buka Sabtu pagi di kantor lurah. Bawa buku KIA."


def test_a_facilitator_announces_with_the_preview_count(site: Any, tmp_path: Path) -> None:
    for user in ("31", "32", "33"):
        person(site.db, user)  # Bantan
    person(site.db, "34", kelurahan=TOMUAN)
    site.konsol.settings = replace(site.konsol.settings, files=MediaStore(tmp_path, 10**7))
    photo = tmp_path / "posyandu.png"
    photo.write_bytes(png(64, 48))

    staff = site.staff()
    staff.log_in(FACILITATOR)
    staff.open("/konsol/pengumuman")
    page = staff.page
    assert staff.axe() == []
    page.get_by_label("Isi pengumuman").fill(TEXT)
    page.locator("#photo-file").set_input_files(str(photo))
    live = page.locator("#jumlah-langsung")
    expect(live).to_have_text("4")  # everyone, counted when the page was drawn
    page.get_by_label("Kirim kepada").select_option("kelurahan")
    expect(live).to_have_text("0")  # htmx asked /konsol/pengumuman/jumlah: no kelurahan yet
    page.locator("#kelurahan").select_option(BANTAN)
    expect(live).to_have_text("3")
    page.get_by_role("button", name="Lihat pratinjau").click()

    page.wait_for_url(re.compile(r".*/konsol/pengumuman/pratinjau$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Pratinjau pengumuman"
    assert page.locator("#jumlah").inner_text() == "3"
    assert page.locator("#message").inner_text() == TEXT
    assert page.locator(".resident-message img").evaluate("i => i.naturalWidth") == 64
    assert staff.axe() == []
    page.get_by_role("button", name="Kirim", exact=True).click()

    page.wait_for_url(re.compile(r".*/konsol/pengumuman\?ok=sent&id=\d+$"))
    with Session(site.db) as session:
        announcement = session.exec(select(Announcement)).one()
    row = page.locator(f'tr[data-id="{announcement.id}"]')
    assert TEXT in row.inner_text() and "dengan foto" in row.inner_text()
    assert announcement.photo and (tmp_path / announcement.photo).is_file()
    assert staff.axe() == []
    staff.screenshots("pengumuman")
    staff.close()


def test_an_admin_downloads_an_xlsx_export(site: Any, engine: Engine, tmp_path: Path) -> None:
    codes = {seed(engine, at=NOW - timedelta(days=n)) for n in (1, 2)}
    staff = site.staff()
    staff.log_in(ADMIN)
    staff.open("/konsol/ekspor")
    page = staff.page
    assert staff.axe() == []
    staff.screenshots("ekspor")
    page.get_by_label("Data yang diunduh").select_option("aspirations")
    page.get_by_label("Format").select_option("xlsx")
    with page.expect_download() as started:
        page.get_by_role("button", name="Unduh").click()
    download = started.value
    assert download.suggested_filename == "aspirasi-2026-11-28.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = load_workbook(saved, read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Kode" and {r[0] for r in rows[1:]} == codes
    staff.close()
