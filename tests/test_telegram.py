"""The real python-telegram-bot adapter against the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_telegram import TOKEN, FakeTelegram
from images import PNG, assert_clean_and_upright, jpeg_from_camera
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select
from telegram.error import Conflict
from telegram_harness import Resident as TelegramResident
from telegram_harness import settle
from tiny_proxy import TinyProxy
from tiny_proxy import serving as proxying

import handlers.core.engine
from bot.config import TelegramSettings
from bot.media import MediaStore
from bot.telegram.channel import TelegramChannel
from bot.telegram.polling import CONFLICT_SETTLE, Conflicts, PollingConflict, poll
from bot.web import create_web_app
from handlers.core.engine import Engine as SiantarEngine
from storage.conversations import ConversationConflict
from storage.models import Aspiration, Conversation, OutboxMessage, Resident


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def channel(
    fake: FakeTelegram, engine: SiantarEngine, tmp_path: Path
) -> AsyncIterator[TelegramChannel]:
    """The adapter, polling the fake server, for the length of one test."""
    settings = TelegramSettings(enabled=True, token=TOKEN, api_base_url=fake.base_url)
    media = MediaStore(tmp_path / "media", max_bytes=1024 * 1024)
    channel = TelegramChannel(settings, engine, media, lambda: datetime.now(UTC))
    await channel.start()
    stop = asyncio.Event()
    polling = asyncio.create_task(poll(channel, stop, long_poll=1))
    yield channel
    stop.set()
    await polling
    await channel.stop()


USER_IDS = itertools.count(7001)
GROUP_UPDATE_IDS = itertools.count(990001)


@pytest.fixture
def resident(fake: FakeTelegram) -> TelegramResident:
    # a fresh Telegram user per test: the fake server lives for the whole module
    return TelegramResident(fake, user_id=next(USER_IDS))


async def onboard(resident: TelegramResident) -> None:
    assert "Apakah Anda setuju" in (await resident.say("/start"))["text"]
    assert "kecamatan mana" in (await resident.press("Setuju"))["text"]
    assert "Apa yang ingin" in (await resident.press("Lewati"))["text"]


async def to_text_step(resident: TelegramResident) -> None:
    await onboard(resident)
    await resident.press("Sampaikan aspirasi")
    await resident.press("Infrastruktur")
    await resident.press("Siantar Utara")
    assert "Tuliskan aspirasi" in (await resident.press("Martoba"))["text"]


def state_text(engine: SiantarEngine, user_id: int) -> str:
    with Session(engine.db) as session:
        conversation = session.exec(
            select(Conversation).where(Conversation.user_id == str(user_id))
        ).one()
        return str(conversation.data)


def stored(db: Engine) -> list[Aspiration]:
    with Session(db) as session:
        return list(session.exec(select(Aspiration)).all())


async def test_full_aspiration_with_photo_over_telegram(
    channel: TelegramChannel, resident: TelegramResident, fake: FakeTelegram, engine: SiantarEngine
) -> None:
    await to_text_step(resident)
    reply = await resident.say("Lampu jalan di Jalan Merdeka mati semua sejak minggu lalu.")
    assert "foto atau lokasi" in reply["text"]
    # a camera's photo, sent as is: GPS, serial and time in its EXIF
    assert "Foto diterima" in (await resident.photo(jpeg_from_camera()))["text"]
    await resident.press("Lanjut")
    summary = await resident.press("Tampilkan nama")
    assert "Pengirim: Budi" in summary["text"] and "Lampiran: foto" in summary["text"]
    confirmation = await resident.press("Kirim")
    [aspiration] = stored(engine.db)
    assert aspiration.code in resident.said_since(-2)
    assert aspiration.photo_path and aspiration.photo_path.endswith(".jpg")
    assert_clean_and_upright(channel.media.path_of(aspiration.photo_path).read_bytes())
    assert confirmation["reply_markup"]["inline_keyboard"][0][0]["text"] == "Sampaikan aspirasi"
    # every pressed message lost its keyboard and shows the choice
    pressed = [m for m in resident.messages() if m.get("edited")]
    assert pressed and all(m.get("reply_markup") in (None, {}) for m in pressed)
    assert any(m["text"].endswith("✅ Kirim") for m in pressed)
    assert len(fake.callback_answers) >= 8


async def test_a_stale_button_gets_the_expired_answer(
    channel: TelegramChannel, resident: TelegramResident, fake: FakeTelegram
) -> None:
    await onboard(resident)
    menu = resident.messages()[-1]
    old_id, old_data = resident.button("Cek status", menu)
    await resident.press("Sampaikan aspirasi")
    reply = await resident._expect_reply(lambda: fake.press(resident.user_id, old_id, old_data))
    assert (
        "tombol ini sudah tidak berlaku" in resident.said_since(-1) or "tombol ini" in reply["text"]
    )
    assert "Pilih kategorinya" in reply["text"]


async def test_a_forged_callback_is_answered_as_expired(
    channel: TelegramChannel, resident: TelegramResident, fake: FakeTelegram
) -> None:
    await onboard(resident)
    message_id, data = resident.button("Sampaikan aspirasi")
    prompt, value, _mac = data.split("|")
    forged = f"{prompt}|{value}|AAAAAAAAAA"
    reply = await resident._expect_reply(lambda: fake.press(resident.user_id, message_id, forged))
    assert "tombol ini sudah tidak berlaku" in reply["text"]
    reply = await resident._expect_reply(
        lambda: fake.press(resident.user_id, message_id, "garbage")
    )
    assert "tombol ini sudah tidak berlaku" in reply["text"]


# Callback data a modified client can send: digits int() refuses, text that
# compare_digest refuses (non-ASCII), nothing at all, too much, NUL bytes.
CRAFTED_CALLBACK_DATA = [
    "1|ü|é",
    "²",
    "²|x|AAAAAAAAAA",
    "١٢٣|x|AAAAAAAAAA",
    "",
    "9" * 64,
    "1|" + "é" * 30 + "|AAAAAAAAAA",
    "1|\x00|\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
]


async def test_crafted_callback_data_is_an_expired_button_quietly(
    channel: TelegramChannel,
    resident: TelegramResident,
    fake: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await onboard(resident)
    message_id, _data = resident.button("Sampaikan aspirasi")
    for data in CRAFTED_CALLBACK_DATA:
        reply = await resident._expect_reply(
            lambda d=data: fake.press(resident.user_id, message_id, d)
        )
        assert "tombol ini sudah tidak berlaku" in reply["text"], data
        assert "Apa yang ingin" in reply["text"], data  # and the current question again
    assert "gangguan" not in resident.said_since(0)  # no apology for an error
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []


async def test_the_same_update_twice_is_handled_once(
    channel: TelegramChannel, resident: TelegramResident, fake: FakeTelegram, engine: SiantarEngine
) -> None:
    await to_text_step(resident)
    count = len(resident.messages())
    confirmed = max(int(c.params.get("offset") or 0) for c in fake.calls_to("getUpdates"))
    update = {
        "update_id": confirmed + 1000,
        "message": {
            "message_id": 9001,
            "date": 1764295200,
            "chat": {"id": resident.user_id, "type": "private"},
            "from": {"id": resident.user_id, "is_bot": False, "first_name": "Budi"},
            "text": "Sampah menumpuk di pinggir Jalan Sutomo sejak pekan lalu.",
        },
    }
    fake.push_raw(update)
    fake.push_raw(update)  # delivered again, as after a webhook retry or a restart
    await resident.wait_for(count + 1)
    await settle(fake, 1.0)
    assert len(resident.messages()) == count + 1  # one reply, not two
    assert "foto atau lokasi" in resident.messages()[-1]["text"]  # and no double step


async def test_a_flaky_api_still_completes_the_flow(
    channel: TelegramChannel, resident: TelegramResident, fake: FakeTelegram, engine: SiantarEngine
) -> None:
    await onboard(resident)
    fake.fail_next("sendMessage", status=502, count=2)
    assert "Pilih kategorinya" in (await resident.press("Sampaikan aspirasi"))["text"]
    fake.fail_next("sendMessage", status=429, retry_after=1)
    assert "Di kecamatan mana" in (await resident.press("Kesehatan"))["text"]
    fake.fail_next("getUpdates", status=502, count=1)
    assert "Di kelurahan mana" in (await resident.press("Siantar Timur"))["text"]
    fake.fail_next("sendMessage", status=502, count=1)
    assert "Tuliskan aspirasi" in (await resident.press("Tomuan"))["text"]
    await resident.say("Puskesmas Tomuan kekurangan obat untuk warga lanjut usia.")
    fake.fail_next("editMessageText", status=502, count=1)
    await resident.press("Lewati")
    fake.fail_next("sendMessage", status=429, retry_after=1)
    await resident.press("Kirim anonim")
    fake.fail_next("answerCallbackQuery", status=502, count=1)
    await resident.press("Kirim")
    await settle(fake, 0.5)
    [aspiration] = stored(engine.db)
    assert aspiration.kelurahan_code == "12.72.01.1002" and aspiration.anonymous
    said = [m["text"] for m in resident.messages()]
    assert sum(aspiration.code in text for text in said) == 1  # one confirmation, no duplicates
    assert len(said) == len(set(said))


async def test_a_reply_that_cannot_be_sent_now_is_sent_by_the_dispatcher(
    channel: TelegramChannel, resident: TelegramResident, fake: FakeTelegram, engine: SiantarEngine
) -> None:
    await onboard(resident)
    fake.fail_next("sendMessage", status=502, count=4)
    before = len(resident.messages())
    fake.send_text(resident.user_id, "/bantuan")
    await asyncio.to_thread(
        fake.wait_for, lambda: sum(c.fault for c in fake.calls_to("sendMessage")) >= 4, 10
    )
    await settle(fake)
    assert len(resident.messages()) == before
    with Session(engine.db) as session:
        pending = session.exec(select(OutboxMessage).where(OutboxMessage.status == "pending")).all()
    assert pending  # kept, due again later
    channel.outbox.clock = lambda: datetime.now(UTC).replace(year=2100)
    await channel.outbox.run_once()
    assert "Bantuan" in resident.said_since(before)


async def test_a_resident_who_blocked_the_bot_is_marked_unreachable(
    channel: TelegramChannel, resident: TelegramResident, fake: FakeTelegram, engine: SiantarEngine
) -> None:
    await onboard(resident)
    fake.block(resident.user_id)
    fake.send_text(resident.user_id, "/menu")
    await asyncio.to_thread(
        fake.wait_for, lambda: any(c.fault for c in fake.calls_to("sendMessage")[-2:]), 10
    )
    await settle(fake)
    with Session(engine.db) as session:
        person = session.exec(
            select(Resident).where(Resident.identity == f"telegram:{resident.user_id}")
        ).one()
        rows = session.exec(
            select(OutboxMessage).where(OutboxMessage.status == "unreachable")
        ).all()
    assert person.unreachable_at is not None
    assert rows
    fake.unblock(resident.user_id)


async def test_stickers_get_help_and_edits_are_ignored(
    channel: TelegramChannel, resident: TelegramResident, fake: FakeTelegram
) -> None:
    await onboard(resident)
    reply = await resident._expect_reply(lambda: fake.send_sticker(resident.user_id))
    assert "stiker" in reply["text"] and "Apa yang ingin" in reply["text"]
    count = len(resident.messages())
    fake.edit_text(resident.user_id, 1, "diedit")
    await settle(fake, 0.6)
    assert len(resident.messages()) == count


async def test_a_photo_over_the_limit_is_refused_politely(
    channel: TelegramChannel, resident: TelegramResident, fake: FakeTelegram
) -> None:
    await to_text_step(resident)
    await resident.say("Jembatan di Jalan Kartini retak dan miring ke sungai.")
    reply = await resident.photo(PNG, file_size=50 * 1024 * 1024)
    assert "terlalu besar" in reply["text"]


async def test_commands_are_registered_in_both_languages(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    indonesian = {c["command"]: c["description"] for c in fake.commands[""]}
    english = {c["command"]: c["description"] for c in fake.commands["en"]}
    assert (
        indonesian["batal"] == "Batalkan proses" and english["batal"] == "Cancel what you are doing"
    )
    assert set(indonesian) == set(english) >= {"start", "menu", "bantuan", "bahasa", "status"}


async def test_the_command_menus_come_from_the_features_and_follow_the_roles(
    fake: FakeTelegram, engine: SiantarEngine, tmp_path: Path
) -> None:
    """Everyone's menu lists the resident commands in their order; a chat whose
    person holds a role (granted in the database, or in the config file) gets its own
    menu with that role's commands after them."""
    from dataclasses import replace

    from storage.db import transaction as in_transaction
    from storage.roles import grant_role

    staff_chat, admin_chat = next(USER_IDS), next(USER_IDS)
    with in_transaction(engine.db) as session:
        grant_role(
            session=session,
            identity=f"telegram:{staff_chat}",
            role="staff",
            granted_by="cli",
            now=datetime.now(UTC),
        )
    settings = replace(
        engine.settings, config_roles={f"telegram:{admin_chat}": frozenset({"admin"})}
    )
    configured = SiantarEngine(engine.db, settings)
    channel = TelegramChannel(
        TelegramSettings(enabled=True, token=TOKEN, api_base_url=fake.base_url),
        configured,
        MediaStore(tmp_path, 1024),
        lambda: datetime.now(UTC),
    )
    await channel.start()
    await channel.stop()
    listed = ["start", "menu", "status", "batal", "bantuan", "bahasa"]
    listed += ["datasaya", "hapusdata", "berhenti", "langganan"]
    assert [c["command"] for c in fake.commands[""]] == listed
    staff = [c["command"] for c in fake.commands[f"chat:{staff_chat}:"]]
    assert staff == [*listed, "aspirasi", "ekspor", "statistik"]
    admin = [c["command"] for c in fake.commands[f"chat:{admin_chat}:en"]]
    assert admin[len(listed) :] == [
        "pelatihan_baru",
        "kehadiran",
        "forum_baru",
        "kelola_forum",
        "umumkan",
        "status_umum",
        "aspirasi",
        "ekspor",
        "statistik",
        "tugas",
        "peran",
        "opd",
    ]
    english = {c["command"]: c["description"] for c in fake.commands[f"chat:{admin_chat}:en"]}
    assert english["peran"] == "Grant or revoke roles (admin)"


async def test_english_speakers_are_greeted_in_english(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    english = TelegramResident(fake, user_id=987654, language_code="en")
    assert "Do you agree" in (await english.say("/start"))["text"]


async def test_webhook_checks_the_secret_token(
    fake: FakeTelegram, engine: SiantarEngine, tmp_path: Path
) -> None:
    settings = TelegramSettings(enabled=True, token=TOKEN, api_base_url=fake.base_url)
    channel = TelegramChannel(
        settings, engine, MediaStore(tmp_path, 1024), lambda: datetime.now(UTC)
    )
    await channel.start()
    web = create_web_app(
        db=engine.db, channels=["telegram"], telegram=channel, telegram_secret="s3cret"
    )
    chat_id = next(USER_IDS)
    update = {
        "update_id": 555001,
        "message": {
            "message_id": 1,
            "date": 1764295200,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Rina"},
            "text": "/start",
        },
    }
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web), base_url="http://t"
    ) as client:
        assert (await client.post("/telegram/webhook", json=update)).status_code == 403
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "nope"}
        assert (
            await client.post("/telegram/webhook", json=update, headers=wrong)
        ).status_code == 403
        assert fake.messages(chat_id) == []  # not processed
        right = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
        assert (
            await client.post("/telegram/webhook", json=update, headers=right)
        ).status_code == 200
        assert "Apakah Anda setuju" in fake.messages(chat_id)[-1]["text"]
        again = await client.post(
            "/telegram/webhook", json=update, headers=right
        )  # Telegram retries
        assert again.status_code == 200 and len(fake.messages(chat_id)) == 1
        health = await client.get("/healthz")
        assert health.status_code == 200 and health.json()["database"] == "ok"
    await channel.stop()


async def test_a_shared_location_lands_on_the_aspiration_and_voice_gets_help(
    channel: TelegramChannel, resident: TelegramResident, fake: FakeTelegram, engine: SiantarEngine
) -> None:
    await to_text_step(resident)
    await resident.say("Lampu jalan di Jalan Merdeka mati semua sejak minggu lalu.")
    voice = await resident._expect_reply(lambda: fake.send_voice(resident.user_id))
    assert "pesan suara" in voice["text"] and "foto atau lokasi" in voice["text"]
    shared = await resident._expect_reply(
        lambda: fake.send_location(resident.user_id, 2.9595, 99.0687)
    )
    assert "Lokasi diterima" in shared["text"]
    await resident.press("Lanjut")
    await resident.press("Tampilkan nama")
    await resident.press("Kirim")
    [aspiration] = stored(engine.db)
    assert (aspiration.latitude, aspiration.longitude) == (2.9595, 99.0687)


def fail_once(
    monkeypatch: pytest.MonkeyPatch, engine: SiantarEngine, error: Exception
) -> list[Exception]:
    """The engine's next update raises ``error``; the list empties once it has."""
    real = engine.handle_recorded
    pending = [error]

    def failing(inbound: Any, now: datetime) -> Any:
        if pending:
            raise pending.pop()
        return real(inbound, now)

    monkeypatch.setattr(engine, "handle_recorded", failing)
    return pending


async def test_a_database_outage_leaves_the_update_unconfirmed_until_it_is_handled(
    channel: TelegramChannel,
    resident: TelegramResident,
    fake: FakeTelegram,
    engine: SiantarEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await to_text_step(resident)
    outages = fail_once(
        monkeypatch, engine, OperationalError("INSERT ...", {}, Exception("database is locked"))
    )
    count = len(resident.messages())
    reply = await resident.say("Jembatan di Jalan Kartini retak dan miring ke sungai.")
    assert "foto atau lokasi" in reply["text"]  # handled on redelivery, not lost
    assert not outages and len(resident.messages()) == count + 1  # and no apology first
    assert "Jembatan di Jalan Kartini" in state_text(engine, resident.user_id)


def busy(monkeypatch: pytest.MonkeyPatch, user_id: int, times: int | None = None) -> list[int]:
    """The next ``times`` saves of this resident's conversation (by default one
    update's every attempt) lose against another writer; the count left is in the list."""
    real = handlers.core.engine.save_conversation
    left = [handlers.core.engine.MAX_ATTEMPTS if times is None else times]

    def save(**kwargs: Any) -> None:
        if kwargs["conversation"].user_id == str(user_id) and left[0]:
            left[0] -= 1
            raise ConversationConflict("telegram")
        real(**kwargs)

    monkeypatch.setattr(handlers.core.engine, "save_conversation", save)
    return left


async def test_a_conversation_busy_through_every_try_is_fetched_again_not_apologised_for(
    channel: TelegramChannel,
    resident: TelegramResident,
    fake: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await onboard(resident)
    left = busy(monkeypatch, resident.user_id)
    count = len(resident.messages())
    await resident.say("/bantuan")
    said = resident.said_since(count)
    assert "Pilih yang ingin Anda ketahui" in said and left == [0]  # handled when fetched again
    assert "gangguan" not in said  # and no apology first


async def test_the_webhook_answers_503_while_the_conversation_stays_busy(
    fake: FakeTelegram, engine: SiantarEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = TelegramSettings(enabled=True, token=TOKEN, api_base_url=fake.base_url)
    channel = TelegramChannel(
        settings, engine, MediaStore(tmp_path, 1024), lambda: datetime.now(UTC)
    )
    await channel.start()
    web = create_web_app(
        db=engine.db, channels=["telegram"], telegram=channel, telegram_secret="s3cret"
    )
    chat_id = next(USER_IDS)
    update = {
        "update_id": 556001,
        "message": {
            "message_id": 1,
            "date": 1764295200,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Rina"},
            "text": "halo",
        },
    }
    left = busy(monkeypatch, chat_id)
    secret = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=web), base_url="http://t"
    ) as client:
        first = await client.post("/telegram/webhook", json=update, headers=secret)
        assert first.status_code == 503 and left == [0]  # Telegram delivers it again
        assert fake.messages(chat_id) == []  # no apology for a message that comes again
        again = await client.post("/telegram/webhook", json=update, headers=secret)
        assert again.status_code == 200
    [consent] = fake.messages(chat_id)
    assert "Apakah Anda setuju" in consent["text"]
    await channel.stop()


async def test_a_failing_step_gets_an_apology_and_polling_goes_on(
    channel: TelegramChannel,
    resident: TelegramResident,
    fake: FakeTelegram,
    engine: SiantarEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await onboard(resident)
    fail_once(monkeypatch, engine, RuntimeError("a bug in a step"))
    apology = await resident.say("/bantuan")
    assert "Maaf" in apology["text"] and "gangguan" in apology["text"]
    count = len(resident.messages())
    await resident.say("/bantuan")
    assert "Pilih yang ingin Anda ketahui" in resident.said_since(count)  # the next one works


async def test_a_button_from_a_group_chat_is_answered_and_ignored(
    channel: TelegramChannel, fake: FakeTelegram
) -> None:
    group = -100123
    before = len(fake.callback_answers)
    fake.push_raw(
        {
            # above every id the module's fake has handed out, on each backend's run
            "update_id": next(GROUP_UPDATE_IDS),
            "callback_query": {
                "id": "cq-group",
                "chat_instance": "g",
                "from": {"id": 4242, "is_bot": False, "first_name": "Tono"},
                "data": "1|x|AAAAAAAAAA",
                "message": {
                    "message_id": 5,
                    "date": 1764295200,
                    "chat": {"id": group, "type": "group", "title": "Warga"},
                    "text": "Menu",
                },
            },
        }
    )
    await asyncio.to_thread(fake.wait_for, lambda: len(fake.callback_answers) > before, 10)
    assert fake.messages(group) == [] and fake.messages(4242) == []


def test_a_second_poller_gives_way_at_once_and_the_first_after_three_losses_in_a_minute() -> None:
    """Telegram ends the waiting getUpdates with 409 when another arrives. Told within
    its first seconds, a process is the newcomer and stops; one that has polled for
    longer takes the updates back, unless it keeps losing them."""
    superseded = Conflict(
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )
    newcomer = Conflicts(began=100.0)
    with pytest.raises(PollingConflict, match="another process is already receiving updates"):
        newcomer.check(superseded, 100.0 + CONFLICT_SETTLE - 1)

    established = Conflicts(began=0.0)
    established.check(superseded, 100.0)  # takes them back
    established.check(superseded, 140.0)
    established.check(superseded, 170.0)  # the one at 100 s is over a minute old
    with pytest.raises(PollingConflict, match="run one polling process"):
        established.check(superseded, 180.0)  # three in the last minute

    webhook = Conflict(
        "Conflict: can't use getUpdates method while webhook is active; "
        "use deleteWebhook to delete the webhook first"
    )
    with pytest.raises(PollingConflict, match="a webhook is set for this bot"):
        Conflicts(began=0.0).check(webhook, 100.0)


async def test_with_a_proxy_url_every_bot_api_call_goes_through_the_proxy(
    fake: FakeTelegram,
    engine: SiantarEngine,
    resident: TelegramResident,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    password = "Rahasia-Kantor-42"
    before = len(fake.calls)
    async with proxying(TinyProxy(credentials=("kantor", password))) as proxy:
        settings = TelegramSettings(
            enabled=True,
            token=TOKEN,
            api_base_url=fake.base_url,
            proxy_url=proxy.url_with("http", "kantor", password),
        )
        media = MediaStore(tmp_path / "media", max_bytes=1024 * 1024)
        channel = TelegramChannel(settings, engine, media, lambda: datetime.now(UTC))
        await channel.start()
        stop = asyncio.Event()
        polling = asyncio.create_task(poll(channel, stop, long_poll=1))
        assert "Apakah Anda setuju" in (await resident.say("/start"))["text"]
        await resident.photo(PNG)
        stop.set()
        await polling
        await channel.stop()
    methods = {path.rsplit("/", 1)[-1] for path in proxy.paths() if "/file/" not in path}
    assert {"getMe", "setMyCommands", "deleteWebhook", "getUpdates", "sendMessage"} <= methods
    assert {"getFile"} <= methods and any("/file/bot" in path for path in proxy.paths())
    assert 0 < len(fake.calls) - before <= len(proxy.paths())  # none went past the proxy
    assert f"through the proxy at {proxy.url}" in caplog.text
    assert password not in caplog.text


async def test_a_role_holders_chat_telegram_refuses_does_not_stop_the_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A staff member who never wrote to the bot has no chat Telegram knows: their
    menu is refused, the others are set, and the bot starts."""
    from telegram import BotCommandScopeChat
    from telegram.error import BadRequest

    from bot.telegram import command_menus
    from handlers.registry import REGISTRY

    class Bot:
        def __init__(self) -> None:
            self.set: list[tuple[str, str | None]] = []

        async def set_my_commands(self, commands: list[Any], scope: Any, code: str | None) -> bool:
            if isinstance(scope, BotCommandScopeChat) and scope.chat_id == 404:
                raise BadRequest("Bad Request: chat not found")
            where = f"chat:{scope.chat_id}" if isinstance(scope, BotCommandScopeChat) else "all"
            self.set.append((where, code))
            return True

    async def direct(call: Any) -> Any:
        return await call()

    bot = Bot()
    holders = {404: frozenset({"staff"}), 7: frozenset({"facilitator"})}
    await command_menus.publish(bot, REGISTRY, holders, direct)
    assert bot.set == [("all", None), ("all", "en"), ("chat:7", None), ("chat:7", "en")]
    assert "command menu was refused: Chat not found" in caplog.text
    assert "404" not in caplog.text


async def test_read_more_and_the_help_menus_buttons_on_telegram(
    channel: TelegramChannel, resident: TelegramResident
) -> None:
    """Issue 19: the first screen's "Baca selengkapnya" and /bantuan's inline buttons,
    which act from any step, through the real library against the fake Bot API."""
    screen = await resident.say("/start")
    assert len(screen["text"]) <= 400 and "/hapusdata" in screen["text"]
    notice = await resident.press("Baca selengkapnya")
    assert notice["text"].startswith("Sebelum mulai") and resident.button("Setuju", notice)
    assert "kecamatan mana" in (await resident.press("Setuju"))["text"]
    assert "Apa yang ingin" in (await resident.press("Lewati"))["text"]
    await resident.press("Sampaikan aspirasi")  # in a form: the help's buttons act from it
    count = len(resident.messages())
    question = await resident.say("/bantuan")
    assert "Pilih kategorinya" in question["text"]  # the question again, below the help
    assert "hubungi 112" in resident.said_since(count)
    count = len(resident.messages())
    await resident.press("Kontak petugas")
    said = resident.said_since(count)
    assert "Jam layanan: Senin–Jumat 08.00–16.00 WIB" in said and "Telepon:" not in said
