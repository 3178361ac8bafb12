"""Facilitators and forums in chat: /forum_baru step by step (every typed answer
checked, a preview with the exact number of subscribers to remind, edits, save or
drop), /kelola_forum to move, cancel or post the result of a forum (each writing
the right announcement to the right segment), and who may do it. Runs on SQLite
and, with TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from conftest import NOW
from dialogue import Chat, play
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from test_announcements import BANTAN, TOMUAN, person

from handlers.core.engine import Engine as SiantarEngine
from handlers.core.settings import CONSENT_VERSION
from handlers.forums.manage import MANAGE_FORUMS
from handlers.forums.new import NEW_FORUM
from handlers.registry import FLOWS
from storage.announcements import Segment, count_members
from storage.db import transaction
from storage.forums import (
    NewForum,
    cancel_forum,
    create_forum,
    set_rsvp,
    set_subscription,
)
from storage.models import Announcement, Conversation, ForumEvent, ForumRsvp, Resident

FACILITATOR, ADMIN, STAFF, RESIDENT = "console:7001", "console:7002", "console:7003", "console:1001"
CONFIG_ROLES = {
    FACILITATOR: frozenset({"facilitator"}),
    ADMIN: frozenset({"admin"}),
    STAFF: frozenset({"staff"}),
}
DENIED = "Maaf, perintah ini hanya untuk petugas yang berwenang."
MENU_QUESTION = "Apa yang ingin Anda lakukan?"
BARAT = "12.72.02"
TITLE = "Musrenbang Kelurahan Bantan 2027"
PLACE = "Aula Kantor Lurah Bantan, Jl. Sisingamangaraja"
AGENDA = "Menyusun usulan prioritas pembangunan kelurahan untuk tahun 2027."
TWELFTH = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)  # Saturday 12 December 2026, 09.00 WIB

# /forum_baru up to the preview, for a forum of Kelurahan Bantan
TO_PREVIEW: list[tuple[Any, str]] = [
    ("/forum_baru", "Apa judul forumnya?"),
    (TITLE, "Jenis forumnya apa?"),
    (("press", "Musrenbang Kelurahan"), "Kapan forum dimulai?"),
    ("12-12-2026 09.00", "Di mana tempatnya?"),
    (PLACE, "Apa agendanya?"),
    (AGENDA, "Forum ini untuk warga mana?"),
    (
        ("press", "Siantar Barat"),
        "Untuk seluruh Kecamatan Siantar Barat, atau satu kelurahan saja?",
    ),
    (("press", "Bantan"), "Periksa lagi forumnya."),
]


@pytest.fixture
def desk(engine: SiantarEngine) -> SiantarEngine:
    """The engine with facilitator, admin and staff roles from the config."""
    return SiantarEngine(engine.db, replace(engine.settings, config_roles=CONFIG_ROLES), FLOWS)


def seated(engine: SiantarEngine, identity: str, *, name: str = "Rina Pendamping") -> Chat:
    """An onboarded, consenting resident at the menu, as a chat."""
    channel, _, user_id = identity.partition(":")
    with transaction(engine.db) as session:
        session.add(
            Resident(
                identity=identity,
                channel=channel,
                display_name=name,
                language_chosen=True,
                onboarded_at=NOW,
                consent_at=NOW,
                consent_version=CONSENT_VERSION,
                created_at=NOW,
                last_seen_at=NOW,
            )
        )
    chat = Chat(engine, user_id=user_id, channel=channel, name=name)
    chat.send("/menu")
    return chat


def forums(db: Engine) -> list[ForumEvent]:
    with Session(db) as session:
        return list(session.exec(select(ForumEvent).order_by(col(ForumEvent.id))))


def announcements(db: Engine) -> list[tuple[str, str | None, str, str | None, int | None]]:
    with Session(db) as session:
        rows = session.exec(select(Announcement).order_by(col(Announcement.id))).all()
        return [(a.kind, a.template, a.segment_kind, a.segment_value, a.forum_id) for a in rows]


def state(chat: Chat) -> tuple[str, str]:
    with Session(chat.engine.db) as session:
        row = session.get(Conversation, (chat.channel, chat.user_id))
        assert row is not None
        return row.flow, row.step


def subscribe(db: Engine, resident_id: int, scope: str) -> None:
    with transaction(db) as session:
        set_subscription(session=session, resident_id=resident_id, scope=scope, on=True, now=NOW)


def neighbourhood(db: Engine) -> None:
    """Telegram residents: who is (and is not) reminded of the forums of Bantan,
    Kecamatan Siantar Barat and the city."""
    for user in ("1", "2"):
        subscribe(db, person(db, user), "kelurahan")  # Bantan
    subscribe(db, person(db, "3", opted_out=True), "kelurahan")  # said BERHENTI
    subscribe(db, person(db, "4", unreachable=True), "kelurahan")  # blocked the bot
    subscribe(db, person(db, "5", channel="console"), "kelurahan")  # no inbox to push to
    subscribe(db, person(db, "6", kelurahan=TOMUAN), "kelurahan")  # elsewhere
    person(db, "7")  # Bantan, not subscribed
    subscribe(db, person(db, "8"), "kecamatan")  # Siantar Barat
    subscribe(db, person(db, "9", kelurahan=TOMUAN), "kecamatan")  # Siantar Timur
    for user in ("10", "11", "12"):
        subscribe(db, person(db, user, kelurahan=None), "kota")


def existing(db: Engine, title: str = TITLE, *, starts: datetime = TWELFTH, **kwargs: Any) -> int:
    fields: dict[str, Any] = {
        "forum_type": "musrenbang_kelurahan",
        "place": "Kantor Lurah Bantan",
        "agenda": AGENDA,
        "area_level": "kelurahan",
        "area_code": BANTAN,
    }
    fields.update(kwargs)
    with transaction(db) as session:
        forum = create_forum(
            session=session,
            new=NewForum(title=title, starts_at=starts, **fields),
            actor=FACILITATOR,
            now=min(NOW, starts - timedelta(days=1)),
        )
        assert forum.id is not None
        return forum.id


# --- /forum_baru ---------------------------------------------------------------------


def test_a_forum_from_title_to_saved(desk: SiantarEngine) -> None:
    neighbourhood(desk.db)
    chat = seated(desk, FACILITATOR)
    play(chat, TO_PREVIEW)
    assert chat.last.text == (
        "Periksa lagi forumnya. Beginilah warga akan melihatnya:\n\n"
        f"{TITLE}\n"
        "Waktu: Sabtu, 12 Desember 2026 pukul 09.00 WIB\n"
        f"Tempat: {PLACE}\n"
        "Wilayah: Kelurahan Bantan, Kecamatan Siantar Barat\n\n"
        f"Agenda:\n{AGENDA}\n\n"
        "Pengingat akan dikirim ke 2 warga yang saat ini berlangganan pengingat forum wilayah "
        "ini. Warga yang nanti menjawab kehadiran juga ikut dikabari."
    )
    assert chat.labels == ["Simpan", "Ubah", "Batal"]
    assert forums(desk.db) == []  # nothing stored before Simpan
    play(chat, [(("press", "Simpan"), f"Forum #1 tersimpan: {TITLE}. Saat ini 2 warga")])
    assert chat.last.text.endswith(MENU_QUESTION)
    [forum] = forums(desk.db)
    assert (forum.title, forum.forum_type, forum.starts_at, forum.place, forum.agenda) == (
        TITLE,
        "musrenbang_kelurahan",
        TWELFTH,
        PLACE,
        AGENDA,
    )
    assert (forum.area_level, forum.area_code, forum.status) == ("kelurahan", BANTAN, "scheduled")
    assert forum.created_by == FACILITATOR and forum.created_at == NOW
    assert announcements(desk.db) == []  # reminders come from the scheduler, later


AREAS = [
    pytest.param([("press", "Seluruh kota")], "kota", None, 3, id="kota"),
    pytest.param(
        [("press", "Siantar Barat"), ("press", "Seluruh Kecamatan")], "kecamatan", BARAT, 1,
        id="kecamatan",
    ),
    pytest.param([("press", "Siantar Barat"), ("press", "Bantan")], "kelurahan", BANTAN, 2,
                 id="kelurahan"),
]  # fmt: skip


@pytest.mark.parametrize(("presses", "level", "code", "expected"), AREAS)
def test_the_preview_count_is_the_segment_the_reminders_go_to(
    desk: SiantarEngine, presses: list[Any], level: str, code: str | None, expected: int
) -> None:
    neighbourhood(desk.db)
    chat = seated(desk, FACILITATOR)
    play(chat, TO_PREVIEW[:6])
    for press in presses:
        chat.press(press[1])
    match = re.search(r"Pengingat akan dikirim ke (\d+) warga", chat.last.text)
    assert match is not None, chat.last.text
    previewed = int(match[1])
    chat.press("Simpan")
    [forum] = forums(desk.db)
    assert (forum.area_level, forum.area_code) == (level, code)
    with Session(desk.db) as session:
        assert count_members(session, Segment("forum_subscribers", str(forum.id))) == previewed
    assert previewed == expected
    assert f"Saat ini {expected} warga akan menerima pengingatnya" in chat.said


REFUSALS = [
    # (step reached by the first n turns of TO_PREVIEW, typed, what the bot says)
    (1, "ab", "Tulisan Anda terlalu pendek (2 karakter)"),
    (1, "   ", "Pesan Anda kosong."),
    (1, "🙂🙂🙂🙂", "Mohon tuliskan dengan kata-kata"),
    (1, "Musrenbang " * 12, "Tulisan Anda terlalu panjang"),
    (2, "rapat", "Silakan pilih salah satu"),
    (3, "besok pagi", "Maaf, kami belum bisa membaca tanggal dan jam itu"),
    (3, "12-12-2026", "Jamnya belum ada."),
    (3, "09.00", "Tanggalnya belum ada."),
    (3, "27-11-2026 09.00", "Waktu itu sudah lewat."),
    (3, "12-12-2028 09.00", "Tanggal itu lebih dari setahun lagi."),
    (3, "31-02-2027 09.00", "Tanggal itu tidak ada di kalender."),
    (3, "12-12-2026 25.00", "Jam itu tidak valid."),
    (4, "ab", "Tulisan Anda terlalu pendek"),
    (4, "x" * 201, "Tulisan Anda terlalu panjang"),
    (5, "Usulan", "Tulisan Anda terlalu pendek (6 karakter)"),
    (5, "Agenda " * 300, "Tulisan Anda terlalu panjang"),
    (6, "Siantar Tengah", "Silakan pilih salah satu"),
]


@pytest.mark.parametrize(("reached", "typed", "said"), REFUSALS)
def test_every_bad_answer_is_refused_and_asked_again(
    desk: SiantarEngine, reached: int, typed: str, said: str
) -> None:
    chat = seated(desk, FACILITATOR)
    play(chat, TO_PREVIEW[:reached])
    question = chat.last.text.split("\n\n")[-1]
    before = state(chat)
    chat.send(typed)
    assert said in chat.said, chat.said
    assert chat.last.text.endswith(question)
    assert state(chat) == before
    # the right answer still works and the flow goes on to the end
    play(chat, TO_PREVIEW[reached:])
    chat.press("Simpan")
    assert len(forums(desk.db)) == 1


def test_place_later_and_the_area_back_button(desk: SiantarEngine) -> None:
    chat = seated(desk, FACILITATOR)
    play(
        chat,
        [
            *TO_PREVIEW[:4],
            (("press", "Umumkan nanti"), "Apa agendanya?"),
            (AGENDA, "Forum ini untuk warga mana?"),
            (("press", "Siantar Timur"), "Untuk seluruh Kecamatan Siantar Timur"),
            (("press", "« Kecamatan lain"), "Forum ini untuk warga mana?"),
            (("press", "Seluruh kota"), "Tempat: tempat akan diumumkan\nWilayah: Seluruh Kota"),
        ],
    )
    chat.press("Simpan")
    [forum] = forums(desk.db)
    assert (forum.place, forum.area_level, forum.area_code) == ("", "kota", None)


def test_edits_from_the_preview_come_back_to_it(desk: SiantarEngine) -> None:
    chat = seated(desk, FACILITATOR)
    play(
        chat,
        [
            *TO_PREVIEW,
            (("press", "Ubah"), "Bagian mana yang ingin diubah?"),
            (("press", "Judul"), "Apa judul forumnya?"),
            ("Musrenbang Kelurahan Bantan 2027 (ulang)", "(ulang)\nWaktu: Sabtu, 12 Desember"),
            (("press", "Ubah"), "Bagian mana yang ingin diubah?"),
            (("press", "Waktu mulai"), "Kapan forum dimulai?"),
            ("13 Desember 2026 pukul 14.00", "Waktu: Minggu, 13 Desember 2026 pukul 14.00 WIB"),
            (("press", "Ubah"), "Bagian mana yang ingin diubah?"),
            (("press", "Jenis forum"), "Jenis forumnya apa?"),
            (("press", "Forum Warga"), "Forum Warga “Musrenbang Kelurahan Bantan 2027 (ulang)”"),
            (("press", "Ubah"), "Bagian mana yang ingin diubah?"),
            (("press", "Wilayah"), "Forum ini untuk warga mana?"),
            (("press", "Siantar Barat"), "Untuk seluruh Kecamatan Siantar Barat"),
            (("press", "Seluruh Kecamatan"), "Wilayah: Kecamatan Siantar Barat"),
            (("press", "Ubah"), "Bagian mana yang ingin diubah?"),
            (("press", "Kembali ke ringkasan"), "Periksa lagi forumnya."),
            (("press", "Simpan"), "Forum #1 tersimpan"),
        ],
    )
    [forum] = forums(desk.db)
    assert forum.title.endswith("(ulang)") and forum.forum_type == "forum_warga"
    assert forum.starts_at == datetime(2026, 12, 13, 7, 0, tzinfo=UTC)
    assert (forum.area_level, forum.area_code) == ("kecamatan", BARAT)


def test_dropping_the_form_stores_nothing(desk: SiantarEngine) -> None:
    chat = seated(desk, FACILITATOR)
    play(chat, [*TO_PREVIEW, (("press", "Batal"), "forum tidak jadi dibuat")])
    assert chat.last.text.endswith(MENU_QUESTION)
    assert forums(desk.db) == []
    play(chat, [*TO_PREVIEW[:3], ("/batal", "Dibatalkan")])
    assert forums(desk.db) == []


def test_a_preview_left_until_the_start_passed_asks_for_a_new_time(desk: SiantarEngine) -> None:
    chat = seated(desk, FACILITATOR)
    # the start is today, 15.00
    play(chat, [*TO_PREVIEW[:3], ("28-11-2026 15.00", "Di mana tempatnya?"), *TO_PREVIEW[4:]])
    chat.clock.advance(hours=6, minutes=1)
    play(chat, [(("press", "Simpan"), "Waktu mulai itu sudah lewat.")])
    assert "Kapan forum dimulai?" in chat.last.text and forums(desk.db) == []
    play(chat, [("14-12-2026 09.00", "Periksa lagi forumnya."), (("press", "Simpan"), "#1")])


# --- /kelola_forum ---------------------------------------------------------------------


def test_moving_a_forum_tells_its_followers(desk: SiantarEngine) -> None:
    neighbourhood(desk.db)
    forum_id = existing(desk.db)
    with transaction(desk.db) as session:  # an answer makes a Tomuan resident a follower
        set_rsvp(
            session=session,
            forum_id=forum_id,
            resident_id=person(desk.db, "20", kelurahan=TOMUAN),
            answer="hadir",
            now=NOW,
        )
    chat = seated(desk, FACILITATOR)
    play(
        chat,
        [
            ("/kelola_forum", "Pilih forum yang ingin dikelola (halaman 1 dari 1)."),
            (("press", TITLE), "Jawaban warga sejauh ini: 1 hadir, 0 tidak hadir, 0 mungkin."),
        ],
    )
    assert "3 warga mengikuti forum ini" in chat.last.text  # 2 subscribers + 1 answer
    assert chat.labels == ["Pindahkan jadwal", "Batalkan forum", "« Forum lain", "Kembali ke menu"]
    play(
        chat,
        [
            (("press", "Pindahkan jadwal"), "Jadwal sekarang: Sabtu, 12 Desember 2026"),
            ("tanggal dua belas", "Maaf, kami belum bisa membaca tanggal dan jam itu"),
            ("19-12-2026 09.00", "Tempat sekarang: Kantor Lurah Bantan."),
            ("Aula Kantor Camat Siantar Barat", "Pindahkan “Musrenbang Kelurahan Bantan 2027”?"),
        ],
    )
    assert (
        "Waktu: Sabtu, 19 Desember 2026 pukul 09.00 WIB\n"
        "Tempat: Aula Kantor Camat Siantar Barat\n\n"
        "3 warga yang mengikuti forum ini akan dikabari"
    ) in chat.last.text
    assert announcements(desk.db) == []
    play(chat, [(("press", "Simpan dan kabari"), "sudah diubah. Kabarnya dikirim ke 3 warga.")])
    assert "Jadwal forum ini sudah diubah." in chat.last.text  # back at the forum
    [forum] = forums(desk.db)
    assert forum.status == "moved" and forum.starts_at == TWELFTH + timedelta(days=7)
    assert forum.place == "Aula Kantor Camat Siantar Barat"
    assert announcements(desk.db) == [
        ("forum_notice", "forum.moved", "forum_subscribers", str(forum_id), forum_id)
    ]


def test_moving_only_the_place_and_the_unchanged_move(desk: SiantarEngine) -> None:
    forum_id = existing(desk.db)
    chat = seated(desk, FACILITATOR)
    play(
        chat,
        [
            ("/kelola_forum", "Pilih forum yang ingin dikelola"),
            (("press", TITLE), f"{TITLE}\nWaktu:"),
            (("press", "Pindahkan jadwal"), "Kapan waktu barunya?"),
            (("press", "Waktu tetap"), "Tempat sekarang"),
            (("press", "Tempat tetap"), "Waktu dan tempatnya masih sama"),
            ("Kantor Lurah  Bantan", "Waktu dan tempatnya masih sama"),  # the same place
            ("Gedung Serbaguna Bantan", "Waktu: Sabtu, 12 Desember 2026 pukul 09.00 WIB"),
            (("press", "Ubah"), "Kapan waktu barunya?"),
            (("press", "Waktu tetap"), "Di mana tempat barunya?"),
            ("Gedung Serbaguna Kelurahan Bantan", "Tempat: Gedung Serbaguna Kelurahan Bantan"),
            (("press", "Batal"), "Baik, jadwal tidak diubah."),
        ],
    )
    assert forums(desk.db)[0].status == "scheduled" and announcements(desk.db) == []
    play(
        chat,
        [
            (("press", "Pindahkan jadwal"), "Kapan waktu barunya?"),
            (("press", "Waktu tetap"), "Di mana tempat barunya?"),
            ("Gedung Serbaguna Kelurahan Bantan", "Tempat: Gedung Serbaguna Kelurahan Bantan"),
            (("press", "Simpan dan kabari"), "sudah diubah. Kabarnya dikirim ke 0 warga."),
        ],
    )
    [forum] = forums(desk.db)
    assert forum.starts_at == TWELFTH and forum.place == "Gedung Serbaguna Kelurahan Bantan"
    assert [a[1] for a in announcements(desk.db)] == ["forum.moved"]
    assert forum.id == forum_id


def test_cancelling_a_forum_tells_its_followers(desk: SiantarEngine) -> None:
    neighbourhood(desk.db)
    forum_id = existing(desk.db)
    existing(desk.db, "Forum Warga Kota", area_level="kota", area_code=None)
    chat = seated(desk, FACILITATOR)
    play(
        chat,
        [
            ("/kelola_forum", "Pilih forum yang ingin dikelola"),
            (("press", TITLE), f"{TITLE}\nWaktu:"),
            (("press", "Batalkan forum"), f"Batalkan “{TITLE}” pada Sabtu, 12 Desember 2026"),
            (("press", "Tidak"), "2 warga mengikuti forum ini"),  # back at the forum
            (("press", "Batalkan forum"), "2 warga yang mengikuti forum ini akan dikabari"),
        ],
    )
    assert announcements(desk.db) == []
    play(chat, [(("press", "Ya, batalkan"), f"“{TITLE}” dibatalkan. Kabarnya dikirim ke 2 warga.")])
    assert chat.labels == ["Forum Warga Kota · 12-12-2026", "Kembali ke menu"]  # it is gone
    assert forums(desk.db)[0].status == "cancelled"
    assert announcements(desk.db) == [
        ("forum_notice", "forum.cancelled", "forum_subscribers", str(forum_id), forum_id)
    ]


def test_the_result_goes_to_those_who_answered(desk: SiantarEngine) -> None:
    neighbourhood(desk.db)
    held_on = NOW - timedelta(days=2)
    forum_id = existing(desk.db, starts=held_on)
    existing(desk.db, "Forum lama", starts=NOW - timedelta(days=40))  # too long ago
    with transaction(desk.db) as session:
        for user, answer in (("21", "hadir"), ("22", "tidak")):
            session.add(
                # answered before it took place
                _rsvp(forum_id, person(desk.db, user, kelurahan=TOMUAN), answer, held_on)
            )
    chat = seated(desk, FACILITATOR)
    play(
        chat,
        [
            ("/kelola_forum", "Tanda 📝 berarti forum sudah berlangsung"),
            (("press", TITLE), "Forum ini sudah berlangsung. Hasilnya bisa dikirim ke 2 warga"),
        ],
    )
    assert chat.labels == ["Kirim hasil forum", "« Forum lain", "Kembali ke menu"]
    summary = "Disepakati tiga usulan prioritas: drainase Jl. Bantan, posyandu, lampu jalan."
    play(
        chat,
        [
            (("press", "Kirim hasil forum"), "Tulis hasil forum"),
            ("Sepakat", "Tulisan Anda terlalu pendek"),
            (summary, "Beginilah pesan yang akan diterima warga:"),
        ],
    )
    assert (
        f"Hasil {TITLE} (Kamis, 26 November 2026 pukul 09.00 WIB):\n\n"
        f"{summary}\n\nTerima kasih sudah ikut terlibat."
    ) in chat.last.text
    assert "Dikirim ke 2 warga yang menjawab kehadiran." in chat.last.text
    play(chat, [(("press", "Kirim"), f"Hasil “{TITLE}” tersimpan dan dikirim ke 2 warga.")])
    [forum, _old] = forums(desk.db)
    assert forum.status == "held" and forum.summary == summary and forum.summary_at == NOW
    assert announcements(desk.db) == [
        ("forum_summary", "forum.summary", "forum_rsvp", str(forum_id), forum_id)
    ]
    assert "Tidak ada forum mendatang" in chat.last.text


def _rsvp(forum_id: int, resident_id: int, answer: str, before: datetime) -> ForumRsvp:
    return ForumRsvp(
        forum_id=forum_id,
        resident_id=resident_id,
        answer=answer,
        answered_at=before - timedelta(days=1),
    )


def test_a_forum_changed_by_someone_else_meanwhile(desk: SiantarEngine) -> None:
    forum_id = existing(desk.db)
    chat = seated(desk, FACILITATOR)
    play(
        chat,
        [
            ("/kelola_forum", "Pilih forum yang ingin dikelola"),
            (("press", TITLE), f"{TITLE}\nWaktu:"),
            (("press", "Pindahkan jadwal"), "Kapan waktu barunya?"),
            ("19-12-2026 09.00", "Di mana tempat barunya?"),
            (("press", "Tempat tetap"), "Pindahkan"),
        ],
    )
    with transaction(desk.db) as session:
        cancel_forum(session=session, forum_id=forum_id, now=NOW)
    play(chat, [(("press", "Simpan dan kabari"), "Forum ini baru saja berubah")])
    assert "Forum ini sudah dibatalkan." in chat.last.text
    assert chat.labels == ["« Forum lain", "Kembali ke menu"]
    assert announcements(desk.db) == []


def test_no_forums_to_manage(desk: SiantarEngine) -> None:
    chat = seated(desk, FACILITATOR)
    play(chat, [("/kelola_forum", "Buat forum baru dengan /forum_baru.")])
    assert chat.labels == ["Kembali ke menu"]


# --- who may ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/forum_baru", "/kelola_forum"])
@pytest.mark.parametrize("who", [RESIDENT, STAFF])
def test_residents_and_staff_are_refused(desk: SiantarEngine, command: str, who: str) -> None:
    existing(desk.db)
    chat = seated(desk, who)
    chat.send(command)
    assert DENIED in chat.said and chat.last.text.endswith(MENU_QUESTION)
    assert TITLE not in chat.said
    assert state(chat) == ("menu", "main")


@pytest.mark.parametrize("who", [FACILITATOR, ADMIN])
def test_facilitators_and_admins_may(desk: SiantarEngine, who: str) -> None:
    chat = seated(desk, who)
    play(chat, [("/forum_baru", "Apa judul forumnya?"), ("/kelola_forum", "Tidak ada forum")])


@pytest.mark.parametrize(
    ("flow", "step"),
    [(f.name, s) for f in (NEW_FORUM, MANAGE_FORUMS) for s in ("title", "preview", "pick")
     if s in {step.value for step in f.steps}],
)  # fmt: skip
def test_a_forged_state_is_refused_without_the_role(
    desk: SiantarEngine, flow: str, step: str
) -> None:
    existing(desk.db)
    chat = seated(desk, RESIDENT)
    with transaction(desk.db) as session:
        row = session.get(Conversation, (chat.channel, chat.user_id))
        assert row is not None
        row.flow, row.step, row.version = flow, step, row.version + 1
        row.data = {"title": TITLE, "type": "forum_warga", "starts": TWELFTH.isoformat(),
                    "agenda": AGENDA, "page": 0}  # fmt: skip
        session.add(row)
    chat.send("Simpan")
    assert DENIED in chat.said and state(chat) == ("menu", "main")
    assert len(forums(desk.db)) == 1
