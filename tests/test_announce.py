"""Announcements in chat: /umumkan composes one for a segment (every choice with the
exact recipient count in the preview, now or at a time, every check on the way),
/status_umum follows it and cancels a scheduled one, and every resident stops and
resumes them with BERHENTI / STOP and /langganan. Runs on SQLite and, with
TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import NOW
from dialogue import Chat, play
from sqlalchemy import Engine as Database
from sqlmodel import Session, col, select
from test_announcements import BANTAN, BARAT, TIMUR, TOMUAN, city, person  # noqa: F401
from test_training import DETAILS, PEMBUKUAN, add_program

from bot.jobs import broadcast_tick
from handlers.core.commands import parse
from handlers.core.engine import Engine
from handlers.core.settings import CONSENT_VERSION
from handlers.registry import FLOWS, REGISTRY
from storage.db import transaction
from storage.forums import NewForum, create_forum, set_rsvp, set_subscription
from storage.models import Announcement, Conversation, OutboxMessage, Resident
from storage.trainings import register

FACILITATOR, ADMIN, STAFF = "console:7001", "console:7002", "console:7003"
RESIDENT = "console:1001"
CONFIG_ROLES = {
    FACILITATOR: frozenset({"facilitator"}),
    ADMIN: frozenset({"admin"}),
    STAFF: frozenset({"staff"}),
}
DENIED = "Maaf, perintah ini hanya untuk petugas yang berwenang."
TEXT = "Pendaftaran bantuan modal UMKM dibuka sampai 20 Desember. Bawa KTP ke kantor lurah."
TWELFTH = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)  # 12 Dec 2026, 09.00 WIB
FORUM = "Musrenbang Kelurahan Bantan"
START = [
    ("/umumkan", "Tulis teks pengumumannya"),
    (TEXT, "Ingin melampirkan foto?"),
    (("press", "Tanpa foto"), "Pengumuman ini untuk siapa?"),
]


# --- fixtures and helpers ----------------------------------------------------------


@pytest.fixture
def desk(engine: Engine) -> Engine:
    """The engine with facilitator, admin and staff roles from the config."""
    return Engine(engine.db, replace(engine.settings, config_roles=CONFIG_ROLES), FLOWS)


def seat(engine: Engine, identity: str, *, language: str = "id") -> None:
    """An onboarded, consenting resident standing at the menu."""
    channel, _, user_id = identity.partition(":")
    with transaction(engine.db) as session:
        session.add(
            Resident(
                identity=identity,
                channel=channel,
                display_name="Rina Pendamping",
                language=language,
                language_chosen=True,
                onboarded_at=NOW,
                consent_at=NOW,
                consent_version=CONSENT_VERSION,
                created_at=NOW,
                last_seen_at=NOW,
            )
        )
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


def chat_for(engine: Engine, identity: str, *, language: str = "id") -> Chat:
    seat(engine, identity, language=language)
    channel, _, user_id = identity.partition(":")
    chat = Chat(engine, user_id=user_id, channel=channel, name="Rina Pendamping")
    chat.send("/menu")
    return chat


@pytest.fixture
def facilitator(desk: Engine) -> Chat:
    return chat_for(desk, FACILITATOR)


def announcements(db: Database) -> list[Announcement]:
    with Session(db) as session:
        return list(session.exec(select(Announcement).order_by(col(Announcement.id))))


def outbox(db: Database) -> list[OutboxMessage]:
    with Session(db) as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(col(OutboxMessage.announcement_id).is_not(None))
                .order_by(col(OutboxMessage.id))
            )
        )


def state(chat: Chat) -> tuple[str, str, dict[str, Any]]:
    with Session(chat.engine.db) as session:
        row = session.get(Conversation, (chat.channel, chat.user_id))
        assert row is not None
        return row.flow, row.step, dict(row.data)


@pytest.fixture
def events(db: Database, city: dict[str, int]) -> dict[str, int]:  # noqa: F811
    """A program with bantan1 seated (tomuan waiting), and a forum in Bantan followed
    by bantan1 and tomuan (subscribed to kelurahan forums) and answered by english."""
    program = add_program(db, quota=1)
    with transaction(db) as session:
        for who in ("bantan1", "tomuan", "stopped"):
            register(
                session=session, program_id=program, resident_id=city[who], details=DETAILS, now=NOW
            )
        forum = create_forum(
            session=session,
            new=NewForum(
                FORUM,
                NOW + timedelta(days=5),
                "musrenbang_kelurahan",
                area_level="kelurahan",
                area_code=BANTAN,
            ),
            actor="x",
            now=NOW,
        )
        assert forum.id is not None
        for who in ("bantan1", "tomuan", "stopped"):
            set_subscription(
                session=session, resident_id=city[who], scope="kelurahan", on=True, now=NOW
            )
        set_rsvp(
            session=session, forum_id=forum.id, resident_id=city["english"], answer="hadir", now=NOW
        )
        return {"program": program, "forum": forum.id}


# --- every segment, with the exact count -------------------------------------------------

SEGMENTS = {
    "everyone": (
        (("press", "Semua warga"),),
        "Semua warga Kota Pematangsiantar",
        5,
        ("everyone", None),
    ),
    "kecamatan-barat": (
        (("press", "satu kecamatan"), ("press", "Siantar Barat")),
        "Warga Kecamatan Siantar Barat",
        2,
        ("kecamatan", BARAT),
    ),
    "kecamatan-timur": (
        (("press", "satu kecamatan"), ("press", "Siantar Timur")),
        "Warga Kecamatan Siantar Timur",
        2,
        ("kecamatan", TIMUR),
    ),
    "kelurahan-bantan": (
        (("press", "satu kelurahan"), ("press", "Siantar Barat"), ("press", "Bantan")),
        "Warga Kelurahan Bantan, Kecamatan Siantar Barat",
        2,
        ("kelurahan", BANTAN),
    ),
    "kelurahan-tomuan": (
        (("press", "satu kelurahan"), ("press", "Siantar Timur"), ("press", "Tomuan")),
        "Warga Kelurahan Tomuan, Kecamatan Siantar Timur",
        2,
        ("kelurahan", TOMUAN),
    ),
    "training": (
        (("press", "Peserta pelatihan"), ("press", PEMBUKUAN)),
        f"Peserta pelatihan “{PEMBUKUAN}” (05-12-2026)",
        1,  # the seated one; not the waitlisted, not the opted-out
        ("training", "program"),
    ),
    "forum-followers": (
        (("press", "Pengikut forum"), ("press", FORUM)),
        f"Pengikut forum “{FORUM}” (03-12-2026)",
        2,  # bantan1 subscribed and living there, english answered the RSVP
        ("forum_subscribers", "forum"),
    ),
    "forum-rsvp": (
        (("press", "jawaban kehadiran forum"), ("press", FORUM)),
        f"Yang memberi jawaban kehadiran forum “{FORUM}” (03-12-2026)",
        1,
        ("forum_rsvp", "forum"),
    ),
}


@pytest.mark.parametrize("name", SEGMENTS)
def test_every_segment_shows_its_exact_count_and_goes_to_exactly_those(
    desk: Engine, facilitator: Chat, events: dict[str, int], name: str
) -> None:
    path, label, count, (kind, value) = SEGMENTS[name]
    play(facilitator, START)
    for step in path:
        facilitator.press(step[1])
    assert "Kapan pengumuman ini dikirim?" in facilitator.said
    facilitator.press("Kirim sekarang")
    preview = facilitator.said
    assert f"Warga akan menerima pesan persis seperti ini:\n\n────────\n{TEXT}\n────────" in preview
    assert f"Penerima: {label}\nJumlah penerima: {count} warga\n" in preview
    assert "Waktu kirim: Sekarang, begitu Anda menekan Kirim" in preview
    assert facilitator.labels == ["Kirim", "Ubah", "Batal"]
    facilitator.press("Kirim")
    assert f"Pengumuman #1 sedang dikirim ke {count} warga." in facilitator.said
    assert "/status_umum 1" in facilitator.said
    assert state(facilitator)[:2] == ("menu", "main")
    [stored] = announcements(desk.db)
    expected_value = str(events[value]) if value in events else value
    assert (stored.segment_kind, stored.segment_value) == (kind, expected_value)
    assert (stored.text, stored.created_by, stored.send_at, stored.status) == (
        TEXT,
        FACILITATOR,
        NOW,
        "scheduled",
    )
    assert broadcast_tick(desk.db, NOW) == count
    assert len(outbox(desk.db)) == count
    assert {m.payload["text"] for m in outbox(desk.db)} == {TEXT}


def test_a_scheduled_announcement_waits_for_its_time(
    desk: Engine,
    facilitator: Chat,
    city: dict[str, int],  # noqa: F811
) -> None:
    play(
        facilitator,
        [
            *START,
            (("press", "Semua warga"), "Kapan pengumuman ini dikirim?"),
            ("12 Desember 2026 09.00", "Waktu kirim: Sabtu, 12 Desember 2026 pukul 09.00 WIB"),
        ],
    )
    assert "Jumlah penerima: 5 warga" in facilitator.said
    assert "dihitung ulang saat waktu kirim tiba" in facilitator.said
    facilitator.press("Kirim")
    assert (
        "Pengumuman #1 dijadwalkan pada Sabtu, 12 Desember 2026 pukul 09.00 WIB "
        "untuk Semua warga Kota Pematangsiantar."
    ) in facilitator.said
    [stored] = announcements(desk.db)
    assert (stored.send_at, stored.status) == (TWELFTH, "scheduled")
    assert broadcast_tick(desk.db, NOW) == 0
    assert broadcast_tick(desk.db, TWELFTH - timedelta(minutes=1)) == 0
    assert broadcast_tick(desk.db, TWELFTH) == 5


# --- every check on the way ---------------------------------------------------------------


def test_every_typed_answer_is_checked_and_nothing_is_lost(
    desk: Engine,
    facilitator: Chat,
    city: dict[str, int],  # noqa: F811
) -> None:
    play(
        facilitator,
        [
            ("/umumkan", "paling banyak 3.500 karakter"),
            ("   ", "Pesan Anda kosong"),
            ("🎉🎉🎉", "bukan hanya emoji"),
            ("a" * 3501, "Teksnya terlalu panjang (3.501 karakter, paling banyak 3.500)"),
            (("photo", "media/early.jpg"), "foto belum diperlukan di langkah ini"),
            (f"  {TEXT}  ", "Ingin melampirkan foto?"),
            ("Kirim", "jawaban itu tidak ada dalam pilihan"),
            (("press", "Tanpa foto"), "Pengumuman ini untuk siapa?"),
            (("press", "satu kelurahan"), "Kelurahannya ada di kecamatan mana?"),
            (("press", "Pilih penerima lain"), "Pengumuman ini untuk siapa?"),
            (("press", "satu kelurahan"), "Kelurahannya ada di kecamatan mana?"),
            (("press", "Siantar Barat"), "kelurahan mana di Kecamatan Siantar Barat"),
            (("press", "Kecamatan lain"), "Kelurahannya ada di kecamatan mana?"),
            (("press", "Siantar Barat"), "kelurahan mana di Kecamatan Siantar Barat"),
            (("press", "Bantan"), "Kapan pengumuman ini dikirim?"),
            ("besok pagi", "belum bisa membaca tanggal dan jam itu"),
            ("27-11-2026 09.00", "Waktu itu sudah lewat"),
            ("12-12-2026", "Jamnya belum ada"),
            ("12-12-2026 25.00", "Jam itu tidak valid"),
            ("12-12-2028 09.00", "lebih dari setahun lagi"),
            ("28-11-2026 12.00", "Jumlah penerima: 2 warga"),
        ],
    )
    assert TEXT in facilitator.said  # trimmed, as residents will read it
    assert state(facilitator)[2]["text"] == TEXT


def test_photo_goes_first_in_the_preview_and_limits_the_text(
    desk: Engine,
    facilitator: Chat,
    city: dict[str, int],  # noqa: F811
) -> None:
    long_text = "Pengumuman panjang. " * 60  # 1.199 characters once trimmed
    play(
        facilitator,
        [
            ("/umumkan", "Tulis teks pengumumannya"),
            (long_text, "Teks Anda 1.199 karakter"),
            (("photo", "media/poster.jpg"), "Foto belum bisa dipakai"),
            (("press", "Persingkat teks"), "paling banyak 1.024 karakter, agar fotonya"),
            ("a" * 1025, "Untuk pesan dengan foto, teksnya paling banyak 1.024 karakter"),
            (TEXT, "Ingin melampirkan foto? Kirim satu foto sekarang"),
            (("photo", "media/poster.jpg"), "Foto diterima."),
            (("press", "Semua warga"), "Kapan"),
            (("press", "Kirim sekarang"), "foto di atas dengan keterangan persis seperti itu"),
        ],
    )
    photo, preview = facilitator.last_batch
    assert (photo.text, photo.photo, photo.options) == (TEXT, "media/poster.jpg", ())
    assert "Jumlah penerima: 5 warga" in preview.text
    assert TEXT not in preview.text  # it is on the photo above
    play(
        facilitator,
        [
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Teks"), "paling banyak 1.024 karakter"),
            ("c" * 1100, "Untuk pesan dengan foto, teksnya paling banyak 1.024 karakter"),
            (("press", "Kembali ke pratinjau"), "foto di atas"),
        ],
    )
    assert facilitator.last_batch[0].photo == "media/poster.jpg"
    facilitator.press("Kirim")
    [stored] = announcements(desk.db)
    assert (stored.text, stored.photo) == (TEXT, "media/poster.jpg")
    broadcast_tick(desk.db, NOW)
    assert {(m.payload["text"], m.payload["photo"]) for m in outbox(desk.db)} == {
        (TEXT, "media/poster.jpg")
    }


def test_a_photo_can_be_taken_off_again(
    desk: Engine,
    facilitator: Chat,
    city: dict[str, int],  # noqa: F811
) -> None:
    play(
        facilitator,
        [
            ("/umumkan", "Tulis teks"),
            (TEXT, "Ingin melampirkan foto?"),
            (("photo", "media/poster.jpg"), "Foto diterima."),
            (("press", "Semua warga"), "Kapan"),
            (("press", "Kirim sekarang"), "foto di atas"),
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Foto"), "Ingin melampirkan foto?"),
            (("press", "Tanpa foto"), f"────────\n{TEXT}\n────────"),
        ],
    )
    assert all(reply.photo is None for reply in facilitator.last_batch)
    facilitator.press("Kirim")
    assert announcements(desk.db)[0].photo is None


def test_edits_from_the_preview_come_back_to_it(
    desk: Engine,
    facilitator: Chat,
    city: dict[str, int],  # noqa: F811
) -> None:
    new_text = "Posyandu balita hari Sabtu pukul 08.00 di kantor lurah."
    play(
        facilitator,
        [
            *START,
            (("press", "Semua warga"), "Kapan"),
            (("press", "Kirim sekarang"), "Jumlah penerima: 5 warga"),
            (("press", "Ubah"), "Bagian mana yang ingin diubah?"),
            (("press", "Teks"), "Tulis teks pengumuman yang baru"),
            (new_text, f"────────\n{new_text}\n────────"),
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Penerima"), "Pengumuman ini untuk siapa?"),
            (("press", "satu kecamatan"), "Untuk warga kecamatan mana?"),
            (("press", "Siantar Timur"), "Jumlah penerima: 2 warga"),
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Waktu kirim"), "Kapan"),
            ("12-12-2026 09.00", "Waktu kirim: Sabtu, 12 Desember 2026 pukul 09.00 WIB"),
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Foto"), "Ingin melampirkan foto?"),
            (("press", "Kembali ke pratinjau"), "Warga Kecamatan Siantar Timur"),
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Kembali ke pratinjau"), new_text),
            (("press", "Kirim"), "Pengumuman #1 dijadwalkan pada Sabtu, 12 Desember 2026"),
        ],
    )
    [stored] = announcements(desk.db)
    assert (stored.text, stored.segment_kind, stored.segment_value, stored.send_at) == (
        new_text,
        "kecamatan",
        TIMUR,
        TWELFTH,
    )


def test_batal_in_the_preview_stores_nothing(
    desk: Engine,
    facilitator: Chat,
    city: dict[str, int],  # noqa: F811
) -> None:
    play(
        facilitator,
        [
            *START,
            (("press", "Semua warga"), "Kapan"),
            (("press", "Kirim sekarang"), "Jumlah penerima: 5 warga"),
            (("press", "Batal"), "Pengumuman dibatalkan. Tidak ada yang dikirim."),
        ],
    )
    assert announcements(desk.db) == []
    assert state(facilitator)[:2] == ("menu", "main")


def test_nobody_to_send_to_now_is_refused_but_may_be_scheduled(
    desk: Engine, facilitator: Chat
) -> None:
    play(
        facilitator,
        [
            *START,
            (("press", "Semua warga"), "Kapan"),
            (("press", "Kirim sekarang"), "Jumlah penerima: 0 warga"),
        ],
    )
    assert "Saat ini belum ada warga yang bisa menerima" in facilitator.said
    facilitator.press("Kirim")
    assert "Belum ada penerima untuk pengumuman ini" in facilitator.said
    assert announcements(desk.db) == []
    play(
        facilitator,
        [
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Waktu kirim"), "Kapan"),
            ("12-12-2026 09.00", "Jumlah penerima: 0 warga"),
            (("press", "Kirim"), "Pengumuman #1 dijadwalkan"),
        ],
    )


def test_a_time_that_passed_while_the_preview_waited_is_asked_again(
    desk: Engine,
    facilitator: Chat,
    city: dict[str, int],  # noqa: F811
) -> None:
    play(
        facilitator,
        [
            *START,
            (("press", "Semua warga"), "Kapan"),
            ("28-11-2026 10.00", "pukul 10.00 WIB"),
        ],
    )
    facilitator.clock.advance(hours=2)
    facilitator.press("Kirim")
    assert "Waktu kirimnya (Sabtu, 28 November 2026 pukul 10.00 WIB) sudah lewat" in (
        facilitator.said
    )
    assert state(facilitator)[:2] == ("announce", "when")
    assert announcements(desk.db) == []
    facilitator.press("Kirim sekarang")
    facilitator.press("Kirim")
    assert announcements(desk.db)[0].send_at == facilitator.clock.now


def test_no_programs_or_forums_to_choose_goes_back(desk: Engine, facilitator: Chat) -> None:
    play(
        facilitator,
        [
            *START,
            (("press", "Peserta pelatihan"), "Belum ada pelatihan"),
            (("press", "Pilih penerima lain"), "Pengumuman ini untuk siapa?"),
            (("press", "Pengikut forum"), "Belum ada forum yang akan datang"),
            (("press", "Pilih penerima lain"), "Pengumuman ini untuk siapa?"),
        ],
    )


def test_programs_are_paged(desk: Engine, facilitator: Chat) -> None:
    for day in range(8):
        start = NOW + timedelta(days=day + 1)
        add_program(
            desk.db,
            title=f"Pelatihan {day + 1}",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
        )
    play(facilitator, [*START, (("press", "Peserta pelatihan"), "(halaman 1 dari 2)")])
    assert [label.split(" · ")[0] for label in facilitator.labels] == [
        *(f"Pelatihan {n}" for n in range(1, 7)),
        "Berikutnya »",
        "« Pilih penerima lain",
    ]
    facilitator.press("Berikutnya")
    assert "(halaman 2 dari 2)" in facilitator.said
    assert facilitator.labels[0].startswith("Pelatihan 7 · 05-12-2026")
    facilitator.press("Sebelumnya")
    assert "(halaman 1 dari 2)" in facilitator.said


# --- /status_umum ---------------------------------------------------------------------------


def make(chat: Chat, *path: Any) -> None:
    """Announce TEXT to everyone along ``path`` (the time step), then Kirim."""
    chat.send("/umumkan")
    chat.send(TEXT)
    chat.press("Tanpa foto")
    chat.press("Semua warga")
    for step in path:
        chat.press(step[1]) if isinstance(step, tuple) else chat.send(step)
    chat.press("Kirim")
    assert "Pengumuman #" in chat.said, chat.said


def set_statuses(db: Database, statuses: list[str]) -> None:
    with transaction(db) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        for row, status in zip(rows, statuses, strict=True):
            row.status = status
            session.add(row)


def test_status_shows_the_delivery_figures(
    desk: Engine,
    facilitator: Chat,
    city: dict[str, int],  # noqa: F811
) -> None:
    make(facilitator, ("press", "Kirim sekarang"))
    facilitator.send("/status_umum 1")
    assert "Pengumuman #1 · Sedang dikirim" in facilitator.said
    assert "Pesan yang sudah disiapkan: 0" in facilitator.said
    broadcast_tick(desk.db, NOW)
    set_statuses(desk.db, ["sent", "failed", "unreachable", "opted_out", "pending"])
    facilitator.press("Perbarui")
    card = facilitator.said
    assert (
        "Pengumuman #1 · Sedang dikirim\n"
        "Penerima: Semua warga Kota Pematangsiantar\n"
        "Waktu kirim: Sabtu, 28 November 2026 pukul 09.00 WIB"
    ) in card
    assert (
        "Pesan yang sudah disiapkan: 5\nTerkirim: 1\nGagal: 1\n"
        "Tidak terjangkau (memblokir bot): 1\nBerhenti menerima pengumuman: 1\n"
        "Menunggu dikirim: 1\nDibatalkan: 0"
    ) in card
    assert f"Teks:\n{TEXT}" in card
    assert "Batalkan pengumuman" not in facilitator.labels  # it has started
    set_statuses(desk.db, ["sent", "failed", "unreachable", "opted_out", "sent"])
    facilitator.press("Perbarui")
    assert "Pengumuman #1 · Selesai" in facilitator.said and "Terkirim: 2" in facilitator.said


def test_status_without_a_number_lists_ones_own(desk: Engine, facilitator: Chat) -> None:
    play(facilitator, [("/status_umum", "Anda belum membuat pengumuman")])
    make(facilitator, "12-12-2026 09.00")
    other = chat_for(desk, ADMIN)
    make(other, "13-12-2026 09.00")
    facilitator.send("/status_umum")
    assert "Pilih pengumuman Anda" in facilitator.said
    assert facilitator.labels == ["#1 · Terjadwal · 12-12-2026 09.00", "Kembali ke menu"]
    facilitator.press("#1")
    assert "Pengumuman #1 · Terjadwal" in facilitator.said
    facilitator.send("/status_umum 2")  # anyone's, by its number
    assert "Pengumuman #2 · Terjadwal" in facilitator.said
    facilitator.press("Pengumuman saya lainnya")
    assert facilitator.labels[0].startswith("#1 ")
    facilitator.send("/status_umum 99")
    assert "Pengumuman #99 tidak ditemukan." in facilitator.said
    assert "Pilih pengumuman Anda" in facilitator.said
    facilitator.send("/status_umum abc")
    assert "Pengumuman #abc tidak ditemukan." in facilitator.said


def test_a_scheduled_announcement_is_cancelled_from_its_status(
    desk: Engine,
    facilitator: Chat,
    city: dict[str, int],  # noqa: F811
) -> None:
    make(facilitator, "12-12-2026 09.00")
    play(
        facilitator,
        [
            ("/status_umum 1", "Pengumuman #1 · Terjadwal"),
            (
                ("press", "Batalkan pengumuman"),
                "Batalkan pengumuman #1 yang dijadwalkan pada Sabtu",
            ),
            (("press", "Tidak"), "Pengumuman #1 · Terjadwal"),
            (("press", "Batalkan pengumuman"), "Belum ada warga yang menerimanya"),
            (("press", "Ya, batalkan"), "Pengumuman #1 dibatalkan. Tidak ada yang dikirim."),
        ],
    )
    assert "Pengumuman #1 · Dibatalkan" in facilitator.said
    assert "Dibatalkan pada Sabtu, 28 November 2026 pukul 09.00 WIB." in facilitator.said
    assert "Batalkan pengumuman" not in facilitator.labels
    assert "Penerima saat ini: 5 warga" not in facilitator.said
    [stored] = announcements(desk.db)
    assert (stored.status, stored.cancelled_at) == ("cancelled", NOW)
    assert broadcast_tick(desk.db, TWELFTH) == 0


def test_a_cancel_too_late_is_refused(
    desk: Engine,
    facilitator: Chat,
    city: dict[str, int],  # noqa: F811
) -> None:
    make(facilitator, "28-11-2026 10.00")
    facilitator.send("/status_umum 1")
    assert "Penerima saat ini: 5 warga (dihitung ulang saat dikirim)." in facilitator.said
    facilitator.press("Batalkan pengumuman")
    facilitator.clock.advance(hours=1)
    facilitator.press("Ya, batalkan")
    assert "Pengumuman #1 sudah mulai dikirim, jadi tidak bisa dibatalkan lagi." in (
        facilitator.said
    )
    assert announcements(desk.db)[0].status == "scheduled"


# --- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [RESIDENT, STAFF])
@pytest.mark.parametrize("command", ["/umumkan", "/status_umum", "/status_umum 1"])
def test_only_facilitators_and_admins_announce(desk: Engine, who: str, command: str) -> None:
    chat = chat_for(desk, who)
    chat.send(command)
    assert DENIED in chat.said
    assert state(chat)[:2] == ("menu", "main")


def test_a_forged_preview_state_sends_nothing_without_the_role(
    desk: Engine,
    facilitator: Chat,
    city: dict[str, int],  # noqa: F811
) -> None:
    play(facilitator, [*START, (("press", "Semua warga"), "Kapan")])
    facilitator.press("Kirim sekarang")
    flow, step, data = state(facilitator)
    intruder = chat_for(desk, RESIDENT)
    with transaction(desk.db) as session:
        row = session.get(Conversation, ("console", "1001"))
        assert row is not None
        row.flow, row.step, row.data, row.version = flow, step, data, row.version + 1
        session.add(row)
    intruder.send("Kirim")
    assert DENIED in intruder.said
    assert announcements(desk.db) == []
    admin = chat_for(desk, ADMIN)
    make(admin, ("press", "Kirim sekarang"))
    assert announcements(desk.db)[0].created_by == ADMIN


# --- BERHENTI / STOP and /langganan ---------------------------------------------------------------

STOPPED = "Baik, Anda tidak akan menerima pengumuman dan pengingat forum lagi."
STILL_COMES = "Kabar tentang aspirasi Anda sendiri dan pengingat pelatihan yang Anda ikuti"


def off_at(db: Database, identity: str) -> datetime | None:
    with Session(db) as session:
        resident = session.exec(select(Resident).where(Resident.identity == identity)).one()
        return resident.announcements_off_at


@pytest.mark.parametrize(
    "word", ["BERHENTI", "berhenti", "STOP", "stop", "Stop!", " Berhenti. ", "/berhenti", "/stop"]
)
def test_every_way_of_saying_stop(desk: Engine, word: str) -> None:
    chat = chat_for(desk, RESIDENT)
    chat.send(word)
    assert STOPPED in chat.said and STILL_COMES in chat.said
    assert "Ketik /langganan kapan saja." in chat.said
    assert chat.last.text.endswith("Apa yang ingin Anda lakukan?")
    assert off_at(desk.db, RESIDENT) == NOW


def test_stop_and_resume_dialogue(desk: Engine) -> None:
    chat = chat_for(desk, RESIDENT)
    play(
        chat,
        [
            ("/langganan", "Anda sudah menerima pengumuman. Ketik BERHENTI kapan saja"),
            ("BERHENTI", STOPPED),
            ("stop", "Anda sudah berhenti menerima pengumuman sejak Sabtu, 28 November 2026"),
            ("/langganan", "Terima kasih! Anda akan menerima pengumuman dan pengingat forum lagi."),
        ],
    )
    assert off_at(desk.db, RESIDENT) is None


def test_stop_in_english(desk: Engine) -> None:
    chat = chat_for(desk, "console:1002", language="en")
    chat.send("STOP")
    assert "you will no longer receive announcements" in chat.said
    chat.send("/langganan")
    assert "You will receive announcements and forum reminders again" in chat.said


def test_stop_mid_flow_keeps_the_answers(desk: Engine) -> None:
    chat = chat_for(desk, RESIDENT)
    chat.press("Sampaikan aspirasi")
    chat.press("Infrastruktur")
    before = state(chat)
    chat.send("STOP")
    assert STOPPED in chat.said and "Di kecamatan mana" in chat.said
    assert state(chat) == before


def test_stop_works_before_onboarding_and_is_honoured_by_the_fan_out(
    desk: Engine,
    city: dict[str, int],  # noqa: F811
) -> None:
    newcomer = Chat(desk, user_id="1", channel="telegram")  # bantan1, first message
    newcomer.send("BERHENTI")
    assert STOPPED in newcomer.said and "Apakah Anda setuju" in newcomer.said
    facilitator = chat_for(desk, FACILITATOR)
    play(
        facilitator,
        [
            *START,
            (("press", "satu kelurahan"), "kecamatan mana"),
            (("press", "Siantar Barat"), "kelurahan mana"),
            (("press", "Bantan"), "Kapan"),
            (("press", "Kirim sekarang"), "Jumlah penerima: 1 warga"),
            (("press", "Kirim"), "sedang dikirim ke 1 warga"),
        ],
    )
    broadcast_tick(desk.db, NOW)
    assert [m.recipient for m in outbox(desk.db)] == ["2"]


def test_stop_inside_a_sentence_is_not_a_command() -> None:
    assert parse("tolong stop pembangunan liar", REGISTRY) is None
    alone = parse("berhenti", REGISTRY)
    assert alone is not None and alone.name == "berhenti"
    assert parse("/stop", REGISTRY).name == "berhenti"  # type: ignore[union-attr]
