"""``/opd``: an admin keeps the directory of units in chat; ``/peran`` asks the unit
of a new ``petugas_opd`` and revokes officers unit by unit. Others are refused.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL."""

from __future__ import annotations

import pytest
from conftest import NOW
from sqlmodel import Session, select
from staff_helpers import ADMIN, INTRUDERS, assert_refused, grants, person, state

from handlers.core.engine import Engine
from storage.audit import entries_since
from storage.db import transaction
from storage.models import Opd, OpdOfficer
from storage.opd import find_unit, grant_officer, revoke_officer

OFFICER = "telegram:4242"


def unit(engine: Engine, code: str) -> Opd | None:
    with Session(engine.db) as session:
        return find_unit(session=session, code=code)


def officers(engine: Engine) -> set[tuple[str, str]]:
    with Session(engine.db) as session:
        return {(o.identity, o.opd_code) for o in session.exec(select(OpdOfficer))}


def actions(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine.db) as session:
        return [(e.actor, e.action) for e in entries_since(session=session)]


def test_admin_browses_the_units_and_opens_one(desk: Engine) -> None:
    admin = person(desk, ADMIN, name="Joko Admin")
    admin.send("/opd")
    assert "Daftar unit (OPD), halaman 1 dari 3." in admin.said
    assert admin.labels[:2] == ["Dinas Kesehatan (DINKES)", "Dinas Koperasi dan UKM (DISKOPUKM)"]
    assert admin.labels[-3:] == ["Berikutnya »", "Tambah unit", "Kembali ke menu"]
    admin.press("Berikutnya")
    assert "halaman 2 dari 3" in admin.said
    assert "BPBD (BPBD)" in admin.labels  # the badan after the dinas
    admin.press("Sebelumnya")
    admin.press("Dinas PUPR")
    assert admin.last.text == (
        "Unit PUPR\nNama: Dinas Pekerjaan Umum dan Penataan Ruang\nNama singkat: Dinas PUPR\n"
        "Jenis: Dinas\nStatus: aktif\nPetugas OPD: -"
    )
    assert admin.labels == ["Ubah", "Nonaktifkan", "« Daftar unit", "Kembali ke menu"]
    admin.press("Daftar unit")
    assert "halaman 1 dari 3" in admin.said  # the page it was on
    admin.send("/opd nope")
    assert "Unit NOPE tidak ditemukan." in admin.said
    admin.press("Kembali ke menu")
    assert state(admin) == ("menu", "main", {})


def test_admin_adds_a_unit_checking_the_summary(desk: Engine) -> None:
    admin = person(desk, ADMIN)
    admin.send("/opd")
    admin.press("Tambah unit")
    assert "Tulis kode unit yang baru" in admin.said
    for bad, why in (("DIS PORA", "tidak bisa dipakai"), ("pupr", "Kode PUPR sudah dipakai")):
        admin.send(bad)
        assert why in admin.said, bad
        assert state(admin)[:2] == ("units", "code")
    admin.send("dispora")
    assert "nama lengkap unit" in admin.said
    admin.send("D")
    assert state(admin)[:2] == ("units", "name")  # too short: asked again
    admin.send("Dinas Pemuda dan Olahraga")
    admin.send("Dispora")
    assert admin.labels[:2] == ["Dinas", "Badan"]
    admin.press("Badan")
    assert admin.last.text == (
        "Periksa unit baru ini:\nKode: DISPORA\nNama: Dinas Pemuda dan Olahraga\n"
        "Nama singkat: Dispora\nJenis: Badan"
    )
    admin.press("Ubah")
    assert admin.labels == ["Kode", "Nama", "Nama singkat", "Jenis", "« Kembali ke ringkasan"]
    admin.press("Jenis")
    admin.press("Dinas")
    assert "Jenis: Dinas" in admin.said and "Periksa unit baru ini" in admin.said
    assert unit(desk, "DISPORA") is None  # nothing stored before Simpan
    admin.press("Simpan")
    assert "Unit Dispora (DISPORA) ditambahkan." in admin.said
    assert "Unit DISPORA\nNama: Dinas Pemuda dan Olahraga" in admin.said
    added = unit(desk, "DISPORA")
    assert added is not None and (added.kind, added.active) == ("dinas", True)
    assert actions(desk) == [(ADMIN, "opd_add")]


def test_admin_changes_deactivates_and_activates_a_unit(desk: Engine) -> None:
    admin = person(desk, ADMIN)
    admin.send("/opd dlh")
    admin.press("Ubah")
    assert admin.labels == ["Nama", "Nama singkat", "Jenis", "« Kembali ke ringkasan"]  # no code
    admin.press("Nama singkat")
    admin.send("DLH Siantar")
    assert "Periksa perubahan unit DLH:" in admin.said and "Nama singkat: DLH Siantar" in admin.said
    admin.press("Simpan")
    assert "Perubahan unit DLH Siantar (DLH) tersimpan." in admin.said
    admin.press("Nonaktifkan")
    assert "Nonaktifkan DLH Siantar (DLH)?" in admin.said
    admin.press("Tidak")
    assert unit(desk, "DLH").active  # type: ignore[union-attr]
    admin.press("Nonaktifkan")
    admin.press("Ya")
    assert "DLH Siantar (DLH) sudah dinonaktifkan." in admin.said
    assert "Status: nonaktif" in admin.said
    assert admin.labels[:2] == ["Ubah", "Aktifkan"]
    assert not unit(desk, "DLH").active  # type: ignore[union-attr]
    admin.press("Daftar unit")
    admin.press("Berikutnya")
    assert "DLH Siantar (DLH) · nonaktif" in admin.labels
    admin.press("DLH Siantar")
    admin.press("Aktifkan")
    admin.press("Ya")
    assert "DLH Siantar (DLH) aktif lagi." in admin.said
    assert unit(desk, "DLH").active  # type: ignore[union-attr]
    assert actions(desk) == [
        (ADMIN, "opd_edit"),
        (ADMIN, "opd_deactivate"),
        (ADMIN, "opd_activate"),
    ]


@pytest.mark.parametrize("who", sorted(INTRUDERS))
def test_opd_is_refused_to_everyone_but_admins(
    desk: Engine, who: str, caplog: pytest.LogCaptureFixture
) -> None:
    intruder = person(desk, INTRUDERS[who])
    intruder.send("/opd PUPR")
    assert_refused(intruder, caplog, "admin")
    assert actions(desk) == []


def test_peran_asks_the_unit_of_a_petugas_opd(desk: Engine) -> None:
    admin = person(desk, ADMIN)
    admin.send("/peran")
    admin.press("Beri peran")
    admin.send(OFFICER)
    assert admin.labels == ["Admin", "Petugas", "Pendamping", "Petugas OPD"]
    admin.press("Petugas OPD")
    assert f"Petugas OPD untuk {OFFICER} bertugas di unit mana?" in admin.said
    admin.press("Dinas PUPR")
    assert f"Peran Petugas OPD untuk Dinas PUPR (PUPR) diberikan kepada {OFFICER}." in admin.said
    for _ in range(2):  # a second unit; then the same one again
        admin.press("Beri peran")
        admin.send(OFFICER)
        admin.press("Petugas OPD")
        admin.press("Dinas Lingkungan Hidup")
    assert f"{OFFICER} sudah menjadi Petugas OPD untuk Dinas Lingkungan Hidup (DLH)." in admin.said
    assert grants(desk) == {(OFFICER, "petugas_opd")}
    assert officers(desk) == {(OFFICER, "PUPR"), (OFFICER, "DLH")}
    admin.press("Lihat daftar peran")
    assert f"• {OFFICER} — Petugas OPD ({ADMIN}) — unit: DLH, PUPR" in admin.said
    admin.send("/opd PUPR")
    assert f"Petugas OPD: {OFFICER}" in admin.said
    admin.send("/peran")
    admin.press("Cabut peran")
    assert admin.labels == [
        f"{OFFICER} · Petugas OPD · DLH",
        f"{OFFICER} · Petugas OPD · PUPR",
        "« Kembali",
    ]
    admin.press("PUPR")
    assert f"{OFFICER} tidak lagi bertugas untuk unit PUPR." in admin.said
    assert grants(desk) == {(OFFICER, "petugas_opd")}
    admin.press("Cabut peran")
    admin.press("DLH")
    assert f"Peran Petugas OPD dicabut dari {OFFICER}." in admin.said
    assert grants(desk) == set() and officers(desk) == set()


def test_peran_back_from_the_unit_grants_nothing(desk: Engine) -> None:
    admin = person(desk, ADMIN)
    admin.send("/peran")
    admin.press("Beri peran")
    admin.send(OFFICER)
    admin.press("Petugas OPD")
    admin.press("Kembali")
    assert "Kelola peran" in admin.said
    assert grants(desk) == set() and officers(desk) == set()


def test_peran_revoke_buttons_fit_every_chat_app_and_go_stale(desk: Engine) -> None:
    """Telegram's button data holds 64 bytes with its signature: a long identity and
    a long unit code must not make the list unsendable; a unit revoked meanwhile
    (by the CLI) makes its button expire, with the list as it now is."""
    long_identity = "whatsapp:628123456789012"
    with transaction(desk.db) as session:
        grant_officer(
            session=session,
            identity=long_identity,
            codes=["KEC-SIANTAR-SITALASARI"],
            actor="cli",
            now=NOW,
        )
    admin = person(desk, ADMIN)
    admin.send("/peran")
    admin.press("Cabut peran")
    assert admin.labels[0] == f"{long_identity} · Petugas OPD · KEC-SIANTAR-SITALASARI"
    assert all(len(o.value) <= 12 for o in admin.question.options)
    with transaction(desk.db) as session:
        revoke_officer(session=session, identity=long_identity, actor="cli", now=NOW)
    admin.press("KEC-SIANTAR-SITALASARI")
    assert "tombol ini sudah tidak berlaku" in admin.said
    assert "Belum ada peran yang diberikan lewat chat." in admin.said
    assert grants(desk) == set() and officers(desk) == set()
