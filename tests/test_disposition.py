"""Issue 17 in the staff chat and for the resident: disposition to a unit with a
grade, re-disposition, tunda and the resident's answer (text, photo, location)
that resumes the clocks, and what the status notifications say.

Runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import NOW
from dialogue import Chat
from sqlmodel import Session
from staff_helpers import (
    OTHER_NAME,
    OTHER_UNIT,
    REASON,
    STAFF,
    TOLD,
    UNIT,
    UNIT_NAME,
    WARGA,
    history,
    move,
    open_detail,
    outbox,
    person,
    seat,
    seed,
    state,
    stored,
)

from bot.i18n import load_catalog
from handlers.core.engine import Engine
from handlers.core.types import ACTION_PROMPT, Reply
from storage.db import transaction
from storage.models import ASPIRATION_STATUSES, CATEGORY_KEYS, Opd
from storage.opd import find_unit
from storage.sla import GRADES, STAGES
from storage.workflow import notes_of

QUESTION = "Di depan rumah nomor berapa tepatnya lubang itu?"
ANSWER = "Di depan rumah nomor 12, dekat warung Bu Sri."


def notices(engine: Engine) -> list[Reply]:
    return [Reply.from_payload(m.payload) for m in outbox(engine)]


def resident_chat(engine: Engine, identity: str = WARGA) -> tuple[int, Chat]:
    resident = seat(engine, identity, name="Budi Siregar")
    channel, _, user_id = identity.partition(":")
    chat = Chat(engine, user_id=user_id, channel=channel, name="Budi Siregar")
    return resident, chat


def test_the_dynamic_catalog_keys_exist() -> None:
    keys = load_catalog("id").keys() & load_catalog("en").keys()
    wanted = {f"review.grade_{g}" for g in GRADES} | {f"review.stage_{s}" for s in STAGES}
    wanted |= {f"review.unit_refused_{p}" for p in ("missing", "unknown", "inactive", "same")}
    wanted |= {f"status.{s}" for s in ASPIRATION_STATUSES}
    wanted |= {f"status_resident.{s}" for s in ASPIRATION_STATUSES}
    wanted |= {f"notify.body.{s}" for s in ASPIRATION_STATUSES if s != "duplik"}
    wanted |= {"notify.body.returned"}
    wanted |= {f"notify.due.{s}" for s in ("diterima", "diverifikasi", "diteruskan", "diproses")}
    assert wanted - keys == set()
    assert CATEGORY_KEYS  # the categories' labels are another part's


def test_disposition_names_the_unit_and_the_due_dates(desk: Engine) -> None:
    warga = seat(desk, "telegram:555000", name="Budi Siregar")
    code = seed(desk, resident_id=warga, status="diverifikasi")
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "diteruskan")
    assert TOLD in staff.said
    after = stored(desk, code)
    assert (after.opd_code, after.grade) == (UNIT, "kompleks")  # infrastruktur's default
    [notice] = notices(desk)
    # Saturday 28 November 2026: 5 working days → Friday 4 December; 14 → Thursday 17
    assert notice.text == (
        f"Kabar aspirasi {code} (Infrastruktur, Kelurahan Tomuan: "
        "“Jalan Sutomo di depan pasar berlubang…”)\n\n"
        "Status: Diteruskan ke Dinas PUPR\n"
        "Aspirasi Anda sudah kami teruskan ke Dinas PUPR. Dinas PUPR akan menindaklanjutinya "
        "paling lambat Jumat, 4 Desember. Target selesainya paling lambat "
        "Kamis, 17 Desember."
    )
    assert "Catatan petugas" not in notice.text
    open_detail(staff, code)
    assert "Unit: Dinas PUPR (PUPR), target penyelesaian: kompleks" in staff.said
    assert "Batas verifikasi: Rabu, 2 Desember 2026 pukul 23.59 WIB (sudah)" in staff.said
    assert "Batas tanggapan unit: Jumat, 4 Desember 2026 pukul 23.59 WIB" in staff.said
    assert "Batas penyelesaian: Kamis, 17 Desember 2026 pukul 23.59 WIB" in staff.said
    assert "Diteruskan ke instansi terkait (Dinas PUPR)" in staff.said  # in the history


def test_a_breached_clock_reads_lewat(desk: Engine) -> None:
    code = seed(desk, at=NOW - timedelta(days=10))
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    assert "Batas verifikasi: Senin, 23 November 2026 pukul 23.59 WIB — lewat" in staff.said


def test_redisposition_to_the_same_unit_is_refused_and_another_needs_a_reason(
    desk: Engine,
) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status="diproses")
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    staff.press("Ubah ke: Diteruskan")
    staff.send("Dinas PUPR")
    assert "Aspirasi ini sudah di Dinas PUPR. Pilih unit yang lain." in staff.said
    assert state(staff)[:2] == ("review", "unit")
    staff.send("dishub")
    assert f"Tuliskan alasan aspirasi ini dipindahkan ke {OTHER_NAME}" in staff.said
    assert "Tanpa catatan" not in staff.labels
    staff.send(REASON)
    staff.press("Simpan")
    assert stored(desk, code).opd_code == OTHER_UNIT
    assert history(desk, code)[-1][0::3] == ("diteruskan", REASON)
    [notice] = notices(desk)
    assert "sudah kami teruskan ke Dinas Perhubungan" in notice.text
    assert f"Catatan petugas: {REASON}" in notice.text


def test_a_unit_deactivated_before_the_save_is_refused(desk: Engine) -> None:
    code = seed(desk, status="diverifikasi")
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    staff.press("Ubah ke: Diteruskan")
    staff.press(f"{UNIT_NAME} (sesuai kategori)")
    staff.press("Normatif")
    staff.press("Tanpa catatan")
    with transaction(desk.db) as session:
        unit = find_unit(session=session, code=UNIT)
        assert isinstance(unit, Opd)
        unit.active = False
        session.add(unit)
    staff.press("Simpan")
    assert "Unit PUPR sudah tidak aktif. Pilih unit yang lain." in staff.said
    assert stored(desk, code).status == "diverifikasi"


def _put_on_hold(desk: Engine, status: str, identity: str = WARGA) -> tuple[str, Chat, Chat]:
    """Seeded at ``status`` on Saturday 09.00 WIB, put on hold an hour later."""
    warga, chat = resident_chat(desk, identity)
    # seeded changes share one time: disposed through the chat, an hour later
    disposed = status == "diteruskan"
    code = seed(desk, resident_id=warga, status="diverifikasi" if disposed else status)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.clock.advance(hours=1)
    if disposed:
        move(staff, code, "diteruskan")
    open_detail(staff, code)
    staff.press("Ubah ke: Tunda")
    assert "Tulis pertanyaan untuk warga" in staff.said
    staff.send(QUESTION)
    staff.press("Simpan")
    assert TOLD in staff.said
    return code, chat, staff


@pytest.mark.parametrize("kind", ["text", "photo", "location"])
def test_the_resident_answers_a_tunda_and_the_clocks_resume(desk: Engine, kind: str) -> None:
    code, warga, staff = _put_on_hold(desk, "diteruskan")
    held = stored(desk, code)
    assert (held.status, held.held_status, held.tunda_count) == ("tunda", "diteruskan", 1)
    assert held.response_due_at is None and held.next_due_at is None  # paused
    notice = notices(desk)[-1]
    assert f"“{QUESTION}”" in notice.text and "Catatan petugas" not in notice.text
    assert notice.prompt_id == ACTION_PROMPT
    assert [(o.value, o.label) for o in notice.options] == [(f"!answer:{code}", "Jawab")]
    warga.clock.advance(days=3)  # Tuesday 1 December: two working days on hold
    warga.send("/menu")
    warga._send(choice=notice_choice(notice))
    assert f"Pertanyaan petugas tentang aspirasi {code}:\n“{QUESTION}”" in warga.said
    if kind == "text":
        warga.send(ANSWER)
    elif kind == "photo":
        warga.photo("2026/12/jawaban.jpg")
    else:
        warga.location(2.9595, 99.0687)
    assert f"Terima kasih, jawaban Anda sudah kami simpan bersama aspirasi {code}." in warga.said
    assert state(warga)[:2] == ("menu", "main")  # back where they were
    after = stored(desk, code)
    assert (after.status, after.held_status, after.opd_code) == ("diteruskan", None, UNIT)
    # disposed Saturday 28 Nov, due Friday 4 Dec; Monday 30 Nov and Tuesday 1 Dec on hold
    assert after.response_due_at is not None
    assert after.response_due_at.date().isoformat() == "2026-12-08"
    assert history(desk, code)[-1][0::2] == ("diteruskan", "resident")
    with Session(desk.db) as session:
        assert after.id is not None
        [note] = notes_of(session=session, aspiration_id=after.id)
    assert note.kind == "jawaban"
    if kind == "text":
        assert note.text == ANSWER
    elif kind == "photo":
        assert note.photo_path == "2026/12/jawaban.jpg"
    else:
        assert (note.latitude, note.longitude) == (2.9595, 99.0687)
    open_detail(staff, code)
    assert "Jawaban warga" in staff.said and f"— {QUESTION}" in staff.said


def notice_choice(notice: Reply):  # type: ignore[no-untyped-def]
    from handlers.core.types import Choice

    return Choice(ACTION_PROMPT, notice.options[0].value)


def test_jawab_by_command_and_a_second_answer_is_told_politely(desk: Engine) -> None:
    code, warga, _ = _put_on_hold(desk, "diterima")
    warga.send(f"/jawab {code}")
    warga.send(ANSWER)
    assert stored(desk, code).status == "diterima"
    warga.send(f"/jawab {code}")
    assert f"Aspirasi {code} sedang tidak menunggu jawaban Anda." in warga.said


def test_someone_elses_code_is_not_found(desk: Engine) -> None:
    code, _, _ = _put_on_hold(desk, "diverifikasi")
    _, other = resident_chat(desk, "console:2099")
    other.send(f"/jawab {code}")
    assert f"Aspirasi dengan kode {code} tidak ditemukan." in other.said
    other.send("/jawab ASP-22222Z")
    assert "Aspirasi dengan kode ASP-22222Z tidak ditemukan." in other.said
    assert stored(desk, code).status == "tunda"


def test_staff_may_resume_a_tunda_without_an_answer(desk: Engine) -> None:
    code, _, staff = _put_on_hold(desk, "diteruskan")
    open_detail(staff, code)
    staff.press("Ubah ke: Diteruskan")  # back to the unit that had it: no unit asked
    assert "Tulis catatan untuk warga tentang status Diteruskan" in staff.said
    staff.press("Tanpa catatan")
    staff.press("Simpan")
    assert (stored(desk, code).status, stored(desk, code).opd_code) == ("diteruskan", UNIT)


@pytest.mark.parametrize(
    ("status", "asked", "told"),
    [
        (
            "bukan_wewenang",
            "Tulis ke mana warga sebaiknya menyampaikan aspirasi ini",
            "Silakan sampaikan ke: ",
        ),
        ("arsip", "Tuliskan alasan aspirasi ini diarsipkan", "\nAlasan: "),
        ("ditolak", "Tuliskan alasan penolakan", "\nAlasan: "),
    ],
)
def test_closing_notices_carry_the_note_in_their_own_words(
    desk: Engine, status: str, asked: str, told: str
) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status="diverifikasi")
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    staff.press(f"Ubah ke: {ASPIRATION_LABELS[status]}")
    assert asked in staff.said
    staff.send(REASON)
    staff.press("Simpan")
    [notice] = notices(desk)
    assert told + REASON in notice.text
    assert "Catatan petugas" not in notice.text
    # the status in the resident's words, never the staff's
    plain = {
        "bukan_wewenang": "Bukan urusan Pemerintah Kota",
        "arsip": "Ditutup tanpa tindak lanjut",
        "ditolak": "Tidak dapat ditindaklanjuti",
    }[status]
    assert f"Status: {plain}\n" in notice.text
    assert ASPIRATION_LABELS[status] not in notice.text


def test_pulling_back_from_a_unit_tells_the_resident(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status="diteruskan")
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "diverifikasi", REASON)
    assert stored(desk, code).opd_code is None
    [notice] = notices(desk)
    assert "Aspirasi Anda kembali ke petugas kota." in notice.text
    assert "paling lambat" not in notice.text  # the verification was met long ago


ASPIRATION_LABELS = {"bukan_wewenang": "Bukan wewenang", "arsip": "Arsip", "ditolak": "Ditolak"}


def test_a_decision_on_a_unit_that_changed_meanwhile_is_refused(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status="diteruskan")
    rina = person(desk, STAFF, name="Rina Petugas")
    open_detail(rina, code)
    rina.press("Ubah ke: Sedang diproses")
    rina.press("Tanpa catatan")
    assert "Ubah status" in rina.said
    colleague = person(desk, "console:9002", name="Joko Admin")
    move(colleague, code, "diteruskan", REASON)  # to Dinas Perhubungan, same status
    assert stored(desk, code).opd_code == OTHER_UNIT
    rina.press("Simpan")
    assert TOLD not in rina.said
    assert "Dari status Diteruskan ke instansi terkait, aspirasi hanya bisa diubah ke" in rina.said
    assert stored(desk, code).status == "diteruskan"
    assert [h[0] for h in history(desk, code)][-1] == "diteruskan"
