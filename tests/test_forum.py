"""Residents and forums in chat: the "Forum & pengumuman" hub, upcoming forums
for their area (paged), RSVP and changing it, reminder subscriptions (asking the
home area first, with consent), the announcements switch, and the RSVP buttons of
a reminder pressed from any step. Runs on SQLite and, with TEST_DATABASE_URL,
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from conftest import NOW
from dialogue import ONBOARD, TO_SUMMARY, Chat, play
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.jobs import broadcast_tick, forum_tick
from handlers.core.engine import Engine as SiantarEngine
from handlers.core.types import ACTION_PROMPT, Choice
from storage.announcements import Segment, count_members
from storage.db import transaction
from storage.forums import NewForum, cancel_forum, create_forum, subscriptions_of
from storage.models import ForumRsvp, ForumSubscription, OutboxMessage, Resident

BANTAN, TOMUAN = "12.72.02.1003", "12.72.01.1002"  # Siantar Barat, Siantar Timur
BARAT, TIMUR = "12.72.02", "12.72.01"
DAY = timedelta(days=1)
HUB = "Forum & pengumuman\n\nDi sini Anda bisa melihat jadwal"
NOT_YET = [  # onboarding without the home area
    ("/start", "Apakah Anda setuju"),
    (("press", "Setuju"), "Anda tinggal di kecamatan mana"),
    (("press", "Lewati"), "Baik, kita lewati."),
]
DECLINED = [("/start", "Apakah Anda setuju"), (("press", "Tidak setuju"), "Tidak apa-apa")]
SUBS = "Kami hanya mencatat pilihan ini. Wilayah mengikuti tempat tinggal yang Anda isi."


def forum(
    db: Engine,
    title: str,
    *,
    days: float = 10,
    level: str = "kota",
    code: str | None = None,
    forum_type: str = "forum_warga",
    place: str = "Balai Kota Pematangsiantar",
) -> int:
    with transaction(db) as session:
        created = create_forum(
            session=session,
            new=NewForum(
                title=title,
                starts_at=NOW + timedelta(days=days),
                forum_type=forum_type,
                place=place,
                agenda="Usulan prioritas pembangunan 2027.",
                area_level=level,
                area_code=code,
            ),
            actor="console:9",
            now=NOW - DAY,
        )
        assert created.id is not None
        return created.id


def resident(db: Engine, chat: Chat) -> Resident:
    with Session(db) as session:
        found = session.exec(
            select(Resident).where(Resident.identity == f"{chat.channel}:{chat.user_id}")
        ).one()
        return found


def rsvps(db: Engine) -> list[tuple[int, int, str]]:
    with Session(db) as session:
        rows = session.exec(select(ForumRsvp)).all()
        return sorted((r.forum_id, r.resident_id, r.answer) for r in rows)


def subscriptions(db: Engine, chat: Chat) -> set[str]:
    resident_id = resident(db, chat).id
    assert resident_id is not None
    with Session(db) as session:
        return subscriptions_of(session, resident_id)


def to_hub(chat: Chat) -> None:
    chat.send("/menu")
    chat.press("Forum & pengumuman")
    assert HUB in chat.said, chat.said


# --- the hub and the upcoming forums --------------------------------------------


def test_the_menu_item_opens_the_hub(chat: Chat) -> None:
    play(chat, ONBOARD)
    play(chat, [(("press", "Forum & pengumuman"), HUB)])
    assert chat.labels == [
        "Forum mendatang",
        "Langganan pengingat",
        "Hentikan pengumuman",
        "Kembali ke menu",
    ]
    play(chat, [(("press", "Kembali ke menu"), "Apa yang ingin Anda lakukan?")])


def test_upcoming_forums_are_those_of_the_residents_area_soonest_first(
    engine: SiantarEngine, chat: Chat
) -> None:
    db = engine.db
    forum(db, "Musrenbang Kota 2027", days=20, forum_type="musrenbang_kota")
    forum(db, "Musrenbang Kelurahan Bantan", days=5, level="kelurahan", code=BANTAN)
    forum(db, "Forum Warga Siantar Barat", days=8, level="kecamatan", code=BARAT)
    forum(db, "Musrenbang Kelurahan Tomuan", days=6, level="kelurahan", code=TOMUAN)
    forum(db, "Forum Warga Siantar Timur", days=7, level="kecamatan", code=TIMUR)
    gone = forum(db, "Sosialisasi yang batal", days=4)
    with transaction(db) as session:
        cancel_forum(session=session, forum_id=gone, now=NOW)
    forum(db, "Forum yang sudah lewat", days=-0.5)
    play(chat, ONBOARD)  # lives in Bantan, Siantar Barat
    play(
        chat,
        [
            (("press", "Forum & pengumuman"), HUB),
            (("press", "Forum mendatang"), "Forum mendatang (halaman"),
        ],
    )
    assert chat.last.text.startswith("Forum mendatang (halaman 1 dari 1):\n\n1. Forum Warga “")
    assert (
        "1. Forum Warga “Musrenbang Kelurahan Bantan”\n"
        "Kamis, 3 Desember 2026 pukul 09.00 WIB\nBalai Kota Pematangsiantar"
    ) in chat.last.text
    assert chat.labels == [
        "Musrenbang Kelurahan Bantan · 03-12-2026",
        "Forum Warga Siantar Barat · 06-12-2026",
        "Musrenbang Kota 2027 · 18-12-2026",
        "« Kembali",
        "Kembali ke menu",
    ]
    assert "Anda belum mengisi kelurahan" not in chat.last.text


def test_the_list_is_paged_five_at_a_time(engine: SiantarEngine, chat: Chat) -> None:
    for day in range(1, 8):
        forum(engine.db, f"Forum Warga ke-{day}", days=day)
    play(chat, ONBOARD)
    to_hub(chat)
    play(chat, [(("press", "Forum mendatang"), "Forum mendatang (halaman 1 dari 2)")])
    assert [label.split(" · ")[0] for label in chat.labels[:5]] == [
        f"Forum Warga ke-{d}" for d in range(1, 6)
    ]
    assert chat.labels[5:] == ["Berikutnya »", "« Kembali", "Kembali ke menu"]
    play(chat, [(("press", "Berikutnya"), "Forum mendatang (halaman 2 dari 2)")])
    assert "6. Forum Warga ke-6\n" in chat.last.text
    assert chat.labels[2:] == ["« Sebelumnya", "« Kembali", "Kembali ke menu"]
    play(chat, [(("press", "Sebelumnya"), "halaman 1 dari 2"), ("berikutnya", "halaman 2")])


def test_without_a_home_area_only_city_forums_show_with_a_hint(
    engine: SiantarEngine, chat: Chat
) -> None:
    forum(engine.db, "Musrenbang Kelurahan Bantan", days=5, level="kelurahan", code=BANTAN)
    play(chat, NOT_YET)
    to_hub(chat)
    play(chat, [(("press", "Forum mendatang"), "Belum ada forum terjadwal untuk wilayah Anda")])
    assert "yang tampil hanya forum tingkat kota" in chat.last.text
    forum(engine.db, "Musrenbang Kota 2027", days=20)
    play(
        chat,
        [
            (("press", "Kembali ke menu"), "Apa yang ingin Anda lakukan?"),
            ("/menu", "Apa yang ingin Anda lakukan?"),
        ],
    )
    to_hub(chat)
    play(chat, [(("press", "Forum mendatang"), "1. Forum Warga “Musrenbang Kota 2027”")])
    assert "Bantan" not in chat.last.text and "hanya forum tingkat kota" in chat.last.text


# --- detail and RSVP ---------------------------------------------------------------


def test_rsvp_from_the_detail_and_changing_it(engine: SiantarEngine, chat: Chat) -> None:
    forum_id = forum(
        engine.db,
        "Musrenbang Kelurahan Bantan 2027",
        days=10,
        level="kelurahan",
        code=BANTAN,
        forum_type="musrenbang_kelurahan",
        place="Kantor Lurah Bantan",
    )
    play(chat, ONBOARD)
    to_hub(chat)
    play(
        chat,
        [
            (("press", "Forum mendatang"), "Musrenbang Kelurahan Bantan 2027"),
            (
                ("press", "Musrenbang Kelurahan Bantan 2027"),
                "Musrenbang Kelurahan Bantan 2027\n"
                "Waktu: Selasa, 8 Desember 2026 pukul 09.00 WIB\n"
                "Tempat: Kantor Lurah Bantan\n"
                "Wilayah: Kelurahan Bantan, Kecamatan Siantar Barat\n\n"
                "Agenda:\nUsulan prioritas pembangunan 2027.\n\n"
                "Jawaban warga sejauh ini: 0 hadir, 0 tidak hadir, 0 mungkin.\n\n"
                "Apakah Anda akan hadir?",
            ),
        ],
    )
    assert chat.labels == [
        "Hadir",
        "Tidak hadir",
        "Mungkin",
        "« Kembali ke daftar",
        "Kembali ke menu",
    ]
    play(
        chat,
        [
            (("press", "Hadir"), "Terima kasih! Anda tercatat hadir di “Musrenbang Kelurahan"),
            (("press", "Hadir"), "Jawaban warga sejauh ini: 1 hadir, 0 tidak hadir, 0 mungkin."),
        ],
    )
    assert "Jawaban Anda: Hadir. Anda bisa mengubahnya sampai forum dimulai." in chat.said
    assert chat.labels[:3] == ["✅ Hadir", "Tidak hadir", "Mungkin"]
    me = resident(engine.db, chat).id
    assert rsvps(engine.db) == [(forum_id, me, "hadir")]
    play(
        chat,
        [
            (("press", "Tidak hadir"), "tersimpan: Tidak hadir"),
            ("mungkin", "Jawaban warga sejauh ini: 0 hadir, 0 tidak hadir, 1 mungkin."),
        ],
    )
    assert chat.labels[:3] == ["Hadir", "Tidak hadir", "✅ Mungkin"]
    assert rsvps(engine.db) == [(forum_id, me, "mungkin")]  # one answer, changed
    play(chat, [(("press", "Kembali ke daftar"), "Forum mendatang (halaman 1 dari 1)")])


def test_a_forum_cancelled_while_on_screen_takes_no_answer(
    engine: SiantarEngine, chat: Chat
) -> None:
    forum_id = forum(engine.db, "Forum Warga Kota", days=3)
    play(chat, ONBOARD)
    to_hub(chat)
    play(
        chat,
        [
            (("press", "Forum mendatang"), "Forum mendatang (halaman"),
            (("press", "Forum Warga Kota"), "Hadir"),
        ],
    )
    with transaction(engine.db) as session:
        cancel_forum(session=session, forum_id=forum_id, now=NOW)
    play(chat, [(("press", "Hadir"), "Maaf, forum ini sudah tidak tersedia.")])
    assert "tombol ini sudah tidak berlaku" in chat.said
    assert rsvps(engine.db) == []
    play(chat, [(("press", "Kembali ke daftar"), "Belum ada forum terjadwal")])


# --- a reminder's RSVP buttons, from any step ---------------------------------------


def reminded(engine: SiantarEngine, chat: Chat, forum_id: int) -> list[tuple[str, str]]:
    """The reminder of ``forum_id`` as ``chat`` received it: its (value, label) options."""
    forum_tick(engine.db, (timedelta(days=3),), NOW + timedelta(days=7))
    broadcast_tick(engine.db, NOW + timedelta(days=7))
    with Session(engine.db) as session:
        row = session.exec(
            select(OutboxMessage).where(
                OutboxMessage.kind == "forum_reminder", OutboxMessage.recipient == chat.user_id
            )
        ).one()
    assert row.payload["prompt_id"] == ACTION_PROMPT
    return [(value, label) for value, label in row.payload["options"]]


def press_action(chat: Chat, value: str) -> None:
    chat._send(choice=Choice(ACTION_PROMPT, value))


def test_the_reminder_buttons_answer_from_the_middle_of_another_flow(
    engine: SiantarEngine,
) -> None:
    forum_id = forum(
        engine.db, "Musrenbang Kelurahan Bantan", days=10, level="kelurahan", code=BANTAN
    )
    chat = Chat(engine, channel="telegram")
    play(chat, ONBOARD)
    to_hub(chat)
    play(
        chat,
        [
            (("press", "Langganan pengingat"), SUBS),
            (("press", "Kelurahan Bantan"), "Berlangganan: Kelurahan Bantan"),
        ],
    )
    options = reminded(engine, chat, forum_id)
    assert options == [
        (f"!rsvp:{forum_id}:hadir", "Hadir"),
        (f"!rsvp:{forum_id}:tidak", "Tidak hadir"),
        (f"!rsvp:{forum_id}:mungkin", "Mungkin"),
    ]
    chat.clock.advance(days=7)
    # writing an aspiration
    play(chat, [("/menu", "Apa yang ingin Anda lakukan?"), *TO_SUMMARY[:4]])
    press_action(chat, options[0][0])
    assert "Anda tercatat hadir di “Musrenbang Kelurahan Bantan”" in chat.said
    assert chat.last.text.endswith(chat.transcript[-2].text.split("\n\n")[-1])  # same question
    assert "Tuliskan aspirasi" in chat.last.text
    me = resident(engine.db, chat).id
    press_action(chat, options[2][0])
    assert "tersimpan: Mungkin" in chat.said
    assert rsvps(engine.db) == [(forum_id, me, "mungkin")]
    play(chat, [("Jalan Sutomo di depan pasar berlubang besar sejak Oktober.", "foto atau lokasi")])


def test_a_reminder_button_after_the_forum_closed_gets_a_polite_answer(
    engine: SiantarEngine,
) -> None:
    forum_id = forum(engine.db, "Forum Warga Kota", days=10)
    chat = Chat(engine, channel="telegram")
    play(chat, ONBOARD)
    with transaction(engine.db) as session:
        cancel_forum(session=session, forum_id=forum_id, now=NOW)
    press_action(chat, f"!rsvp:{forum_id}:hadir")
    assert "forum ini sudah tidak menerima jawaban kehadiran" in chat.said
    assert chat.last.text.endswith("Apa yang ingin Anda lakukan?")
    press_action(chat, "!rsvp:999:hadir")
    assert "Maaf, forum ini sudah tidak ada." in chat.said
    for broken in ("!rsvp:abc:hadir", f"!rsvp:{forum_id}:pasti", "!rsvp:"):
        press_action(chat, broken)
        assert "tombol ini sudah tidak berlaku" in chat.said
    assert rsvps(engine.db) == []
    later = forum(engine.db, "Forum Warga Kota 2", days=1)
    chat.clock.advance(days=2)  # it has started
    press_action(chat, f"!rsvp:{later}:tidak")
    assert "sudah tidak menerima jawaban" in chat.said and rsvps(engine.db) == []


# --- subscriptions ---------------------------------------------------------------------


def test_subscription_toggles_with_a_home_area(engine: SiantarEngine, chat: Chat) -> None:
    play(chat, ONBOARD)
    to_hub(chat)
    play(chat, [(("press", "Langganan pengingat"), SUBS)])
    assert "Sebelum forum dimulai, kami kirim pengingat di chat ini" in chat.last.text
    assert chat.labels == [
        "Ingatkan: Kelurahan Bantan",
        "Ingatkan: Kecamatan Siantar Barat",
        "Ingatkan: Seluruh kota",
        "Ganti tempat tinggal",
        "« Kembali",
    ]
    play(
        chat,
        [
            (("press", "Kelurahan Bantan"), "Berlangganan: Kelurahan Bantan."),
            (("press", "Seluruh kota"), "Berlangganan: Seluruh kota."),
        ],
    )
    assert chat.labels[:3] == [
        "Hentikan: Kelurahan Bantan",
        "Ingatkan: Kecamatan Siantar Barat",
        "Hentikan: Seluruh kota",
    ]
    assert "Anda diingatkan untuk: Kelurahan Bantan, Seluruh kota." in chat.last.text
    assert subscriptions(engine.db, chat) == {"kelurahan", "kota"}
    play(chat, [(("press", "Kelurahan Bantan"), "Langganan Kelurahan Bantan dihentikan.")])
    assert subscriptions(engine.db, chat) == {"kota"}
    play(chat, [("kecamatan", "Berlangganan: Kecamatan Siantar Barat.")])  # typed
    assert subscriptions(engine.db, chat) == {"kota", "kecamatan"}
    play(chat, [(("press", "« Kembali"), HUB)])


def test_a_kelurahan_subscription_asks_the_home_area_first(
    engine: SiantarEngine, chat: Chat
) -> None:
    play(chat, NOT_YET)
    to_hub(chat)
    play(chat, [(("press", "Langganan pengingat"), SUBS)])
    assert chat.labels[:3] == [
        "Ingatkan: Kelurahan tempat tinggal Anda",
        "Ingatkan: Kecamatan tempat tinggal Anda",
        "Ingatkan: Seluruh kota",
    ]
    assert "Belum ada pengingat forum yang Anda terima." in chat.last.text
    assert "Ganti tempat tinggal" not in chat.labels
    play(
        chat,
        [
            (("press", "Kelurahan tempat"), "isi dulu tempat tinggal Anda"),
            (("press", "Siantar Barat"), "Di kelurahan mana di Kecamatan Siantar Barat?"),
            (("press", "« Kecamatan lain"), "Anda tinggal di kecamatan mana?"),
            (("press", "Siantar Timur"), "Di kelurahan mana di Kecamatan Siantar Timur?"),
            (("press", "Tomuan"), "Tersimpan: Kelurahan Tomuan, Kecamatan Siantar Timur."),
        ],
    )
    assert "Berlangganan: Kelurahan Tomuan." in chat.said
    assert chat.labels[:2] == [
        "Hentikan: Kelurahan Tomuan",
        "Ingatkan: Kecamatan Siantar Timur",
    ]
    stored = resident(engine.db, chat)
    assert (stored.home_kecamatan_code, stored.home_kelurahan_code) == (TIMUR, TOMUAN)
    assert subscriptions(engine.db, chat) == {"kelurahan"}
    # moving house: the kelurahan subscription follows the new home
    play(
        chat,
        [
            (("press", "Ganti tempat tinggal"), "Anda tinggal di kecamatan mana?"),
            (("press", "Siantar Barat"), "Di kelurahan mana di Kecamatan Siantar Barat"),
            (("press", "Bantan"), "Tersimpan: Kelurahan Bantan"),
        ],
    )
    assert "Berlangganan" not in chat.said
    assert chat.labels[:2] == [
        "Hentikan: Kelurahan Bantan",
        "Ingatkan: Kecamatan Siantar Barat",
    ]


def test_going_back_from_the_home_question_subscribes_to_nothing(
    engine: SiantarEngine, chat: Chat
) -> None:
    play(chat, NOT_YET)
    to_hub(chat)
    play(
        chat,
        [
            (("press", "Langganan pengingat"), SUBS),
            (("press", "Kecamatan tempat"), "Anda tinggal di kecamatan mana?"),
            (("press", "Kembali ke langganan"), SUBS),
            (("press", "Kelurahan tempat"), "Anda tinggal di kecamatan mana?"),
            (("press", "Siantar Barat"), "Di kelurahan mana di Kecamatan Siantar Barat"),
            (("press", "Bantan"), "Tersimpan"),
        ],
    )
    # the kecamatan question was dropped, only the last one counts
    assert subscriptions(engine.db, chat) == {"kelurahan"}


def test_without_consent_the_home_area_needs_it_first(engine: SiantarEngine, chat: Chat) -> None:
    play(chat, DECLINED)
    to_hub(chat)
    play(
        chat,
        [
            (("press", "Langganan pengingat"), SUBS),
            (("press", "Seluruh kota"), "Berlangganan: Seluruh kota."),  # no consent needed
            (("press", "Kelurahan tempat"), "kami perlu persetujuan Anda"),
            (("press", "Kembali ke langganan"), "tanpa persetujuan kami tidak menyimpan"),
        ],
    )
    stored = resident(engine.db, chat)
    assert stored.consent_at is None and stored.home_kelurahan_code is None
    assert subscriptions(engine.db, chat) == {"kota"}
    play(
        chat,
        [
            (("press", "Kelurahan tempat"), "Sebelum mulai, ini cara kami menjaga data Anda"),
            (("press", "Setuju dan lanjut"), "Terima kasih atas persetujuan Anda."),
            (("press", "Siantar Barat"), "Di kelurahan mana di Kecamatan Siantar Barat"),
            (("press", "Bantan"), "Berlangganan: Kelurahan Bantan."),
        ],
    )
    stored = resident(engine.db, chat)
    assert stored.consent_at == chat.clock.now and stored.home_kelurahan_code == BANTAN
    assert subscriptions(engine.db, chat) == {"kota", "kelurahan"}


# --- announcements on / off --------------------------------------------------------------


def test_the_announcements_switch_is_the_opt_out(engine: SiantarEngine) -> None:
    chat = Chat(engine, channel="telegram")
    play(chat, ONBOARD)

    def reachable() -> int:
        with Session(engine.db) as session:
            return count_members(session, Segment("everyone"))

    assert reachable() == 1
    to_hub(chat)
    assert "Pengumuman program: aktif." in chat.last.text
    play(chat, [(("press", "Hentikan pengumuman"), "pengumuman dan pengingat forum kami hentikan")])
    assert "Pengumuman program: berhenti." in chat.last.text
    assert "Terima pengumuman" in chat.labels
    assert resident(engine.db, chat).announcements_off_at == chat.clock.now
    assert reachable() == 0
    play(
        chat,
        [
            (("press", "Langganan pengingat"), "pengumuman sedang Anda hentikan"),
            (("press", "« Kembali"), HUB),
            (("press", "Terima pengumuman"), "Pengumuman aktif lagi. Terima kasih!"),
        ],
    )
    assert resident(engine.db, chat).announcements_off_at is None
    assert reachable() == 1
    play(chat, [(("press", "Langganan pengingat"), SUBS)])
    assert "pengumuman sedang Anda hentikan" not in chat.said


def test_the_hub_speaks_english(engine: SiantarEngine) -> None:
    forum(engine.db, "Musrenbang Kota 2027", days=20, forum_type="musrenbang_kota")
    chat = Chat(engine, language_hint="en")
    chat.send("/start")
    chat.press("I agree")
    chat.press("Siantar Barat")
    chat.press("Bantan")
    chat.press("Forums")
    assert "Program announcements: on." in chat.last.text
    chat.press("Upcoming forums")
    assert "1. Musrenbang Kota 2027\nFriday, 18 December 2026 at 09:00 WIB" in (chat.last.text)
    chat.press("Musrenbang Kota 2027")
    assert chat.labels[:3] == ["I'll come", "Can't come", "Maybe"]
    chat.press("I'll come")
    assert "You are down as coming to “Musrenbang Kota 2027”" in chat.said


def test_erasing_ones_data_removes_subscriptions_and_answers(engine: SiantarEngine) -> None:
    forum_id = forum(engine.db, "Forum Warga Kota", days=10)
    chat = Chat(engine, channel="telegram")
    play(chat, ONBOARD)
    to_hub(chat)
    play(
        chat,
        [
            (("press", "Langganan pengingat"), SUBS),
            (("press", "Kelurahan Bantan"), "Berlangganan"),
            (("press", "« Kembali"), HUB),
            (("press", "Forum mendatang"), "Forum mendatang (halaman"),
            (("press", "Forum Warga Kota"), "Forum Warga Kota\nWaktu:"),
            (("press", "Hadir"), "Anda tercatat hadir"),
        ],
    )
    assert len(rsvps(engine.db)) == 1 and subscriptions(engine.db, chat) == {"kelurahan"}
    play(chat, [("/hapusdata", "Ya, hapus data saya"), (("press", "Ya, hapus"), "sudah dihapus")])
    assert rsvps(engine.db) == []
    with Session(engine.db) as session:
        assert session.exec(select(Resident)).all() == []
        assert session.exec(select(ForumSubscription)).all() == []
        assert count_members(session, Segment("forum_subscribers", str(forum_id))) == 0


# --- following a forum needs no consent, and is kept --------------------------------------


def test_a_resident_who_declined_consent_gets_the_reminders_they_subscribed_to(
    engine: SiantarEngine,
) -> None:
    """The screen promises reminders to a city-wide subscriber who declined the
    privacy notice: the count the facilitator sees and the delivery agree with it."""
    from handlers.forums.new import followers, subscribers_to_remind

    chat = Chat(engine, channel="telegram", user_id="5150")
    play(chat, DECLINED)
    to_hub(chat)
    play(
        chat,
        [
            (("press", "Langganan pengingat"), SUBS),
            (("press", "Seluruh kota"), "Anda akan diingatkan sebelum forumnya dimulai"),
        ],
    )
    assert resident(engine.db, chat).consent_at is None
    with Session(engine.db) as session:
        assert subscribers_to_remind(session, "kota", None) == 1
        assert count_members(session, Segment("everyone")) == 0  # city news: consent only
    forum_id = forum(engine.db, "Forum Warga Kota", days=2)
    with Session(engine.db) as session:
        assert followers(session, forum_id) == 1
    start = NOW + timedelta(days=2)
    forum_tick(engine.db, (timedelta(days=1),), start - timedelta(days=1))
    broadcast_tick(engine.db, start - timedelta(days=1))
    with Session(engine.db) as session:
        sent = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "forum_reminder")
        ).all()
    assert [m.recipient for m in sent] == ["5150"]
    assert "Forum Warga Kota" in sent[0].payload["text"]


def test_a_resident_who_declined_consent_hears_that_the_forum_they_answered_moved(
    engine: SiantarEngine,
) -> None:
    from handlers.forums.notices import forum_moved
    from storage.forums import move_forum

    forum_id = forum(engine.db, "Forum Warga Kota", days=10)
    chat = Chat(engine, channel="telegram", user_id="5151")
    play(chat, DECLINED)
    to_hub(chat)
    play(
        chat,
        [
            (("press", "Forum mendatang"), "Forum Warga Kota"),
            (("press", "Forum Warga Kota"), "Forum Warga Kota"),
            (("press", "Hadir"), "Anda tercatat hadir"),
        ],
    )
    with transaction(engine.db) as session:
        moved = move_forum(
            session=session, forum_id=forum_id, starts_at=NOW + timedelta(days=12), now=NOW
        )
        forum_moved(session, engine.settings.translators, moved, now=NOW, actor="console:9")
    broadcast_tick(engine.db, NOW)
    with Session(engine.db) as session:
        notices = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "forum_notice")
        ).all()
    assert [m.recipient for m in notices] == ["5151"]
