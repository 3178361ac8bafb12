"""Facilitators in chat: /pelatihan_baru builds a training step by step (every
typed answer checked, a preview as residents will see it, edits, draft or open),
/kehadiran marks who came. Runs on SQLite and, with TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import NOW
from dialogue import Chat, play
from sqlmodel import Session, col, select

from handlers.core.engine import Engine
from handlers.core.settings import CONSENT_VERSION
from handlers.registry import FLOWS
from handlers.trainings.attendance import ATTENDANCE
from handlers.trainings.new import NEW_TRAINING
from storage.db import transaction
from storage.models import Conversation, Resident, TrainingProgram, TrainingRegistration
from storage.roles import grant_role
from storage.trainings import (
    NewProgram,
    RegistrationDetails,
    cancel_registration,
    create_program,
    programs_for,
    register,
    registration_state,
    set_program_status,
)

FACILITATOR, ADMIN, STAFF = "console:7001", "console:7002", "console:7003"
RESIDENT, GRANTED = "console:1001", "console:7004"
CONFIG_ROLES = {
    FACILITATOR: frozenset({"facilitator"}),
    ADMIN: frozenset({"admin"}),
    STAFF: frozenset({"staff"}),
}
DENIED = "Maaf, perintah ini hanya untuk petugas yang berwenang."
MENU_QUESTION = "Apa yang ingin Anda lakukan?"
BANTAN = "12.72.02.1003"
TWELFTH = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)  # 12 Dec 2026, 09.00 WIB
TITLE = "Pemasaran Online untuk UMKM"
DESCRIPTION = "Belajar menjual produk lewat WhatsApp, Instagram dan marketplace."
PLACE = "Aula Kantor Wali Kota, Jl. Merdeka No. 6"
MAP = "https://maps.app.goo.gl/AbCd123"
REQUIREMENTS = "Membawa KTP dan contoh produk usaha sendiri."

# --- fixtures and helpers ----------------------------------------------------------


@pytest.fixture
def desk(engine: Engine) -> Engine:
    """The engine with facilitator, admin and staff roles from the config."""
    return Engine(engine.db, replace(engine.settings, config_roles=CONFIG_ROLES), FLOWS)


def seat(engine: Engine, identity: str, *, name: str | None = None, language: str = "id") -> int:
    """An onboarded, consenting resident standing at the menu; returns their id."""
    channel, _, user_id = identity.partition(":")
    with transaction(engine.db) as session:
        resident = Resident(
            identity=identity,
            channel=channel,
            display_name=name,
            language=language,
            language_chosen=True,
            onboarded_at=NOW,
            consent_at=NOW,
            consent_version=CONSENT_VERSION,
            created_at=NOW,
            last_seen_at=NOW,
            home_kecamatan_code="12.72.02",
            home_kelurahan_code=BANTAN,
        )
        session.add(resident)
        session.add(
            Conversation(
                channel=channel,
                user_id=user_id,
                flow="menu",
                step="main",
                data={},
                prompt_id=1,
                version=1,
                expires_at=NOW + timedelta(hours=24),
                updated_at=NOW,
            )
        )
        session.flush()
        assert resident.id is not None
        return resident.id


def person(
    engine: Engine, identity: str, *, name: str | None = "Rina Pendamping", language: str = "id"
) -> Chat:
    seat(engine, identity, name=name, language=language)
    channel, _, user_id = identity.partition(":")
    chat = Chat(engine, user_id=user_id, channel=channel, name=name)
    chat.send("/menu")
    return chat


def state(chat: Chat) -> tuple[str, str, dict[str, Any]]:
    with Session(chat.engine.db) as session:
        row = session.get(Conversation, (chat.channel, chat.user_id))
        assert row is not None
        return row.flow, row.step, dict(row.data)


def force(chat: Chat, flow: str, step: str, data: dict[str, Any]) -> None:
    with transaction(chat.engine.db) as session:
        row = session.get(Conversation, (chat.channel, chat.user_id))
        assert row is not None
        row.flow, row.step, row.data = flow, step, dict(data)
        row.version += 1
        session.add(row)


def programs(engine: Engine) -> list[TrainingProgram]:
    with Session(engine.db) as session:
        return list(session.exec(select(TrainingProgram).order_by(col(TrainingProgram.id))))


def registrations(engine: Engine) -> dict[str, TrainingRegistration]:
    with Session(engine.db) as session:
        rows = session.exec(select(TrainingRegistration)).all()
        return {r.full_name or "": r for r in rows}


# --- the whole creation, every check on the way ---------------------------------------

TO_PREVIEW: list[tuple[Any, str]] = [
    ("/pelatihan_baru", "Mari buat pelatihan baru"),
    ("ab", "terlalu pendek (2 karakter)"),
    (TITLE, "Tuliskan penjelasan singkat"),
    ("Belajar", "minimal 10 karakter"),
    (DESCRIPTION, "termasuk kategori apa"),
    (("press", "Pemasaran online"), "Kapan pelatihan dimulai"),
    ("besok pagi", "belum bisa membaca tanggal dan jam itu"),
    ("27-11-2026 09.00", "Waktu itu sudah lewat"),
    ("31-02-2027 09.00", "Tanggal itu tidak ada di kalender"),
    ("12-12-2026", "Jamnya belum ada"),
    ("12-12-2026 24.00", "Jam itu tidak valid"),
    ("12 Desember 2026 09.00", "Sampai jam berapa"),
    ("08.00", "Waktu selesai harus setelah waktu mulai (Sabtu, 12 Desember 2026 pukul 09.00 WIB)"),
    ("11-12-2026 12.00", "Waktu selesai harus setelah waktu mulai"),
    ("siang", "belum bisa membaca waktu selesai itu"),
    ("12.00", "Di mana tempatnya"),
    ("🙂", "bukan hanya emoji atau simbol"),
    (PLACE, "tautan peta"),
    ("maps.google.com/xyz", "diawali http:// atau https://"),
    ("ftp://peta.example.id/aula", "diawali http:// atau https://"),
    ("https://peta kantor", "diawali http:// atau https://"),
    (MAP, "Berapa kursi yang tersedia"),
    ("dua puluh", "Kuota harus berupa angka bulat"),
    ("2,5", "Kuota harus berupa angka bulat"),
    ("0", "Kuota harus antara 1 dan 10.000 peserta"),
    ("20000", "Kuota harus antara 1 dan 10.000 peserta"),
    ("25", "untuk warga mana"),
    (
        ("press", "Siantar Barat"),
        "Untuk seluruh Kecamatan Siantar Barat, atau hanya satu kelurahan",
    ),
    (("press", "Bantan"), "Sampai kapan warga bisa mendaftar"),
    ("13-12-2026 09.00", "paling lambat saat pelatihan dimulai (Sabtu, 12 Desember 2026"),
    ("26-11-2026 17.00", "Waktu itu sudah lewat"),
    ("11-12-2026 17.00", "Ada persyaratan untuk peserta"),
    ("x", "bukan hanya emoji atau simbol"),
    (REQUIREMENTS, "Siapa penyelenggaranya"),
    (("press", "Pakai nama saya (Rina Pendamping)"), "Pratinjau"),
]
CARD = [
    f"ini:\n\n{TITLE}\n\n",
    "Penyelenggara: Rina Pendamping",
    "Waktu: Sabtu, 12 Desember 2026, pukul 09.00–12.00 WIB",
    f"Tempat: {PLACE}\nPeta: {MAP}",
    "Kursi: sisa 25 dari 25 kursi",
    DESCRIPTION,
    f"Syarat peserta: {REQUIREMENTS}",
    "Pendaftaran ditutup Jumat, 11 Desember 2026 pukul 17.00 WIB.",
    # not spelt out on the residents' page, so listed after it
    "Kategori: Pemasaran online",
    "Untuk warga: Kelurahan Bantan, Kecamatan Siantar Barat",
]


def residents_page(preview: str) -> str:
    """The part of the preview that is the residents' own page."""
    return preview.split("ini:\n\n", 1)[1].split("\n\nJuga tercatat:", 1)[0]


def test_a_facilitator_builds_a_training_and_opens_registration(desk: Engine) -> None:
    chat = person(desk, FACILITATOR)
    play(chat, TO_PREVIEW)
    preview = chat.last.text
    for line in CARD:
        assert line in preview, preview
    assert [o.label for o in chat.last.options] == [
        "Buka pendaftaran",
        "Simpan sebagai draf",
        "Ubah",
        "Batal",
    ]
    play(chat, [(("press", "Buka pendaftaran"), "pendaftarannya dibuka")])
    [program] = programs(desk)
    assert f"Pelatihan #{program.id} “{TITLE}”" in chat.said
    # a resident of Bantan finds it, and reads what the facilitator previewed
    resident = person(desk, RESIDENT, name="Tono Sinaga")
    play(resident, [(("press", "Pelatihan"), TITLE), (("press", TITLE), "Daftar")])
    assert residents_page(preview) in resident.last.text
    assert chat.last.text.endswith(MENU_QUESTION)
    assert state(chat)[:2] == ("menu", "main")
    # what residents will be offered, read back from storage
    assert program.title == TITLE and program.description == DESCRIPTION
    assert program.category == "pemasaran"
    assert program.starts_at == TWELFTH
    assert program.ends_at == TWELFTH + timedelta(hours=3)
    assert program.place == PLACE and program.map_url == MAP
    assert program.quota == 25
    assert (program.area_level, program.area_code) == ("kelurahan", BANTAN)
    assert program.registration_closes_at == datetime(2026, 12, 11, 10, 0, tzinfo=UTC)
    assert program.registration_opens_at is None
    assert program.requirements == REQUIREMENTS
    assert program.organiser == "Rina Pendamping"
    assert program.status == "open"
    assert program.created_by == FACILITATOR
    assert program.created_at == NOW
    assert registration_state(program, NOW) == "open"
    with Session(desk.db) as session:
        offered = programs_for(session, now=NOW, kecamatan_code="12.72.02", kelurahan_code=BANTAN)
        assert [p.id for p in offered] == [program.id]
        elsewhere = programs_for(
            session, now=NOW, kecamatan_code="12.72.01", kelurahan_code="12.72.01.1002"
        )
        assert elsewhere == []


SHORT_PATH: list[tuple[Any, str]] = [
    ("/pelatihan_baru", "Apa judul pelatihannya"),
    ("Pembukuan Sederhana", "Tuliskan penjelasan singkat"),
    ("Mencatat kas masuk dan keluar usaha rumahan.", "termasuk kategori apa"),
    ("pembukuan", "Kapan pelatihan dimulai"),  # a category typed by its word
    ("5/12/2026 14:00", "Sampai jam berapa"),
    ("6-12-2026 12.00", "Di mana tempatnya"),  # two days long
    ("Balai Kelurahan Bantan", "tautan peta"),
    (("press", "Lewati"), "Berapa kursi"),
    ("1.000 peserta", "untuk warga mana"),
    (("press", "Seluruh kota"), "Sampai kapan warga bisa mendaftar"),
    (("press", "Sampai pelatihan dimulai"), "Ada persyaratan"),
    ("lewati", "Siapa penyelenggaranya"),
    ("Dinas Koperasi dan UMKM", "Pratinjau"),
]


def test_a_training_saved_as_a_draft_with_the_optional_parts_skipped(desk: Engine) -> None:
    chat = person(desk, FACILITATOR)
    play(chat, SHORT_PATH)
    preview = chat.last.text
    for line in (
        "Kategori: Pembukuan",
        "Waktu: Sabtu, 5 Desember 2026, pukul 14.00 sampai Minggu, 6 Desember 2026, "
        "pukul 12.00 WIB",
        "Kursi: sisa 1.000 dari 1.000 kursi",
        "Untuk warga: Seluruh Kota Pematangsiantar",
        "Pendaftaran dibuka sampai pelatihan dimulai",
        "Persyaratan: tidak ada persyaratan khusus",
        "Penyelenggara: Dinas Koperasi dan UMKM",
    ):
        assert line in preview, preview
    assert "http" not in preview and "Pendaftaran ditutup" not in preview
    play(chat, [(("press", "Simpan sebagai draf"), "disimpan sebagai draf")])
    [program] = programs(desk)
    assert program.status == "draft"
    assert program.map_url is None and program.registration_closes_at is None
    assert (program.area_level, program.area_code) == ("kota", None)
    assert program.requirements == "" and program.quota == 1000
    assert registration_state(program, NOW) == "draft"
    with Session(desk.db) as session:
        assert programs_for(session, now=NOW, kecamatan_code=None, kelurahan_code=None) == []


def test_a_whole_kecamatan_and_a_typed_organiser_without_a_display_name(desk: Engine) -> None:
    chat = person(desk, FACILITATOR, name=None)
    play(chat, SHORT_PATH[:8])
    play(
        chat,
        [
            ("30", "untuk warga mana"),
            (("press", "Siantar Barat"), "Untuk seluruh Kecamatan Siantar Barat"),
            (("press", "Kecamatan lain"), "untuk warga mana"),
            (("press", "Siantar Timur"), "Untuk seluruh Kecamatan Siantar Timur"),
            (("press", "Seluruh Kecamatan Siantar Timur"), "Sampai kapan"),
            (("press", "Sampai pelatihan dimulai"), "Ada persyaratan"),
            (("press", "Lewati"), "Siapa penyelenggaranya"),
        ],
    )
    assert chat.last.options == ()  # no "use my name" without a name
    play(
        chat,
        [
            ("K", "bukan hanya emoji"),
            ("Komunitas UMKM Siantar", "Untuk warga: Kecamatan Siantar Timur"),
            (("press", "Buka pendaftaran"), "pendaftarannya dibuka"),
        ],
    )
    [program] = programs(desk)
    assert (program.area_level, program.area_code) == ("kecamatan", "12.72.01")
    assert program.organiser == "Komunitas UMKM Siantar"


# --- the preview: change, cancel ---------------------------------------------------------


def test_editing_from_the_preview_changes_one_part_and_returns(desk: Engine) -> None:
    chat = person(desk, FACILITATOR)
    play(chat, TO_PREVIEW)
    play(
        chat,
        [
            (("press", "Ubah"), "Bagian mana yang ingin diubah"),
            (("press", "Judul"), "Apa judul pelatihannya"),
            ("Jualan Online untuk UMKM", "ini:\n\nJualan Online untuk UMKM\n\n"),
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Kuota"), "Berapa kursi"),
            ("banyak", "Kuota harus berupa angka bulat"),  # a refusal keeps the edit going
            ("40", "Kursi: sisa 40 dari 40 kursi"),
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Tautan peta"), "tautan peta"),
            (("press", "Lewati"), "Pratinjau"),
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Wilayah peserta"), "untuk warga mana"),
            (("press", "Seluruh kota"), "Untuk warga: Seluruh Kota Pematangsiantar"),
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Kategori"), "termasuk kategori apa"),
            (("press", "Manajemen usaha"), "Kategori: Manajemen usaha"),
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Kembali ke pratinjau"), "Pratinjau"),
        ],
    )
    assert MAP not in chat.last.text
    assert "Penyelenggara: Rina Pendamping" in chat.last.text  # the rest is untouched
    play(chat, [(("press", "Buka pendaftaran"), "“Jualan Online untuk UMKM”")])
    [program] = programs(desk)
    assert program.title == "Jualan Online untuk UMKM" and program.quota == 40
    assert program.map_url is None and program.area_level == "kota"
    assert program.category == "usaha" and program.description == DESCRIPTION


def test_a_moved_start_keeps_the_length_and_a_later_closing_is_reset(desk: Engine) -> None:
    chat = person(desk, FACILITATOR)
    play(chat, TO_PREVIEW)
    play(
        chat,
        [
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Waktu mulai"), "Kapan pelatihan dimulai"),
            ("19-12-2026 13.00", "Waktu selesai ikut digeser"),
        ],
    )
    assert "Minggu, 20 Desember" not in chat.said
    assert "Waktu: Sabtu, 19 Desember 2026, pukul 13.00–16.00 WIB" in chat.last.text
    assert "Pendaftaran ditutup Jumat, 11 Desember 2026 pukul 17.00 WIB." in chat.last.text
    play(
        chat,
        [
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Waktu mulai"), "Kapan pelatihan dimulai"),
            ("10-12-2026 09.00", "Penutupan pendaftaran sekarang: sampai pelatihan dimulai"),
        ],
    )
    assert "Waktu: Kamis, 10 Desember 2026, pukul 09.00–12.00 WIB" in chat.last.text
    assert "Pendaftaran dibuka sampai pelatihan dimulai" in chat.last.text
    play(
        chat,
        [
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Waktu selesai"), "Sampai jam berapa"),
            ("08.30", "Waktu selesai harus setelah waktu mulai (Kamis, 10 Desember 2026"),
            ("15.00", "Waktu: Kamis, 10 Desember 2026, pukul 09.00–15.00 WIB"),
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Penutupan pendaftaran"), "Sampai kapan"),
            ("9-12-2026 12.00", "Pendaftaran ditutup Rabu, 9 Desember 2026 pukul 12.00 WIB."),
            (("press", "Simpan sebagai draf"), "draf"),
        ],
    )
    [program] = programs(desk)
    assert program.starts_at == datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
    assert program.ends_at == datetime(2026, 12, 10, 8, 0, tzinfo=UTC)
    assert program.registration_closes_at == datetime(2026, 12, 9, 5, 0, tzinfo=UTC)


def today_path(starts: str, ends: str, closes: str | None) -> list[tuple[Any, str]]:
    """SHORT_PATH for a training later today (NOW is 09.00 WIB)."""
    closing = ("press", "Sampai pelatihan dimulai") if closes is None else closes
    return [
        *SHORT_PATH[:4],
        (starts, "Sampai jam berapa"),
        (ends, "Di mana tempatnya"),
        *SHORT_PATH[6:10],
        (closing, "Ada persyaratan"),
        *SHORT_PATH[11:],
    ]


def test_a_start_that_passed_while_the_preview_was_open_is_asked_again(desk: Engine) -> None:
    chat = person(desk, FACILITATOR)
    play(chat, today_path("28-11-2026 12.00", "15.00", None))
    chat.clock.advance(hours=4)  # 13.00: the start has gone by
    play(chat, [(("press", "Buka pendaftaran"), "Waktu mulainya sudah lewat")])
    assert "Kapan pelatihan dimulai" in chat.last.text
    assert programs(desk) == []
    play(chat, [("5-12-2026 12.00", "Waktu selesai ikut digeser")])
    assert "Waktu: Sabtu, 5 Desember 2026, pukul 12.00–15.00 WIB" in chat.last.text
    play(chat, [(("press", "Buka pendaftaran"), "pendaftarannya dibuka")])
    assert [p.status for p in programs(desk)] == ["open"]


def test_a_closing_that_passed_while_the_preview_was_open_is_asked_again(
    desk: Engine,
) -> None:
    chat = person(desk, FACILITATOR)
    play(chat, today_path("28-11-2026 15.00", "17.00", "28-11-2026 10.00"))
    assert "Pendaftaran ditutup Sabtu, 28 November 2026 pukul 10.00 WIB." in chat.last.text
    chat.clock.advance(hours=2)
    play(chat, [(("press", "Buka pendaftaran"), "penutupan pendaftaran sudah lewat")])
    assert "Sampai kapan warga bisa mendaftar" in chat.last.text
    play(
        chat,
        [
            (("press", "Sampai pelatihan dimulai"), "Pendaftaran dibuka sampai pelatihan dimulai"),
            (("press", "Buka pendaftaran"), "pendaftarannya dibuka"),
        ],
    )
    [program_] = programs(desk)
    assert program_.registration_closes_at is None


def test_cancel_at_the_preview_stores_nothing(desk: Engine) -> None:
    chat = person(desk, FACILITATOR)
    play(chat, TO_PREVIEW)
    play(chat, [(("press", "Batal"), "Pembuatan pelatihan dibatalkan. Tidak ada yang disimpan.")])
    assert chat.last.text.endswith(MENU_QUESTION)
    assert programs(desk) == []
    assert state(chat) == ("menu", "main", {})


def test_batal_midway_stores_nothing_and_a_new_start_forgets_the_old_answers(
    desk: Engine,
) -> None:
    chat = person(desk, FACILITATOR)
    play(chat, SHORT_PATH[:6])
    play(chat, [("/batal", MENU_QUESTION)])
    assert programs(desk) == [] and state(chat) == ("menu", "main", {})
    play(chat, SHORT_PATH[:3])
    play(chat, [("/pelatihan_baru", "Apa judul pelatihannya")])
    assert state(chat) == ("training_new", "title", {})


def test_the_preview_in_english(desk: Engine) -> None:
    chat = person(desk, FACILITATOR, language="en")
    play(
        chat,
        [
            ("/pelatihan_baru", "Let's create a new training"),
            (TITLE, "short description"),
            (DESCRIPTION, "Which category"),
            (("press", "Online marketing"), "When does the training start"),
            ("yesterday", "we could not read that date and time"),
            ("12 December 2026 09:00", "Until what time"),
            ("12:00", "Where is it held"),
            (PLACE, "map link"),
            (("press", "Skip"), "How many seats"),
            ("25", "Which residents"),
            (("press", "Whole city"), "Until when can residents register"),
            (("press", "Until the training starts"), "requirements"),
            (("press", "Skip"), "Who is organising"),
            (("press", "Use my name"), "Preview"),
        ],
    )
    for line in (
        "When: Saturday, 12 December 2026, at 09:00–12:00 WIB",
        "Seats: 25 of 25 seats left",
        "Also recorded:\nCategory: Online marketing",
        "For residents of: All of Kota Pematangsiantar",
        "Registration is open until the training starts",
    ):
        assert line in chat.last.text, chat.last.text


# --- who may ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/pelatihan_baru", "/kehadiran"])
@pytest.mark.parametrize("who", [RESIDENT, STAFF])
def test_the_commands_are_refused_without_the_role(
    desk: Engine, caplog: pytest.LogCaptureFixture, command: str, who: str
) -> None:
    chat = person(desk, who, name="Tono Sinaga")
    caplog.set_level(logging.INFO, logger="handlers.core.access")
    chat.send(command)
    assert DENIED in chat.said
    assert chat.last.text.endswith(MENU_QUESTION)
    assert state(chat) == ("menu", "main", {})
    [record] = [r for r in caplog.records if r.name == "handlers.core.access"]
    assert "facilitator" in record.getMessage() and who not in record.getMessage()


@pytest.mark.parametrize("who", [FACILITATOR, ADMIN, GRANTED])
def test_facilitators_from_the_config_or_a_grant_and_admins_may(desk: Engine, who: str) -> None:
    chat = person(desk, who)
    if who == GRANTED:
        with transaction(desk.db) as session:
            grant_role(
                session=session, identity=GRANTED, role="facilitator", granted_by=ADMIN, now=NOW
            )
    chat.send("/pelatihan_baru")
    assert "Apa judul pelatihannya" in chat.said and DENIED not in chat.said
    chat.send("/kehadiran")
    assert "Belum ada pelatihan" in chat.said and DENIED not in chat.said


def _reached_preview(desk: Engine) -> dict[str, Any]:
    holder = person(desk, FACILITATOR)
    play(holder, TO_PREVIEW)
    return state(holder)[2]


@pytest.mark.parametrize(
    ("flow", "step"),
    [(NEW_TRAINING.name, s) for s in NEW_TRAINING.steps]
    + [(ATTENDANCE.name, s) for s in ATTENDANCE.steps],
)
def test_every_step_refuses_an_answer_without_the_role(desk: Engine, flow: str, step: str) -> None:
    """A stale or forged state at any step does nothing for a plain resident."""
    if flow == NEW_TRAINING.name:
        data = _reached_preview(desk)
    else:
        program_id, _ids = seeded_program(desk, ["Budi Siregar"])
        data = {"page": 0, "program_id": program_id, "people_page": 0}
    before = [(p.id, p.status) for p in programs(desk)]
    marks = {n: r.attended for n, r in registrations(desk).items()}
    intruder = person(desk, RESIDENT, name="Tono Sinaga")
    force(intruder, flow, step, data)
    intruder.send("1")
    assert DENIED in intruder.said
    assert state(intruder) == ("menu", "main", {})
    assert [(p.id, p.status) for p in programs(desk)] == before
    assert {n: r.attended for n, r in registrations(desk).items()} == marks


# --- /kehadiran --------------------------------------------------------------------------


def program(
    session: Session,
    title: str,
    starts: datetime,
    *,
    quota: int = 30,
    status: str = "open",
) -> TrainingProgram:
    return create_program(
        session=session,
        new=NewProgram(
            title=title,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            quota=quota,
            place="Aula Kantor Wali Kota",
            organiser="Dinas Koperasi dan UMKM",
            status=status,
        ),
        actor=FACILITATOR,
        now=NOW - timedelta(days=60),
    )


def seeded_program(
    engine: Engine,
    names: list[str],
    *,
    title: str = TITLE,
    starts: datetime = TWELFTH,
    quota: int = 30,
) -> tuple[int, dict[str, int]]:
    """An open program with ``names`` registered (beyond the quota: waiting);
    returns its id and each name's registration id."""
    ids: dict[str, int] = {}
    for number, name in enumerate(names):
        seat(engine, f"console:50{number:02d}", name=name)
    with transaction(engine.db) as session:
        created = program(session, title, starts, quota=quota)
        assert created.id is not None
        residents = session.exec(
            select(Resident).where(col(Resident.identity).startswith("console:50"))
        )
        by_name = {r.display_name: r for r in residents}
        for name in names:
            resident = by_name[name]
            assert resident.id is not None
            done = register(
                session=session,
                program_id=created.id,
                resident_id=resident.id,
                details=RegistrationDetails(
                    full_name=name,
                    phone="+6281234567890",
                    kelurahan_code=BANTAN,
                    business_type=None,
                ),
                now=NOW - timedelta(days=50),
            )
            assert done.registration.id is not None
            ids[name] = done.registration.id
        return created.id, ids


PEOPLE = ["Siti Nainggolan", "Budi Siregar", "Andi Simanjuntak"]


def test_marking_attendance_toggles_and_counts(desk: Engine) -> None:
    program_id, ids = seeded_program(desk, PEOPLE)
    chat = person(desk, FACILITATOR)
    play(
        chat,
        [
            ("/kehadiran", "Pilih pelatihan yang ingin dicatat kehadirannya"),
            (("press", f"{TITLE} · 12-12-2026"), "0 dari 3 hadir"),
        ],
    )
    assert chat.last.text.startswith(f"{TITLE}\nSabtu, 12 Desember 2026 pukul 09.00 WIB")
    assert chat.labels == [
        "⬜ Andi Simanjuntak",
        "⬜ Budi Siregar",
        "⬜ Siti Nainggolan",
        "« Pelatihan lain",
        "Selesai",
    ]
    play(
        chat,
        [
            (("press", "Budi Siregar"), "Budi Siregar ditandai hadir."),
            (("press", "Siti"), "2 dari 3 hadir"),
        ],
    )
    assert chat.labels[:3] == ["⬜ Andi Simanjuntak", "✅ Budi Siregar", "✅ Siti Nainggolan"]
    play(
        chat,
        [
            (("press", "Budi Siregar"), "Budi Siregar ditandai belum hadir."),
            ("andi simanjuntak", "2 dari 3 hadir"),  # a typed name toggles too
        ],
    )
    assert chat.labels[:3] == ["✅ Andi Simanjuntak", "⬜ Budi Siregar", "✅ Siti Nainggolan"]
    play(chat, [(("press", "Selesai"), f"Kehadiran untuk {TITLE} tersimpan: 2 dari 3 hadir.")])
    assert chat.last.text.endswith(MENU_QUESTION)
    marked = registrations(desk)
    assert {n: r.attended for n, r in marked.items()} == {
        "Andi Simanjuntak": True,
        "Budi Siregar": False,
        "Siti Nainggolan": True,
    }
    assert all(r.attendance_marked_by == FACILITATOR for r in marked.values())
    assert all(r.attendance_marked_at == NOW for r in marked.values())
    assert {r.id for r in marked.values()} == set(ids.values())
    assert all(r.program_id == program_id for r in marked.values())


def test_only_seated_registrants_are_listed(desk: Engine) -> None:
    program_id, ids = seeded_program(desk, [*PEOPLE, "Rudi Sitorus"], quota=3)
    with transaction(desk.db) as session:
        cancel_registration(
            session=session, registration_id=ids["Siti Nainggolan"], resident_id=None, now=NOW
        )  # Rudi, first in the queue, takes her seat
    chat = person(desk, FACILITATOR)
    play(chat, [("/kehadiran", TITLE), (("press", TITLE), "0 dari 3 hadir")])
    names = [label[2:] for label in chat.labels[:3]]
    assert names == ["Andi Simanjuntak", "Budi Siregar", "Rudi Sitorus"]
    # a registration cancelled while the list is on screen is not marked
    with transaction(desk.db) as session:
        cancel_registration(
            session=session, registration_id=ids["Budi Siregar"], resident_id=None, now=NOW
        )
    play(chat, [(("press", "Budi Siregar"), "tombol ini sudah tidak berlaku")])
    assert "0 dari 2 hadir" in chat.said
    assert "Budi Siregar" not in " ".join(chat.labels)
    assert registrations(desk)["Budi Siregar"].attended is False
    assert program_id


def test_the_programs_to_choose_are_recent_or_upcoming_latest_first(desk: Engine) -> None:
    with transaction(desk.db) as session:
        program(session, "Sudah lama", NOW - timedelta(days=31))
        finished = program(session, "Baru selesai", NOW - timedelta(days=8))
        closed = program(session, "Pendaftaran tutup", NOW + timedelta(days=3))
        program(session, "Masih draf", NOW + timedelta(days=5), status="draft")
        cancelled = program(session, "Dibatalkan", NOW + timedelta(days=6))
        program(session, "Akan datang", NOW + timedelta(days=20))
        assert finished.id and closed.id and cancelled.id
        set_program_status(session=session, program_id=finished.id, status="finished", now=NOW)
        set_program_status(session=session, program_id=closed.id, status="closed", now=NOW)
        set_program_status(session=session, program_id=cancelled.id, status="cancelled", now=NOW)
    chat = person(desk, FACILITATOR)
    play(chat, [("/kehadiran", "halaman 1 dari 1")])
    assert chat.labels == [
        "Akan datang · 18-12-2026",
        "Pendaftaran tutup · 01-12-2026",
        "Baru selesai · 20-11-2026",
        "Kembali ke menu",
    ]
    play(
        chat,
        [
            (("press", "Baru selesai"), "Belum ada peserta yang mendapat kursi"),
            (("press", "Pelatihan lain"), "Pilih pelatihan"),
            (("press", "Kembali ke menu"), MENU_QUESTION),
        ],
    )


def test_long_lists_are_paged(desk: Engine) -> None:
    with transaction(desk.db) as session:
        for day in range(1, 8):
            program(session, f"Kelas {day}", NOW + timedelta(days=day))
    people = [f"Peserta {name}" for name in "ABCDEFGH"]
    seeded_program(desk, people, title="Kelas besar", starts=NOW + timedelta(days=30))
    chat = person(desk, FACILITATOR)
    play(chat, [("/kehadiran", "halaman 1 dari 2")])
    assert chat.labels[:5] == [
        "Kelas besar · 28-12-2026",
        "Kelas 7 · 05-12-2026",
        "Kelas 6 · 04-12-2026",
        "Kelas 5 · 03-12-2026",
        "Kelas 4 · 02-12-2026",
    ]
    assert chat.labels[5:] == ["Berikutnya »", "Kembali ke menu"]
    play(chat, [(("press", "Berikutnya"), "halaman 2 dari 2")])
    assert chat.labels == [
        "Kelas 3 · 01-12-2026",
        "Kelas 2 · 30-11-2026",
        "Kelas 1 · 29-11-2026",
        "« Sebelumnya",
        "Kembali ke menu",
    ]
    play(
        chat,
        [
            (("press", "Sebelumnya"), "halaman 1 dari 2"),
            (("press", "Kelas besar"), "0 dari 8 hadir"),
        ],
    )
    assert "(halaman 1 dari 2)" in chat.last.text
    assert len(chat.labels) <= 10
    assert chat.labels[:6] == [f"⬜ Peserta {n}" for n in "ABCDEF"]
    play(
        chat,
        [
            (("press", "Berikutnya"), "halaman 2 dari 2"),
            (("press", "Peserta H"), "1 dari 8 hadir"),
        ],
    )
    assert "(halaman 2 dari 2)" in chat.last.text  # a toggle keeps the page
    assert chat.labels[:2] == ["⬜ Peserta G", "✅ Peserta H"]


def test_help_lists_the_facilitators_commands_only_for_facilitators(engine: Engine) -> None:
    resident = Chat(engine, user_id="4401")
    said = resident.all_commands()
    assert "/berhenti" in said and "/pelatihan_baru" not in said
    with transaction(engine.db) as session:
        grant_role(
            session=session, identity="console:4402", role="facilitator", granted_by="t", now=NOW
        )
    facilitator = Chat(engine, user_id="4402")
    said = facilitator.all_commands()
    assert "Untuk pendamping" in said and "/umumkan" in said
