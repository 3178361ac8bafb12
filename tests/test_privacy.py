"""Residents' data rights: erasure leaves no trace, withdrawal keeps an anonymous
account, a new privacy notice asks again, ``/datasaya`` shows everything (also as
JSON) and ``/profil`` corrects it.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL.
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
from sqlalchemy import select, text
from sqlmodel import Session, SQLModel

from bot.media import MediaStore
from handlers.core.engine import Engine
from handlers.core.settings import CONSENT_VERSION
from handlers.core.types import ACTION_PROMPT, Choice
from handlers.registry import FLOWS
from storage.db import transaction
from storage.exports import AspirationFilter, export
from storage.forums import NewForum, create_forum, set_rsvp, set_subscription
from storage.models import (
    Aspiration,
    AuditEntry,
    ForumRsvp,
    ForumSubscription,
    OutboxMessage,
    Resident,
    TrainingRegistration,
)
from storage.outbox import enqueue
from storage.trainings import NewProgram, RegistrationDetails, create_program, register
from storage.workflow import attach_answer, change_status

USER = "778899001"
IDENTITY = f"console:{USER}"
NAME = "Budi Siregar"
PHONE = "+6281234567890"


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media", 10**6)


@pytest.fixture
def bot(engine: Engine, media: MediaStore) -> Engine:
    return Engine(engine.db, replace(engine.settings, files=media), FLOWS)


@pytest.fixture
def budi(bot: Engine) -> Chat:
    return Chat(bot, user_id=USER, name=NAME)


def resident(chat: Chat) -> Resident | None:
    with Session(chat.engine.db) as session:
        return session.exec(
            select(Resident).where(Resident.identity == f"{chat.channel}:{chat.user_id}")  # type: ignore[arg-type]
        ).scalar_one_or_none()


def audit(chat: Chat) -> list[AuditEntry]:
    """The trail's entries of data requests (not the set-up's status changes)."""
    with Session(chat.engine.db) as session:
        entries = session.exec(select(AuditEntry).order_by(AuditEntry.id)).scalars()  # type: ignore[arg-type]
        return [entry for entry in entries if entry.action != "status_change"]


def submit_with_photo(chat: Chat, media: MediaStore) -> str:
    reference = media.store_bytes(PNG, NOW)
    steps = [*TO_SUMMARY]
    steps[5] = (("photo", reference), "Foto diterima")
    steps.insert(6, (("press", "Lanjut"), "nama Anda ditampilkan"))
    play(chat, [*steps, (("press", "Kirim"), "Kode pelacakan")])
    with Session(chat.engine.db) as session:
        row = session.exec(select(Aspiration).order_by(Aspiration.id.desc())).scalars().first()  # type: ignore[union-attr]
        assert row is not None and row.photo_path == reference
        return row.code


def data_everywhere(chat: Chat, media: MediaStore) -> str:
    """A resident with a row in every table that can hold something of theirs."""
    play(chat, ONBOARD)
    code = submit_with_photo(chat, media)
    with transaction(chat.engine.db) as session:
        person = session.exec(
            select(Resident).where(Resident.identity == IDENTITY)  # type: ignore[arg-type]
        ).scalar_one()
        assert person.id is not None
        person.phone = PHONE
        program = create_program(
            session=session,
            new=NewProgram(
                title="Pembukuan UMKM",
                starts_at=NOW + timedelta(days=7),
                ends_at=NOW + timedelta(days=7, hours=3),
                quota=10,
                status="open",
            ),
            actor="console:staff",
            now=NOW,
        )
        assert program.id is not None
        register(
            session=session,
            program_id=program.id,
            resident_id=person.id,
            details=RegistrationDetails(
                full_name=NAME, phone=PHONE, kelurahan_code=None, business_type="kuliner"
            ),
            now=NOW,
        )
        forum = create_forum(
            session=session,
            new=NewForum(title="Musrenbang Bantan", starts_at=NOW + timedelta(days=3)),
            actor="console:staff",
            now=NOW,
        )
        assert forum.id is not None
        set_subscription(session=session, resident_id=person.id, scope="kota", on=True, now=NOW)
        set_rsvp(session=session, forum_id=forum.id, resident_id=person.id, answer="hadir", now=NOW)
        enqueue(
            session=session,
            channel="console",
            recipient=USER,
            kind="status",
            payload={"text": f"Halo {NAME}"},
            now=NOW,
        )
        # staff asked a question (tunda) and the resident answered with a photo
        asked = session.exec(
            select(Aspiration).where(Aspiration.code == code)  # type: ignore[arg-type]
        ).scalar_one()
        change_status(
            session=session, aspiration=asked, status="tunda", actor="console:staff",
            note="Di depan rumah nomor berapa?", now=NOW,
        )  # fmt: skip
        answer = media.store_bytes(PNG, NOW)
        attach_answer(
            session=session, aspiration=asked, now=NOW, text="Nomor 12", photo_path=answer
        )
    return code


def every_row(chat: Chat) -> str:
    """All tables, every row, as one text."""
    with chat.engine.db.connect() as connection:
        return "\n".join(
            repr(tuple(row))
            for table in SQLModel.metadata.sorted_tables
            for row in connection.execute(text(f"SELECT * FROM {table.name}"))
        )


# --- 3. erasure and withdrawal ------------------------------------------------------


def test_erasure_leaves_no_trace_yet_the_aspiration_stays_in_exports(
    budi: Chat, media: MediaStore
) -> None:
    code = data_everywhere(budi, media)
    before = every_row(budi)
    assert NAME in before and PHONE in before and USER in before
    assert list(media.directory.rglob("*.png"))
    play(
        budi,
        [
            ("/hapusdata", "foto yang Anda lampirkan"),
            (("press", "Ya, hapus"), "Data Anda sudah dihapus"),
        ],
    )
    after = every_row(budi)
    for trace in (NAME, PHONE, USER, "Budi"):
        assert trace not in after
    assert [p for p in media.directory.rglob("*") if p.is_file()] == []
    out = io.BytesIO()
    export("aspirations", engine=budi.engine.db, fmt="json", out=out, filters=AspirationFilter())
    [row] = json.loads(out.getvalue())
    assert (row["code"], row["resident_name"], row["has_photo"]) == (code, None, False)
    with Session(budi.engine.db) as session:
        assert session.exec(select(ForumSubscription)).first() is None
        assert session.exec(select(ForumRsvp)).first() is None
        [registration] = session.exec(select(TrainingRegistration)).scalars()
        assert (registration.status, registration.resident_id) == ("cancelled", None)
    [entry] = audit(budi)
    assert (entry.actor, entry.action) == ("resident", "data_deleted")
    assert entry.details == {
        "channel": "console",
        "aspirations_kept": 1,
        "registrations_cancelled": 1,
        "photos_removed": 2,  # the aspiration's photo and the one sent as an answer
        "files_removed": 0,
    }
    play(budi, [("halo", "Apakah Anda setuju")])  # a fresh start


def test_after_erasure_and_the_daily_purge_the_sqlite_files_hold_no_trace(
    budi: Chat, media: MediaStore
) -> None:
    """Rows deleted by /hapusdata leave neither free pages (secure_delete) nor old
    pages in the write-ahead log (checkpointed by the daily purge) to read them from."""
    db = budi.engine.db
    if db.dialect.name != "sqlite":
        pytest.skip("the files of a SQLite database; PostgreSQL reclaims rows by vacuum")
    from bot.config import Retention
    from bot.jobs import privacy_tick

    data_everywhere(budi, media)
    play(budi, [("/hapusdata", "foto"), (("press", "Ya, hapus"), "Data Anda sudah dihapus")])
    privacy_tick(db, Retention(), media, budi.clock.now)
    path = Path(db.url.database or "")
    files = [p for p in (path, path.with_name(path.name + "-wal")) if p.exists()]
    raw = b"".join(p.read_bytes() for p in files)
    for trace in (NAME, PHONE, "81234567890", USER):
        assert trace.encode() not in raw, trace


def test_a_draft_photo_goes_with_the_erasure(budi: Chat, media: MediaStore) -> None:
    play(budi, ONBOARD)
    reference = media.store_bytes(PNG, NOW)
    play(budi, [*TO_SUMMARY[:5], (("photo", reference), "Foto diterima")])
    play(budi, [("/hapusdata", "Hapus data"), (("press", "Ya, hapus"), "sudah dihapus")])
    assert not media.path_of(reference).exists()


def test_withdrawal_keeps_an_anonymous_account(budi: Chat, media: MediaStore) -> None:
    code = data_everywhere(budi, media)
    play(
        budi,
        [
            ("/tarikpersetujuan", "Tarik persetujuan Anda?"),
            (("press", "Jangan tarik"), "persetujuan Anda tetap berlaku"),
            ("/withdrawconsent", "Tarik persetujuan Anda?"),
            (("press", "Ya, tarik"), "Persetujuan Anda sudah ditarik"),
        ],
    )
    after = every_row(budi)
    assert NAME not in after and PHONE not in after
    person = resident(budi)
    assert person is not None
    assert (person.display_name, person.phone, person.home_kelurahan_code) == (None, None, None)
    assert (person.consent_at, person.consent_version) == (None, None)
    assert [p for p in media.directory.rglob("*") if p.is_file()] == []
    with Session(budi.engine.db) as session:
        [kept] = session.exec(select(Aspiration)).scalars()
        assert (kept.code, kept.resident_id, kept.anonymous) == (code, person.id, True)
        assert session.exec(select(ForumSubscription)).first() is None
        pending = session.exec(select(OutboxMessage)).scalars().all()
        assert all(NAME not in json.dumps(m.payload) for m in pending)
    play(budi, [(f"/status {code}", code)])  # still theirs to follow
    [entry] = audit(budi)
    assert (entry.actor, entry.action, entry.details["registrations_cancelled"]) == (
        "resident",
        "consent_withdrawn",
        1,
    )
    play(budi, [("/datasaya", "belum memberi persetujuan")])


def test_help_lists_the_privacy_commands(budi: Chat) -> None:
    play(budi, [*ONBOARD, TO_SUMMARY[0]])  # in a form: /bantuan's buttons act from it
    help_message = budi.send("/bantuan")[0]
    budi._send(choice=Choice(ACTION_PROMPT, "!help:data"))  # its "Data saya" button
    assert "/tarikpersetujuan" in budi.said and "/profil" in budi.said
    assert help_message.options[1].label == "Data saya"
    play(budi, [("/menu", "Apa yang ingin"), (("press", "Bantuan"), "Bantuan")])
    play(budi, [("Data saya", "/tarikpersetujuan")])


def test_the_menus_help_leads_to_my_data_profile_and_deletion(budi: Chat) -> None:
    play(budi, ONBOARD)
    play(budi, [(("press", "Bantuan"), "Bantuan"), (("press", "Data saya"), "/tarikpersetujuan")])
    assert budi.labels == [
        "Lihat data saya",
        "Ubah profil",
        "Hapus data saya",
        "Kembali ke bantuan",
    ]
    play(budi, [(("press", "Lihat data saya"), "Data Anda yang kami simpan")])
    assert f"• Nama: {NAME}" in budi.said
    assert budi.last.text == "Apa yang ingin Anda lakukan?"  # then the menu again
    to_data = [(("press", "Bantuan"), "Bantuan"), (("press", "Data saya"), "/profil")]
    play(budi, [*to_data, (("press", "Ubah profil"), "Data mana")])
    play(budi, [("/menu", "Apa yang ingin Anda lakukan?"), *to_data])
    play(budi, [(("press", "Hapus data saya"), "Hapus data Anda?")])
    play(budi, [(("press", "Jangan"), "Apa yang ingin Anda lakukan?")])
    assert resident(budi) is not None and resident(budi).display_name == NAME  # type: ignore[union-attr]
    play(budi, [*to_data, ("kembali", "Pilih yang ingin Anda ketahui")])
    play(budi, [("kembali", "Apa yang ingin Anda lakukan?")])


# --- 4. a new privacy notice --------------------------------------------------------


def bumped(chat: Chat, version: str = "2027-01") -> Chat:
    """The same resident, talking to a deployment with a newer privacy notice."""
    settings = replace(chat.engine.settings, consent_version=version)
    return Chat(
        Engine(chat.engine.db, settings, FLOWS),
        user_id=chat.user_id,
        name=chat.name,
        clock=chat.clock,
        transcript=chat.transcript,
    )


def test_a_new_notice_is_confirmed_before_anything_else(budi: Chat) -> None:
    play(budi, ONBOARD)
    again = bumped(budi)
    play(
        again,
        [
            ("Sampaikan aspirasi", "Pemberitahuan privasi kami telah diperbarui"),
            ("/menu", "Pilih salah satu"),  # nothing else until it is answered
            ("/status ASP-7K2M9Q", "Pilih salah satu"),
            ("/bantuan", "Pilih yang ingin Anda ketahui"),
        ],
    )
    assert "setuju dengan pemberitahuan privasi yang baru" in again.last.text
    person = resident(again)
    assert person is not None and person.consent_version != "2027-01"
    play(again, [(("press", "Setuju"), "persetujuan Anda sudah diperbarui")])
    assert "Apa yang ingin Anda lakukan?" in again.last.text
    person = resident(again)
    assert person is not None
    assert (person.consent_version, person.consent_at) == ("2027-01", NOW)
    assert person.display_name == NAME


def test_the_notice_interrupts_a_flow_and_comes_back_to_it(budi: Chat) -> None:
    play(budi, [*ONBOARD, *TO_SUMMARY[:3]])
    again = bumped(budi)
    play(
        again,
        [
            (("press", "Tomuan"), "Pemberitahuan privasi kami telah diperbarui"),
            (("press", "Setuju"), "Di kelurahan mana di Kecamatan Siantar Timur"),
            (("press", "Tomuan"), "Tuliskan aspirasi"),
        ],
    )


def test_declining_a_new_notice_works_like_withdrawal(budi: Chat, media: MediaStore) -> None:
    data_everywhere(budi, media)
    again = bumped(budi)
    play(
        again,
        [
            ("halo", "Pemberitahuan privasi kami telah diperbarui"),
            (("press", "Tidak setuju"), "kami menghormati keputusan Anda"),
            ("/datasaya", "belum memberi persetujuan"),
        ],
    )
    assert NAME not in every_row(again) and PHONE not in every_row(again)
    assert [e.action for e in audit(again)] == ["consent_withdrawn"]
    play(again, [("Sampaikan aspirasi", "Pilih kategorinya")])  # anonymous use goes on


def test_a_resident_without_consent_is_not_asked_again(chat: Chat) -> None:
    play(
        chat,
        [
            ("/start", "Apakah Anda setuju"),
            (("press", "Tidak setuju"), "Kami tidak menyimpan data pribadi Anda"),
        ],
    )
    again = bumped(chat)
    play(again, [("Sampaikan aspirasi", "Pilih kategorinya")])


def test_the_right_to_erase_works_while_the_notice_waits(budi: Chat) -> None:
    play(budi, ONBOARD)
    again = bumped(budi)
    play(
        again,
        [
            ("halo", "Pemberitahuan privasi kami telah diperbarui"),
            ("/hapusdata", "Hapus data Anda?"),
            (("press", "Ya, hapus"), "Data Anda sudah dihapus"),
        ],
    )
    assert resident(again) is None


# --- 1. /datasaya --------------------------------------------------------------------


def test_my_data_lists_every_kind_of_record(budi: Chat, media: MediaStore) -> None:
    code = data_everywhere(budi, media)
    with transaction(budi.engine.db) as session:
        person = session.exec(
            select(Resident).where(Resident.identity == IDENTITY)  # type: ignore[arg-type]
        ).scalar_one()
        person.announcements_off_at = NOW
    play(budi, [("/datasaya", "Data Anda yang kami simpan")])
    shown = budi.last_batch[0].text
    for expected in (
        f"• Akun chat: {IDENTITY}",
        f"• Nama: {NAME}",
        "Nomor HP: 0812-3456-7890",  # PHONE as the resident writes it
        "• Tempat tinggal: Kelurahan Bantan, Kecamatan Siantar Barat",
        "• Persetujuan diberikan: Sabtu, 28 November 2026 pukul 09.00 WIB",
        f"• Versi pemberitahuan privasi yang Anda setujui: {CONSENT_VERSION}",
        f"• {code} · Infrastruktur",
        "Pendaftaran pelatihan:",
        "• Pembukuan UMKM · terdaftar",
        "• Pengumuman: dihentikan sejak",
        "Langganan pengingat forum: tingkat kota",
        "Jawaban kehadiran forum:",
        "• Musrenbang Bantan · Selasa, 1 Desember 2026 pukul 09.00 WIB · ",
        "/datasaya json",
    ):
        assert expected in shown, expected


def test_my_data_as_a_json_document(budi: Chat, media: MediaStore) -> None:
    code = data_everywhere(budi, media)
    play(budi, [("/datasaya json", "Ini data Anda dalam satu berkas JSON")])
    [sent] = [r for r in budi.last_batch if r.document]
    assert sent.document is not None and sent.document.endswith("data-saya-2026-11-28.json")
    data = json.loads(media.path_of(sent.document).read_text(encoding="utf-8"))
    assert (data["identity"], data["name"], data["phone"]) == (IDENTITY, NAME, PHONE)
    assert (data["consent_version"], data["home_kelurahan"]) == (CONSENT_VERSION, "12.72.02.1003")
    assert data["consent_at"] == "2026-11-28T09:00:00+07:00"
    [aspiration] = data["aspirations"]
    assert (aspiration["code"], aspiration["has_photo"]) == (code, True)
    assert aspiration["status_history"][0]["status"] == "diterima"
    [answer] = aspiration["notes"]
    assert (answer["kind"], answer["text"], answer["has_photo"]) == ("jawaban", "Nomor 12", True)
    [registration] = data["training_registrations"]
    assert (registration["program"], registration["phone"]) == ("Pembukuan UMKM", PHONE)
    assert data["forum_subscriptions"] == ["kota"]
    assert [(r["forum"], r["answer"]) for r in data["forum_rsvps"]] == [
        ("Musrenbang Bantan", "hadir")
    ]
    [entry] = audit(budi)
    assert (entry.actor, entry.action, entry.details) == (
        "resident",
        "data_exported",
        {"channel": "console", "format": "json"},
    )
    assert NAME not in json.dumps(entry.details)


def test_my_data_as_json_without_a_file_store(chat: Chat) -> None:
    play(chat, [*ONBOARD, ("/datasaya json", "berkas tidak bisa dikirim")])


def test_my_data_shows_the_version_after_a_new_notice(budi: Chat) -> None:
    play(budi, ONBOARD)
    again = bumped(budi)
    play(again, [("halo", "diperbarui"), (("press", "Setuju"), "sudah diperbarui")])
    play(again, [("/datasaya", "Versi pemberitahuan privasi yang Anda setujui: 2027-01")])


# --- 2. /profil -----------------------------------------------------------------------


def test_profile_changes_name_home_and_language(budi: Chat) -> None:
    play(budi, ONBOARD)
    play(
        budi,
        [
            ("/profil", "Nama: Budi Siregar"),
            (("press", "Nama"), "Tulis nama yang ingin Anda pakai"),
            ("   ", "Nama tidak boleh kosong"),
            ("x" * 121, "paling banyak 120 karakter"),
            ("Budi  S.", "Tersimpan: nama Anda sekarang Budi S."),
            (("press", "Tempat tinggal"), "Anda tinggal di kecamatan mana"),
            (("press", "Siantar Timur"), "Di kelurahan mana di Kecamatan Siantar Timur"),
            (("press", "Kecamatan lain"), "Anda tinggal di kecamatan mana"),
            (("press", "Siantar Timur"), "Di kelurahan mana"),
            (("press", "Tomuan"), "Tersimpan: Kelurahan Tomuan, Kecamatan Siantar Timur"),
            (("press", "Bahasa"), "Pilih bahasa / Choose your language"),
            (("press", "English"), "Name: Budi S."),
            (("press", "Done"), "What would you like to do?"),
        ],
    )
    person = resident(budi)
    assert person is not None
    assert (person.display_name, person.language) == ("Budi S.", "en")
    assert (person.home_kecamatan_code, person.home_kelurahan_code) == (
        "12.72.01",
        "12.72.01.1002",
    )


def test_profile_without_consent_changes_only_the_language(chat: Chat) -> None:
    play(
        chat,
        [
            ("/start", "Apakah Anda setuju"),
            (("press", "Tidak setuju"), "Kami tidak menyimpan data pribadi Anda"),
            ("/profile", "Data mana yang ingin Anda ubah?"),
            (("press", "Nama"), "kami perlu persetujuan Anda dulu"),
            (("press", "Tempat tinggal"), "kami perlu persetujuan Anda dulu"),
            (("press", "Bahasa"), "Pilih bahasa"),
        ],
    )
    person = resident(chat)
    assert person is not None and person.display_name is None


def test_help_or_stop_while_a_new_notice_waits_then_asks_it(engine: Engine) -> None:
    """Commands allowed before answering a new privacy notice do their job, and the
    notice is asked again right after, so nothing else slips through meanwhile."""
    with transaction(engine.db) as session:
        session.add(
            Resident(
                identity="console:5501",
                channel="console",
                consent_at=NOW,
                consent_version="2020-01",
                onboarded_at=NOW,
                created_at=NOW,
                last_seen_at=NOW,
            )
        )
    chat = Chat(engine, user_id="5501")
    chat.send("BERHENTI")
    assert "tidak akan menerima pengumuman" in chat.said
    assert chat.labels and "Setuju" in chat.labels[0]
