"""An announcement through the real Telegram adapter, against the fake Bot API
server: a facilitator composes one with a photo for a kelurahan and sees the exact
recipient count; the scheduler's fan-out and the outbox dispatcher then deliver it
to exactly the residents of that kelurahan, once each — not to one who said
BERHENTI in between, nor to anyone elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime

from fake_telegram import FakeTelegram
from sqlmodel import Session, select
from telegram_harness import Resident as TelegramResident
from test_telegram import PNG, USER_IDS, channel, fake, onboard  # noqa: F401 (fixtures)

from bot.jobs import broadcast_tick
from bot.telegram.channel import TelegramChannel
from handlers.core.engine import Engine as SiantarEngine
from storage.db import transaction
from storage.models import Announcement
from storage.roles import grant_role

TEXT = "Posyandu balita Kelurahan Bantan hari Sabtu pukul 08.00 di kantor lurah."


async def live_in(resident: TelegramResident, kecamatan: str, kelurahan: str) -> None:
    """Onboard through the chat, giving a home kelurahan."""
    assert "Apakah Anda setuju" in (await resident.say("/start"))["text"]
    await resident.press("Setuju")
    await resident.press(kecamatan)
    await resident.press(kelurahan)
    assert f"Kelurahan {kelurahan}" in resident.said_since(-2)


def announcements_received(resident: TelegramResident, since: int) -> list[dict[str, object]]:
    return [m for m in resident.messages()[since:] if m["caption"] == TEXT]


async def test_a_kelurahan_announcement_reaches_exactly_its_residents(
    channel: TelegramChannel,  # noqa: F811
    fake: FakeTelegram,  # noqa: F811
    engine: SiantarEngine,
) -> None:
    ani, budi, citra = (TelegramResident(fake, user_id=next(USER_IDS)) for _ in range(3))
    await live_in(ani, "Siantar Barat", "Bantan")
    await live_in(budi, "Siantar Barat", "Bantan")
    await live_in(citra, "Siantar Timur", "Tomuan")
    rina = TelegramResident(fake, user_id=next(USER_IDS), first_name="Rina")
    await onboard(rina)  # the facilitator lives nowhere in particular
    with transaction(engine.db) as session:
        grant_role(
            session=session,
            identity=f"telegram:{rina.user_id}",
            role="facilitator",
            granted_by="test",
            now=datetime.now(UTC),
        )

    assert "Tulis teks pengumumannya" in (await rina.say("/umumkan"))["text"]
    assert "Ingin melampirkan foto?" in (await rina.say(TEXT))["text"]
    assert "Foto diterima." in (await rina.photo(PNG))["text"]
    await rina.press("Warga satu kelurahan")
    await rina.press("Siantar Barat")
    assert "Kapan pengumuman ini dikirim?" in (await rina.press("Bantan"))["text"]
    before_preview = len(rina.messages())
    preview = await rina.press("Kirim sekarang")
    sample = rina.messages()[before_preview]
    assert (sample["kind"], sample["caption"]) == ("photo", TEXT)  # as residents will see it
    assert "Penerima: Warga Kelurahan Bantan, Kecamatan Siantar Barat" in preview["text"]
    assert "Jumlah penerima: 2 warga" in preview["text"]
    assert [b["text"] for row in preview["reply_markup"]["inline_keyboard"] for b in row] == [
        "Kirim",
        "Ubah",
        "Batal",
    ]
    confirmation = await rina.press("Kirim")
    assert "Pengumuman #1 sedang dikirim ke 2 warga." in rina.said_since(-2), confirmation

    # Budi stops announcements before the scheduler fans this one out.
    stopped = await budi.say("BERHENTI")
    assert "tidak akan menerima pengumuman" in stopped["text"]

    seen = {r.user_id: len(r.messages()) for r in (ani, budi, citra, rina)}
    assert broadcast_tick(engine.db, datetime.now(UTC)) == 1
    for _ in range(3):
        await channel.outbox.run_once()
    await ani.wait_for(seen[ani.user_id] + 1)
    for _ in range(2):  # nothing more comes, however often the dispatcher runs
        await channel.outbox.run_once()

    [received] = announcements_received(ani, seen[ani.user_id])
    assert received["kind"] == "photo" and not received["reply_markup"]
    assert announcements_received(budi, seen[budi.user_id]) == []
    assert announcements_received(citra, seen[citra.user_id]) == []
    assert len(rina.messages()) == seen[rina.user_id]
    people = {r.user_id for r in (ani, budi, citra, rina)}  # the fake serves the whole module
    photos = [
        int(c.params["chat_id"])
        for c in fake.calls_to("sendPhoto")
        if c.params.get("caption") == TEXT and int(c.params["chat_id"]) in people
    ]
    assert sorted(photos) == sorted([rina.user_id, ani.user_id])  # the preview, and Ani's

    with Session(engine.db) as session:
        [announcement] = session.exec(select(Announcement)).all()
        assert (announcement.status, announcement.recipients) == ("sent", 1)
    card = await rina.say("/status_umum 1")
    assert "Pengumuman #1 · Selesai" in card["text"]
    assert "Pesan yang sudah disiapkan: 1\nTerkirim: 1\nGagal: 0" in card["text"]
