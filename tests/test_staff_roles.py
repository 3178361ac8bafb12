"""``/peran``: an admin grants, lists and revokes roles in the chat.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL
(through the ``db`` fixture behind ``engine``). Who is who, seeding and the
shared steps are in ``staff_helpers``.
"""

from __future__ import annotations

from conftest import NOW
from dialogue import play
from sqlmodel import Session, select
from staff_helpers import ADMIN, DENIED, MENU_QUESTION, grants, person, seed, state

from handlers.core.engine import Engine
from storage.models import RoleGrant


def test_admin_grants_lists_and_revokes_a_role_in_chat(desk: Engine) -> None:
    code = seed(desk)
    admin = person(desk, ADMIN, name="Joko Admin")
    admin.send("/peran")
    assert "Kelola peran: apa yang ingin Anda lakukan?" in admin.said
    admin.press("Beri peran")
    assert "Tulis identitas orangnya" in admin.said
    for bad in ("bob", "telegram:abc", "whatsapp:123", "telegram:123 staff", "console:"):
        admin.send(bad)
        assert "Identitas itu tidak sesuai format" in admin.said, bad
        assert state(admin)[:2] == ("roles", "grant_identity")
    admin.send("telegram:123456789")
    assert "Peran apa untuk telegram:123456789?" in admin.said
    assert admin.labels == ["Admin", "Petugas", "Pendamping", "Petugas OPD"]
    admin.press("Petugas")
    assert "Peran Petugas diberikan kepada telegram:123456789." in admin.said
    with Session(desk.db) as session:
        [grant] = session.exec(select(RoleGrant)).all()
    assert (grant.identity, grant.role, grant.granted_by, grant.granted_at) == (
        "telegram:123456789",
        "staff",
        ADMIN,
        NOW,
    )
    play(admin, [(("press", "Beri peran"), "identitas"), ("telegram:123456789", "Peran apa")])
    admin.press("Petugas")
    assert "telegram:123456789 sudah memiliki peran Petugas." in admin.said
    admin.press("Lihat daftar peran")
    assert "Daftar peran:" in admin.said
    assert "• telegram:123456789 — Petugas (console:9002)" in admin.said
    assert "• console:9001 — Petugas (dari berkas konfigurasi)" in admin.said
    # the new officer may now review
    officer = person(desk, "telegram:123456789", name="Maria")
    officer.send("/aspirasi")
    assert code in officer.said
    admin.press("Cabut peran")
    assert "Peran mana yang dicabut?" in admin.said
    admin.press("telegram:123456789")
    assert "Peran Petugas dicabut dari telegram:123456789." in admin.said
    assert grants(desk) == set()
    officer.send("/aspirasi")
    assert DENIED in officer.said
    admin.press("Cabut peran")
    assert "Belum ada peran yang diberikan lewat chat." in admin.said
    admin.press("Kembali")
    admin.press("Kembali ke menu")
    assert admin.last.text.endswith(MENU_QUESTION)
