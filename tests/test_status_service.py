"""/status for the resident: the unit that has the aspiration, by when the running
stage is due (or the question it waits on), and a history with the unit's
follow-ups and the resident's own answers. History: tests/service_history.py;
the chat's "now" is Saturday 28 November 2026 (conftest.NOW)."""

from __future__ import annotations

from datetime import datetime

from conftest import NOW
from dialogue import Chat
from service_history import ANSWER, FOLLOW_UP, QUESTION, build_history, wib
from sqlalchemy import Engine as Database
from staff_helpers import RESIDENT, WARGA, person, seat

from handlers.core.engine import Engine
from storage.aspirations import NewAspiration, create_aspiration
from storage.db import transaction
from storage.workflow import change_status


def _one(db: Database, resident_id: int, *moves: tuple[str, datetime, dict[str, str]]) -> str:
    """An aspiration from ``resident_id`` received Friday 27 November, moved on."""
    with transaction(db) as session:
        aspiration = create_aspiration(
            session=session,
            new=NewAspiration(
                category="infrastruktur",
                kecamatan_code="12.72.01",
                kelurahan_code="12.72.01.1002",
                text="Jalan berlubang di depan sekolah.",
                language="id",
                anonymous=False,
                channel="console",
                resident_id=resident_id,
            ),
            now=wib(27, 9),
        )
        for status, at, extra in moves:
            change_status(
                session=session,
                aspiration=aspiration,
                status=status,
                actor="console:9999",
                now=at,
                note=extra.get("note"),
                opd=extra.get("opd"),
            )
        return aspiration.code


def test_disposed_names_the_unit_and_the_due_day(engine: Engine) -> None:
    warga_id = seat(engine, WARGA, name="Budi")
    code = _one(
        engine.db,
        warga_id,
        ("diverifikasi", wib(27, 10), {}),
        ("diteruskan", wib(27, 11), {"opd": "PUPR"}),
    )
    chat = _chat(engine)
    text = _status(chat, code)
    # the unit named once, in the status itself
    assert "Status: Diteruskan ke Dinas PUPR\nBatas waktu" in text
    assert "Ditangani:" not in text
    # the unit answers within 5 working days after Friday 27: Mon 30 … Fri 4 December
    assert "Batas waktu tahap ini: paling lambat Jumat, 4 Desember" in text
    assert ": Diteruskan ke Dinas PUPR\n" in text  # in the history


def test_on_hold_shows_the_question_and_no_due_day(engine: Engine) -> None:
    warga_id = seat(engine, WARGA, name="Budi")
    code = _one(engine.db, warga_id, ("tunda", wib(27, 10), {"note": QUESTION}))
    chat = _chat(engine)
    text = _status(chat, code)
    assert (
        f"Status: Menunggu keterangan dari Anda\nPertanyaan petugas: {QUESTION}\n"
        f"Untuk menjawab, ketik /jawab {code}." in text
    )
    assert "Batas waktu" not in text and "Ditangani" not in text


def test_after_a_follow_up_the_history_has_it_and_the_answer(engine: Engine) -> None:
    warga_id = seat(engine, WARGA, name="Budi")
    codes = build_history(engine.db, resident_id=warga_id)
    chat = _chat(engine)
    text = _status(chat, codes["C"])
    assert "Status: Diteruskan ke Dinas PUPR\n" in text
    # response met by the follow-up; completion (kompleks: 14 working days after
    # Tuesday 17 November) is what runs now
    assert "paling lambat Senin, 7 Desember" in text
    lines = text.split("Riwayat:\n")[1].splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == [
        "Sudah kami terima",
        "Sudah diperiksa petugas",
        f"Menunggu keterangan dari Anda — {QUESTION}",
        f"Jawaban Anda — {ANSWER}",
        "Sudah diperiksa petugas",
        "Diteruskan ke Dinas PUPR",
        f"Tindak lanjut Dinas PUPR — {FOLLOW_UP}",
    ], lines
    assert lines[3].startswith("• Senin, 16 November 2026 pukul 10.00 WIB")


def test_a_late_stage_says_so(engine: Engine) -> None:
    warga_id = seat(engine, WARGA, name="Budi")
    codes = build_history(engine.db, resident_id=warga_id)
    chat = _chat(engine)
    text = _status(chat, codes["B"])
    assert "Status: Diteruskan ke Dinas Perhubungan\n" in text
    assert "Batas waktu tahap ini (Kamis, 19 November) sudah lewat." in text
    text = _status(chat, codes["A"])  # selesai: no clock runs
    assert "Batas waktu" not in text and "Ditangani: Dinas PUPR" in text


def test_another_residents_aspiration_is_not_found(engine: Engine) -> None:
    warga_id = seat(engine, WARGA, name="Budi")
    code = _one(engine.db, warga_id, ("tunda", wib(27, 10), {"note": QUESTION}))
    other = person(engine, RESIDENT)
    other.send(f"/status {code}")
    assert f"Aspirasi dengan kode {code} tidak ditemukan" in other.said
    assert QUESTION not in other.said
    assert NOW.day == 28


def _chat(engine: Engine) -> Chat:
    channel, _, user_id = WARGA.partition(":")
    return Chat(engine, user_id=user_id, channel=channel, name="Budi")


def _status(chat: Chat, code: str) -> str:
    chat.send(f"/status {code}")
    [reply] = [r.text for r in chat.last_batch if r.text.startswith(f"Aspirasi {code}")]
    return reply
