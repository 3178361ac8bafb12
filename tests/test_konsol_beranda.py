"""Konsol's Beranda: the numbers match what was seeded, for the city and for a
unit officer; the last actions for admins only; resident text always escaped."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

from conftest import NOW
from konsol_helpers import browser
from sqlalchemy import Engine as Database
from sqlmodel import select
from staff_helpers import (
    ADMIN,
    BANTAN_KEC,
    CONFIG_ROLES,
    FACILITATOR,
    GRANTED,
    STAFF,
    TOMUAN,
    UNIT,
    seed,
)

from bot.i18n import translator
from handlers.core.engine import Engine
from storage.db import transaction
from storage.models import Aspiration
from storage.opd import grant_officer
from storage.wilayah import load_wilayah

BANTAN = "12.72.02.1003"  # in Siantar Barat

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


CHART_SEEDS = [  # (category, kelurahan, status): UNIT holds the diteruskan and diproses ones
    ("infrastruktur", TOMUAN, "diterima"),
    ("infrastruktur", TOMUAN, "diteruskan"),
    ("infrastruktur", BANTAN, "diproses"),
    ("kesehatan", BANTAN, "diterima"),
    ("lingkungan", BANTAN, "diteruskan"),
]


def chart_rows(html: str, table: str) -> list[tuple[str, str, int, str]]:
    """(key, label, count, bar length) of each row of a bar chart, in page order."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'data-key="([^"]*)"><th scope="row">([^<]*)</th>.*?class="fill"[^>]*width="([\d.]+)"'
        r'.*?class="num">(\d+)<',
        body,
        re.S,
    )
    return [(key, label, int(count), length) for key, label, length, count in rows]


def test_the_charts_count_by_category_and_kecamatan(engine: Engine, db: Database) -> None:
    for category, kelurahan, status in CHART_SEEDS:
        seed(engine, category=category, kelurahan=kelurahan, status=status, at=NOW)
    with transaction(db) as session:
        grant_officer(session=session, identity=GRANTED, codes=[UNIT], actor=ADMIN, now=NOW)
    wilayah = load_wilayah()

    def expect(rows: list[tuple[str, str, str]]) -> tuple[Counter[str], Counter[str]]:
        by_kecamatan = Counter(kel.rsplit(".", 1)[0] for _, kel, _ in rows)
        return Counter(cat for cat, _, _ in rows), by_kecamatan

    staff = browser(db, CONFIG_ROLES)
    staff.log_in(STAFF)
    html = staff.client.get("/konsol/").text
    categories, kecamatan = chart_rows(html, "by-category"), chart_rows(html, "by-kecamatan")
    want_categories, want_kecamatan = expect(CHART_SEEDS)
    assert {key: n for key, _, n, _ in categories if n} == dict(want_categories)
    assert {key: n for key, _, n, _ in kecamatan if n} == dict(want_kecamatan)
    assert len(kecamatan) == len(wilayah.kecamatan)  # every kecamatan, zeros included
    label = translator("id")("category.infrastruktur")
    assert categories[0][:3] == ("infrastruktur", label, 3)  # most first, labelled
    assert (
        categories[0][3] == "100.0"
        and dict((k, w) for k, _, _, w in categories)["kesehatan"] == "33.3"
    )
    barat = next(row for row in kecamatan if row[0] == BANTAN_KEC)
    assert barat[1] == "Siantar Barat" and barat[2] == want_kecamatan[BANTAN_KEC] == 3
    assert 'aria-hidden="true"' in html.split('id="by-category"', 1)[1].split("</table>")[0]
    assert "style=" not in html

    officer = browser(db, CONFIG_ROLES)
    officer.log_in(GRANTED)
    scoped = officer.client.get("/konsol/").text
    held = [row for row in CHART_SEEDS if row[2] in ("diteruskan", "diproses")]
    unit_categories, unit_kecamatan = expect(held)
    assert {k: n for k, _, n, _ in chart_rows(scoped, "by-category") if n} == dict(unit_categories)
    assert {k: n for k, _, n, _ in chart_rows(scoped, "by-kecamatan") if n} == dict(unit_kecamatan)
