"""Konsol in Chromium: logging in through a one-time link, the link refused the
second time, a logged-out session refused, Beranda readable at phone width, and
no serious accessibility problem on the login and Beranda pages."""

from __future__ import annotations

from typing import Any

from staff_helpers import ADMIN


def test_log_in_with_a_link_then_out_and_the_link_is_spent(site: Any) -> None:
    staff = site.staff()
    link = site.link(ADMIN)
    staff.page.goto(link)
    assert staff.page.get_by_role("button", name="Masuk").is_visible()
    staff.page.get_by_role("button", name="Masuk").click()
    staff.page.wait_for_url(f"{site.url}/konsol/")
    assert staff.page.get_by_role("heading", level=1).inner_text() == "Beranda"
    assert staff.axe() == []
    staff.screenshots("beranda")

    staff.page.get_by_role("button", name="Keluar").click()
    staff.page.wait_for_url(f"{site.url}/konsol/masuk?keluar=1")
    assert staff.axe() == []
    staff.open("/konsol/")
    assert staff.page.url == f"{site.url}/konsol/masuk"  # the session is over

    answer = staff.open(link.removeprefix(site.url))
    assert answer.status == 410  # a used link is refused
    staff.close()


def test_english_switch_keeps_the_page(site: Any) -> None:
    staff = site.staff()
    staff.log_in(ADMIN)
    staff.page.get_by_role("link", name="English").click()
    staff.page.wait_for_url(f"{site.url}/konsol/")
    assert staff.page.get_by_role("heading", level=1).inner_text() == "Home"
    assert staff.page.locator("html").get_attribute("lang") == "en"
    staff.page.get_by_role("link", name="Bahasa Indonesia").click()
    assert staff.page.get_by_role("heading", level=1).inner_text() == "Beranda"
    staff.close()
