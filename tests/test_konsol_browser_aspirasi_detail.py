"""The aspiration page in Chromium: the map drawn by the vendored Leaflet under the
console's Content-Security-Policy (tiles are refused here, as offline, and the
coordinates still show), a move with a note and the notice after it, a stale
form refused naming who changed it, no serious accessibility problem."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path
from typing import Any

from conftest import NOW
from PIL import Image
from staff_helpers import ADMIN, STAFF, WARGA, outbox, seat, seed, stored

from bot.media import MediaStore
from handlers.core.engine import Engine

WHERE = (2.959617, 99.068703)


def with_photo(site: Any, tmp_path: Path) -> str:
    """Konsol keeps photos in a media store here; a resident's photo in it."""
    media = MediaStore(tmp_path / "media", 10**6)
    site.konsol.settings = replace(site.konsol.settings, files=media)
    out = io.BytesIO()
    Image.new("RGB", (320, 200), (60, 120, 180)).save(out, "PNG")
    return media.store_bytes(out.getvalue(), NOW)


def offline(staff: Any) -> None:
    """Tiles fail at once, as without a network (and no request leaves the machine)."""
    staff.page.route("https://tile.openstreetmap.org/**", lambda route: route.abort())


def test_staff_open_an_aspiration_and_move_it_with_a_note(
    site: Any, engine: Engine, tmp_path: Path
) -> None:
    resident = seat(engine, WARGA, name="Rina Sitorus")
    code = seed(engine, resident_id=resident, photo=with_photo(site, tmp_path), location=WHERE)
    staff = site.staff()
    offline(staff)
    staff.log_in(STAFF)
    staff.open(f"/konsol/aspirasi/{code}")
    page = staff.page
    assert page.get_by_role("heading", level=1).inner_text() == f"Aspirasi {code}"
    page.locator("#peta.leaflet-container").wait_for()  # Leaflet ran, under the CSP
    assert page.locator("#peta .leaflet-marker-icon").count() == 1
    assert "Koordinat: 2.959617, 99.068703" in page.locator("#coordinates").inner_text()
    assert page.locator("#photo").evaluate("img => img.naturalWidth") == 320
    assert staff.axe() == []
    staff.screenshots("aspirasi-detail")

    page.get_by_label("Catatan untuk warga").fill("Lokasi sudah kami cek bersama lurah.")
    page.get_by_role("button", name="Ubah ke: Diverifikasi").click()
    page.wait_for_url(f"{site.url}/konsol/aspirasi/{code}?ok=moved")
    assert page.locator("#notice").inner_text() == "Status diubah. Warga sudah diberi tahu."
    assert page.locator("#status").inner_text() == "Diverifikasi"
    assert "Lokasi sudah kami cek bersama lurah." in page.locator("#history").inner_text()
    assert stored(engine, code).status == "diverifikasi"
    [told] = outbox(engine)
    assert "Lokasi sudah kami cek bersama lurah." in told.payload["text"]
    staff.close()


def test_a_stale_form_is_refused_in_the_browser(site: Any, engine: Engine) -> None:
    code = seed(engine)
    staff, admin = site.staff(), site.staff()
    staff.log_in(STAFF)
    admin.log_in(ADMIN)
    staff.open(f"/konsol/aspirasi/{code}")
    admin.open(f"/konsol/aspirasi/{code}")
    admin.page.get_by_role("button", name="Ubah ke: Diverifikasi").click()
    admin.page.wait_for_url(f"{site.url}/konsol/aspirasi/{code}?ok=moved_untold")

    staff.page.get_by_label("Catatan untuk warga").fill("Sudah dicek.")
    staff.page.get_by_role("button", name="Ubah ke: Diverifikasi").click()
    problem = staff.page.locator("#problem")
    problem.wait_for()
    assert ADMIN in problem.inner_text() and "pukul 09.00 WIB" in problem.inner_text()
    assert staff.page.get_by_label("Catatan untuk warga").input_value() == "Sudah dicek."
    assert staff.page.locator("#status").inner_text() == "Diverifikasi"  # as it is now
    assert staff.axe() == []
    assert stored(engine, code).status == "diverifikasi" and outbox(engine) == []
    staff.close()
    admin.close()
