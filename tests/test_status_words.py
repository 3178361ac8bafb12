"""Residents read plain status words, never the staff's (issue 19, items 4 and 5).

Each status as the resident reads it in the notification (the outbox payload) and
in /status; a refusal's reason as "Alasan:"; spam as "Tidak ditindaklanjuti"; the
unit named at a disposition; a neutral rating prompt; headings without nested
parentheses; the next step even when no due day says it. An anonymous sender
follows their own aspiration while staff still see nobody; another resident, or
the same chat after /hapusdata, gets "not found".
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import NOW
from dialogue import ONBOARD, TO_SUMMARY, Chat, play
from sqlmodel import Session
from staff_helpers import (
    LABEL,
    REASON,
    ROUTE,
    STAFF,
    UNIT,
    WARGA,
    open_detail,
    outbox,
    person,
    seat,
    seed,
    stored,
)

from handlers.core.engine import Engine
from handlers.core.notifications import heading, tell_follow_up, tell_status_change
from handlers.core.types import Reply
from storage.aspirations import CODE_ALPHABET, find_aspiration
from storage.db import transaction
from storage.models import ASPIRATION_STATUSES, CATEGORY_KEYS, Aspiration
from storage.workflow import NEEDS_REASON, change_status

CODE = re.compile(rf"ASP-[{CODE_ALPHABET}]{{6}}")

WORDS = {  # what the resident reads for each status
    "diterima": "Sudah kami terima",
    "diverifikasi": "Sudah diperiksa petugas",
    "diteruskan": "Diteruskan ke Dinas PUPR",
    "diproses": "Sedang dikerjakan",
    "selesai": "Selesai",
    "ditolak": "Tidak dapat ditindaklanjuti",
    "spam": "Tidak ditindaklanjuti",
    "duplik": "Digabung dengan aspirasi yang sama",
    "tunda": "Menunggu keterangan dari Anda",
    "bukan_wewenang": "Bukan urusan Pemerintah Kota",
    "arsip": "Ditutup tanpa tindak lanjut",
}
REASONED = {"ditolak", "arsip"}  # their note is the reason: "Alasan: …"


def test_every_status_has_a_plain_word() -> None:
    assert set(WORDS) == set(ASPIRATION_STATUSES)


def _moved(engine: Engine, resident_id: int, status: str, at_: object = NOW) -> tuple[str, Reply]:
    """An aspiration of ``resident_id`` moved to ``status`` the way Konsol and the
    CLI do it; returns its code and the notice the resident is sent."""
    before = ROUTE[status][:-1]
    previous = before[-1] if before else "diterima"
    original = seed(engine) if status == "duplik" else None
    code = seed(engine, resident_id=resident_id, status=previous)
    with transaction(engine.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None
        change = change_status(
            session=session,
            aspiration=aspiration,
            status=status,
            actor=STAFF,
            note=REASON if status in NEEDS_REASON else None,
            now=NOW,
            original=original,
            opd=UNIT if status == "diteruskan" else None,
        )
        assert tell_status_change(session, engine.settings, aspiration, change, NOW)
    [message] = [m for m in outbox(engine) if code in m.payload["text"]]
    return code, Reply.from_payload(message.payload)


def _status(chat: Chat, code: str) -> str:
    chat.send(f"/status {code}")
    [text] = [r.text for r in chat.last_batch if r.text.startswith(f"Aspirasi {code}")]
    return text


@pytest.mark.parametrize("status", [s for s in ASPIRATION_STATUSES if s != "diterima"])
def test_the_resident_reads_each_status_in_plain_words(desk: Engine, status: str) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code, notice = _moved(desk, warga, status)
    assert notice.text.startswith(f"Kabar aspirasi {code} (Infrastruktur, Kelurahan Tomuan: ")
    assert f"\n\nStatus: {WORDS[status]}\n" in notice.text
    if LABEL[status] != WORDS[status]:
        assert LABEL[status] not in notice.text  # never the staff's word
    channel, _, user_id = WARGA.partition(":")
    text = _status(Chat(desk, user_id=user_id, channel=channel, name="Budi Siregar"), code)
    assert f"Status: {WORDS[status]}" in text
    last = text.split("Riwayat:\n")[1].split("\n\n")[0].splitlines()[-1]
    assert f": {WORDS[status]}" in last, last
    if LABEL[status] != WORDS[status]:
        assert LABEL[status] not in text
    if status in REASONED:
        assert f"Alasan: {REASON}" in notice.text
        assert last.endswith(f" — Alasan: {REASON}")
    if status == "bukan_wewenang":
        assert f"Silakan sampaikan ke: {REASON}" in notice.text
        assert last.endswith(f" — Silakan sampaikan ke: {REASON}")
    assert "Catatan petugas" not in notice.text


def test_a_new_aspiration_reads_sudah_kami_terima(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    channel, _, user_id = WARGA.partition(":")
    text = _status(Chat(desk, user_id=user_id, channel=channel, name="Budi"), code)
    assert "Status: Sudah kami terima\n" in text and "Diterima" not in text


def test_a_rejection_gives_its_reason_and_what_the_resident_can_do(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    _, notice = _moved(desk, warga, "ditolak")
    assert notice.text.endswith(
        "Status: Tidak dapat ditindaklanjuti\n"
        "Mohon maaf, aspirasi Anda tidak dapat kami tindak lanjuti.\n"
        f"Alasan: {REASON}\n\n"
        "Jika ada keterangan baru, silakan kirim aspirasi baru."
    )
    assert "Ditolak" not in notice.text


def test_spam_reads_tidak_ditindaklanjuti_and_its_note_is_the_reason(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    staff = person(desk, STAFF, name="Rina Petugas")
    code = seed(desk, resident_id=warga, status="diverifikasi")
    open_detail(staff, code)
    staff.press("Ubah ke: Spam")
    staff.send("Isinya iklan.")
    staff.press("Simpan")
    [message] = outbox(desk)
    text = message.payload["text"]
    assert "Status: Tidak ditindaklanjuti\n" in text and "Alasan: Isinya iklan." in text
    assert "spam" not in text.lower() and "Catatan petugas" not in text


def test_a_disposition_names_the_unit_in_the_status(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code, notice = _moved(desk, warga, "diteruskan")
    assert "Status: Diteruskan ke Dinas PUPR\n" in notice.text
    assert "instansi terkait" not in notice.text
    channel, _, user_id = WARGA.partition(":")
    chat = Chat(desk, user_id=user_id, channel=channel, name="Budi Siregar")
    text = _status(chat, code)
    assert "Status: Diteruskan ke Dinas PUPR\n" in text
    assert text.count("Dinas PUPR") == 2  # the status line and the history, once each


def test_a_follow_up_names_the_aspiration_and_what_comes_next(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status="diteruskan")
    with transaction(desk.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None
        assert tell_follow_up(session, desk.settings, aspiration, "Lubang ditambal Senin.", NOW)
    [message] = outbox(desk)
    assert message.payload["text"] == (
        f"Kabar aspirasi {code} (Infrastruktur, Kelurahan Tomuan: "
        "“Jalan Sutomo di depan pasar berlubang…”)\n\n"
        "Dinas PUPR menindaklanjuti aspirasi Anda:\n\nLubang ditambal Senin.\n\n"
        "Kami kabari lagi jika ada perkembangan."
    )


def test_the_rating_prompt_suggests_no_score(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code, notice = _moved(desk, warga, "selesai")
    assert f"ketik /nilai {code} lalu angka 1–5." in notice.text
    assert f"/nilai {code} 5" not in notice.text
    assert len(notice.options) == 5


def test_a_notice_without_a_running_clock_still_says_what_comes_next(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, at=NOW - timedelta(days=30))  # verification late
    with transaction(desk.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None
        change = change_status(
            session=session,
            aspiration=aspiration,
            status="diverifikasi",
            actor=STAFF,
            note=None,
            now=NOW,
        )
        tell_status_change(session, desk.settings, aspiration, change, NOW)
    [message] = outbox(desk)
    assert message.payload["text"].endswith(
        "Status: Sudah diperiksa petugas\n"
        "Petugas sudah memeriksa aspirasi Anda. "
        "Berikutnya kami teruskan ke dinas yang berwenang."
    )


@pytest.mark.parametrize("language", ["id", "en"])
def test_headings_name_the_category_without_nested_parentheses(desk: Engine, language: str) -> None:
    t = desk.settings.translators(language)
    with Session(desk.db) as session:
        for key in CATEGORY_KEYS:
            code = seed(desk, category=key)
            aspiration = find_aspiration(session=session, code=code)
            assert isinstance(aspiration, Aspiration)
            text = heading(desk.settings, t, aspiration)
            depth = 0
            for ch in text:
                depth += {"(": 1, ")": -1}.get(ch, 0)
                assert depth <= 1, text
            assert depth == 0, text
            label = t(f"category.{key}")
            assert label.split(" (")[0] in text


def test_my_data_lists_aspirations_with_plain_words(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code, _ = _moved(desk, warga, "spam")
    channel, _, user_id = WARGA.partition(":")
    chat = Chat(desk, user_id=user_id, channel=channel, name="Budi Siregar")
    chat.send("/datasaya")
    assert f"• {code} · Infrastruktur (jalan, jembatan, drainase) · Tidak ditindaklanjuti" in (
        chat.said
    )


# --- item 5: an anonymous sender follows their own aspiration ----------------------


def _send_anonymously(chat: Chat) -> str:
    play(
        chat,
        ONBOARD
        + TO_SUMMARY[:6]
        + [
            (("press", "Kirim anonim"), "Pengirim: anonim"),
            (("press", "Kirim"), "Kode pelacakan"),
        ],
    )
    found = CODE.search(chat.said)
    assert found, chat.said
    return found.group()


def test_an_anonymous_owner_sees_their_status_and_staff_see_nobody(desk: Engine) -> None:
    budi = Chat(desk, user_id="5001", name="Budi Siregar")
    code = _send_anonymously(budi)
    assert stored(desk, code).anonymous is True
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    assert "Pengirim: anonim" in staff.said
    assert "Budi" not in staff.said and "5001" not in staff.said  # neither name nor identity
    staff.press("Ubah ke: Diverifikasi")
    staff.press("Tanpa catatan")
    staff.press("Simpan")
    assert "Budi" not in staff.said and "5001" not in staff.said
    [message] = outbox(desk)  # the owner is told, though staff do not know who it is
    assert message.recipient == "5001"
    assert "Status: Sudah diperiksa petugas\n" in message.payload["text"]
    budi.send(f"/status {code.lower()}")  # typed as it comes
    assert f"Aspirasi {code}\n" in budi.said
    assert "Status: Sudah diperiksa petugas" in budi.said
    other = Chat(desk, user_id="5002", name="Sari Damanik")
    play(other, ONBOARD)
    other.send(f"/status {code}")
    assert f"Aspirasi dengan kode {code} tidak ditemukan" in other.said
    assert "Sudah diperiksa" not in other.said


def test_erasure_removes_the_anonymous_owners_link(desk: Engine) -> None:
    budi = Chat(desk, user_id="5001", name="Budi Siregar")
    code = _send_anonymously(budi)
    budi.send("/hapusdata")
    budi.press("Ya, hapus data saya")
    assert budi.last_batch[0].text.startswith("Data Anda sudah dihapus")
    after = stored(desk, code)
    assert (after.resident_id, after.anonymous) == (None, True)
    budi.send(f"/status {code}")  # a stranger now: first asked to consent
    budi.press("Tidak setuju")
    budi.send(f"/status {code}")
    assert f"Aspirasi dengan kode {code} tidak ditemukan" in budi.said
    assert "tanpa persetujuan tidak dicatat atas nama siapa pun" in budi.said


def test_without_consent_not_found_says_why_for_every_code(engine: Engine) -> None:
    chat = Chat(engine, user_id="5003", name=None)
    play(
        chat,
        [
            ("/start", "Apakah Anda setuju"),
            (("press", "Tidak setuju"), "tetap bisa mengirim aspirasi secara anonim"),
            *TO_SUMMARY[:5],
            (("press", "Lewati"), "dikirim secara anonim"),
            (("press", "Kirim"), "tidak mencatat siapa pengirimnya"),
        ],
    )
    found = CODE.search(chat.said)
    assert found
    chat.send(f"/status {found.group()}")
    theirs = chat.said.replace(found.group(), "CODE")
    missing = "ASP-" + ("22222" + "3" if found.group()[4:] != "222223" else "222224")
    chat.send(f"/status {missing}")
    nothing = chat.said.replace(missing, "CODE")
    assert theirs == nothing  # an existing code and a missing one read the same
    assert "tanpa persetujuan tidak dicatat atas nama siapa pun" in theirs
