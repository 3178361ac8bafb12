"""Voice notes as answers (issue 19, item 3): a resident who cannot type answers a
staff question (tunda, /jawab) with a voice note. The aspiration resumes; the
answer's text names the voice note and its length, as a spoken aspiration's does;
staff see "🎤 pesan suara (0:42)" in /aspirasi and /tugas, get the recording with
the aspiration, and play it in Konsol behind the same checks as an answer photo;
/datasaya lists it, /hapusdata and the retention purge remove it. The real
adapters' side is in test_voice_channels.py.

Runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from conftest import NOW
from dialogue import Chat, play
from sqlalchemy import Engine as Database
from sqlmodel import Session
from staff_helpers import ADMIN, OTHER_UNIT, STAFF, TOLD, UNIT, WARGA, move, person, seat, seed
from test_desk import PUPR_OFFICER, change, officer
from test_voice_notes import kept, konsol

from bot.config import Retention
from bot.jobs import privacy_tick
from bot.media import MediaStore
from handlers.core.engine import Engine
from storage.aspirations import find_aspiration
from storage.db import transaction
from storage.models import Aspiration, AspirationNote
from storage.opd import grant_officer
from storage.workflow import change_status, notes_of

NAME = "Budi Siregar"
QUESTION = "Di depan rumah nomor berapa tepatnya lubang itu?"
SPOKEN = "(pesan suara, 0:42)"
MARK = "🎤 pesan suara (0:42)"
ASKED = "Kirim jawaban Anda: tulis pesan, kirim foto atau pesan suara, atau bagikan lokasi."
STRANGER = "console:3002"  # petugas_opd of OTHER_UNIT


def held(desk: Engine, *, anonymous: bool = False) -> tuple[str, Chat, Chat]:
    """An aspiration of Budi's, disposed to PUPR, that staff put on hold with
    ``QUESTION``; its code, Budi's chat and the staff chat."""
    resident = seat(desk, WARGA, name=NAME)
    channel, _, user_id = WARGA.partition(":")
    budi = Chat(desk, user_id=user_id, channel=channel, name=NAME)
    code = seed(desk, resident_id=resident, status="diverifikasi", anonymous=anonymous)
    change(desk, code, "diteruskan", opd=UNIT)
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "tunda", note=QUESTION)
    assert TOLD in staff.said
    return code, budi, staff


def answered(desk: Engine, media: MediaStore) -> tuple[str, str, Chat, Chat]:
    """``held``, then Budi answers with a 42-second voice note; the code, the
    note's reference, Budi's chat and the staff chat."""
    code, budi, staff = held(desk)
    reference = kept(media)
    play(
        budi,
        [
            (f"/jawab {code}", ASKED),
            (("voice", reference, 42), "pesan suara Anda sudah kami simpan sebagai jawaban"),
        ],
    )
    return code, reference, budi, staff


def answers(engine: Engine, code: str) -> tuple[Aspiration, list[AspirationNote]]:
    with Session(engine.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None and aspiration.id is not None
        return aspiration, notes_of(session=session, aspiration_id=aspiration.id)


# --- the resident's side -------------------------------------------------------------


def test_a_voice_note_answers_the_question_and_the_aspiration_resumes(
    desk: Engine, media: MediaStore
) -> None:
    code, budi, _ = held(desk)
    play(budi, [(f"/jawab {code}", f"“{QUESTION}”")])
    assert budi.last.text.endswith(ASKED)
    reference = kept(media)
    budi.voice(reference, 42)
    assert (
        "Terima kasih, pesan suara Anda sudah kami simpan sebagai jawaban untuk aspirasi "
        f"{code}. Penanganannya kami lanjutkan."
    ) in budi.said
    aspiration, [answer] = answers(desk, code)
    assert (aspiration.status, aspiration.held_status, aspiration.opd_code) == (
        "diteruskan",
        None,
        UNIT,
    )
    assert (answer.kind, answer.text) == ("jawaban", SPOKEN)
    assert (answer.voice_path, answer.voice_seconds) == (reference, 42)
    assert answer.photo_path is None and media.path_of(reference).exists()
    budi.send(f"/status {code}")  # the resident reads their own answer back
    assert f"Jawaban Anda — {SPOKEN}" in budi.said


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("voice_too_long", "Pesan suara itu terlalu panjang (paling lama 5 menit)"),
        ("voice_too_large", "Pesan suara itu terlalu besar (paling besar 10 MB)"),
    ],
)
def test_a_note_over_the_limits_is_refused_with_the_question_again(
    desk: Engine, media: MediaStore, reason: str, said: str
) -> None:
    code, budi, _ = held(desk)
    play(budi, [(f"/jawab {code}", ASKED)])
    question = budi.last.text
    play(budi, [(("refused", reason), said)])
    assert budi.last.text.endswith(question)  # the same question: nothing lost
    assert answers(desk, code)[0].status == "tunda"
    play(budi, [(("voice", kept(media, 20), 20), "pesan suara Anda sudah kami simpan")])
    aspiration, [answer] = answers(desk, code)
    assert (aspiration.status, answer.text, answer.voice_seconds) == (
        "diteruskan",
        "(pesan suara, 0:20)",
        20,
    )


def test_a_note_for_a_question_no_longer_asked_is_not_kept(desk: Engine, media: MediaStore) -> None:
    code, budi, staff = held(desk)
    play(budi, [(f"/jawab {code}", ASKED)])
    move(staff, code, "diteruskan")  # staff resumed it meanwhile, without an answer
    late = kept(media)
    play(budi, [(("voice", late, 42), f"Aspirasi {code} sedang tidak menunggu jawaban Anda")])
    assert answers(desk, code)[1] == []
    assert not media.path_of(late).exists()  # nothing points to it: removed


# --- staff: /aspirasi, /tugas --------------------------------------------------------


def test_staff_read_the_mark_and_hear_the_answer(desk: Engine, media: MediaStore) -> None:
    code, reference, _, staff = answered(desk, media)
    staff.send(f"/aspirasi {code}")
    detail = staff.last.text
    assert f"Jawaban warga: {MARK}" in detail
    assert SPOKEN not in detail  # the mark says it once, in the reader's language
    [heard] = [reply for reply in staff.last_batch if reply.voice]
    assert heard.voice == reference
    assert heard.text == (
        f"Jawaban warga untuk {code} berupa pesan suara, Sabtu, 28 November 2026 pukul 09.00 WIB"
    )


def test_the_officer_desk_reads_the_mark_and_hears_the_answer(
    desk: Engine, media: MediaStore
) -> None:
    code, reference, _, _ = answered(desk, media)
    chat = officer(desk, PUPR_OFFICER, UNIT)
    chat.send(f"/tugas {code}")
    assert f"Jawaban warga — {MARK}" in chat.last.text
    assert [reply.voice for reply in chat.last_batch if reply.voice] == [reference]


def test_an_english_reader_reads_the_mark_in_english(desk: Engine, media: MediaStore) -> None:
    code, _, _, _ = answered(desk, media)
    reader = person(desk, "console:9011", name="Sari", language="en")
    with transaction(desk.db) as session:
        grant_officer(session=session, identity="console:9011", codes=[UNIT], actor=ADMIN, now=NOW)
    reader.send(f"/tugas {code}")
    assert "🎤 voice note (0:42)" in reader.last.text


def test_an_anonymous_resident_stays_unknown_to_staff(desk: Engine, media: MediaStore) -> None:
    code, budi, staff = held(desk, anonymous=True)
    play(budi, [(f"/jawab {code}", ASKED), (("voice", kept(media), 42), "pesan suara Anda")])
    staff.send(f"/aspirasi {code}")
    shown = staff.said
    assert MARK in shown
    for identity in (NAME, "Budi", WARGA, WARGA.partition(":")[2]):
        assert identity not in shown


# --- Konsol ----------------------------------------------------------------------------


def test_konsol_plays_the_answer_for_its_unit_only(
    desk: Engine, db: Database, media: MediaStore
) -> None:
    code, reference, _, _ = answered(desk, media)
    other = seed(desk, status="diteruskan")  # another of the unit's aspirations
    _, [answer] = answers(desk, code)
    with transaction(db) as session:
        grant_officer(session=session, identity=PUPR_OFFICER, codes=[UNIT], actor=ADMIN, now=NOW)
        grant_officer(session=session, identity=STRANGER, codes=[OTHER_UNIT], actor=ADMIN, now=NOW)
    route = f"/konsol/aspirasi/{code}/catatan/{answer.id}/suara"
    owner = konsol(db, media, PUPR_OFFICER)
    page = owner.client.get(f"/konsol/aspirasi/{code}").text
    assert f'<audio controls preload="none" src="{route}">' in page
    assert f'<a href="{route}?unduh=1" download>Unduh pesan suara</a>' in page
    assert "Pesan suara (0:42)" in page and SPOKEN not in page
    played = owner.client.get(route)
    assert played.status_code == 200
    assert played.content == media.path_of(reference).read_bytes()
    assert played.headers["content-type"] == "audio/ogg"
    assert played.headers["content-disposition"].startswith("inline;")
    assert "default-src 'self'" in played.headers["content-security-policy"]  # media: self
    download = owner.client.get(f"{route}?unduh=1")
    assert download.headers["content-disposition"] == (
        f'attachment; filename="{code}-catatan-{answer.id}-pesan-suara.ogg"'
    )
    # the note through another aspiration's code, or one with no voice: as missing
    assert owner.client.get(f"/konsol/aspirasi/{other}/catatan/{answer.id}/suara").status_code == (
        404
    )
    assert owner.client.get(f"/konsol/aspirasi/{code}/suara").status_code == 404
    stranger = konsol(db, media, STRANGER)
    refused = stranger.client.get(route)
    missing = stranger.client.get(f"/konsol/aspirasi/{code}/catatan/999999/suara")
    assert refused.status_code == missing.status_code == 404
    # the same page as for a note that does not exist (but for its own address)
    assert refused.text == missing.text.replace("/999999/", f"/{answer.id}/")
    assert b"OggS" not in refused.content
    nobody = konsol(db, media)
    out = nobody.client.get(route, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/konsol/masuk")


# --- privacy: /datasaya, /hapusdata, the retention purge -----------------------------


def test_datasaya_lists_the_spoken_answer(desk: Engine, media: MediaStore) -> None:
    code, _, budi, _ = answered(desk, media)
    budi.send("/datasaya")
    [line] = [line for line in budi.said.splitlines() if code in line]
    assert line.endswith("ada pesan suara")
    budi.send("/datasaya json")
    [document] = [reply.document for reply in budi.last_batch if reply.document]
    assert document is not None
    data = json.loads(media.path_of(document).read_text())
    [aspiration] = data["aspirations"]
    assert aspiration["has_voice"] is False  # the aspiration itself was typed
    [answer] = [note for note in aspiration["notes"] if note["kind"] == "jawaban"]
    assert (answer["text"], answer["has_voice"], answer["voice_seconds"]) == (SPOKEN, True, 42)


def test_hapusdata_removes_the_spoken_answer(desk: Engine, media: MediaStore) -> None:
    code, reference, budi, _ = answered(desk, media)
    assert media.path_of(reference).exists()
    play(budi, [("/hapusdata", "Hapus data"), (("press", "Ya, hapus"), "sudah dihapus")])
    assert not media.path_of(reference).exists()
    aspiration, [answer] = answers(desk, code)
    assert (answer.voice_path, answer.voice_seconds) == (None, None)
    assert answer.text == SPOKEN  # the answer stays, as the aspiration does
    assert aspiration.resident_id is None


def test_the_purge_removes_spoken_answers_of_long_closed_aspirations(
    desk: Engine, media: MediaStore
) -> None:
    code, reference, _, _ = answered(desk, media)
    with transaction(desk.db) as session:
        row = find_aspiration(session=session, code=code)
        assert row is not None
        change_status(
            session=session, aspiration=row, status="spam", actor=STAFF, note=None, now=NOW
        )
    young = privacy_tick(desk.db, Retention(), media, NOW + timedelta(days=300))
    assert young["voice_notes"] == 0 and media.path_of(reference).exists()
    counts = privacy_tick(desk.db, Retention(), media, NOW + timedelta(days=400))
    assert counts["voice_notes"] == 1 and not media.path_of(reference).exists()
    _, [answer] = answers(desk, code)
    assert answer.voice_path is None and answer.text == SPOKEN
