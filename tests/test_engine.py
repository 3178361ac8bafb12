"""The conversation core: global commands, stale buttons, odd updates, expiry,
redelivery, concurrent writers, restarts, first contact, data rights and status.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL
(through the ``db`` fixture behind ``engine``).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import pytest
from conftest import NOW
from dialogue import ONBOARD, TO_SUMMARY, Chat, Step, play
from sqlmodel import Session, select

import handlers.aspirations.submit
import handlers.core.engine
from handlers.core.engine import ConversationBusy, Engine
from handlers.core.types import Choice, Inbound, Location, Reply
from handlers.registry import FLOWS
from storage.aspirations import CODE_ALPHABET
from storage.conversations import ConversationConflict, load_conversation, save_conversation
from storage.db import transaction
from storage.models import Aspiration, Conversation, ProcessedUpdate, Resident

CODE = re.compile(rf"ASP-[{CODE_ALPHABET}]{{6}}")
MENU_QUESTION = "Apa yang ingin Anda lakukan?"
MENU_LABELS = [
    "Sampaikan aspirasi",
    "Cek status",
    "Pelatihan",
    "Forum & pengumuman",
    "Bantuan",
    "Bahasa",
]
HELP = "Pilih yang ingin Anda ketahui"  # /bantuan's short menu (issue 19)
KIRIM = (("press", "Kirim"), "Kode pelacakan")


# --- helpers -----------------------------------------------------------------


def conversation(chat: Chat) -> Conversation | None:
    with Session(chat.engine.db) as session:
        return session.get(Conversation, (chat.channel, chat.user_id))


def state(chat: Chat) -> tuple[str, str, dict[str, Any], int]:
    """What a step decides on: flow, step, collected data and prompt id."""
    row = conversation(chat)
    assert row is not None
    return row.flow, row.step, dict(row.data), row.prompt_id


def button(reply: Reply, value: str) -> Choice:
    """A press of ``value`` on ``reply``'s keyboard (which may be old by now)."""
    assert reply.prompt_id is not None
    return Choice(reply.prompt_id, value)


def version(chat: Chat) -> int:
    row = conversation(chat)
    assert row is not None
    return row.version


def snapshot(row: Conversation | None) -> tuple[Any, ...] | None:
    """Every stored column of a conversation, version and timestamps included."""
    return None if row is None else tuple(row.model_dump().items())


def resident(chat: Chat) -> Resident | None:
    with Session(chat.engine.db) as session:
        return session.exec(
            select(Resident).where(Resident.identity == f"{chat.channel}:{chat.user_id}")
        ).first()


def aspirations(chat: Chat) -> list[Aspiration]:
    with Session(chat.engine.db) as session:
        return list(session.exec(select(Aspiration).order_by(Aspiration.id)).all())


def assert_menu(chat: Chat) -> None:
    assert chat.last.text.endswith(MENU_QUESTION), chat.said
    assert chat.labels == MENU_LABELS


def assert_asked_again(chat: Chat, before: Reply) -> None:
    """The last message asks ``before``'s question again, with the same options and
    prompt id; either may carry notes above the question (``resume`` has none)."""
    [bare] = chat.engine.resume(chat.channel, chat.user_id, chat.clock.now)
    assert before.text.endswith(bare.text), f"{bare.text!r} vs {before.text!r}"
    assert chat.last.text.endswith(bare.text), f"{bare.text!r} vs {chat.last.text!r}"
    assert chat.last.options == before.options
    assert chat.last.prompt_id == before.prompt_id


def submit(chat: Chat) -> str:
    """Send one aspiration from the menu; returns its tracking code."""
    play(chat, TO_SUMMARY + [KIRIM])
    found = CODE.search(chat.said)
    assert found, chat.said
    return found.group()


# --- reaching every step -----------------------------------------------------


@dataclass(frozen=True)
class Reach:
    dialogue: list[tuple[Step, str]]
    question: str  # a distinctive part of the step's question
    flow: str
    named: bool = True  # False: the resident's platform gives no display name


NAME_STEP = TO_SUMMARY[:6] + [(("press", "Tampilkan nama saya"), "Tuliskan nama Anda")]

STEPS: dict[str, Reach] = {
    "category": Reach(ONBOARD + TO_SUMMARY[:1], "Pilih kategorinya", "aspiration"),
    "kecamatan": Reach(ONBOARD + TO_SUMMARY[:2], "Di kecamatan mana", "aspiration"),
    "kelurahan": Reach(ONBOARD + TO_SUMMARY[:3], "Di kelurahan mana", "aspiration"),
    "text": Reach(ONBOARD + TO_SUMMARY[:4], "Tuliskan aspirasi", "aspiration"),
    "attachment": Reach(ONBOARD + TO_SUMMARY[:5], "foto atau lokasi", "aspiration"),
    "identity": Reach(ONBOARD + TO_SUMMARY[:6], "nama Anda ditampilkan", "aspiration"),
    "name": Reach(ONBOARD + NAME_STEP, "Tuliskan nama Anda", "aspiration", named=False),
    "summary": Reach(ONBOARD + TO_SUMMARY, "Periksa lagi aspirasi Anda", "aspiration"),
    "edit": Reach(
        ONBOARD + TO_SUMMARY + [(("press", "Ubah"), "Bagian mana")], "Bagian mana", "aspiration"
    ),
    "consent": Reach([("/start", "Apakah Anda setuju")], "Apakah Anda setuju", "onboarding"),
    "home_kecamatan": Reach(ONBOARD[:2], "Anda tinggal di kecamatan mana", "onboarding"),
    "home_kelurahan": Reach(ONBOARD[:3], "Di kelurahan mana", "onboarding"),
    "status": Reach(
        ONBOARD + [(("press", "Cek status"), "Ketik kode pelacakan")],
        "Ketik kode pelacakan",
        "status",
    ),
}
ASPIRATION_STEPS = [name for name, reach in STEPS.items() if reach.flow == "aspiration"]


def at(engine: Engine, step: str, user_id: str = "1001") -> Chat:
    """A resident standing at ``step``; the last message is its question."""
    reach = STEPS[step]
    chat = Chat(engine, user_id=user_id, name="Budi Siregar" if reach.named else None)
    play(chat, reach.dialogue)
    assert reach.question in chat.last.text
    found = conversation(chat)
    assert found is not None
    assert (found.flow, found.step) == (reach.flow, "code" if step == "status" else step)
    return chat


# --- 1. global commands at every step ----------------------------------------


@pytest.mark.parametrize("command", ["/menu", "menu", "/MENU", "/menu@siantarbot"])
@pytest.mark.parametrize("step", list(STEPS))
def test_menu_command_shows_the_menu_from_every_step(
    engine: Engine, step: str, command: str
) -> None:
    chat = at(engine, step)
    chat.send(command)
    assert_menu(chat)
    assert state(chat)[:3] == ("menu", "main", {})


@pytest.mark.parametrize("command", ["/batal", "batal", "/cancel"])
@pytest.mark.parametrize("step", list(STEPS))
def test_cancel_command_notes_the_cancel_and_shows_the_menu_from_every_step(
    engine: Engine, step: str, command: str
) -> None:
    chat = at(engine, step)
    chat.send(command)
    # only a resident still deciding on consent is reminded how to give it
    note = "Baik, kita lewati dulu" if step == "consent" else "Baik, dibatalkan"
    assert chat.last.text.startswith(note), chat.said
    assert_menu(chat)
    assert state(chat)[:3] == ("menu", "main", {})
    assert aspirations(chat) == []


def test_cancel_during_consent_onboards_the_resident_without_consent(engine: Engine) -> None:
    chat = at(engine, "consent")
    chat.send("/batal")
    stored = resident(chat)
    assert stored is not None
    assert stored.onboarded_at == chat.clock.now
    assert stored.consent_at is None and stored.consent_version is None
    assert stored.display_name is None
    chat.send("halo")  # stays out of onboarding: no consent question again
    assert "Apakah Anda setuju" not in chat.said
    assert chat.last.text.endswith(MENU_QUESTION)


@pytest.mark.parametrize("step", ["home_kecamatan", "home_kelurahan"])
def test_cancel_after_consent_keeps_the_consent(engine: Engine, step: str) -> None:
    chat = at(engine, step)
    chat.send("/batal")
    stored = resident(chat)
    assert stored is not None and stored.consent_at is not None
    assert stored.home_kelurahan_code is None


@pytest.mark.parametrize("step", ["home_kecamatan", "home_kelurahan"])
def test_cancel_after_consent_does_not_ask_for_consent_again(engine: Engine, step: str) -> None:
    chat = at(engine, step)
    chat.send("/batal")
    assert "memberi persetujuan" not in chat.said


@pytest.mark.parametrize("command", ["/bantuan", "bantuan", "/help", "help"])
@pytest.mark.parametrize("step", list(STEPS))
def test_help_command_shows_help_then_the_same_question(
    engine: Engine, step: str, command: str
) -> None:
    chat = at(engine, step)
    before, state_before = chat.last, state(chat)
    chat.send(command)
    assert len(chat.last_batch) == 2
    assert HELP in chat.last_batch[0].text
    assert STEPS[step].question in chat.last.text
    assert_asked_again(chat, before)
    assert state(chat) == state_before
    if before.options:  # the buttons shown before the help still work
        chat._send(choice=button(before, before.options[0].value))
        assert "sudah tidak berlaku" not in chat.said
        assert state(chat)[3] == before.prompt_id + 1


def test_after_help_at_the_summary_the_old_send_button_still_works(chat: Chat) -> None:
    play(chat, ONBOARD + TO_SUMMARY)
    summary = chat.last
    chat.send("/bantuan")
    chat._send(choice=button(summary, "send"))
    assert "Kode pelacakan" in chat.said
    [stored] = aspirations(chat)
    assert stored.text == "Jalan Sutomo di depan pasar berlubang besar sejak Oktober."
    assert (stored.category, stored.kelurahan_code) == ("infrastruktur", "12.72.01.1002")
    assert stored.anonymous is False


@pytest.mark.parametrize("command", ["/bahasa", "/language"])
@pytest.mark.parametrize("step", list(STEPS))
def test_language_command_asks_the_language_from_every_step(
    engine: Engine, step: str, command: str
) -> None:
    chat = at(engine, step)
    chat.send(command)
    assert chat.last.text == "Pilih bahasa / Choose your language:"
    assert chat.labels == ["Bahasa Indonesia", "English"]


@pytest.mark.parametrize("step", list(STEPS))
def test_start_command_from_every_step(engine: Engine, step: str) -> None:
    chat = at(engine, step)
    chat.send("/start")
    if step == "consent":  # no consent yet: onboarding starts over
        assert "Apakah Anda setuju" in chat.last.text
        assert chat.labels == ["Setuju", "Tidak setuju", "Baca selengkapnya"]
        assert state(chat)[:2] == ("onboarding", "consent")
    else:
        assert chat.last.text.startswith("Halo, selamat datang kembali!")
        assert_menu(chat)


@pytest.mark.parametrize("step", list(STEPS))
def test_unknown_command_is_named_and_the_same_question_asked_again(
    engine: Engine, step: str
) -> None:
    chat = at(engine, step)
    before, state_before = chat.last, state(chat)
    chat.send("/xyz")
    assert len(chat.last_batch) == 1
    assert chat.last.text.startswith("Perintah /xyz tidak dikenal"), chat.said
    assert_asked_again(chat, before)
    assert state(chat) == state_before


# --- 2. stale and invalid options --------------------------------------------


def test_a_button_from_an_older_question_has_expired(chat: Chat) -> None:
    play(chat, ONBOARD + TO_SUMMARY[:2])  # at kecamatan
    old = next(r for r in chat.transcript if "Pilih kategorinya" in r.text)
    before, state_before = chat.last, state(chat)
    chat._send(choice=button(old, "kesehatan"))
    assert "tombol ini sudah tidak berlaku" in chat.last.text
    assert_asked_again(chat, before)
    assert state(chat) == state_before
    assert state_before[2]["category"] == "infrastruktur"
    play(chat, [(("press", "Siantar Timur"), "Di kelurahan mana")])


def test_an_old_button_sent_straight_to_the_engine_has_expired(chat: Chat, engine: Engine) -> None:
    play(chat, ONBOARD + TO_SUMMARY[:4])  # at text: its question has no buttons
    old = chat.question  # the kelurahan question
    state_before = state(chat)
    inbound = Inbound(
        channel=chat.channel, user_id=chat.user_id, choice=button(old, old.options[0].value)
    )
    [reply] = engine.handle(inbound, chat.clock.now)
    assert "tombol ini sudah tidak berlaku" in reply.text
    assert reply.text.endswith(chat.last.text)
    assert state(chat) == state_before


def test_a_forged_value_with_the_current_prompt_id_is_refused(chat: Chat) -> None:
    play(chat, ONBOARD + TO_SUMMARY[:1])
    before, state_before = chat.last, state(chat)
    chat._send(choice=button(before, "narkoba"))
    assert "tombol ini sudah tidak berlaku" in chat.last.text
    assert_asked_again(chat, before)
    assert state(chat) == state_before


@pytest.mark.parametrize("step", ["category", "kelurahan", "identity", "summary", "home_kecamatan"])
@pytest.mark.parametrize("number", ["99", "0", " 42 "])
def test_a_number_outside_the_options_is_refused(engine: Engine, step: str, number: str) -> None:
    chat = at(engine, step)
    before, state_before = chat.last, state(chat)
    count = len(before.options)
    chat.send(number)
    assert f"Silakan pilih nomor 1 sampai {count}." in chat.last.text
    assert_asked_again(chat, before)
    assert state(chat) == state_before


def test_a_word_that_is_no_option_is_refused(chat: Chat) -> None:
    play(chat, ONBOARD + TO_SUMMARY[:1])
    before = chat.last
    chat.send("jalan rusak")
    assert f"ketik nomornya (1 sampai {len(before.options)})" in chat.last.text
    assert_asked_again(chat, before)


def test_an_option_label_is_accepted_in_any_case_with_spaces_around(chat: Chat) -> None:
    play(chat, ONBOARD + TO_SUMMARY[:1])
    chat.send("   iNFRASTRUKTUR (jalan,  JEMBATAN, drainase)  ")
    assert "Di kecamatan mana" in chat.last.text
    assert state(chat)[2]["category"] == "infrastruktur"
    chat.send("\tSIANTAR timur ")
    assert "Di kelurahan mana di Kecamatan Siantar Timur" in chat.last.text


# --- 3. updates the bot cannot use here ---------------------------------------


@pytest.mark.parametrize("kind", ["sticker", "video_note", "video"])
@pytest.mark.parametrize("step", ["category", "text", "summary", "consent"])
def test_an_unsupported_message_gets_help_and_the_same_question(
    engine: Engine, step: str, kind: str
) -> None:
    chat = at(engine, step)
    before, state_before = chat.last, state(chat)
    chat._send(unsupported=kind)
    assert "stiker atau video" in chat.last.text
    assert_asked_again(chat, before)
    assert state(chat) == state_before


@pytest.mark.parametrize("step", ["category", "text", "identity", "summary", "status"])
def test_a_photo_where_none_is_asked_is_refused(engine: Engine, step: str) -> None:
    chat = at(engine, step)
    before, state_before = chat.last, state(chat)
    chat.photo("2026/11/x.jpg")
    assert "foto belum diperlukan" in chat.last.text
    assert_asked_again(chat, before)
    assert state(chat) == state_before


@pytest.mark.parametrize("step", ["category", "text", "identity", "summary", "status"])
def test_a_location_where_none_is_asked_is_refused(engine: Engine, step: str) -> None:
    chat = at(engine, step)
    before, state_before = chat.last, state(chat)
    chat.location(2.9595, 99.0687)
    assert "lokasi belum diperlukan" in chat.last.text
    assert_asked_again(chat, before)
    assert state(chat) == state_before


def test_a_photo_too_large_is_refused_at_the_attachment_step(engine: Engine) -> None:
    chat = at(engine, "attachment")
    before, state_before = chat.last, state(chat)
    chat._send(refused="too_large")
    assert "Foto itu terlalu besar" in chat.last.text
    assert_asked_again(chat, before)
    assert state(chat) == state_before
    play(chat, [(("photo", "small.jpg"), "Foto diterima")])


# --- 4. expiry ---------------------------------------------------------------


def test_a_flow_left_for_more_than_a_day_starts_again_at_the_menu(engine: Engine) -> None:
    chat = at(engine, "kelurahan")
    chat.clock.advance(hours=25)
    chat.send("Tomuan")
    assert chat.last.text.startswith("Percakapan sebelumnya sudah lama terhenti")
    assert_menu(chat)
    assert state(chat)[:3] == ("menu", "main", {})


def test_an_old_button_after_expiry_gets_the_expiry_note(engine: Engine) -> None:
    chat = at(engine, "summary")
    chat.clock.advance(hours=25)
    chat.press("Kirim")
    assert "sudah lama terhenti" in chat.last.text
    assert_menu(chat)
    assert aspirations(chat) == []


def test_a_flow_continues_within_a_day(engine: Engine) -> None:
    chat = at(engine, "kelurahan")
    chat.clock.advance(hours=23)
    play(chat, [(("press", "Tomuan"), "Tuliskan aspirasi")])
    chat.clock.advance(hours=23)  # each answer starts a new day
    play(chat, [("Jalan Sutomo di depan pasar berlubang besar sejak Oktober.", "foto atau lokasi")])
    assert "sudah lama terhenti" not in " ".join(r.text for r in chat.transcript)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/bahasa", "Pilih bahasa / Choose your language:"),
        # back at the menu, the help menu is the question
        ("/bantuan", "hubungi 112."),
        ("/xyz", MENU_QUESTION),
        ("/menu", MENU_QUESTION),
    ],
)
def test_a_command_after_expiry_still_runs(engine: Engine, command: str, expected: str) -> None:
    chat = at(engine, "text")
    chat.clock.advance(hours=25)
    chat.send(command)
    assert "sudah lama terhenti" in chat.said
    assert chat.last.text.endswith(expected)
    if command == "/bantuan":
        assert HELP in chat.last_batch[0].text
    if command == "/xyz":
        assert "Perintah /xyz tidak dikenal" in chat.last.text


def test_an_expired_onboarding_asks_for_consent_again(engine: Engine) -> None:
    chat = at(engine, "consent")
    chat.clock.advance(hours=25)
    chat.send("halo")
    assert "Apakah Anda setuju" in chat.last.text


# --- 5. redelivery -----------------------------------------------------------


def test_a_redelivered_update_is_handled_once(chat: Chat) -> None:
    play(chat, ONBOARD + TO_SUMMARY[:1])  # at category
    first = chat.send("1", update_key="update-41")
    assert "Di kecamatan mana" in first[-1].text
    start = version(chat)
    # "1" again would pick "Pakai kelurahan saya" at the kecamatan step
    assert chat.send("1", update_key="update-41") == []
    assert version(chat) == start
    assert state(chat)[1] == "kecamatan"
    play(chat, [(("press", "Siantar Timur"), "Di kelurahan mana di Kecamatan Siantar Timur")])


def test_update_keys_are_kept_per_channel(engine: Engine) -> None:
    console = Chat(engine)
    telegram = Chat(engine, channel="telegram")
    assert console.send("halo", update_key="7")
    assert telegram.send("halo", update_key="7")


def test_dedupe_records_keep_no_chat_id_or_phone_number(engine: Engine) -> None:
    telegram = Chat(engine, channel="telegram", user_id="55501234")
    assert telegram.send("halo", update_key="m:55501234:7")
    assert telegram.send("halo", update_key="m:55501234:7") == []  # still recognised
    with Session(engine.db) as session:
        keys = [row.update_key for row in session.exec(select(ProcessedUpdate)).all()]
    assert keys and not any("55501234" in key for key in keys)


def test_a_redelivered_first_message_creates_one_resident(chat: Chat) -> None:
    assert chat.send("halo", update_key="u-1")
    assert chat.send("halo", update_key="u-1") == []
    with Session(chat.engine.db) as session:
        assert len(session.exec(select(Resident)).all()) == 1
    assert version(chat) == 1


# --- 6. optimistic locking ---------------------------------------------------


@dataclass
class Race:
    """The calls of a wrapped function; the first call lets ``other`` run first."""

    calls: list[dict[str, Any]]
    other_replies: list[Reply]

    @property
    def versions(self) -> list[int]:
        """The conversation version each ``save_conversation`` call started from."""
        return [call["conversation"].version for call in self.calls]


def without_turns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inbounds stop taking the conversation's turn, as a writer that never takes
    it would: what is left to catch a concurrent change is the version check."""
    monkeypatch.setattr(handlers.core.engine, "take_turn", lambda **_: None)


@pytest.fixture
def race(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``race(engine, other)``: at the first ``save_conversation`` (or ``at=``
    (module, name)), the whole of ``other`` is handled and committed, then the
    original call goes on. Same thread, so without turns (they would make ``other``
    wait for the first transaction): these try the optimistic safety net."""

    def arrange(
        engine: Engine, other: Inbound, at: Any = (handlers.core.engine, "save_conversation")
    ) -> Race:
        without_turns(monkeypatch)
        module, name = at
        real = getattr(module, name)
        race = Race([], [])

        def wrapper(**kwargs: Any) -> Any:
            race.calls.append(kwargs)
            if len(race.calls) == 1:
                race.other_replies.extend(engine.handle(other, kwargs["now"]))
            return real(**kwargs)

        monkeypatch.setattr(module, name, wrapper)
        return race

    return arrange


def test_a_concurrent_inbound_makes_the_first_retry_on_the_fresh_state(
    engine: Engine, race: Any
) -> None:
    chat = at(engine, "attachment")
    start = version(chat)
    location = Inbound(chat.channel, chat.user_id, location=Location(2.9595, 99.0687))
    arranged = race(engine, location)
    chat.photo("2026/11/abc.jpg")
    # first try, the other inbound's save, then the retry on the newer version
    assert arranged.versions == [start, start, start + 1]
    assert "Lokasi diterima" in arranged.other_replies[-1].text
    # The retry saw the location: with the photo both are there, so it moved on.
    assert chat.last.text.startswith("Foto diterima")
    assert "nama Anda ditampilkan" in chat.last.text
    row = conversation(chat)
    assert row is not None and row.version == start + 2 and row.step == "identity"
    assert (row.data["photo"], row.data["latitude"], row.data["longitude"]) == (
        "2026/11/abc.jpg",
        2.9595,
        99.0687,
    )
    play(chat, [(("press", "Tampilkan nama"), "Lampiran: foto, lokasi"), KIRIM])
    assert len(aspirations(chat)) == 1


def test_a_double_tap_on_one_keyboard_applies_the_first_committed_press(
    engine: Engine, race: Any
) -> None:
    chat = at(engine, "category")
    question = chat.last
    other = Inbound(chat.channel, chat.user_id, choice=button(question, "pendidikan"))
    arranged = race(engine, other)
    chat._send(choice=button(question, "kesehatan"))
    assert len(arranged.versions) == 3
    assert "Di kecamatan mana" in arranged.other_replies[-1].text
    # on the fresh state the press belongs to an answered question
    assert "tombol ini sudah tidak berlaku" in chat.last.text
    assert "Di kecamatan mana" in chat.last.text
    row = conversation(chat)
    assert row is not None and row.step == "kecamatan"
    assert row.data["category"] == "pendidikan"
    assert button(question, "x").prompt_id + 1 == row.prompt_id


def test_two_first_messages_at_once_make_one_resident_and_one_conversation(
    engine: Engine, race: Any
) -> None:
    chat = Chat(engine)
    arranged = race(engine, Inbound(chat.channel, chat.user_id, text="halo"))
    chat.send("selamat pagi")
    assert "Apakah Anda setuju" in arranged.other_replies[-1].text
    assert "Apakah Anda setuju" in chat.last.text  # the retry is at the consent step
    assert len(arranged.versions) == 3
    with Session(engine.db) as session:
        assert len(session.exec(select(Resident)).all()) == 1
    row = conversation(chat)
    assert row is not None and (row.flow, row.step, row.version) == ("onboarding", "consent", 2)


def test_a_double_tap_on_send_stores_one_aspiration(engine: Engine, race: Any) -> None:
    chat = at(engine, "summary")
    summary = chat.last
    other = Inbound(chat.channel, chat.user_id, choice=button(summary, "send"))
    # the other press commits while this one is creating its aspiration
    arranged = race(engine, other, at=(handlers.aspirations.submit, "create_aspiration"))
    chat._send(choice=button(summary, "send"))
    assert len(arranged.calls) == 2  # this one's first try and the other's; no third
    [stored] = aspirations(chat)
    assert stored.code in arranged.other_replies[0].text
    assert "tombol ini sudah tidak berlaku" in chat.last.text
    assert_menu(chat)


def test_an_inbound_that_loses_every_race_gives_up_and_writes_nothing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = at(engine, "attachment")
    without_turns(monkeypatch)
    real = handlers.core.engine.save_conversation
    attempts: list[int] = []
    nested = False

    def save(**kwargs: Any) -> None:
        nonlocal nested
        if not nested:  # every try of the photo loses against a /bantuan
            nested = True
            attempts.append(kwargs["conversation"].version)
            engine.handle(Inbound(chat.channel, chat.user_id, text="/bantuan"), kwargs["now"])
            nested = False
        real(**kwargs)

    monkeypatch.setattr(handlers.core.engine, "save_conversation", save)
    # "busy", not an error: the adapter leaves the update for the platform to redeliver
    with pytest.raises(ConversationBusy):
        chat.photo("lost.jpg")
    assert len(attempts) == handlers.core.engine.MAX_ATTEMPTS
    assert attempts == sorted(set(attempts))  # each try read the newer state
    row = conversation(chat)
    assert row is not None and "photo" not in row.data and row.step == "attachment"


def test_an_update_waits_its_turn_and_answers_on_what_the_one_before_committed(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two first messages of one resident at once, in two threads (as two
    processes' workers would): the second takes the conversation's turn before it
    records or reads anything, so it waits while the first is mid-step, then
    answers on the state the first committed. No conflict, no retry. (On SQLite
    the second waits in its dedupe record, a write: one writer at a time.)"""
    mid_step, go_on = threading.Event(), threading.Event()
    recorded: list[str | None] = []  # update keys, as their dedupe records were written
    saved_from: list[int] = []  # the version each save started from
    real_mark = handlers.core.engine.mark_update_processed
    real_load = handlers.core.engine.load_conversation
    real_save = handlers.core.engine.save_conversation

    def mark(**kwargs: Any) -> bool:
        first_time = real_mark(**kwargs)
        recorded.append(kwargs["update_key"])
        return first_time

    def load(**kwargs: Any) -> Conversation | None:
        row = real_load(**kwargs)
        if threading.current_thread().name == "first":
            mid_step.set()
            go_on.wait(10)
        return row

    def save(**kwargs: Any) -> None:
        saved_from.append(kwargs["conversation"].version)
        real_save(**kwargs)

    monkeypatch.setattr(handlers.core.engine, "mark_update_processed", mark)
    monkeypatch.setattr(handlers.core.engine, "load_conversation", load)
    monkeypatch.setattr(handlers.core.engine, "save_conversation", save)
    replies: dict[str, list[Reply]] = {}
    errors: list[BaseException] = []

    def handle(key: str, text: str) -> None:
        try:
            inbound = Inbound("console", "4242", text=text, update_key=key)
            replies[key] = engine.handle(inbound, NOW)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)

    first = threading.Thread(target=handle, args=("u1", "halo"), name="first")
    second = threading.Thread(target=handle, args=("u2", "selamat pagi"), name="second")
    first.start()
    assert mid_step.wait(10)
    second.start()
    time.sleep(0.5)
    try:
        assert recorded == ["u1"]  # the second waits: nothing of it recorded or read
    finally:
        go_on.set()
        first.join(30)
        second.join(30)
    assert not errors, errors
    assert recorded == ["u1", "u2"]
    assert "Apakah Anda setuju" in replies["u1"][-1].text
    # the second saw the consent question the first asked
    assert "tidak ada dalam pilihan" in replies["u2"][-1].text
    assert saved_from == [0, 1]
    with Session(engine.db) as session:
        assert len(session.exec(select(Resident)).all()) == 1
        row = session.get(Conversation, ("console", "4242"))
        assert row is not None and row.version == 2


def test_saving_a_stale_version_raises_a_conflict(db: Any) -> None:
    with transaction(db) as session:
        save_conversation(
            session=session,
            conversation=Conversation(
                channel="console",
                user_id="9",
                flow="menu",
                step="main",
                data={},
                expires_at=NOW,
                updated_at=NOW,
            ),
            now=NOW,
        )
    with Session(db) as session:
        first = load_conversation(session=session, channel="console", user_id="9")
        second = load_conversation(session=session, channel="console", user_id="9")
    assert first is not None and second is not None and first.version == 1
    first.step, second.step = "one", "two"
    with transaction(db) as session:
        save_conversation(session=session, conversation=first, now=NOW)
    with pytest.raises(ConversationConflict), transaction(db) as session:
        save_conversation(session=session, conversation=second, now=NOW)
    with Session(db) as session:
        stored = session.get(Conversation, ("console", "9"))
        assert stored is not None and (stored.step, stored.version) == ("one", 2)


def test_creating_a_conversation_twice_raises_a_conflict(db: Any) -> None:
    def new() -> Conversation:
        return Conversation(
            channel="console",
            user_id="9",
            flow="menu",
            step="main",
            data={},
            expires_at=NOW,
            updated_at=NOW,
        )

    with transaction(db) as session:
        save_conversation(session=session, conversation=new(), now=NOW)
    with pytest.raises(ConversationConflict), transaction(db) as session:
        save_conversation(session=session, conversation=new(), now=NOW)


# --- 7. restarts -------------------------------------------------------------

REST: dict[str, list[tuple[Step, str]]] = {
    "category": TO_SUMMARY[1:] + [KIRIM],
    "kecamatan": TO_SUMMARY[2:] + [KIRIM],
    "kelurahan": TO_SUMMARY[3:] + [KIRIM],
    "text": TO_SUMMARY[4:] + [KIRIM],
    "attachment": TO_SUMMARY[5:] + [KIRIM],
    "identity": TO_SUMMARY[6:] + [KIRIM],
    "name": [("Rina Hutabarat", "Pengirim: Rina Hutabarat"), KIRIM],
    "summary": [KIRIM],
    "edit": [
        (("press", "Isi aspirasi"), "Tuliskan aspirasi"),
        ("Lampu jalan di Jalan Merdeka mati semua.", "Periksa lagi aspirasi Anda"),
        KIRIM,
    ],
}


@pytest.mark.parametrize("step", ASPIRATION_STEPS)
def test_a_restarted_engine_continues_at_the_same_step(engine: Engine, step: str) -> None:
    chat = at(engine, step)
    chat.engine = Engine(engine.db, engine.settings, FLOWS)
    play(chat, REST[step])
    assert chat.labels == MENU_LABELS
    [stored] = aspirations(chat)
    assert stored.kelurahan_code == "12.72.01.1002"


@pytest.mark.parametrize("step", [*STEPS])
def test_resume_asks_the_current_question_without_writing(engine: Engine, step: str) -> None:
    chat = at(engine, step)
    before = conversation(chat)
    restarted = Engine(engine.db, engine.settings, FLOWS)
    [question] = restarted.resume(chat.channel, chat.user_id, chat.clock.advance(hours=1))
    assert STEPS[step].question in question.text
    assert chat.last.text.endswith(question.text)
    assert (question.options, question.prompt_id) == (chat.last.options, chat.last.prompt_id)
    assert snapshot(conversation(chat)) == snapshot(before)


def test_resume_for_an_unknown_resident_is_empty(engine: Engine) -> None:
    assert engine.resume("console", "4040", NOW) == []
    assert engine.resume("telegram", "1001", NOW) == []


# --- 8. a new resident ---------------------------------------------------------


@pytest.mark.parametrize(
    "first", [{"text": "halo"}, {"photo": "a.jpg"}, {"unsupported": "sticker"}, {"text": "/menu"}]
)
def test_the_first_message_of_any_kind_starts_onboarding(chat: Chat, first: dict[str, Any]) -> None:
    chat._send(**first)
    [welcome] = chat.last_batch
    assert welcome.text.startswith("Halo! Selamat datang di layanan aspirasi warga")
    assert "Apakah Anda setuju" in welcome.text
    assert chat.labels == ["Setuju", "Tidak setuju", "Baca selengkapnya"]
    assert state(chat)[:2] == ("onboarding", "consent")


def test_an_english_hint_gives_the_english_welcome(engine: Engine) -> None:
    chat = Chat(engine, language_hint="en-US")
    chat.send("hello")
    assert chat.last.text.startswith("Hello! Welcome")
    assert "Do you agree" in chat.last.text
    assert chat.labels == ["I agree", "I don't agree", "Read the full notice"]


def test_language_can_be_chosen_before_onboarding(chat: Chat) -> None:
    chat.send("/bahasa")
    assert chat.last.text == "Pilih bahasa / Choose your language:"
    play(chat, [(("press", "English"), "All right, I'll use English")])
    assert "Do you agree" in chat.last.text
    stored = resident(chat)
    assert stored is not None and stored.language == "en" and stored.language_chosen


def test_help_before_onboarding_then_the_consent_question(chat: Chat) -> None:
    chat.send("/bantuan")
    assert HELP in chat.last_batch[0].text
    assert "Apakah Anda setuju" in chat.last.text


# --- 9. data rights ------------------------------------------------------------


def test_delete_data_erases_the_resident_and_keeps_aspirations_anonymous(chat: Chat) -> None:
    play(chat, ONBOARD)
    code = submit(chat)
    chat.send("/hapusdata")
    assert chat.last.text.startswith("Hapus data Anda?")
    assert chat.labels == ["Ya, hapus data saya", "Jangan hapus"]
    chat.press("Ya, hapus data saya")
    [done] = chat.last_batch
    assert done.text.startswith("Data Anda sudah dihapus") and done.options == ()
    assert resident(chat) is None
    assert conversation(chat) is None
    [kept] = aspirations(chat)
    assert (kept.code, kept.resident_id, kept.anonymous) == (code, None, True)
    chat.send("halo")  # a new start, as a stranger
    assert "Apakah Anda setuju" in chat.last.text


def test_keeping_data_changes_nothing(chat: Chat) -> None:
    play(chat, ONBOARD)
    submit(chat)
    before = resident(chat)
    chat.send("/hapusdata")
    chat.press("Jangan hapus")
    assert chat.last.text.startswith("Baik, data Anda tidak dihapus.")
    assert_menu(chat)
    after = resident(chat)
    assert after is not None and before is not None
    assert before.home_kelurahan_code is not None
    assert (after.id, after.display_name, after.home_kelurahan_code, after.consent_at) == (
        before.id,
        "Budi Siregar",
        before.home_kelurahan_code,
        before.consent_at,
    )
    [kept] = aspirations(chat)
    assert (kept.resident_id, kept.anonymous) == (after.id, False)


def test_my_data_lists_name_home_and_aspiration_codes(chat: Chat) -> None:
    play(chat, ONBOARD)
    first = submit(chat)
    chat.clock.advance(minutes=5)
    second = submit(chat)
    chat.send("/datasaya")
    shown = chat.last_batch[0].text
    assert shown.startswith("Data Anda yang kami simpan:")
    assert "• Nama: Budi Siregar" in shown
    assert "• Tempat tinggal: Kelurahan Bantan, Kecamatan Siantar Barat" in shown
    assert "• Akun chat: console:1001" in shown
    assert shown.index(second) < shown.index(first)  # newest first
    assert_menu(chat)


# --- 10. status ----------------------------------------------------------------


def missing_code(code: str) -> str:
    return "ASP-222222" if code != "ASP-222222" else "ASP-333333"


def test_the_owner_sees_status_and_dated_history(chat: Chat) -> None:
    play(chat, ONBOARD)
    code = submit(chat)
    chat.send(f"/status {code.lower()}")
    detail = chat.last_batch[0].text
    assert detail.startswith(f"Aspirasi {code}")
    assert "Kategori: Infrastruktur (jalan, jembatan, drainase)" in detail
    assert "Lokasi: Kelurahan Tomuan, Kecamatan Siantar Timur" in detail
    assert "Status: Sudah kami terima" in detail
    assert "• Sabtu, 28 November 2026 pukul 09.00 WIB: Sudah kami terima" in detail
    assert_menu(chat)


def test_another_residents_code_looks_exactly_like_a_missing_one(engine: Engine) -> None:
    owner = Chat(engine)
    play(owner, ONBOARD)
    code = submit(owner)
    other = Chat(engine, user_id="2002", name="Sari Damanik")
    play(other, ONBOARD)
    other.send(f"/status {code}")
    theirs = other.said.replace(code, "CODE")
    missing = missing_code(code)
    other.send(f"/status {missing}")
    nothing = other.said.replace(missing, "CODE")
    assert theirs == nothing
    assert "Aspirasi dengan kode CODE tidak ditemukan" in theirs
    # typed at the status step too
    other.press("Cek status")
    other.send(code)
    theirs = other.said.replace(code, "CODE")
    other.send(missing)
    assert theirs == other.said.replace(missing, "CODE")


def test_a_malformed_code_at_the_status_step_gets_the_format_message(engine: Engine) -> None:
    chat = at(engine, "status")
    before = chat.last
    chat.send("12345")
    assert "Kode itu tidak sesuai format" in chat.last.text
    assert_asked_again(chat, before)


@pytest.mark.parametrize("raw", ["12345", "ASP-0O1IL0", "ASP-7K2M9Q9", "hello"])
def test_a_malformed_code_with_the_status_command_gets_the_format_message(
    chat: Chat, raw: str
) -> None:
    play(chat, ONBOARD)
    chat.send(f"/status {raw}")
    assert chat.last_batch[0].text.startswith("Kode itu tidak sesuai format")
    assert "tidak ditemukan" not in chat.said
    assert_menu(chat)


def test_check_status_lists_the_residents_recent_codes(chat: Chat) -> None:
    play(chat, ONBOARD)
    first = submit(chat)
    chat.clock.advance(minutes=5)
    second = submit(chat)
    chat.press("Cek status")
    assert chat.last.text.startswith("Pilih aspirasi Anda")
    assert chat.labels == [
        f"{second} · Infrastruktur (jalan, jembatan, drainase)",
        f"{first} · Infrastruktur (jalan, jembatan, drainase)",
        "Kembali ke menu",
    ]
    chat.press(first)
    assert chat.last_batch[0].text.startswith(f"Aspirasi {first}")
    assert_menu(chat)


def test_status_command_without_a_code_opens_the_status_step(chat: Chat) -> None:
    play(chat, ONBOARD)
    chat.send("/status")
    assert chat.last.text.startswith("Ketik kode pelacakan")
    assert state(chat)[:2] == ("status", "code")


@pytest.mark.parametrize("command", ["/status {code}", "/datasaya"])
def test_status_and_my_data_mid_flow_keep_the_step(engine: Engine, command: str) -> None:
    chat = Chat(engine)
    play(chat, ONBOARD)
    code = submit(chat)
    play(chat, TO_SUMMARY[:3])  # at kelurahan
    before, state_before = chat.last, state(chat)
    chat.send(command.format(code=code))
    assert len(chat.last_batch) == 2
    assert code in chat.last_batch[0].text
    assert_asked_again(chat, before)
    assert state(chat) == state_before


def test_check_status_without_aspirations_asks_for_a_code(engine: Engine) -> None:
    chat = at(engine, "status")
    assert chat.last.text.startswith("Ketik kode pelacakan")
    assert chat.labels == ["Kembali ke menu"]


@pytest.mark.parametrize(
    "value", ["!rsvp:²:hadir", "!rsvp:1²:hadir", "!rsvp::hadir", "!rate:ASP-7K2M9Q:²"]
)
def test_an_action_button_with_a_digit_int_refuses_is_expired_not_a_crash(
    engine: Engine, value: str
) -> None:
    """``²`` passes ``str.isdigit`` but not ``int``: such action data is not ours."""
    chat = Chat(engine)
    play(chat, ONBOARD)
    chat.send("/menu")
    chat._send(choice=Choice(0, value))
    assert chat.last.text.endswith(MENU_QUESTION), chat.said  # refused, no traceback


def test_a_rating_typed_with_a_superscript_score_gets_the_usage(engine: Engine) -> None:
    chat = Chat(engine)
    play(chat, ONBOARD)
    chat.send("/nilai ASP-7K2M9Q ²")
    assert "Untuk memberi nilai, ketik /nilai" in chat.said, chat.said
