"""Konsol in Chromium, as each role sees it: an OPD officer sees only their unit's
aspirations and gets 404 for another unit's and for the facilitators' pages; a
facilitator sees trainings, forums and announcements, and 404 for aspirations.
A 404 for a forbidden object reads exactly like one for a code that does not exist."""

from __future__ import annotations

from typing import Any

from desk_helpers import OFFICER, disposed_to_pupr, on_the_units_desk
from staff_helpers import FACILITATOR, give, seed

from handlers.core.engine import Engine
from storage.aspirations import find_aspiration
from storage.db import transaction
from storage.workflow import change_status


def disposed_to(engine: Engine, unit: str) -> str:
    code = seed(engine, status="diverifikasi")
    with transaction(engine.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None
        change_status(
            session=session,
            aspiration=aspiration,
            status="diteruskan",
            actor="console:9001",
            note=None,
            now=aspiration.created_at,
            opd=unit,
        )
    return code


def menu(staff: Any) -> list[str]:
    return staff.page.locator("header nav a").all_inner_texts()


def test_an_officer_sees_only_their_units_part(site: Any, engine: Engine) -> None:
    ours = disposed_to_pupr(engine)
    theirs = disposed_to(engine, "DLH")
    on_the_units_desk(engine, OFFICER)
    give(engine, OFFICER, "petugas_opd")
    officer = site.staff()
    officer.log_in(OFFICER)
    assert menu(officer) == ["Beranda", "Aspirasi"]

    officer.open("/konsol/aspirasi")
    listed = officer.page.locator("table").inner_text()
    assert ours in listed and theirs not in listed
    assert officer.axe() == []

    officer.open(f"/konsol/aspirasi/{ours}")
    assert officer.page.get_by_role("heading", level=1).inner_text().find(ours) >= 0

    forbidden = officer.open(f"/konsol/aspirasi/{theirs}")
    forbidden_text = officer.page.locator("main").inner_text()
    missing = officer.open("/konsol/aspirasi/ASP-ZZZZZZ")
    assert forbidden.status == missing.status == 404
    assert forbidden_text == officer.page.locator("main").inner_text()
    assert officer.open(f"/konsol/aspirasi/{theirs}/foto").status == 404
    for page in ("/konsol/pelatihan", "/konsol/pengumuman", "/konsol/audit", "/konsol/peran"):
        assert officer.open(page).status == 404, page
    officer.close()


def test_a_facilitator_sees_trainings_forums_and_announcements(site: Any, engine: Engine) -> None:
    code = seed(engine)
    facilitator = site.staff()
    facilitator.log_in(FACILITATOR)
    assert menu(facilitator) == ["Beranda", "Pelatihan", "Forum", "Pengumuman", "Ekspor"]
    for page in ("/konsol/pelatihan", "/konsol/forum", "/konsol/pengumuman"):
        assert facilitator.open(page).status == 200, page
    for page in ("/konsol/aspirasi", f"/konsol/aspirasi/{code}", "/konsol/peran"):
        assert facilitator.open(page).status == 404, page
    facilitator.close()
