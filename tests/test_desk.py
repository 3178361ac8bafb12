"""A unit's officer (petugas OPD) in chat: /tugas lists only the aspirations
disposed to their units, opens one by code or button, writes the follow-up the
resident reads, processes, finishes or hands it back to the city staff; every
screen and every answer checks the scope again.

Runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import NOW
from dialogue import Chat
from sqlmodel import Session, delete, select
from staff_helpers import (
    DENIED,
    MENU_QUESTION,
    RESIDENT,
    STAFF,
    WARGA,
    give,
    outbox,
    person,
    seat,
    seed,
    state,
    stored,
    take,
)

from handlers.core.engine import Engine
from handlers.registry import REGISTRY
from storage.aspirations import find_aspiration
from storage.db import transaction
from storage.models import AspirationNote, Opd, OpdOfficer
from storage.opd import find_unit
from storage.workflow import change_status

PUPR_OFFICER, DISHUB_OFFICER, BOTH = "console:5001", "console:5002", "console:5003"
GRANTED_STAFF = "telegram:777"
UNITS = {"PUPR": "Dinas PUPR", "DISHUB": "Dinas Perhubungan"}
MISSING = "ASP-ZZZZZZ"  # a well-formed code nobody was given
FOLLOW_UP = "Tim sudah meninjau lokasi; penambalan dijadwalkan Senin depan."
DONE = "Lubang sudah ditambal dan jalan bisa dilalui lagi."
NOT_OURS = "Ini jalan provinsi, wewenang Dinas PUPR Provinsi Sumatera Utara."
MOVED = "Dialihkan: rambu dan marka jalan."
RESPONSE_DUE = datetime(2026, 12, 4, 16, 59, 59, tzinfo=UTC)  # Fri 4 Dec, 23:59:59 WIB
NO_UNITS = "Anda belum ditugaskan di unit (OPD) mana pun"


def ensure_units(engine: Engine) -> None:
    """The units the migration seeds (a PostgreSQL test starts from empty tables)."""
    with transaction(engine.db) as session:
        for code, name in UNITS.items():
            if find_unit(session=session, code=code) is None:
                session.add(Opd(code=code, name=name, short_name=name, kind="dinas"))


def assign(engine: Engine, identity: str, *units: str) -> None:
    with transaction(engine.db) as session:
        for unit in units:
            session.add(
                OpdOfficer(identity=identity, opd_code=unit, granted_by="cli", granted_at=NOW)
            )


def unassign(engine: Engine, identity: str) -> None:
    with transaction(engine.db) as session:
        session.exec(delete(OpdOfficer).where(OpdOfficer.identity == identity))  # type: ignore[call-overload]


def officer(engine: Engine, identity: str, *units: str) -> Chat:
    """Someone granted ``petugas_opd`` for ``units``, seated at the menu."""
    ensure_units(engine)
    give(engine, identity, "petugas_opd")
    assign(engine, identity, *units)
    return person(engine, identity, name="Andi Petugas")


def change(
    engine: Engine, code: str, status: str, *, opd: str | None = None, note: str | None = None
) -> None:
    """Someone else (staff) moves ``code`` on, outside the officer's chat."""
    ensure_units(engine)
    with transaction(engine.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None
        change_status(
            session=session,
            aspiration=aspiration,
            status=status,
            actor=STAFF,
            note=note,
            now=NOW,
            opd=opd,
        )


def disposed(engine: Engine, unit: str, **seeded: object) -> str:
    """An aspiration verified and disposed to ``unit`` now."""
    code = seed(engine, status="diverifikasi", **seeded)  # type: ignore[arg-type]
    change(engine, code, "diteruskan", opd=unit)
    return code


def warga(engine: Engine) -> int:
    return seat(engine, WARGA, name="Budi Siregar")


def open_task(chat: Chat, code: str) -> None:
    chat.send(f"/tugas {code}")
    assert f"Aspirasi {code} — " in chat.said, chat.said


def not_found_reply(chat: Chat, typed: str) -> str:
    """What ``chat`` reads after typing ``/tugas typed``, the code made anonymous."""
    chat.send(f"/tugas {typed}")
    return chat.said.replace(typed, "KODE")


# --- the list and the scope ------------------------------------------------------


def test_the_list_shows_only_the_officers_own_units(desk: Engine) -> None:
    ensure_units(desk)
    mine = disposed(desk, "PUPR")
    theirs = disposed(desk, "DISHUB")
    waiting = seed(desk, status="diverifikasi")
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    chat.send("/tugas")
    assert "Aspirasi masih berjalan untuk Dinas PUPR: 1, halaman 1 dari 1." in chat.said
    assert mine in chat.said and "Tomuan" in chat.said and "batas 04-12-2026" in chat.said
    assert theirs not in chat.said and waiting not in chat.said
    chat.press(mine)
    assert f"Aspirasi {mine} — Diteruskan ke instansi terkait" in chat.said


def test_an_officer_of_two_units_sees_both(desk: Engine) -> None:
    ensure_units(desk)
    pupr = disposed(desk, "PUPR")
    dishub = disposed(desk, "DISHUB")
    chat = officer(desk, BOTH, "PUPR", "DISHUB")
    chat.send("disposisi")  # the word alone
    assert "untuk Dinas PUPR, Dinas Perhubungan: 2" in chat.said, chat.said
    assert pupr in chat.said and dishub in chat.said
    open_task(chat, dishub)
    assert "Unit: Dinas Perhubungan" in chat.said


def test_the_list_is_most_pressing_first_and_marks_what_is_late(desk: Engine) -> None:
    ensure_units(desk)
    later = disposed(desk, "PUPR")
    early = seed(desk, status="diverifikasi", at=datetime(2026, 10, 20, 2, 0, tzinfo=UTC))
    with transaction(desk.db) as session:  # disposed a month ago: long overdue
        aspiration = find_aspiration(session=session, code=early)
        assert aspiration is not None
        change_status(
            session=session,
            aspiration=aspiration,
            status="diteruskan",
            actor=STAFF,
            note=None,
            now=datetime(2026, 10, 26, 2, 0, tzinfo=UTC),
            opd="PUPR",
        )
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    chat.send("/tugas")
    text = chat.last.text
    assert text.index(early) < text.index(later)
    assert "(lewat)" in text.splitlines()[2] and "(lewat)" not in text.splitlines()[3]


def test_finished_ones_are_a_filter_away(desk: Engine) -> None:
    ensure_units(desk)
    code = disposed(desk, "PUPR")
    change(desk, code, "diproses")
    change(desk, code, "selesai")
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    chat.send("/tugas")
    assert "Tidak ada aspirasi masih berjalan untuk Dinas PUPR." in chat.said
    chat.press("Lihat yang sudah selesai")
    assert "Aspirasi sudah selesai untuk Dinas PUPR: 1" in chat.said and code in chat.said
    chat.press(code)
    assert f"Aspirasi {code} — Selesai" in chat.said
    assert "Tulis tindak lanjut" not in chat.said  # nothing left to do


@pytest.mark.parametrize("where", ["command", "list"])
def test_another_units_code_reads_exactly_like_a_missing_one(desk: Engine, where: str) -> None:
    ensure_units(desk)
    theirs = disposed(desk, "DISHUB")
    undisposed = seed(desk, status="diverifikasi")
    chat = officer(desk, PUPR_OFFICER, "PUPR")

    def reply(typed: str) -> str:
        if where == "command":
            return not_found_reply(chat, typed)
        chat.send("/tugas")
        chat.send(typed)
        return chat.said.replace(typed, "KODE")

    missing = reply(MISSING)
    assert "Aspirasi dengan kode KODE tidak ditemukan." in missing
    assert reply(theirs) == missing
    assert reply(undisposed) == missing
    assert state(chat)[:2] == ("desk", "list")


def test_a_stale_button_after_re_disposition_reads_like_a_missing_code(desk: Engine) -> None:
    ensure_units(desk)
    code = disposed(desk, "PUPR")
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    open_task(chat, code)
    change(desk, code, "diteruskan", opd="DISHUB", note=MOVED)  # staff move it on
    chat.press("Proses")
    stale = chat.said.replace(code, "KODE")
    assert stale == not_found_reply(chat, MISSING)
    assert "Tidak ada aspirasi masih berjalan untuk Dinas PUPR." in stale
    assert state(chat)[:2] == ("desk", "list")
    assert stored(desk, code).status == "diteruskan" and stored(desk, code).opd_code == "DISHUB"


def test_a_stale_note_after_the_unit_lost_it_is_not_saved(desk: Engine) -> None:
    """Handed back by a colleague while this officer was typing the follow-up."""
    ensure_units(desk)
    warga_id = warga(desk)
    code = disposed(desk, "PUPR", resident_id=warga_id)
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    open_task(chat, code)
    chat.press("Tulis tindak lanjut")
    chat.send(FOLLOW_UP)
    change(desk, code, "diverifikasi", note=NOT_OURS)
    chat.press("Simpan")
    assert f"Aspirasi dengan kode {code} tidak ditemukan." in chat.said
    assert state(chat)[:2] == ("desk", "list")
    assert not [m for m in outbox(desk) if FOLLOW_UP in str(m.payload)]
    with Session(desk.db) as session:
        assert session.exec(select(AspirationNote)).all() == []


def test_a_change_made_meanwhile_within_the_unit_is_not_overwritten(desk: Engine) -> None:
    ensure_units(desk)
    code = disposed(desk, "PUPR")
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    open_task(chat, code)
    chat.press("Bukan wewenang kami")
    chat.send(NOT_OURS)
    change(desk, code, "diproses")  # a colleague processes it meanwhile
    chat.press("Simpan")
    assert "baru saja diubah orang lain" in chat.said
    assert f"Aspirasi {code} — Sedang diproses" in chat.said
    assert stored(desk, code).status == "diproses" and stored(desk, code).opd_code == "PUPR"


# --- revoked mid-conversation ------------------------------------------------------


def test_a_revoked_role_lands_on_the_menu(desk: Engine) -> None:
    ensure_units(desk)
    code = disposed(desk, "PUPR")
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    open_task(chat, code)
    take(desk, PUPR_OFFICER, "petugas_opd")
    chat.press("Proses")
    assert DENIED in chat.said and chat.last.text.endswith(MENU_QUESTION)
    assert stored(desk, code).status == "diteruskan"


@pytest.mark.parametrize("how", ["answer", "/bantuan", "resume"])
def test_an_officer_without_units_left_lands_on_the_menu(desk: Engine, how: str) -> None:
    ensure_units(desk)
    code = disposed(desk, "PUPR")
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    open_task(chat, code)
    unassign(desk, PUPR_OFFICER)
    if how == "resume":
        shown = "\n".join(r.text for r in desk.resume(chat.channel, chat.user_id, NOW))
        assert code not in shown and "Tomuan" not in shown
        return
    chat.press("Proses") if how == "answer" else chat.send(how)
    assert NO_UNITS in chat.said and chat.last.text.endswith(MENU_QUESTION)
    assert f"Aspirasi {code} — " not in chat.said
    assert state(chat)[:2] == ("menu", "main")
    assert stored(desk, code).status == "diteruskan"


def test_the_role_without_a_unit_shows_nothing(desk: Engine) -> None:
    ensure_units(desk)
    code = disposed(desk, "PUPR")
    chat = officer(desk, PUPR_OFFICER)
    chat.send(f"/tugas {code}")
    assert NO_UNITS in chat.said and code not in chat.said
    assert chat.last.text.endswith(MENU_QUESTION)


@pytest.mark.parametrize("who", [RESIDENT, STAFF])
def test_someone_without_the_role_is_refused(desk: Engine, who: str) -> None:
    ensure_units(desk)
    code = disposed(desk, "PUPR")
    assign(desk, who, "PUPR")  # a unit row alone gives nothing
    chat = person(desk, who, name="Tono Sinaga")
    chat.send(f"/tugas {code}")
    assert DENIED in chat.said and code not in chat.said
    assert chat.last.text.endswith(MENU_QUESTION)


# --- what the officer reads ---------------------------------------------------------


@pytest.mark.parametrize("anonymous", [True, False])
def test_the_detail_never_shows_the_identity_and_the_name_only_when_shown(
    desk: Engine, anonymous: bool
) -> None:
    ensure_units(desk)
    code = disposed(desk, "PUPR", resident_id=warga(desk), anonymous=anonymous)
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    chat.send("/tugas")
    chat.press(code)
    chat.press("Tulis tindak lanjut")
    chat.send(FOLLOW_UP)
    chat.press("Simpan")
    everything = "\n".join(r.text for r in chat.transcript)
    assert f"Aspirasi {code} — " in everything
    assert WARGA not in everything and "2001" not in everything
    assert ("Budi Siregar" in everything) is not anonymous
    assert ("Pengirim: anonim" in everything) is anonymous


def test_the_detail_has_photo_location_history_and_due_times(desk: Engine) -> None:
    ensure_units(desk)
    code = disposed(desk, "PUPR", photo="aspirasi/foto.jpg", location=(2.9595, 99.0687))
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    open_task(chat, code)
    [photo] = [r for r in chat.last_batch if r.photo]
    assert photo.photo == "aspirasi/foto.jpg" and code in photo.text
    text = chat.last.text
    assert "Titik peta: https://www.google.com/maps?q=2.959500,99.068700" in text
    assert "Diteruskan ke instansi terkait ke Dinas PUPR" in text
    assert (
        "Batas tanggapan unit: Jumat, 04 Desember 2026" in text
        or "Batas tanggapan unit: Jumat, 4 Desember 2026" in text
    )
    assert "Batas penyelesaian:" in text
    labels = [o.label for o in chat.last.options]
    assert labels == ["Tulis tindak lanjut", "Proses", "Bukan wewenang kami", "Kembali ke daftar"]


# --- the actions ----------------------------------------------------------------------


def test_a_follow_up_reaches_the_resident_and_meets_the_response_clock(desk: Engine) -> None:
    ensure_units(desk)
    code = disposed(desk, "PUPR", resident_id=warga(desk))
    before = stored(desk, code)
    assert before.response_due_at == RESPONSE_DUE and before.next_due_at == RESPONSE_DUE
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    open_task(chat, code)
    chat.press("Tulis tindak lanjut")
    assert "Warga akan membacanya" in chat.said
    chat.send(FOLLOW_UP)
    assert f"Kirim tindak lanjut ini untuk {code}?" in chat.said
    chat.press("Simpan")
    assert "Tindak lanjut tersimpan. Warga akan menerimanya." in chat.said
    assert f"Tindak lanjut Dinas PUPR — {FOLLOW_UP}" in chat.said
    [notice] = outbox(desk)
    assert notice.recipient == WARGA.split(":")[1]
    text = notice.payload["text"]
    assert code in text and "Dinas PUPR" in text and FOLLOW_UP in text and "Tomuan" in text
    after = stored(desk, code)
    assert after.status == "diteruskan"
    assert after.response_due_at == RESPONSE_DUE  # kept, met
    assert after.next_due_at == after.completion_due_at != RESPONSE_DUE
    with Session(desk.db) as session:
        [note] = session.exec(select(AspirationNote)).all()
    assert (note.kind, note.opd_code, note.actor, note.text) == (
        "tindak_lanjut",
        "PUPR",
        PUPR_OFFICER,
        FOLLOW_UP,
    )


def test_process_then_finish_tells_the_resident_each_time(desk: Engine) -> None:
    ensure_units(desk)
    code = disposed(desk, "PUPR", resident_id=warga(desk))
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    open_task(chat, code)
    chat.press("Proses")
    chat.press("Tanpa catatan")
    assert (
        f"Ubah status {code} dari Diteruskan ke instansi terkait menjadi Sedang diproses?"
        in chat.said
    )
    chat.press("Simpan")
    assert "Status tersimpan. Warga akan menerima kabarnya." in chat.said
    assert f"Aspirasi {code} — Sedang diproses" in chat.said
    assert [o.label for o in chat.last.options] == [
        "Tulis tindak lanjut",
        "Selesai",
        "Bukan wewenang kami",
        "Kembali ke daftar",
    ]
    chat.press("Selesai")
    assert "Tanpa catatan" not in chat.said  # finishing says what was done
    chat.send(DONE)
    chat.press("Simpan")
    after = stored(desk, code)
    assert (after.status, after.opd_code) == ("selesai", "PUPR")
    processing, finished = outbox(desk)
    assert "Dinas PUPR sedang mengerjakan aspirasi Anda" in processing.payload["text"]
    assert DONE in finished.payload["text"]
    assert any(value.startswith("!rate:") for value, _ in finished.payload["options"])


def test_not_ours_goes_back_to_the_city_staff_who_are_told(desk: Engine) -> None:
    ensure_units(desk)
    give(desk, GRANTED_STAFF, "staff")
    code = disposed(desk, "PUPR", resident_id=warga(desk))
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    open_task(chat, code)
    chat.press("Bukan wewenang kami")
    assert "Tanpa catatan" not in chat.said
    chat.send(NOT_OURS)
    assert f"Kembalikan {code} ke petugas kota" in chat.said
    chat.press("Simpan")
    assert f"{code} sudah dikembalikan ke petugas kota." in chat.said
    assert state(chat)[:2] == ("desk", "list")
    assert "Tidak ada aspirasi masih berjalan untuk Dinas PUPR." in chat.said
    after = stored(desk, code)
    assert (after.status, after.opd_code) == ("diverifikasi", None)
    notices = outbox(desk, "staff_notice")
    assert sorted(m.recipient for m in notices) == ["777", STAFF.split(":")[1]]
    for notice in notices:
        text = notice.payload["text"]
        assert code in text and "Dinas PUPR" in text and NOT_OURS in text
    assert outbox(desk) == []  # the resident hears when staff dispose it again
    chat.send(f"/tugas {code}")
    assert f"Aspirasi dengan kode {code} tidak ditemukan." in chat.said


# --- help and menus ---------------------------------------------------------------------


def test_help_and_the_command_menu_list_tugas_for_officers(desk: Engine) -> None:
    ensure_units(desk)
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    said = chat.all_commands()
    assert "Untuk petugas OPD:" in said and "/tugas" in said
    resident = person(desk, RESIDENT, name="Tono Sinaga")
    assert "/tugas" not in resident.all_commands()
    menu = [c.name for c in REGISTRY.command_menu(frozenset({"petugas_opd"}))]
    assert menu[-1] == "tugas" and "aspirasi" not in menu
    assert "tugas" not in [c.name for c in REGISTRY.command_menu(frozenset({"staff"}))]


def test_verified_and_disposed_in_one_instant_the_unit_still_owes_its_answer() -> None:
    """The verification before the disposal, in the same instant, is not the
    unit's answer (it was read as "handed back" and met both clocks at once)."""
    from storage.sla import Event, dues

    events = [Event(NOW, "diterima"), Event(NOW, "diverifikasi"), Event(NOW, "diteruskan", "PUPR")]
    found = dues(events, category="infrastruktur", grade=None)
    assert found.response is not None and found.completion is not None
    assert (found.response.due_at, found.response.done_at) == (RESPONSE_DUE, None)
    assert found.completion.done_at is None
    answered = dues([*events, Event(NOW, None, "PUPR")], category="infrastruktur", grade=None)
    assert answered.response is not None and answered.response.done_at == NOW
