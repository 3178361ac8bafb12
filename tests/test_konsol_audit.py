"""Konsol's Audit page: the filters (actor, action, WIB days) narrow the trail to
exactly the matching entries, newest first and 50 a page; only admins open it;
details are shown as text, never markup."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from conftest import NOW
from konsol_helpers import Browser, browser
from sqlalchemy import Engine as Database
from staff_helpers import ADMIN, CONFIG_ROLES, FACILITATOR, STAFF

from storage.audit import entries_since, record
from storage.db import transaction
from storage.models import AuditEntry

SCRIPT = '<script>alert("x")</script>"><img src=x onerror=alert(1)>\u202e'
# 28 November 2026 in WIB runs from 27 Nov 17:00 UTC to 28 Nov 17:00 UTC
LATE_27 = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)  # 27 Nov 23:30 WIB
MIDNIGHT_28 = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
EARLY_28 = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # 28 Nov 00:30 WIB
TRAIL = [
    (NOW - timedelta(days=3), "console:7001", "role_grant", {"identity": "console:7002"}),
    (LATE_27, "console:7001", "export", {"kind": "aspirations"}),
    (EARLY_28, "console:7002", "export", {"kind": "trainings"}),
    (EARLY_28 + timedelta(minutes=5), "cli", "block", {"reason": SCRIPT}),
    (NOW - timedelta(minutes=10), "console:7002", "status_change", {"code": "ABC123"}),
]


def seeded(db: Database) -> None:
    with transaction(db) as session:
        for at, actor, action, details in TRAIL:
            record(session=session, actor=actor, action=action, details=details, now=at)


def admin_on(db: Database) -> Browser:
    admin = browser(db, CONFIG_ROLES)
    admin.log_in(ADMIN)
    return admin


def shown(html: str) -> list[int]:
    """The ids of the entries on the page, in page order."""
    return [int(found) for found in re.findall(r'data-entry="(\d+)"', html)]


def total(html: str) -> int:
    found = re.search(r'id="audit-count" data-total="(\d+)"', html)
    assert found is not None
    return int(found.group(1))


def expected(db: Database, keep: object) -> list[int]:
    """What the page should list: the stored entries ``keep`` accepts, newest first."""
    with transaction(db) as session:
        rows = list(entries_since(session=session))
    chosen = [row for row in rows if keep(row)]  # type: ignore[operator]
    chosen.sort(key=lambda row: (row.at, row.id), reverse=True)
    return [int(row.id or 0) for row in chosen]


def test_the_filters_narrow_to_exactly_the_matching_entries(db: Database) -> None:
    seeded(db)
    admin = admin_on(db)
    everything = admin.client.get("/konsol/audit").text
    assert shown(everything) == expected(db, lambda row: True)  # the login is there too
    assert total(everything) == len(TRAIL) + 2  # the link and the login

    by_action = admin.client.get("/konsol/audit", params={"aksi": "export"}).text
    exports = expected(db, lambda row: row.action == "export")
    assert shown(by_action) == exports and len(exports) == 2 and total(by_action) == 2
    assert '<option value="export" selected>' in by_action  # the choice is kept

    by_actor = admin.client.get("/konsol/audit", params={"aktor": "CONSOLE:7002"}).text
    assert shown(by_actor) == expected(db, lambda row: row.actor == "console:7002")
    assert len(shown(by_actor)) == 2 and 'value="CONSOLE:7002"' in by_actor

    # one WIB day: 23:30 WIB the day before is out, 00:30 WIB is in
    day = admin.client.get("/konsol/audit", params={"dari": "2026-11-28", "sampai": "2026-11-28"})
    on_28 = expected(db, lambda row: row.at >= MIDNIGHT_28)
    assert shown(day.text) == on_28
    assert len(on_28) == 5  # an export, the block, the status change, the link, the login
    until_27 = admin.client.get("/konsol/audit", params={"sampai": "2026-11-27"}).text
    assert shown(until_27) == expected(db, lambda row: row.at <= LATE_27)
    assert len(shown(until_27)) == 2

    both = admin.client.get(
        "/konsol/audit", params={"aksi": "export", "aktor": "7001", "dari": "2026-11-27"}
    ).text
    assert shown(both) == expected(db, lambda r: r.action == "export" and r.actor.endswith("7001"))
    assert len(shown(both)) == 1


def test_fifty_a_page_newest_first_and_the_filter_kept_across_pages(db: Database) -> None:
    with transaction(db) as session:
        for minute in range(120):
            at = NOW - timedelta(hours=5) + timedelta(minutes=minute)
            record(session=session, actor="cli", action="block", details={"n": minute}, now=at)
    admin = admin_on(db)
    wanted = expected(db, lambda row: row.action == "block")
    first = admin.client.get("/konsol/audit", params={"aksi": "block"}).text
    assert total(first) == 120 and shown(first) == wanted[:50]
    nxt = re.search(r'rel="next" href="([^"]+)"', first)
    assert nxt is not None and "aksi=block" in nxt.group(1)
    second = admin.client.get(nxt.group(1).replace("&amp;", "&")).text
    assert shown(second) == wanted[50:100]
    last = admin.client.get("/konsol/audit", params={"aksi": "block", "hal": "99"}).text
    assert shown(last) == wanted[100:]  # past the end: the last page
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_a_bad_date_or_reversed_range_says_so_and_keeps_the_values(db: Database) -> None:
    admin = admin_on(db)
    bad = admin.client.get("/konsol/audit", params={"dari": "28-11-2026", "aktor": "cli"})
    assert bad.status_code == 400 and "TTTT-BB-HH" in bad.text
    assert 'value="28-11-2026"' in bad.text and 'value="cli"' in bad.text
    reversed_ = admin.client.get(
        "/konsol/audit", params={"dari": "2026-11-28", "sampai": "2026-11-01"}
    )
    assert reversed_.status_code == 400 and "setelah tanggal akhir" in reversed_.text
    unknown = admin.client.get("/konsol/audit", params={"aksi": "drop_table"})
    assert unknown.status_code == 400 and 'data-entry="' not in unknown.text


def test_only_admins_open_the_audit_page(db: Database) -> None:
    seeded(db)
    for who in (STAFF, FACILITATOR):
        person = browser(db, CONFIG_ROLES)
        person.log_in(who)
        answer = person.client.get("/konsol/audit", params={"aksi": "export"})
        assert answer.status_code == 404 and "console:7001" not in answer.text
        assert "/konsol/audit" not in person.client.get("/konsol/").text  # not in the menu
    assert 'href="/konsol/audit"' in admin_on(db).client.get("/konsol/").text


def test_details_are_text_never_markup(db: Database) -> None:
    seeded(db)
    html = admin_on(db).client.get("/konsol/audit", params={"aksi": "block"}).text
    row = html.split('id="audit-trail"', 1)[1]
    assert "<script>alert" not in row and "<img src=x" not in row
    assert '<span class="key">reason</span>: &lt;script&gt;alert(&#34;x&#34;)' in row
    with transaction(db) as session:
        stored = session.get(AuditEntry, shown(html)[0])
        assert stored is not None and stored.details == {"reason": SCRIPT}
