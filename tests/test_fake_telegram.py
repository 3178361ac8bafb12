"""The fake Bot API server, exercised with the real python-telegram-bot client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fake_telegram import TOKEN, FakeTelegram, UploadedFile
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

USER = 4242
KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Ya", callback_data="yes"),
            InlineKeyboardButton("Tidak", callback_data="no"),
        ]
    ]
)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeTelegram]:
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeTelegram) -> FakeTelegram:
    server.reset()
    return server


def make_bot(fake: FakeTelegram, token: str = TOKEN, **request: int) -> Bot:
    return Bot(
        token,
        base_url=f"{fake.base_url}/bot",
        base_file_url=f"{fake.base_url}/file/bot",
        request=HTTPXRequest(**request) if request else None,
    )


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(fake) as bot:  # initialize() calls getMe
        yield bot


async def test_get_me(bot: Bot, fake: FakeTelegram) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "siantar_test_bot" and me.id == 123456789
    assert fake.calls[0].method == "getMe"


async def test_send_message_records_keyboard(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(
        USER, "Halo <b>Budi</b>", parse_mode="HTML", reply_markup=KEYBOARD
    )
    assert sent.message_id == 1 and sent.chat.id == USER and sent.from_user.is_bot
    assert sent.reply_markup == KEYBOARD
    [msg] = fake.messages(USER)
    assert msg["text"] == "Halo <b>Budi</b>" and msg["parse_mode"] == "HTML"
    assert msg["reply_markup"]["inline_keyboard"][0][1] == {"text": "Tidak", "callback_data": "no"}
    [call] = fake.calls_to("sendMessage")
    assert call.params["chat_id"] == USER  # decoded back to int
    assert (await bot.send_message(USER, "lagi")).message_id == 2
    assert fake.last_message(USER)["text"] == "lagi"
    assert fake.last_message(999) is None


async def test_reply_keyboard_is_recorded_but_not_echoed(bot: Bot, fake: FakeTelegram) -> None:
    from telegram import ReplyKeyboardMarkup

    sent = await bot.send_message(USER, "Pilih", reply_markup=ReplyKeyboardMarkup([["A"]]))
    assert sent.reply_markup is None
    assert fake.last_message(USER)["reply_markup"]["keyboard"] == [[{"text": "A"}]]


async def test_send_message_validation(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message("@no_such_channel", "x")
    with pytest.raises(BadRequest, match="(?i)too long"):
        await bot.send_message(USER, "x" * 4097)
    bad = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(USER, "x", reply_markup=bad)


async def test_get_updates_offset_confirms(bot: Bot, fake: FakeTelegram) -> None:
    first = fake.send_text(USER, "/start", first_name="Rina", language_code="en")
    second = fake.send_text(USER, "halo")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first, second]
    start = updates[0].message
    assert start.text == "/start" and start.from_user.first_name == "Rina"
    assert start.from_user.language_code == "en" and start.chat.type == "private"
    assert start.entities[0].type == "bot_command" and start.entities[0].length == 6
    assert fake.pending_updates() == 2  # returned but not yet confirmed
    assert [u.update_id for u in await bot.get_updates(offset=second, timeout=0)] == [second]
    assert fake.pending_updates() == 1
    assert await bot.get_updates(offset=second + 1, timeout=0) == ()
    assert fake.pending_updates() == 0


async def test_get_updates_limit_and_allowed_updates(bot: Bot, fake: FakeTelegram) -> None:
    for i in range(3):
        fake.send_text(USER, f"m{i}")
    sent = await bot.send_message(USER, "pilih", reply_markup=KEYBOARD)
    fake.press(USER, sent.message_id, "yes")
    assert len(await bot.get_updates(limit=2, timeout=0)) == 2
    [only] = await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    assert only.callback_query is not None


async def test_long_poll_wakes_on_push(bot: Bot, fake: FakeTelegram) -> None:
    timer = threading.Timer(0.3, fake.send_text, (USER, "tiba-tiba"))
    started = time.monotonic()
    timer.start()
    updates = await bot.get_updates(timeout=5)
    elapsed = time.monotonic() - started
    assert [u.message.text for u in updates] == ["tiba-tiba"]
    assert 0.25 <= elapsed < 2


async def test_long_poll_times_out_empty(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=0.3) == ()
    assert 0.25 <= time.monotonic() - started < 2


async def test_callback_query_and_answer(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(USER, "Setuju?", reply_markup=KEYBOARD)
    fake.press(USER, sent.message_id, "yes")
    [update] = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert isinstance(update, Update) and query.data == "yes"
    assert query.message.message_id == sent.message_id and query.from_user.id == USER
    assert query.message.reply_markup == KEYBOARD
    assert await bot.answer_callback_query(query.id, text="Oke")
    assert fake.callback_answers[0]["text"] == "Oke"
    with pytest.raises(BadRequest, match="(?i)query ID is invalid"):
        await bot.answer_callback_query("nope")
    with pytest.raises(ValueError, match="no bot message"):
        fake.press(USER, 999, "yes")


async def test_photo_download_round_trip(bot: Bot, fake: FakeTelegram) -> None:
    data = bytes(range(256)) * 40 + b"\r\n--boundary-like\r\n"
    fake.send_photo(USER, data, caption="Jalan rusak")
    [update] = await bot.get_updates(timeout=0)
    photo = update.message.photo
    assert update.message.caption == "Jalan rusak" and len(photo) == 3
    assert [p.file_size for p in photo] == sorted(p.file_size for p in photo)
    file = await bot.get_file(photo[-1].file_id)
    assert file.file_size == len(data) and file.file_path.endswith(".jpg")
    assert bytes(await file.download_as_bytearray()) == data


async def test_huge_photo_cannot_be_downloaded(bot: Bot, fake: FakeTelegram) -> None:
    fake.send_photo(USER, b"tiny", file_size=50 * 1024 * 1024)
    [update] = await bot.get_updates(timeout=0)
    assert update.message.photo[-1].file_size == 50 * 1024 * 1024
    with pytest.raises(BadRequest, match="(?i)file is too big"):
        await bot.get_file(update.message.photo[-1].file_id)


async def test_other_resident_updates_parse(bot: Bot, fake: FakeTelegram) -> None:
    text_id = fake.send_text(USER, "awal")
    fake.send_location(USER, 2.96, 99.06)
    fake.send_contact(USER, "+6281234567890")
    fake.send_sticker(USER)
    fake.send_voice(USER)
    fake.edit_text(USER, 1, "diubah")
    updates = await bot.get_updates(timeout=0)
    assert updates[0].update_id == text_id
    location, contact, sticker, voice, edited = (u.effective_message for u in updates[1:])
    assert location.location.latitude == pytest.approx(2.96)
    assert contact.contact.phone_number == "+6281234567890" and contact.contact.user_id == USER
    assert sticker.sticker.emoji and voice.voice.file_size == 1024
    assert updates[-1].edited_message.text == "diubah" and edited.edit_date is not None
    assert (await (await bot.get_file(voice.voice.file_id)).download_as_bytearray())[:4] == b"OggS"


async def test_push_raw_keeps_update_id(bot: Bot, fake: FakeTelegram) -> None:
    fake.send_text(USER, "satu")
    [original] = await bot.get_updates(timeout=0)
    raw = original.to_dict()
    assert fake.push_raw(raw) == original.update_id
    twice = await bot.get_updates(timeout=0)
    assert [u.update_id for u in twice] == [original.update_id] * 2
    assert fake.send_text(USER, "dua") > original.update_id


async def test_edit_message(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(USER, "Versi 1", reply_markup=KEYBOARD)
    edited = await bot.edit_message_text("Versi 2", chat_id=USER, message_id=sent.message_id)
    assert edited.text == "Versi 2" and edited.reply_markup is None  # keyboard dropped
    msg = fake.last_message(USER)
    assert msg["edited"] and msg["text"] == "Versi 2" and msg["reply_markup"] is None
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("Versi 2", chat_id=USER, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=77)
    again = await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=KEYBOARD)
    assert again.reply_markup == KEYBOARD and fake.last_message(USER)["text"] == "Versi 2"


async def test_documents_and_photos_from_the_bot(bot: Bot, fake: FakeTelegram) -> None:
    payload = b"PK\x03\x04 xlsx bytes \x00\xff"
    sent = await bot.send_document(USER, payload, filename="aspirasi.xlsx", caption="Ekspor")
    assert sent.document.file_name == "aspirasi.xlsx" and sent.caption == "Ekspor"
    upload = fake.calls_to("sendDocument")[0].params["document"]
    assert isinstance(upload, UploadedFile) and upload.data == payload
    assert fake.calls_to("sendDocument")[0].params["chat_id"] == USER
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == payload
    fake.send_photo(USER, b"jpegdata")
    [update] = await bot.get_updates(timeout=0)
    photo = await bot.send_photo(USER, update.message.photo[-1].file_id)
    assert photo.photo and fake.last_message(USER)["kind"] == "photo"
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_photo(USER, "unknown-file-id")


async def test_fail_next_502_is_network_error(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", count=2)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Bad Gateway") as info:
            await bot.send_message(USER, "halo")
        assert not isinstance(info.value, BadRequest)
    await bot.send_message(USER, "halo")
    assert [(c.status, c.fault) for c in fake.calls_to("sendMessage")] == [
        (502, True),
        (502, True),
        (200, False),
    ]
    assert len(fake.messages(USER)) == 1


async def test_fail_next_429_is_retry_after(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=1)
    with warnings.catch_warnings():  # retry_after as int is deprecated in PTB >= 22.2
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(USER, "halo")
        retry_after = info.value.retry_after
    seconds = retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after
    assert seconds == 1


async def test_block_is_forbidden(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(USER, "sebelum")
    fake.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "halo")
    with pytest.raises(Forbidden):
        await bot.edit_message_text("x", chat_id=USER, message_id=sent.message_id)
    await bot.send_message(USER + 1, "orang lain")  # other chats unaffected
    fake.unblock(USER)
    await bot.send_message(USER, "sesudah")
    assert fake.calls_to("sendMessage")[1].fault


async def test_wrong_token_and_unknown_method(fake: FakeTelegram) -> None:
    with pytest.raises(InvalidToken, match="Unauthorized"):
        await make_bot(fake, "987654321:" + "x" * 35).get_me()
    async with make_bot(fake) as bot:
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("noSuchMethod")
    async with httpx.AsyncClient() as client:
        res = await client.get(f"{fake.base_url}/file/botWRONG/photos/x.jpg")
        assert res.status_code == 401 and res.json()["ok"] is False


async def test_webhook(bot: Bot, fake: FakeTelegram) -> None:
    fake.send_text(USER, "dibuang")
    assert await bot.set_webhook(
        "https://siantar.example/tg",
        secret_token="s3cret_-X",
        allowed_updates=["message"],
        drop_pending_updates=True,
    )
    assert fake.webhook["secret_token"] == "s3cret_-X"
    assert fake.webhook["allowed_updates"] == ["message"] and fake.pending_updates() == 0
    assert (await bot.get_webhook_info()).url == "https://siantar.example/tg"
    with pytest.raises(Conflict):
        await bot.get_updates(timeout=0)
    with pytest.raises(BadRequest, match="(?i)HTTPS URL"):
        await bot.set_webhook("http://insecure.example/tg")
    assert await bot.delete_webhook()
    assert fake.webhook is None and (await bot.get_webhook_info()).url == ""


async def test_commands(bot: Bot, fake: FakeTelegram) -> None:
    commands = [BotCommand("start", "Start"), BotCommand("help", "Help")]
    assert await bot.set_my_commands(commands, language_code="en")
    assert await bot.set_my_commands([BotCommand("start", "Mulai")])
    assert fake.commands["en"] == [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help"},
    ]
    assert fake.commands[""][0]["description"] == "Mulai"
    assert await bot.get_my_commands(language_code="en") == tuple(commands)
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad Command", "x")])


async def test_chat_action_and_delay(bot: Bot, fake: FakeTelegram) -> None:
    fake.delay("sendChatAction", 0.2)
    started = time.monotonic()
    assert await bot.send_chat_action(USER, "typing")
    assert time.monotonic() - started >= 0.2
    assert fake.calls_to("sendChatAction")[0].params["action"] == "typing"


async def test_concurrent_sends_get_unique_ids(fake: FakeTelegram) -> None:
    async with make_bot(fake, connection_pool_size=16) as bot:
        pushers = [threading.Thread(target=fake.send_text, args=(USER, f"t{i}")) for i in range(20)]
        for thread in pushers:
            thread.start()
        sent = await asyncio.gather(*(bot.send_message(USER, f"m{i}") for i in range(40)))
        for thread in pushers:
            thread.join()
    assert len({m.message_id for m in sent}) == 40
    assert len({m["message_id"] for m in fake.messages(USER)}) == 40
    assert fake.pending_updates() == 20


def test_sync_wait_helpers(fake: FakeTelegram) -> None:
    threading.Timer(
        0.1,
        lambda: httpx.post(
            f"{fake.base_url}/bot{TOKEN}/sendMessage", json={"chat_id": USER, "text": "json body"}
        ),
    ).start()
    [msg] = fake.wait_for_messages(USER, 1, timeout=5)
    assert msg["text"] == "json body"
    with pytest.raises(AssertionError, match=r"(?s)2 bot message\(s\) in chat 4242.*sendMessage"):
        fake.wait_for_messages(USER, 2, timeout=0.1)


async def test_async_wait_helper(bot: Bot, fake: FakeTelegram) -> None:
    asyncio.get_running_loop().call_later(0.05, fake.send_text, USER, "x")
    await fake.wait_for_async(lambda: fake.pending_updates() == 1, timeout=2)
    asyncio.create_task(bot.send_message(USER, "async"))
    assert (await fake.wait_for_messages_async(USER, 1, timeout=2))[0]["text"] == "async"


async def test_application_polling_end_to_end(fake: FakeTelegram) -> None:
    from telegram.ext import Application, CallbackQueryHandler, CommandHandler

    async def start(update: Update, _: object) -> None:
        await update.message.reply_text("Selamat datang", reply_markup=KEYBOARD)

    async def pressed(update: Update, _: object) -> None:
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(f"Pilihan: {update.callback_query.data}")

    app = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{fake.base_url}/bot")
        .base_file_url(f"{fake.base_url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        fake.send_text(USER, "/start")
        [welcome] = await fake.wait_for_messages_async(USER, 1, timeout=5)
        fake.press(USER, welcome["message_id"], "no")
        await fake.wait_for_async(lambda: fake.last_message(USER)["edited"], timeout=5)
        await app.updater.stop()
        await app.stop()
    assert fake.last_message(USER)["text"] == "Pilihan: no"
    assert len(fake.callback_answers) == 1
