"""Training registration and its reminder through the real Telegram adapter,
against the fake Bot API server: the phone number comes from the 'share my
number' button."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from fake_telegram import FakeTelegram
from sqlmodel import Session, select
from telegram_harness import Resident as TelegramResident
from test_telegram import channel, fake, onboard, resident  # noqa: F401 (fixtures)
from test_training import PEMBUKUAN, add_program

from bot.jobs import training_tick
from bot.telegram.channel import TelegramChannel
from handlers.core.engine import Engine as SiantarEngine
from storage.models import TrainingRegistration


async def test_register_with_a_shared_contact_and_get_the_reminder(
    channel: TelegramChannel,  # noqa: F811
    resident: TelegramResident,  # noqa: F811
    fake: FakeTelegram,  # noqa: F811
    engine: SiantarEngine,
) -> None:
    start = datetime.now(UTC) + timedelta(days=3)
    add_program(engine.db, starts_at=start, ends_at=start + timedelta(hours=3))
    await onboard(resident)
    assert PEMBUKUAN in (await resident.press("Pelatihan"))["text"]
    await resident.press("Pembukuan")
    asked = await resident.press("Daftar")
    assert "nama lengkap" in asked["text"]
    phone_question = await resident.press("Pakai: Budi")
    assert "nomor HP" in phone_question["text"]
    keyboard = phone_question["reply_markup"]["keyboard"]
    assert keyboard[0][0] == {"text": "📱 Kirim nomor saya", "request_contact": True}
    assert phone_question["reply_markup"]["one_time_keyboard"] is True
    shared = await resident._expect_reply(
        lambda: fake.send_contact(resident.user_id, "6281234567890")
    )
    assert "kecamatan mana" in shared["text"]
    await resident.press("Siantar Barat")
    await resident.press("Bantan")
    await resident.press("Jasa")
    summary = await resident.press("Lewati")
    assert "0812-3456-7890" in summary["text"]
    await resident.press("Daftar sekarang")
    assert "Pendaftaran berhasil" in resident.said_since(-2)
    with Session(engine.db) as session:
        [registration] = session.exec(select(TrainingRegistration)).all()
    assert (registration.phone, registration.status) == ("+6281234567890", "registered")

    before = len(resident.messages())
    due = start - timedelta(hours=23)
    assert training_tick(engine.db, (timedelta(days=1),), due) == 1
    channel.outbox.clock = lambda: due + timedelta(seconds=1)
    await channel.outbox.run_once()
    assert f"Pengingat: pelatihan {PEMBUKUAN}" in resident.said_since(before)


async def test_a_typed_number_takes_the_share_keyboard_away(
    channel: TelegramChannel,  # noqa: F811
    resident: TelegramResident,  # noqa: F811
    fake: FakeTelegram,  # noqa: F811
    engine: SiantarEngine,
) -> None:
    start = datetime.now(UTC) + timedelta(days=3)
    add_program(engine.db, starts_at=start, ends_at=start + timedelta(hours=3))
    await onboard(resident)
    await resident.press("Pelatihan")
    await resident.press("Pembukuan")
    await resident.press("Daftar")
    phone_question = await resident.press("Pakai: Budi")
    assert phone_question["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    next_question = await resident.say("0812-3456-7890")
    assert "kecamatan mana" in next_question["text"]
    # the 📱 keyboard is taken away with the next question, whose buttons follow
    sent = [c.params for c in fake.calls_to("sendMessage")]
    assert "kecamatan mana" in sent[-1]["text"]
    assert sent[-1]["reply_markup"] == {"remove_keyboard": True}

    def buttons_put_back() -> list[dict[str, Any]]:
        edits = [c.params for c in fake.calls_to("editMessageReplyMarkup")]
        return [
            e
            for e in edits
            if e["chat_id"] == resident.user_id
            and e["message_id"] == next_question["message_id"]
            and "inline_keyboard" in (e.get("reply_markup") or {})
        ]

    for _ in range(50):
        if buttons_put_back():
            break
        await asyncio.sleep(0.05)
    assert len(buttons_put_back()) == 1
    assert "kelurahan mana" in (await resident.press("Siantar Barat"))["text"]
    later = [c.params for c in fake.calls_to("sendMessage")][-1]
    assert "remove_keyboard" not in str(later.get("reply_markup"))  # only once
