"""Konsol's Peran page: granting and revoking roles through the CLI's functions
(the same audit entries, the admin as actor), the sessions list and ending them,
validation that keeps what was typed, CSRF, and no admin locking themselves out."""

from __future__ import annotations

import re

from conftest import NOW
from httpx import Response
from konsol_helpers import Browser, browser
from sqlalchemy import Engine as Database
from sqlmodel import select
from staff_helpers import ADMIN, CONFIG_ROLES, FACILITATOR, GRANTED, STAFF, UNIT

from storage.audit import entries_since
from storage.db import transaction
from storage.models import AuditEntry
from storage.opd import units_of
from storage.roles import grant_role, roles_of

NEWCOMER = "telegram:55501"
OFFICER = "whatsapp:6281200001111"


def admin_on(db: Database) -> Browser:
    admin = browser(db, CONFIG_ROLES)
    admin.log_in(ADMIN)
    return admin


def post(who: Browser, path: str, **fields: str) -> Response:
    return who.client.post(path, data={"csrf": who.csrf(), **fields}, follow_redirects=False)


def audit(db: Database, action: str) -> list[AuditEntry]:
    with transaction(db) as session:
        return [entry for entry in entries_since(session=session) if entry.action == action]


def test_config_roles_are_read_only_and_grants_can_be_revoked(db: Database) -> None:
    with transaction(db) as session:
        grant_role(session=session, identity=GRANTED, role="staff", granted_by="cli", now=NOW)
    html = admin_on(db).client.get("/konsol/peran").text
    holders = html.split('id="holders"', 1)[1].split("</table>", 1)[0]
    for identity, roles in CONFIG_ROLES.items():
        for role in roles:
            row = holders.split(f'data-holder="{identity} {role}"', 1)[1].split("</tr>", 1)[0]
            assert 'data-source="config"' in row and "dari berkas konfigurasi" in row
            assert "cabut" not in row
    granted = holders.split(f'data-holder="{GRANTED} staff"', 1)[1].split("</tr>", 1)[0]
    assert "diberikan oleh cli" in granted and "/konsol/peran/cabut?" in granted


def test_a_granted_staff_member_logs_in_with_a_link(db: Database) -> None:
    admin = admin_on(db)
    answer = post(admin, "/konsol/peran/beri", identitas=NEWCOMER, peran="staff", unit="")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/konsol/peran?selesai=granted"
    assert "Peran sudah diberikan" in admin.client.get("/konsol/peran?selesai=granted").text
    grants = audit(db, "role_grant")
    assert [(e.actor, e.details) for e in grants] == [
        (ADMIN, {"identity": NEWCOMER, "role": "staff"})  # as the CLI writes it
    ]
    newcomer = browser(db, CONFIG_ROLES)
    newcomer.log_in(NEWCOMER)
    assert newcomer.client.get("/konsol/").status_code == 200
    again = post(admin, "/konsol/peran/beri", identitas=NEWCOMER, peran="staff", unit="")
    assert again.headers["location"].endswith("selesai=already")
    assert len(audit(db, "role_grant")) == 1


def test_an_officer_is_granted_with_their_units(db: Database) -> None:
    admin = admin_on(db)
    answer = post(
        admin, "/konsol/peran/beri", identitas=OFFICER, peran="petugas_opd", unit=UNIT.lower()
    )
    assert answer.status_code == 303
    with transaction(db) as session:
        assert units_of(session=session, identity=OFFICER) == {UNIT}
        assert roles_of(session=session, identity=OFFICER) == {"petugas_opd"}
    assert [e.details for e in audit(db, "opd_grant")] == [{"identity": OFFICER, "code": UNIT}]
    html = admin.client.get("/konsol/peran").text
    assert f"({UNIT})" in html.split(f'data-holder="{OFFICER} petugas_opd"', 1)[1].split("</tr>")[0]


def test_bad_input_redraws_the_form_with_the_values_kept(db: Database) -> None:
    admin = admin_on(db)
    cases = [
        ({"identitas": "telegram:abc", "peran": "staff", "unit": ""}, "tidak sesuai format"),
        ({"identitas": OFFICER, "peran": "petugas_opd", "unit": "NOSUCH"}, "Unit NOSUCH tidak ada"),
        ({"identitas": OFFICER, "peran": "petugas_opd", "unit": ""}, "minimal satu kode unit"),
        ({"identitas": OFFICER, "peran": "staff", "unit": UNIT}, "hanya untuk peran Petugas OPD"),
        ({"identitas": OFFICER, "peran": "raja", "unit": ""}, "Pilih peran dari daftar"),
    ]
    for fields, says in cases:
        answer = post(admin, "/konsol/peran/beri", **fields)
        html = answer.text
        assert answer.status_code == 400 and says in html, fields
        assert f'value="{fields["identitas"]}"' in html and f'value="{fields["unit"]}"' in html
        if fields["peran"] != "raja":
            assert f'<option value="{fields["peran"]}" selected>' in html
        assert html.count('aria-invalid="true"') == 1  # the field to correct
    with transaction(db) as session:
        assert roles_of(session=session, identity=OFFICER) == frozenset()
    assert audit(db, "role_grant") == [] and audit(db, "opd_grant") == []


def test_a_form_without_its_csrf_token_is_refused(db: Database) -> None:
    admin = admin_on(db)
    for path, fields in [
        ("/konsol/peran/beri", {"identitas": NEWCOMER, "peran": "admin", "unit": ""}),
        ("/konsol/peran/cabut", {"identitas": STAFF, "peran": "staff"}),
        ("/konsol/peran/sesi", {"identitas": STAFF}),
    ]:
        answer = admin.client.post(path, data=fields, follow_redirects=False)
        assert answer.status_code == 403, path
        wrong = admin.client.post(path, data={**fields, "csrf": "0" * 64}, follow_redirects=False)
        assert wrong.status_code == 403, path
    with transaction(db) as session:
        assert roles_of(session=session, identity=NEWCOMER) == frozenset()
    assert audit(db, "web_sessions_ended") == []


def test_revoking_asks_first_then_their_next_page_is_the_login(db: Database) -> None:
    with transaction(db) as session:
        grant_role(session=session, identity=GRANTED, role="staff", granted_by="cli", now=NOW)
    granted = browser(db, CONFIG_ROLES)
    granted.log_in(GRANTED)
    admin = admin_on(db)
    ask = admin.client.get("/konsol/peran/cabut", params={"identitas": GRANTED, "peran": "staff"})
    assert ask.status_code == 200 and GRANTED in ask.text and "Ya, cabut peran" in ask.text
    with transaction(db) as session:
        assert roles_of(session=session, identity=GRANTED) == {"staff"}  # asking changes nothing
    missing = admin.client.get(
        "/konsol/peran/cabut", params={"identitas": GRANTED, "peran": "admin"}
    )
    assert missing.status_code == 404

    answer = post(admin, "/konsol/peran/cabut", identitas=GRANTED, peran="staff")
    assert answer.headers["location"] == "/konsol/peran?selesai=revoked"
    revokes = audit(db, "role_revoke")
    assert [(e.actor, e.details) for e in revokes] == [
        (ADMIN, {"identity": GRANTED, "role": "staff"})
    ]
    after = granted.client.get("/konsol/", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/konsol/masuk"


def test_revoking_an_officer_takes_their_units(db: Database) -> None:
    admin = admin_on(db)
    post(admin, "/konsol/peran/beri", identitas=OFFICER, peran="petugas_opd", unit=UNIT)
    post(admin, "/konsol/peran/cabut", identitas=OFFICER, peran="petugas_opd")
    with transaction(db) as session:
        assert units_of(session=session, identity=OFFICER) == frozenset()
        assert roles_of(session=session, identity=OFFICER) == frozenset()
    assert [e.details for e in audit(db, "opd_revoke")] == [{"identity": OFFICER, "code": UNIT}]


def test_sessions_are_listed_and_ending_them_logs_the_person_out(db: Database) -> None:
    staff = browser(db, CONFIG_ROLES)
    staff.log_in(STAFF)
    staff.clock.advance(minutes=30)
    assert staff.client.get("/konsol/").status_code == 200  # seen at 09:30 WIB
    admin = admin_on(db)
    admin.clock.advance(minutes=30)
    html = admin.client.get("/konsol/peran").text
    sessions = html.split('id="sessions"', 1)[1].split("</table>", 1)[0]
    assert sessions.count('data-session="') == 2
    mine = sessions.split(f'data-session="{ADMIN}"', 1)[1].split("</tr>", 1)[0]
    assert "/konsol/peran/sesi" not in mine  # no button for one's own sessions
    theirs = sessions.split(f'data-session="{STAFF}"', 1)[1].split("</tr>", 1)[0]
    assert "Akhiri sesi" in theirs and "28 Nov 2026 21.30" in theirs  # 12 h after last seen

    answer = post(admin, "/konsol/peran/sesi", identitas=STAFF)
    assert answer.headers["location"] == "/konsol/peran?selesai=ended"
    ended = audit(db, "web_sessions_ended")
    assert [(e.actor, e.details) for e in ended] == [(ADMIN, {"identity": STAFF, "sessions": 1})]
    after = staff.client.get("/konsol/", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/konsol/masuk"
    assert f'data-session="{STAFF}"' not in admin.client.get("/konsol/peran").text


def test_an_admin_cannot_lock_themselves_out(db: Database) -> None:
    with transaction(db) as session:
        grant_role(session=session, identity=GRANTED, role="admin", granted_by="cli", now=NOW)
    me = browser(db, CONFIG_ROLES)
    me.log_in(GRANTED)
    html = me.client.get("/konsol/peran").text
    row = html.split(f'data-holder="{GRANTED} admin"', 1)[1].split("</tr>", 1)[0]
    assert "cabut" not in row  # no revoke link for one's own admin role
    ask = me.client.get("/konsol/peran/cabut", params={"identitas": GRANTED, "peran": "admin"})
    assert ask.status_code == 409 and "admin lain" in ask.text
    refused = post(me, "/konsol/peran/cabut", identitas=GRANTED, peran="admin")
    assert refused.status_code == 409 and "admin lain" in refused.text
    own = post(me, "/konsol/peran/sesi", identitas=GRANTED)
    assert own.status_code == 409 and "tombol Keluar" in own.text
    with transaction(db) as session:
        assert roles_of(session=session, identity=GRANTED) == {"admin"}
    assert me.client.get("/konsol/peran").status_code == 200  # still logged in
    assert audit(db, "role_revoke") == [] and audit(db, "web_sessions_ended") == []


def test_only_admins_open_peran(db: Database) -> None:
    for who in (STAFF, FACILITATOR):
        person = browser(db, CONFIG_ROLES)
        person.log_in(who)
        assert person.client.get("/konsol/peran").status_code == 404
        token = person.csrf()
        answer = person.client.post(
            "/konsol/peran/beri",
            data={"csrf": token, "identitas": NEWCOMER, "peran": "admin", "unit": ""},
        )
        assert answer.status_code == 404
        ended = person.client.post("/konsol/peran/sesi", data={"csrf": token, "identitas": ADMIN})
        assert ended.status_code == 404
    with transaction(db) as session:
        assert roles_of(session=session, identity=NEWCOMER) == frozenset()
        found = session.exec(select(AuditEntry).where(AuditEntry.action == "role_grant")).all()
        assert found == []
    assert re.search(r'href="/konsol/peran"', admin_on(db).client.get("/konsol/").text)


def test_revoking_a_grant_the_config_file_also_gives_says_so(db: Database) -> None:
    with transaction(db) as session:
        grant_role(session=session, identity=STAFF, role="staff", granted_by="cli", now=NOW)
    admin = admin_on(db)
    answer = post(admin, "/konsol/peran/cabut", identitas=STAFF, peran="staff")
    assert answer.headers["location"] == "/konsol/peran?selesai=revoked_config"
    shown = admin.client.get(answer.headers["location"]).text
    assert "berkas konfigurasi masih memberikannya" in shown
    with transaction(db) as session:
        assert roles_of(session=session, identity=STAFF) == frozenset()  # the grant is gone
