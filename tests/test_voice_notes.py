"""Voice notes (issue 19, item 3): residents who speak instead of typing.

A voice note is taken at the text step (the aspiration's text becomes a clear
placeholder, "(pesan suara, 0:42)", and the note is attached) or as an extra
attachment; a note over the size or length limit is refused politely with the
same question again. It is kept like a photo: listed by /datasaya, erased by
/hapusdata and the retention purge, exported as ``has_voice``, sent to staff
with the /aspirasi detail and the officer's desk, and played in Konsol behind the
same checks as the photo. The channels' own tests are in test_voice_channels.py.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import NOW
from dialogue import ONBOARD, TO_SUMMARY, Chat, play
from images import PNG
from konsol_helpers import Browser, browser
from sqlalchemy import Engine as Database
from sqlmodel import Session, select
from staff_helpers import ADMIN, CONFIG_ROLES, OTHER_UNIT, STAFF, person, seed
from test_desk import PUPR_OFFICER, disposed, officer
from voices import OGG, amr, ogg_opus

from bot.config import Retention
from bot.jobs import privacy_tick
from bot.media import AttachmentRefused, MediaStore
from bot.voices import audio_kind, check_voice
from handlers.core.engine import Engine
from handlers.core.settings import VoiceLimits
from handlers.registry import FLOWS
from storage.aspirations import find_aspiration
from storage.db import transaction
from storage.exports import AspirationFilter, export
from storage.models import Aspiration
from storage.opd import grant_officer
from storage.workflow import change_status

USER = "778899002"
NAME = "Rina Sitorus"
TYPED = "Jalan Sutomo di depan pasar berlubang besar sejak Oktober."
TO_TEXT = TO_SUMMARY[:4]  # menu → "Tuliskan aspirasi"
PLACEHOLDER = "(pesan suara, 0:42)"


@pytest.fixture
def bot(engine: Engine, media: MediaStore) -> Engine:
    return Engine(engine.db, replace(engine.settings, files=media), FLOWS)


@pytest.fixture
def rina(bot: Engine) -> Chat:
    chat = Chat(bot, user_id=USER, name=NAME)
    play(chat, ONBOARD)
    return chat


def kept(media: MediaStore, seconds: float = 42) -> str:
    """A voice note stored as an adapter stores one; its reference."""
    reference, length = media.store_voice(ogg_opus(seconds), NOW)
    assert length == seconds
    return reference


def newest(chat: Chat) -> Aspiration:
    with Session(chat.engine.db) as session:
        rows = session.exec(select(Aspiration).order_by(Aspiration.id.desc())).all()  # type: ignore[union-attr]
        return rows[0]


def submit_spoken(chat: Chat, media: MediaStore) -> tuple[str, str]:
    """An aspiration sent as a voice note at the text step: (code, reference)."""
    reference = kept(media)
    play(
        chat,
        [
            *TO_TEXT,
            (("voice", reference, 42), "Pesan suara diterima"),
            (("press", "Lewati"), "nama Anda ditampilkan"),
            (("press", "Tampilkan nama"), "Lampiran: pesan suara (0:42)"),
            (("press", "Kirim"), "Kode pelacakan"),
        ],
    )
    return newest(chat).code, reference


# --- the store: which audio, how long, the limits ---------------------------------


def test_audio_kinds_and_lengths_are_read_from_the_file() -> None:
    assert audio_kind(OGG) == (".ogg", 42.0)
    assert audio_kind(amr(5)) == (".amr", 5.0)
    for not_audio in (b"OggS" + bytes(1020), b"\x89PNG\r\n\x1a\n" + bytes(40), b"halo"):
        with pytest.raises(AttachmentRefused) as refused:
            audio_kind(not_audio)
        assert refused.value.reason == "not_audio"


def test_the_limits_refuse_big_and_long_notes() -> None:
    limits = VoiceLimits(max_bytes=4096, max_seconds=300)
    assert check_voice(ogg_opus(299.2), limits) == (".ogg", 300)
    for data, reason in (
        (ogg_opus(301), "voice_too_long"),
        (ogg_opus(10, padding=5000), "voice_too_large"),
    ):
        with pytest.raises(AttachmentRefused) as refused:
            check_voice(data, limits)
        assert refused.value.reason == reason


def test_a_kept_note_is_stored_as_sent_under_the_month(media: MediaStore) -> None:
    reference, seconds = media.store_voice(OGG, NOW)
    assert reference.startswith(f"{NOW:%Y/%m}/") and reference.endswith(".ogg")
    assert media.path_of(reference).read_bytes() == OGG and seconds == 42
    amr_reference, amr_seconds = media.store_voice(amr(3), NOW)
    assert amr_reference.endswith(".amr") and amr_seconds == 3


# --- the resident's side -------------------------------------------------------------


def test_a_voice_note_at_the_text_step_is_the_aspiration(rina: Chat, media: MediaStore) -> None:
    code, reference = submit_spoken(rina, media)
    stored = newest(rina)
    assert (stored.code, stored.text) == (code, PLACEHOLDER)
    assert (stored.voice_path, stored.voice_seconds) == (reference, 42)
    assert stored.photo_path is None


def test_the_summary_shows_the_placeholder_and_the_note(rina: Chat, media: MediaStore) -> None:
    play(rina, [*TO_TEXT, (("voice", kept(media), 42), "Ada foto atau lokasi")])
    play(rina, [(("press", "Lewati"), "nama Anda ditampilkan")])
    play(rina, [(("press", "Tampilkan nama"), "Periksa lagi aspirasi Anda")])
    summary = rina.last.text
    assert PLACEHOLDER in summary and "Lampiran: pesan suara (0:42)" in summary


def test_a_voice_note_may_go_with_a_typed_text(rina: Chat, media: MediaStore) -> None:
    reference = kept(media, 15)
    play(
        rina,
        [
            *TO_TEXT,
            (TYPED, "foto atau lokasi"),
            (("voice", reference, 15), "Pesan suara diterima"),
            (("press", "Lanjut"), "nama Anda ditampilkan"),
            (("press", "Tampilkan nama"), "Lampiran: pesan suara (0:15)"),
            (("press", "Kirim"), "Kode pelacakan"),
        ],
    )
    stored = newest(rina)
    assert (stored.text, stored.voice_path, stored.voice_seconds) == (TYPED, reference, 15)


def test_a_second_note_does_not_replace_the_spoken_aspiration(
    rina: Chat, media: MediaStore
) -> None:
    first, second = kept(media), kept(media, 5)
    play(rina, [*TO_TEXT, (("voice", first, 42), "Pesan suara diterima")])
    question = rina.last.text.split("\n\n")[-1]
    play(rina, [(("voice", second, 5), "sudah menjadi isi aspirasi ini")])
    assert rina.last.text.endswith(question)  # the same question again
    assert not media.path_of(second).exists()  # not kept: nothing points to it
    play(rina, [(("press", "Lewati"), "nama Anda ditampilkan")])
    play(rina, [(("press", "Tampilkan nama"), "Periksa lagi aspirasi Anda")])
    play(rina, [(("press", "Kirim"), "Kode pelacakan")])
    assert newest(rina).voice_path == first


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("voice_too_long", "Pesan suara itu terlalu panjang (paling lama 5 menit)"),
        ("voice_too_large", "Pesan suara itu terlalu besar (paling besar 10 MB)"),
        ("not_audio", "bukan pesan suara"),
    ],
)
def test_a_refused_note_gets_a_polite_word_and_the_same_question(
    rina: Chat, reason: str, said: str
) -> None:
    play(rina, TO_TEXT)
    question = rina.last.text
    play(rina, [(("refused", reason), said)])
    assert rina.last.text.endswith(question)
    play(rina, [(TYPED, "foto atau lokasi")])  # nothing was lost
    with Session(rina.engine.db) as session:
        assert session.exec(select(Aspiration)).first() is None


def test_a_voice_note_where_none_is_taken_is_refused(rina: Chat, media: MediaStore) -> None:
    play(rina, [(("press", "Sampaikan aspirasi"), "Pilih kategorinya")])
    question = rina.last.text
    refused = kept(media)
    play(rina, [(("voice", refused, 42), "pesan suara belum bisa dipakai di langkah ini")])
    assert rina.last.text.endswith(question)
    assert not media.path_of(refused).exists()  # not kept: nothing points to it


def test_a_replaced_or_dropped_draft_note_is_not_kept(rina: Chat, media: MediaStore) -> None:
    first, second = kept(media, 10), kept(media, 20)
    play(
        rina,
        [
            *TO_TEXT,
            (TYPED, "foto atau lokasi"),
            (("voice", first, 10), "Pesan suara diterima"),
            (("voice", second, 20), "Pesan suara diterima"),
        ],
    )
    assert not media.path_of(first).exists() and media.path_of(second).exists()
    play(
        rina,
        [
            (("press", "Lanjut"), "nama Anda ditampilkan"),
            (("press", "Tampilkan nama"), "Lampiran: pesan suara (0:20)"),
            (("press", "Batal"), "dibatalkan"),
        ],
    )
    assert not media.path_of(second).exists()


# --- privacy: /datasaya, /hapusdata, the retention purge -----------------------------


def test_datasaya_lists_the_note(rina: Chat, media: MediaStore) -> None:
    code, _ = submit_spoken(rina, media)
    play(rina, [("/datasaya", f"{code} · Infrastruktur")])
    assert "ada pesan suara" in rina.said
    rina.send("/datasaya json")
    [document] = [r.document for r in rina.last_batch if r.document]
    assert document is not None
    data = json.loads(media.path_of(document).read_text())
    [aspiration] = data["aspirations"]
    assert (aspiration["has_voice"], aspiration["voice_seconds"]) == (True, 42)


def test_hapusdata_erases_the_note(rina: Chat, media: MediaStore) -> None:
    code, reference = submit_spoken(rina, media)
    assert media.path_of(reference).exists()
    play(rina, [("/hapusdata", "Hapus data"), (("press", "Ya, hapus"), "sudah dihapus")])
    assert not media.path_of(reference).exists()
    with Session(rina.engine.db) as session:
        row = find_aspiration(session=session, code=code)
        assert row is not None and (row.voice_path, row.voice_seconds) == (None, None)
        assert row.text == PLACEHOLDER  # the aspiration stays, anonymised


def test_a_draft_note_goes_with_the_withdrawal(rina: Chat, media: MediaStore) -> None:
    reference = kept(media)
    play(rina, [*TO_TEXT, (("voice", reference, 42), "Pesan suara diterima")])
    play(
        rina,
        [
            ("/tarikpersetujuan", "Tarik persetujuan Anda?"),
            (("press", "Ya, tarik"), "Persetujuan Anda sudah ditarik"),
        ],
    )
    assert not media.path_of(reference).exists()


def test_the_purge_removes_notes_of_long_closed_aspirations(rina: Chat, media: MediaStore) -> None:
    code, reference = submit_spoken(rina, media)
    with transaction(rina.engine.db) as session:
        row = find_aspiration(session=session, code=code)
        assert row is not None
        change_status(
            session=session, aspiration=row, status="spam", actor=STAFF, note=None, now=NOW
        )
    young = privacy_tick(rina.engine.db, Retention(), media, NOW + timedelta(days=300))
    assert young["voice_notes"] == 0 and media.path_of(reference).exists()
    counts = privacy_tick(rina.engine.db, Retention(), media, NOW + timedelta(days=400))
    assert counts["voice_notes"] == 1 and not media.path_of(reference).exists()
    assert newest(rina).voice_path is None


# --- staff: export, /aspirasi, the desk, Konsol --------------------------------------


def with_voice(engine: Engine, code: str, reference: str, seconds: int = 42) -> None:
    """Give a seeded aspiration a voice note, as the resident's adapter would have."""
    with transaction(engine.db) as session:
        row = find_aspiration(session=session, code=code)
        assert row is not None
        row.voice_path, row.voice_seconds = reference, seconds
        session.add(row)


def test_exports_say_has_voice(engine: Engine, media: MediaStore) -> None:
    spoken, typed = seed(engine), seed(engine)
    with_voice(engine, spoken, kept(media))
    out = io.BytesIO()
    export("aspirations", engine=engine.db, fmt="json", out=out, filters=AspirationFilter())
    rows = {row["code"]: row["has_voice"] for row in json.loads(out.getvalue())}
    assert rows == {spoken: True, typed: False}
    csv = io.BytesIO()
    export("aspirations", engine=engine.db, fmt="csv", out=csv, filters=AspirationFilter())
    header, *lines = csv.getvalue().decode("utf-8-sig").splitlines()
    assert header.endswith(",tunda_count,has_voice")
    assert any(line.startswith(spoken) and line.endswith(",true") for line in lines)


def test_the_staff_detail_sends_the_note(desk: Engine, media: MediaStore) -> None:
    code = seed(desk)
    reference = kept(media)
    with_voice(desk, code, reference)
    staff = person(desk, STAFF, name="Sari Petugas")
    staff.send(f"/aspirasi {code}")
    [voice] = [r for r in staff.last_batch if r.voice]
    assert (voice.voice, voice.text) == (reference, f"Pesan suara untuk {code}")
    assert "Pesan suara: 0:42 (dikirim di atas)" in staff.last.text


def test_the_officer_desk_sends_the_note(desk: Engine, media: MediaStore) -> None:
    code = disposed(desk, "PUPR")
    reference = kept(media)
    with_voice(desk, code, reference)
    chat = officer(desk, PUPR_OFFICER, "PUPR")
    chat.send(f"/tugas {code}")
    [voice] = [r for r in chat.last_batch if r.voice]
    assert voice.voice == reference
    assert "Pesan suara: 0:42 (dikirim di atas)" in chat.last.text


STRANGER = "console:3002"  # petugas_opd of OTHER_UNIT


def konsol(db: Database, media: MediaStore, identity: str | None = None) -> Browser:
    person_ = browser(db, CONFIG_ROLES)
    assert person_.konsol is not None
    person_.konsol.settings = replace(person_.konsol.settings, files=media)
    if identity:
        person_.log_in(identity)
    return person_


def test_konsol_plays_the_note_for_staff_only(
    engine: Engine, db: Database, media: MediaStore
) -> None:
    code, bare = seed(engine, status="diteruskan"), seed(engine)
    reference = kept(media)
    with_voice(engine, code, reference)
    with transaction(db) as session:
        grant_officer(session=session, identity=STRANGER, codes=[OTHER_UNIT], actor=ADMIN, now=NOW)
    staff = konsol(db, media, STAFF)
    page = staff.client.get(f"/konsol/aspirasi/{code}").text
    assert f'<audio id="voice" controls preload="none" src="/konsol/aspirasi/{code}/suara">' in page
    assert f'href="/konsol/aspirasi/{code}/suara?unduh=1" download>Unduh pesan suara' in page
    assert "Pesan suara (0:42)" in page
    played = staff.client.get(f"/konsol/aspirasi/{code}/suara")
    assert played.status_code == 200
    assert played.headers["content-type"] == "audio/ogg"
    assert played.headers["content-disposition"].startswith("inline;")
    assert played.content == media.path_of(reference).read_bytes()
    download = staff.client.get(f"/konsol/aspirasi/{code}/suara?unduh=1")
    assert download.headers["content-disposition"] == (
        f'attachment; filename="{code}-pesan-suara.ogg"'
    )
    assert "<audio" not in staff.client.get(f"/konsol/aspirasi/{bare}").text
    listed = staff.client.get("/konsol/aspirasi").text
    row = listed[listed.index(f">{code}<") :]
    assert '<span class="tag">Pesan suara</span>' in row[: row.index("</tr>")]
    assert staff.client.get(f"/konsol/aspirasi/{bare}/suara").status_code == 404
    stranger = konsol(db, media, STRANGER)
    refused = stranger.client.get(f"/konsol/aspirasi/{code}/suara")
    assert refused.status_code == 404 and b"OggS" not in refused.content
    nobody = konsol(db, media)
    out = nobody.client.get(f"/konsol/aspirasi/{code}/suara", follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/konsol/masuk")


def test_konsol_serves_only_audio_from_inside_the_store(
    engine: Engine, db: Database, media: MediaStore, tmp_path: Path
) -> None:
    code = seed(engine)
    outside = tmp_path / "rahasia.ogg"
    outside.write_bytes(OGG)
    with_voice(engine, code, "../rahasia.ogg")
    staff = konsol(db, media, STAFF)
    assert staff.client.get(f"/konsol/aspirasi/{code}/suara").status_code == 404
    with_voice(engine, code, media.store_bytes(PNG, NOW))  # not audio: not served as such
    assert staff.client.get(f"/konsol/aspirasi/{code}/suara").status_code == 404


# --- the console channel ----------------------------------------------------------


def test_the_console_sends_a_voice_note_from_a_file(
    engine: Engine, media: MediaStore, tmp_path: Path
) -> None:
    from bot.console import ConsoleChat, render
    from handlers.core.types import Reply

    (tmp_path / "keluhan.ogg").write_bytes(OGG)
    (tmp_path / "catatan.txt").write_text("bukan suara")
    console = ConsoleChat(engine, media, user_id="42")
    inbound = console.inbound(f"/suara {tmp_path / 'keluhan.ogg'}")
    assert inbound.voice is not None and inbound.voice.seconds == 42
    assert media.path_of(inbound.voice.reference).read_bytes() == OGG
    assert console.inbound(f"/suara {tmp_path / 'catatan.txt'}").refused == "not_audio"
    assert console.inbound(f"/suara {tmp_path / 'tidak-ada.ogg'}").refused == "voice_not_found"
    shown = render(Reply(text="Pesan suara untuk ASP-7K2M9Q", voice=inbound.voice.reference), media)
    assert f"(pesan suara: {media.path_of(inbound.voice.reference)})" in shown
