"""Training registration and its reminder through the real Telegram adapter,
against the fake Bot API server: the phone number comes from the 'share my
number' button."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
