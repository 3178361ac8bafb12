"""Voice notes through the real adapters (issue 19, item 3): a Telegram voice
message and a WhatsApp audio message at the text step become the aspiration,
downloaded from the fake servers on 127.0.0.1 and kept in the media store; notes
over the limits are refused with the same question, Telegram's before anything
is downloaded; staff receive a stored note as a voice/audio message. A resident
answers a staff question (/jawab) with a voice note the same way, and staff hear
the answer."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from dialogue import Chat
from fake_telegram import TOKEN, FakeTelegram
from fake_whatsapp import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, FakeWhatsApp
from sqlmodel import Session, select
from staff_helpers import CONFIG_ROLES, STAFF, TOLD, move, person, seed
from telegram_harness import Resident as TelegramResident
from voices import OGG, amr, ogg_opus
from whatsapp_harness import WaResident, said

from bot.config import TelegramSettings, WhatsAppSettings
from bot.media import MediaStore
from bot.telegram.channel import TelegramChannel
from bot.telegram.polling import poll
from bot.web import create_web_app
from bot.whatsapp.channel import WhatsAppChannel
from handlers.core.engine import Engine as SiantarEngine
from handlers.core.settings import VoiceLimits
from handlers.core.types import Reply
from handlers.registry import FLOWS
from storage.aspirations import find_aspiration
from storage.db import transaction
from storage.models import Aspiration, AspirationNote, Resident
from storage.residents import create_resident
from storage.workflow import notes_of

LIMITS = VoiceLimits(max_bytes=1024 * 1024, max_seconds=300)  # as [media] would set them
TOO_BIG = "Pesan suara itu terlalu besar (paling besar 1 MB)"
SPOKEN = "(pesan suara, 0:42)"
TOO_LONG = "Pesan suara itu terlalu panjang (paling lama 5 menit)"


@pytest.fixture
def engine(engine: SiantarEngine) -> SiantarEngine:
    """The engine told the same limits as the adapters' media store, as ``siantar``
    tells both from ``[media]``."""
    return SiantarEngine(engine.db, replace(engine.settings, voice=LIMITS), FLOWS)


def stored(engine: SiantarEngine) -> list[Aspiration]:
    with Session(engine.db) as session:
        return list(session.exec(select(Aspiration)).all())


# --- Telegram --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def tg_channel(
    telegram: FakeTelegram, engine: SiantarEngine, tmp_path: Path
) -> AsyncIterator[TelegramChannel]:
    settings = TelegramSettings(enabled=True, token=TOKEN, api_base_url=telegram.base_url)
    media = MediaStore(tmp_path / "media", max_bytes=1024 * 1024, voice=LIMITS)
    channel = TelegramChannel(settings, engine, media, lambda: datetime.now(UTC))
    await channel.start()
    stop = asyncio.Event()
    polling = asyncio.create_task(poll(channel, stop, long_poll=1))
    yield channel
    stop.set()
    await polling
    await channel.stop()


TG_USERS = itertools.count(7801)


@pytest.fixture
def tg_resident(telegram: FakeTelegram) -> TelegramResident:
    return TelegramResident(telegram, user_id=next(TG_USERS))


async def tg_to_text_step(resident: TelegramResident) -> str:
    """Onboard and reach the text step; its question."""
    assert "Apakah Anda setuju" in (await resident.say("/start"))["text"]
    await resident.press("Setuju")
    await resident.press("Lewati")
    await resident.press("Sampaikan aspirasi")
    await resident.press("Infrastruktur")
    await resident.press("Siantar Utara")
    question = (await resident.press("Martoba"))["text"]
    assert "Tuliskan aspirasi" in question and "pesan suara" in question
    return str(question)


async def test_a_telegram_voice_note_at_the_text_step_is_the_aspiration(
    tg_channel: TelegramChannel,
    tg_resident: TelegramResident,
    telegram: FakeTelegram,
    engine: SiantarEngine,
) -> None:
    await tg_to_text_step(tg_resident)
    reply = await tg_resident._expect_reply(
        lambda: telegram.send_voice(tg_resident.user_id, OGG, duration=42)
    )
    assert "Pesan suara diterima" in reply["text"] and "foto atau lokasi" in reply["text"]
    await tg_resident.press("Lewati")
    summary = await tg_resident.press("Tampilkan nama")
    assert SPOKEN in summary["text"] and "Lampiran: pesan suara (0:42)" in summary["text"]
    await tg_resident.press("Kirim")
    [aspiration] = stored(engine)
    assert (aspiration.text, aspiration.voice_seconds) == (SPOKEN, 42)
    assert aspiration.voice_path and aspiration.voice_path.endswith(".ogg")
    assert tg_channel.media.path_of(aspiration.voice_path).read_bytes() == OGG


@pytest.mark.parametrize(
    ("sent", "said_"),
    [
        ({"duration": 301}, TOO_LONG),  # Telegram says so: not downloaded
        ({"file_size": 2 * 1024 * 1024}, TOO_BIG),  # Telegram says so: not downloaded
        ({"data": ogg_opus(400), "duration": 0}, TOO_LONG),  # the file says so
        ({"data": b"bukan suara" * 10}, "bukan pesan suara"),
    ],
)
async def test_a_telegram_note_over_the_limits_is_refused_with_the_question_again(
    tg_channel: TelegramChannel,
    tg_resident: TelegramResident,
    telegram: FakeTelegram,
    engine: SiantarEngine,
    sent: dict[str, object],
    said_: str,
) -> None:
    question = await tg_to_text_step(tg_resident)
    downloads = len(telegram.calls_to("getFile"))
    sent = dict(sent)  # the parameters are shared by the backends
    data = sent.pop("data", OGG)
    reply = await tg_resident._expect_reply(
        lambda: telegram.send_voice(tg_resident.user_id, data, **sent)  # type: ignore[arg-type]
    )
    assert said_ in reply["text"] and reply["text"].endswith(question)
    if data is OGG:  # Telegram said it is too long or too big: refused before downloading
        assert len(telegram.calls_to("getFile")) == downloads
    assert stored(engine) == []
    assert list(tg_channel.media.directory.rglob("*.ogg")) == []


async def test_a_telegram_audio_file_is_an_extra_attachment(
    tg_channel: TelegramChannel,
    tg_resident: TelegramResident,
    telegram: FakeTelegram,
    engine: SiantarEngine,
) -> None:
    await tg_to_text_step(tg_resident)
    await tg_resident.say("Lampu jalan di Jalan Merdeka mati semua sejak minggu lalu.")
    reply = await tg_resident._expect_reply(
        lambda: telegram.send_voice(tg_resident.user_id, amr(4), duration=4, audio=True)
    )
    assert "Pesan suara diterima" in reply["text"]
    await tg_resident.press("Lanjut")
    await tg_resident.press("Tampilkan nama")
    await tg_resident.press("Kirim")
    [aspiration] = stored(engine)
    assert aspiration.text.startswith("Lampu jalan")
    assert aspiration.voice_path and aspiration.voice_path.endswith(".amr")


async def test_staff_get_the_note_as_a_telegram_voice_message(
    tg_channel: TelegramChannel, telegram: FakeTelegram
) -> None:
    reference, _ = tg_channel.media.store_voice(OGG, datetime.now(UTC))
    before = len(telegram.calls_to("sendVoice"))  # the fake serves the whole module
    await tg_channel.deliver("7899", Reply(text="Pesan suara untuk ASP-7K2M9Q", voice=reference))
    [call] = telegram.calls_to("sendVoice")[before:]
    assert call.params["caption"] == "Pesan suara untuk ASP-7K2M9Q"
    assert call.params["voice"].data == OGG
    assert telegram.last_message(7899)["kind"] == "voice"  # type: ignore[index]
    assert tg_channel.media.path_of(reference).exists()  # the resident's note stays


# --- WhatsApp --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def whatsapp() -> Iterator[FakeWhatsApp]:
    with FakeWhatsApp() as server:
        yield server


@pytest.fixture
async def wa_channel(
    whatsapp: FakeWhatsApp, engine: SiantarEngine, tmp_path: Path
) -> AsyncIterator[WhatsAppChannel]:
    whatsapp.reset()
    settings = WhatsAppSettings(
        enabled=True,
        phone_number_id=PHONE_NUMBER_ID,
        access_token=ACCESS_TOKEN,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        api_base_url=whatsapp.base_url,
    )
    media = MediaStore(tmp_path / "media", max_bytes=1024 * 1024, voice=LIMITS)
    channel = WhatsAppChannel(settings, engine, media, lambda: datetime.now(UTC))
    yield channel
    await channel.stop()


WA_NUMBERS = itertools.count(6281200000801)


@pytest.fixture
async def wa_resident(
    whatsapp: FakeWhatsApp, wa_channel: WhatsAppChannel
) -> AsyncIterator[WaResident]:
    app = create_web_app(db=wa_channel.engine.db, channels=["whatsapp"], whatsapp=wa_channel)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        yield WaResident(whatsapp, client, wa_id=str(next(WA_NUMBERS)))


async def wa_to_text_step(resident: WaResident) -> str:
    await resident.say("/start")
    await resident.choose("Setuju")
    await resident.choose("Lewati")
    await resident.choose("Sampaikan aspirasi")
    await resident.choose("Infrastruktur")
    await resident.choose("Siantar Utara")
    question = said(await resident.choose("Martoba"))
    assert "Tuliskan aspirasi" in question
    return question


async def test_a_whatsapp_voice_note_at_the_text_step_is_the_aspiration(
    wa_channel: WhatsAppChannel, wa_resident: WaResident, engine: SiantarEngine
) -> None:
    await wa_to_text_step(wa_resident)
    reply = said(await wa_resident.voice(OGG))
    assert "Pesan suara diterima" in reply and "foto atau lokasi" in reply
    await wa_resident.choose("Lewati")
    summary = said(await wa_resident.choose("Tampilkan nama"))
    assert SPOKEN in summary and "pesan suara (0:42)" in summary
    await wa_resident.choose("Kirim")
    [aspiration] = stored(engine)
    assert (aspiration.text, aspiration.voice_seconds, aspiration.channel) == (
        SPOKEN,
        42,
        "whatsapp",
    )
    assert aspiration.voice_path and aspiration.voice_path.endswith(".ogg")
    assert wa_channel.media.path_of(aspiration.voice_path).read_bytes() == OGG


@pytest.mark.parametrize(
    ("data", "said_"),
    [
        (ogg_opus(400), TOO_LONG),
        (ogg_opus(10, padding=1100 * 1024), TOO_BIG),
    ],
)
async def test_a_whatsapp_note_over_the_limits_is_refused_with_the_question_again(
    wa_channel: WhatsAppChannel,
    wa_resident: WaResident,
    engine: SiantarEngine,
    data: bytes,
    said_: str,
) -> None:
    question = await wa_to_text_step(wa_resident)
    reply = said(await wa_resident.voice(data))
    assert said_ in reply and reply.endswith(question)
    assert stored(engine) == []
    assert list(wa_channel.media.directory.rglob("*.ogg")) == []


async def test_staff_get_the_note_as_a_whatsapp_audio_message(
    wa_channel: WhatsAppChannel, whatsapp: FakeWhatsApp, engine: SiantarEngine
) -> None:
    wa_id = "6281200000999"
    with transaction(engine.db) as session:  # seen just now: within the 24-hour window
        create_resident(
            session=session,
            identity=f"whatsapp:{wa_id}",
            channel="whatsapp",
            language="id",
            now=datetime.now(UTC),
        )
    reference, _ = wa_channel.media.store_voice(OGG, datetime.now(UTC))
    await wa_channel.deliver(wa_id, Reply(text="Pesan suara untuk ASP-7K2M9Q", voice=reference))
    caption, note = whatsapp.sent(wa_id)
    assert (caption.type, caption.text) == ("text", "Pesan suara untuk ASP-7K2M9Q")
    assert note.type == "audio"
    [uploaded] = whatsapp.uploaded()
    assert uploaded == OGG


# --- a voice note as the answer to a staff question (tunda) ----------------------------

QUESTION = "Di depan rumah nomor berapa tepatnya lubang itu?"
ANSWER_QUESTION = "Kirim jawaban Anda: tulis pesan, kirim foto atau pesan suara"
ANSWER_KEPT = "Terima kasih, pesan suara Anda sudah kami simpan sebagai jawaban untuk aspirasi"


def held_for(engine: SiantarEngine, identity: str, media: MediaStore) -> tuple[str, Chat]:
    """An aspiration of the resident ``identity`` that staff (in the console chat, on
    the same database) put on hold with ``QUESTION``; its code and the staff chat."""
    desk = SiantarEngine(
        engine.db, replace(engine.settings, config_roles=CONFIG_ROLES, files=media), FLOWS
    )
    with Session(engine.db) as session:
        resident = session.exec(select(Resident).where(Resident.identity == identity)).one()
    code = seed(desk, resident_id=resident.id, status="diverifikasi")
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "tunda", note=QUESTION)
    assert TOLD in staff.said
    return code, staff


def answer_of(engine: SiantarEngine, code: str) -> tuple[Aspiration, AspirationNote]:
    with Session(engine.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None and aspiration.id is not None
        [answer] = notes_of(session=session, aspiration_id=aspiration.id)
        return aspiration, answer


def staff_hear(staff: Chat, code: str) -> Reply:
    """Staff open the aspiration: the spoken answer is marked in its history and
    comes as a voice message of its own; that message."""
    staff.send(f"/aspirasi {code}")
    assert f"Aspirasi {code} — " in staff.said
    assert "Jawaban warga: 🎤 pesan suara (0:42)" in staff.last.text
    [heard] = [reply for reply in staff.last_batch if reply.voice]
    assert heard.text.startswith(f"Jawaban warga untuk {code} berupa pesan suara")
    return heard


async def test_a_telegram_resident_answers_a_staff_question_with_a_voice_note(
    tg_channel: TelegramChannel,
    tg_resident: TelegramResident,
    telegram: FakeTelegram,
    engine: SiantarEngine,
) -> None:
    await tg_resident.say("/start")
    await tg_resident.press("Setuju")
    await tg_resident.press("Lewati")
    code, staff = held_for(engine, f"telegram:{tg_resident.user_id}", tg_channel.media)
    asked = await tg_resident.say(f"/jawab {code}")
    assert f"“{QUESTION}”" in asked["text"] and ANSWER_QUESTION in asked["text"]
    # too long (Telegram says so): refused, not downloaded, the same question again
    downloads = len(telegram.calls_to("getFile"))
    refused = await tg_resident._expect_reply(
        lambda: telegram.send_voice(tg_resident.user_id, OGG, duration=301)
    )
    assert TOO_LONG in refused["text"] and refused["text"].endswith(asked["text"])
    assert len(telegram.calls_to("getFile")) == downloads
    assert stored(engine)[0].status == "tunda"
    thanks = await tg_resident._expect_reply(
        lambda: telegram.send_voice(tg_resident.user_id, OGG, duration=42)
    )
    assert f"{ANSWER_KEPT} {code}." in thanks["text"]
    aspiration, answer = answer_of(engine, code)
    assert (aspiration.status, aspiration.held_status) == ("diverifikasi", None)  # resumed
    assert (answer.kind, answer.text, answer.voice_seconds) == ("jawaban", SPOKEN, 42)
    assert answer.voice_path and answer.voice_path.endswith(".ogg")
    assert tg_channel.media.path_of(answer.voice_path).read_bytes() == OGG
    heard = staff_hear(staff, code)
    assert heard.voice == answer.voice_path
    # what staff got is a voice message Telegram plays, with the resident's recording
    before = len(telegram.calls_to("sendVoice"))
    await tg_channel.deliver("7898", heard)
    [call] = telegram.calls_to("sendVoice")[before:]
    assert call.params["voice"].data == OGG and call.params["caption"] == heard.text


async def test_a_whatsapp_resident_answers_a_staff_question_with_a_voice_note(
    wa_channel: WhatsAppChannel, wa_resident: WaResident, whatsapp: FakeWhatsApp,
    engine: SiantarEngine,
) -> None:  # fmt: skip
    await wa_resident.say("/start")
    await wa_resident.choose("Setuju")
    await wa_resident.choose("Lewati")
    code, staff = held_for(engine, f"whatsapp:{wa_resident.wa_id}", wa_channel.media)
    asked = said(await wa_resident.say(f"/jawab {code}"))
    assert f"“{QUESTION}”" in asked and ANSWER_QUESTION in asked
    refused = said(await wa_resident.voice(ogg_opus(10, padding=1100 * 1024)))
    assert TOO_BIG in refused and refused.endswith(asked)  # nothing lost: asked again
    assert stored(engine)[0].status == "tunda"
    assert list(wa_channel.media.directory.rglob("*.ogg")) == []
    assert f"{ANSWER_KEPT} {code}." in said(await wa_resident.voice(OGG))
    aspiration, answer = answer_of(engine, code)
    assert (aspiration.status, answer.text, answer.voice_seconds) == ("diverifikasi", SPOKEN, 42)
    assert answer.voice_path and wa_channel.media.path_of(answer.voice_path).read_bytes() == OGG
    heard = staff_hear(staff, code)
    # staff on WhatsApp get the caption, then the recording as an audio message
    staff_wa = "6281200000998"
    with transaction(engine.db) as session:  # seen just now: within the 24-hour window
        create_resident(
            session=session,
            identity=f"whatsapp:{staff_wa}",
            channel="whatsapp",
            language="id",
            now=datetime.now(UTC),
        )
    await wa_channel.deliver(staff_wa, heard)
    caption, note = whatsapp.sent(staff_wa)
    assert (caption.text, note.type) == (heard.text, "audio")
    assert whatsapp.uploaded()[-1] == OGG
