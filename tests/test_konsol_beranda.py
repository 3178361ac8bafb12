"""Konsol's Beranda: the numbers match what was seeded, for the city and for a
unit officer; the last actions for admins only; resident text always escaped."""

from __future__ import annotations

import re
from datetime import timedelta

from conftest import NOW
from konsol_helpers import browser
from sqlalchemy import Engine as Database
from sqlmodel import select
from staff_helpers import ADMIN, CONFIG_ROLES, FACILITATOR, GRANTED, STAFF, UNIT, seed

from handlers.core.engine import Engine
from storage.db import transaction
from storage.models import Aspiration
from storage.opd import grant_officer

SCRIPT = '<script>alert("x")</script>"><img src=x onerror=alert(1)>\u202e'


def cell(html: str, table: str, row: str) -> list[str]:
    """The numbers of one row (``data-…="row"``) of a table on the page."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    line = re.search(rf'data-[a-z]+="{re.escape(row)}">(.*?)</tr>', body)
    assert line is not None, (table, row)
    return re.findall(r'class="num">(\d+)<', line.group(1))


def tile(html: str, name: str) -> int:
    found = re.search(rf'id="{name}">(\d+)<', html)
    assert found is not None
    return int(found.group(1))


def seeded(engine: Engine) -> None:
    """Saturday 28 November 2026, 09:00 WIB; the week began on Monday the 23rd."""
    seed(engine, at=NOW - timedelta(hours=1))  # new today, not yet due
    seed(engine, at=NOW - timedelta(days=30))  # verification overdue
    seed(engine, status="diteruskan", at=NOW - timedelta(days=30))  # unit's response overdue
    seed(engine, status="selesai", at=NOW - timedelta(days=2))  # this week, closed
    seed(engine, status="diproses", at=NOW - timedelta(days=6))  # last Sunday


def test_beranda_numbers_match_the_seeded_aspirations(engine: Engine, db: Database) -> None:
    seeded(engine)
    staff = browser(db, CONFIG_ROLES)
    staff.log_in(STAFF)
    html = staff.client.get("/konsol/").text
    assert tile(html, "total") == 5
    assert tile(html, "new-today") == 1
    assert tile(html, "new-week") == 2
    assert cell(html, "by-status", "diterima") == ["2"]
    assert cell(html, "by-status", "diteruskan") == ["1"]
    assert cell(html, "by-status", "diproses") == ["1"]
    assert cell(html, "by-status", "selesai") == ["1"]
    assert cell(html, "by-status", "spam") == ["0"]
    assert cell(html, "overdue-stage", "verify") == ["1"]
    assert cell(html, "overdue-stage", "response") == ["1"]
    assert cell(html, "overdue-stage", "completion") == ["0"]
    assert cell(html, "overdue-unit", UNIT) == ["2", "1"]  # diteruskan and diproses
    assert cell(html, "overdue-unit", "") == ["2", "1"]  # the city staff's two diterima
    assert 'id="audit"' not in html  # staff: no audit trail


def test_an_officer_sees_only_their_units_numbers(engine: Engine, db: Database) -> None:
    seeded(engine)
    with transaction(db) as session:
        grant_officer(session=session, identity=GRANTED, codes=[UNIT], actor=ADMIN, now=NOW)
    officer = browser(db, CONFIG_ROLES)
    officer.log_in(GRANTED)
    html = officer.client.get("/konsol/").text
    assert UNIT in html.split("<h1>", 1)[1].split("</p>", 1)[0]
    assert tile(html, "total") == 3  # diteruskan, diproses and selesai went to the unit
    assert cell(html, "by-status", "diterima") == ["0"]
    assert cell(html, "by-status", "selesai") == ["1"]
    assert cell(html, "overdue-stage", "verify") == ["0"]
    assert cell(html, "overdue-stage", "response") == ["1"]
    assert 'data-unit=""' not in html  # not the city staff's row


def test_the_last_actions_are_for_admins_only(engine: Engine, db: Database) -> None:
    seeded(engine)
    admin = browser(db, CONFIG_ROLES)
    admin.log_in(ADMIN)
    html = admin.client.get("/konsol/").text
    audit = html.split('id="audit"', 1)[1]
    assert "web_login" in audit and "status_change" in audit
    assert audit.count("<tr>") == 1 + 10  # header and the ten newest
    facilitator = browser(db, CONFIG_ROLES)
    facilitator.log_in(FACILITATOR)
    page = facilitator.client.get("/konsol/")
    assert page.status_code == 200 and 'id="audit"' not in page.text


def test_resident_text_is_never_raw(engine: Engine, db: Database) -> None:
    code = seed(engine, at=NOW - timedelta(days=30))
    with transaction(db) as session:
        aspiration = session.exec(select(Aspiration).where(Aspiration.code == code)).one()
        aspiration.text = SCRIPT
        session.add(aspiration)
    admin = browser(db, CONFIG_ROLES)
    admin.log_in(ADMIN)
    html = admin.client.get("/konsol/").text
    assert "<script>alert" not in html and "onerror=alert" not in html.replace("&", "")
    # the templates escape whatever they are given: resident text on any page
    konsol = browser(db, CONFIG_ROLES).konsol
    assert konsol is not None
    page = konsol.page("pesan.html", title=SCRIPT, text=SCRIPT).body.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#34;&gt;&lt;img" in page
