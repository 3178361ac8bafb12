"""Konsol's admin pages in Chromium: an admin filters the audit trail by action and
grants a role on Peran, both pages free of serious accessibility problems and
readable at phone width; a staff member cannot open Peran."""

from __future__ import annotations

from typing import Any

from staff_helpers import ADMIN, STAFF

from storage.db import transaction
from storage.roles import roles_of

NEWCOMER = "telegram:55501"


def test_an_admin_filters_the_audit_trail_and_grants_a_role(site: Any) -> None:
    other = site.staff()
    other.log_in(STAFF)  # a session and a login on the trail besides the admin's
    admin = site.staff()
    admin.log_in(ADMIN)
    page = admin.page
    page.get_by_role("link", name="Audit").click()
    page.wait_for_url(f"{site.url}/konsol/audit")
    assert page.get_by_role("heading", level=1).inner_text() == "Audit"
    page.get_by_label("Tindakan").select_option("web_login")
    page.get_by_role("button", name="Tampilkan").click()
    page.wait_for_url("**/konsol/audit?**aksi=web_login**")
    rows = page.locator("#audit-trail tbody tr")
    assert rows.count() == 2 and set(rows.locator("code").all_inner_texts()) == {"web_login"}
    assert page.locator("#audit-count").get_attribute("data-total") == "2"
    assert admin.axe() == []
    admin.screenshots("audit")

    page.get_by_role("link", name="Peran").click()
    page.wait_for_url(f"{site.url}/konsol/peran")
    assert page.locator("#sessions tbody tr").count() == 2
    page.get_by_label("Identitas").fill(NEWCOMER)
    page.get_by_label("Peran", exact=True).select_option("facilitator")
    page.get_by_role("button", name="Beri peran").click()
    page.wait_for_url(f"{site.url}/konsol/peran?selesai=granted")
    assert page.get_by_role("status").inner_text().startswith("Peran sudah diberikan")
    assert page.locator(f'[data-holder="{NEWCOMER} facilitator"]').is_visible()
    with transaction(site.db) as session:
        assert roles_of(session=session, identity=NEWCOMER) == {"facilitator"}
    assert admin.axe() == []
    admin.screenshots("peran")

    assert other.open("/konsol/peran").status == 404  # staff: no such page for them
    admin.close()
    other.close()
