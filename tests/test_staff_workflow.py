"""The aspiration status workflow through the chat and ``change_status``: legal and
illegal transitions, reasons, concurrent changes, and the notification to the
resident written in the same transaction.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL
(through the ``db`` fixture behind ``engine``). Who is who, seeding and the
shared steps are in ``staff_helpers``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from conftest import NOW
from dialogue import Chat, play
from staff_helpers import (
    ADMIN,
    CODE,
    ILLEGAL,
    JOURNEY,
    LABEL,
    LEGAL,
    NOTE,
    OTHER_NAME,
    OTHER_UNIT,
    REASON,
    ROUTE,
    STAFF,
    TOLD,
    UNIT,
    UNIT_NAME,
    UNTOLD,
    WARGA,
    allowed,
    allowed_text,
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

import handlers.aspirations.review_change
import handlers.core.engine
from handlers.core.engine import Engine
from handlers.core.types import ACTION_PROMPT, Choice, Reply
from storage.aspirations import find_aspiration
from storage.conversations import ConversationConflict
from storage.db import transaction
from storage.models import AspirationStatusChange
from storage.workflow import (
    NEEDS_ORIGINAL,
    NEEDS_UNIT,
    WITH_UNIT,
    IllegalTransition,
    ReasonRequired,
    allowed_next,
    change_status,
    needs_reason,
)

# --- 2. transitions --------------------------------------------------------------


# What staff are asked for the note, by the change (reasons are required).
ASKED = {
    "ditolak": "Tuliskan alasan penolakan",
    "tunda": "Tulis pertanyaan untuk warga",
    "bukan_wewenang": "Tulis ke mana warga sebaiknya menyampaikan aspirasi ini",
    "arsip": "Tuliskan alasan aspirasi ini diarsipkan",
}


def asked_for_note(current: str, wanted: str) -> str:
    if wanted == "diteruskan" and current in WITH_UNIT:
        return f"Tuliskan alasan aspirasi ini dipindahkan ke {OTHER_NAME}"
    if wanted == "diverifikasi" and current in WITH_UNIT:
        return f"Tuliskan alasan aspirasi ini ditarik kembali dari {UNIT_NAME}"
    return ASKED.get(wanted, f"Tulis catatan untuk warga tentang status {LABEL[wanted]}")


@pytest.mark.parametrize(("current", "wanted"), LEGAL)
def test_every_legal_transition_through_the_chat(desk: Engine, current: str, wanted: str) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status=current)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.clock.advance(hours=2)
    open_detail(staff, code)
    assert f"Aspirasi {code} — {LABEL[current]}" in staff.said
    assert staff.labels == [f"Ubah ke: {LABEL[s]}" for s in allowed(current)] + [
        "« Kembali ke daftar"
    ]
    staff.press(f"Ubah ke: {LABEL[wanted]}")
    reason = needs_reason(current, wanted)
    note = REASON if reason else NOTE
    unit = None
    if wanted in NEEDS_ORIGINAL:
        assert "Aspirasi ini duplikat dari aspirasi mana?" in staff.said
        staff.send(seed(desk))
    if wanted == "diteruskan" and current in WITH_UNIT:  # to another unit
        assert f"Aspirasi ini sekarang di {UNIT_NAME}." in staff.said
        staff.send(UNIT)  # the same unit again is refused
        assert f"Aspirasi ini sudah di {UNIT_NAME}. Pilih unit yang lain." in staff.said
        staff.send(OTHER_UNIT)
        unit = OTHER_UNIT
    elif wanted == "diteruskan":
        assert "Ke unit mana aspirasi ini diteruskan?" in staff.said
        assert staff.labels[0] == f"{UNIT_NAME} (sesuai kategori)"  # infrastruktur → PUPR
        staff.press(f"{UNIT_NAME} (sesuai kategori)")
        assert "Berapa lama target penyelesaiannya?" in staff.said
        assert staff.labels[0] == "Kompleks — 14 hari kerja (sesuai kategori)"
        staff.press("Ringan — 2 hari kerja")
        unit = UNIT
    assert asked_for_note(current, wanted) in staff.said
    assert ("Tanpa catatan" in staff.labels) is not reason
    staff.send(note)
    assert (
        f"Ubah status {code} dari {LABEL[current]} menjadi {LABEL[wanted]}?\n"
        f"Catatan untuk warga: {note}"
    ) in staff.said
    if unit:
        assert f"Unit: {UNIT_NAME if unit == UNIT else OTHER_NAME}" in staff.said
    staff.press("Simpan")
    assert TOLD in staff.said
    assert f"Aspirasi {code} — {LABEL[wanted]}" in staff.said  # back at the detail
    assert state(staff)[:2] == ("review", "detail")
    after = stored(desk, code)
    assert staff.labels == [f"Ubah ke: {LABEL[s]}" for s in allowed_next(after)] + [
        "« Kembali ke daftar"
    ]
    assert after.status == wanted and after.updated_at == staff.clock.now
    if unit:
        assert after.opd_code == unit
    if wanted == "diteruskan" and current not in WITH_UNIT:
        assert after.grade == "ringan"
    if wanted == "diverifikasi" and current in WITH_UNIT:
        assert after.opd_code is None  # back with the city staff
    assert history(desk, code)[-1] == (wanted, staff.clock.now, STAFF, note)
    assert len(history(desk, code)) == len(ROUTE[current]) + 2  # diterima, route, this
    [message] = outbox(desk)
    assert message.recipient == "2001" and code in message.payload["text"]


def test_a_change_without_a_note_stores_none(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "diverifikasi")
    assert TOLD in staff.said
    assert history(desk, code)[-1] == ("diverifikasi", NOW, STAFF, None)
    [message] = outbox(desk)
    assert "Catatan petugas" not in message.payload["text"]


@pytest.mark.parametrize(("current", "wanted"), LEGAL)
def test_every_legal_transition_through_change_status(
    engine: Engine, current: str, wanted: str
) -> None:
    code = seed(engine, status=current)
    original = seed(engine) if wanted in NEEDS_ORIGINAL else None
    unit = OTHER_UNIT if current in WITH_UNIT else UNIT
    later = NOW + timedelta(hours=3)
    with transaction(engine.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None
        change = change_status(
            session=session,
            aspiration=aspiration,
            status=wanted,
            actor="telegram:42",
            note=f"  {REASON}  ",
            now=later,
            original=original,
            opd=unit if wanted in NEEDS_UNIT else None,
        )
        assert (change.status, change.at, change.actor, change.note) == (
            wanted,
            later,
            "telegram:42",
            REASON,
        )
    assert stored(engine, code).status == wanted
    assert stored(engine, code).updated_at == later
    assert history(engine, code)[-1] == (wanted, later, "telegram:42", REASON)


@pytest.mark.parametrize(
    ("current", "wanted"), [*ILLEGAL, ("diterima", "dibatalkan"), ("diproses", "")]
)
def test_every_illegal_transition_raises_with_the_allowed_list(
    engine: Engine, current: str, wanted: str
) -> None:
    code = seed(engine, status=current)
    before = history(engine, code)
    with transaction(engine.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None
        with pytest.raises(IllegalTransition) as refused:
            change_status(
                session=session,
                aspiration=aspiration,
                status=wanted,
                actor=STAFF,
                note=REASON,  # a reason does not make it legal
                now=NOW + timedelta(hours=1),
            )
        assert refused.value.allowed == allowed(current)
        assert (refused.value.current, refused.value.wanted) == (current, wanted)
        assert aspiration.status == current
        assert not session.new
    assert stored(engine, code).status == current
    assert history(engine, code) == before


@pytest.mark.parametrize(("current", "typed"), ILLEGAL)
def test_an_illegal_status_typed_at_the_detail_is_refused_with_the_allowed_list(
    desk: Engine, current: str, typed: str
) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status=current)
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    before = history(desk, code)
    staff.send(typed)
    expected = (
        f"Dari status {LABEL[current]}, aspirasi hanya bisa diubah ke: {allowed_text(current)}."
    )
    assert expected in staff.said
    assert state(staff)[:2] == ("review", "detail")
    assert stored(desk, code).status == current
    assert history(desk, code) == before
    assert outbox(desk) == []


def test_selesai_typed_when_diterima_names_the_two_choices(desk: Engine) -> None:
    code = seed(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    staff.send("selesai")
    assert f"hanya bisa diubah ke: {allowed_text('diterima')}." in staff.said
    assert allowed_text("diterima").startswith("Diverifikasi, Tunda")


def test_rejecting_without_a_reason_is_impossible_in_the_chat(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    staff.press("Ubah ke: Ditolak")
    assert "Tuliskan alasan penolakan" in staff.said
    assert "Tanpa catatan" not in staff.labels
    question = staff.question
    assert question.prompt_id is not None
    staff._send(choice=Choice(question.prompt_id, "none"))  # a forged "no note" button
    assert "tombol ini sudah tidak berlaku" in staff.said
    staff.send("   ")
    assert "Tuliskan alasan penolakan" in staff.said
    assert state(staff)[:2] == ("review", "note")
    assert stored(desk, code).status == "diterima" and outbox(desk) == []


@pytest.mark.parametrize("note", [None, "", "   "])
def test_change_status_requires_a_reason_to_reject(engine: Engine, note: str | None) -> None:
    code = seed(engine)
    with transaction(engine.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None
        with pytest.raises(ReasonRequired):
            change_status(
                session=session,
                aspiration=aspiration,
                status="ditolak",
                actor=STAFF,
                note=note,
                now=NOW,
            )
        assert aspiration.status == "diterima" and not session.new
    assert stored(engine, code).status == "diterima"
    assert [h[0] for h in history(engine, code)] == ["diterima"]


@pytest.mark.parametrize(
    ("other", "other_note", "mine", "current_after"),
    [
        ("diverifikasi", None, "diverifikasi", "diverifikasi"),  # both verify
        ("ditolak", REASON, "diverifikasi", "ditolak"),  # it was rejected meanwhile
    ],
)
def test_a_change_made_meanwhile_by_other_staff_is_refused_with_the_allowed_list(
    desk: Engine, other: str, other_note: str | None, mine: str, current_after: str
) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    rina = person(desk, STAFF, name="Rina Petugas")
    open_detail(rina, code)
    rina.press(f"Ubah ke: {LABEL[mine]}")
    rina.send(NOTE)
    assert "Ubah status" in rina.said
    colleague = person(desk, ADMIN, name="Joko Admin")
    move(colleague, code, other, other_note)
    assert TOLD in colleague.said
    rina.press("Simpan")
    expected = (
        f"Dari status {LABEL[current_after]}, aspirasi hanya bisa diubah ke: "
        f"{allowed_text(current_after)}."
    )
    assert expected in rina.said
    assert TOLD not in rina.said
    assert state(rina)[:2] == ("review", "detail")
    assert stored(desk, code).status == current_after
    assert [h[2] for h in history(desk, code)[1:]] == [ADMIN]  # only the colleague's change
    assert len(outbox(desk)) == 1


def test_a_rejection_confirmed_on_a_stale_view_is_refused(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    rina = person(desk, STAFF, name="Rina Petugas")
    open_detail(rina, code)
    rina.press("Ubah ke: Ditolak")
    rina.send(REASON)
    assert "dari Diterima menjadi Ditolak?" in rina.said
    colleague = person(desk, ADMIN, name="Joko Admin")
    move(colleague, code, "diverifikasi", NOTE)
    rina.press("Simpan")
    assert TOLD not in rina.said
    assert "hanya bisa diubah ke" in rina.said
    assert stored(desk, code).status == "diverifikasi"


def test_a_change_committed_during_the_save_is_not_overwritten(
    desk: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    rina = person(desk, STAFF, name="Rina Petugas")
    open_detail(rina, code)
    rina.press("Ubah ke: Diverifikasi")
    rina.send(NOTE)
    real = handlers.aspirations.review_change.change_status

    def racing(**kwargs: Any) -> AspirationStatusChange:
        with transaction(desk.db) as other:  # another officer's save lands first
            aspiration = find_aspiration(session=other, code=code)
            assert aspiration is not None
            real(
                session=other,
                aspiration=aspiration,
                status="ditolak",
                actor=ADMIN,
                note=REASON,
                now=NOW,
            )
        monkeypatch.setattr(handlers.aspirations.review_change, "change_status", real)
        return real(**kwargs)

    monkeypatch.setattr(handlers.aspirations.review_change, "change_status", racing)
    rina.press("Simpan")
    assert stored(desk, code).status == "ditolak"
    assert [h[0] for h in history(desk, code)] == ["diterima", "ditolak"]
    assert "Dari status Ditolak" in rina.said


# --- 3. the notification, in the same transaction --------------------------------


def test_a_status_change_writes_one_notification_to_the_resident(desk: Engine) -> None:
    warga = seat(desk, "telegram:555000", name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "diverifikasi", NOTE)
    assert TOLD in staff.said
    [message] = outbox(desk)
    assert (message.kind, message.channel, message.recipient) == ("status", "telegram", "555000")
    assert message.status == "pending" and message.due_at == NOW
    assert message.claimed_until is None  # for the dispatcher, not the handler
    assert message.priority > 0  # behind direct replies
    reply = Reply.from_payload(message.payload)
    assert reply.text == (
        f"Kabar aspirasi {code} (Infrastruktur, Kelurahan Tomuan: "
        "“Jalan Sutomo di depan pasar berlubang…”)\n\n"
        "Status: Sudah diperiksa petugas\n"
        "Petugas sudah memeriksa aspirasi Anda. Kami akan meneruskannya ke dinas yang "
        "berwenang paling lambat Rabu, 2 Desember."
        f"\n\nCatatan petugas: {NOTE}"
    )
    assert reply.options == () and reply.prompt_id is None
    assert outbox(desk, "reply") == []  # handle() does not record replies


def test_the_notification_is_in_the_residents_language(desk: Engine) -> None:
    warga = seat(desk, "console:2002", name="John Smith", language="en")
    code = seed(desk, resident_id=warga, language="en")
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "diverifikasi", NOTE)
    assert TOLD in staff.said  # staff read Indonesian
    [message] = outbox(desk)
    assert message.recipient == "2002"
    text = message.payload["text"]
    assert text.startswith(f"News about aspiration {code} (Infrastructure")
    assert "Our staff have checked your aspiration." in text and NOTE in text
    assert "by Wednesday, 2 December at the latest" in text
    assert "Kabar aspirasi" not in text and "paling lambat" not in text


def test_selesai_brings_the_rating_stars(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status="diproses")
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "selesai", NOTE)
    [message] = outbox(desk)
    reply = Reply.from_payload(message.payload)
    assert f"Kabar aspirasi {code} (" in reply.text
    assert "Dinas PUPR menyatakan aspirasi Anda sudah selesai ditangani." in reply.text
    assert "Status: Selesai\n" in reply.text
    # neutral: no score suggested
    assert (
        f"Pilih 1 sampai 5 bintang di bawah, atau ketik /nilai {code} lalu angka 1–5." in reply.text
    )
    assert f"/nilai {code} 5" not in reply.text
    assert reply.prompt_id == ACTION_PROMPT == 0
    assert [o.value for o in reply.options] == [f"!rate:{code}:{n}" for n in range(1, 6)]
    assert [o.label for o in reply.options] == ["⭐" * n for n in range(1, 6)]


def test_the_english_selesai_notification_has_english_stars_text(desk: Engine) -> None:
    warga = seat(desk, "console:2002", name="John Smith", language="en")
    code = seed(desk, resident_id=warga, status="diproses", language="en")
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "selesai")
    [message] = outbox(desk)
    assert "Choose 1 to 5 stars below" in message.payload["text"]
    assert "Status: Done\n" in message.payload["text"]
    assert len(message.payload["options"]) == 5


def test_an_unlinked_sender_gets_no_notification_and_staff_are_told(desk: Engine) -> None:
    code = seed(desk, resident_id=None)  # sent without consent: not linked to anyone
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "diverifikasi", NOTE)
    assert "tidak ada yang dikabari" in staff.said
    assert UNTOLD in staff.said
    assert stored(desk, code).status == "diverifikasi"
    assert outbox(desk) == []


def test_a_resident_without_consent_who_sends_through_the_chat_is_not_notified(
    desk: Engine,
) -> None:
    warga = person(desk, "console:2003", consent=False)
    play(warga, JOURNEY[:5] + [(("press", "Lewati"), "Periksa lagi aspirasi Anda")])
    warga.press("Kirim")
    found = CODE.search(warga.said)
    assert found, warga.said
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, found.group(), "diverifikasi")
    assert UNTOLD in staff.said and outbox(desk) == []


def test_an_anonymous_sender_who_consented_is_still_notified(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, anonymous=True)
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "diverifikasi")
    assert TOLD in staff.said
    [message] = outbox(desk)
    assert message.recipient == "2001"


def _at_confirm(desk: Engine, code: str) -> Chat:
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    staff.press("Ubah ke: Diverifikasi")
    staff.send(NOTE)
    assert "Ubah status" in staff.said
    return staff


def test_a_failure_after_the_notification_rolls_back_both(
    desk: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = _at_confirm(desk, code)
    before = state(staff)
    real = handlers.aspirations.review_change.notify_status_change
    calls: list[bool] = []

    def notify_then_fail(*args: Any, **kwargs: Any) -> bool:
        calls.append(real(*args, **kwargs))
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(
        handlers.aspirations.review_change, "notify_status_change", notify_then_fail
    )
    with pytest.raises(RuntimeError, match="disk is full"):
        staff.press("Simpan")
    assert calls == [True]  # the row was written, then the transaction failed
    assert stored(desk, code).status == "diterima"
    assert [h[0] for h in history(desk, code)] == ["diterima"]
    assert outbox(desk) == []
    assert state(staff) == before  # still at the confirmation, nothing lost
    monkeypatch.setattr(handlers.aspirations.review_change, "notify_status_change", real)
    staff.press("Simpan")  # the same button again, once the fault is gone
    assert TOLD in staff.said
    assert stored(desk, code).status == "diverifikasi" and len(outbox(desk)) == 1


def test_a_failure_saving_the_conversation_rolls_back_the_change_and_the_notification(
    desk: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = _at_confirm(desk, code)
    real = handlers.core.engine.save_conversation
    failures = [OSError("connection reset")]

    def save_or_fail(**kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        real(**kwargs)

    monkeypatch.setattr(handlers.core.engine, "save_conversation", save_or_fail)
    with pytest.raises(OSError, match="connection reset"):
        staff.press("Simpan")
    assert stored(desk, code).status == "diterima"
    assert [h[0] for h in history(desk, code)] == ["diterima"]
    assert outbox(desk) == []
    staff.press("Simpan")
    assert TOLD in staff.said
    assert [h[0] for h in history(desk, code)] == ["diterima", "diverifikasi"]
    assert len(outbox(desk)) == 1


def test_a_retried_save_changes_and_notifies_once(
    desk: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversation conflict re-runs the whole inbound: still one change, one row."""
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = _at_confirm(desk, code)
    real = handlers.core.engine.save_conversation
    conflicts = [ConversationConflict("console")]

    def save_or_conflict(**kwargs: Any) -> None:
        if conflicts:
            raise conflicts.pop()
        real(**kwargs)

    monkeypatch.setattr(handlers.core.engine, "save_conversation", save_or_conflict)
    staff.press("Simpan")
    assert conflicts == []
    assert TOLD in staff.said
    assert [h[0] for h in history(desk, code)] == ["diterima", "diverifikasi"]
    assert len(outbox(desk)) == 1
