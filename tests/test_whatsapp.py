"""The real pywa adapter against the fake Graph API on 127.0.0.1, with signed webhooks."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fake_whatsapp import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    FakeWhatsApp,
    button_reply,
    contacts,
    list_reply,
    location,
    sign,
    text,
    webhook,
)
from sqlmodel import Session, select
from whatsapp_harness import WaResident, said

from bot.config import WHATSAPP_TEMPLATE_KINDS, WhatsAppSettings, WhatsAppTemplate
from bot.media import MediaStore
from bot.web import create_web_app
from bot.whatsapp.channel import WhatsAppChannel
from handlers.engine import Engine as SiantarEngine
from storage.models import Aspiration, Resident

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TEMPLATES = {
    kind: WhatsAppTemplate(name=f"siantar_{kind}", language="id", params=["text"])
    for kind in (*WHATSAPP_TEMPLATE_KINDS, "reply")
}


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeWhatsApp]:
    with FakeWhatsApp() as server:
        yield server


def settings_for(fake: FakeWhatsApp) -> WhatsAppSettings:
    return WhatsAppSettings(
        enabled=True,
        phone_number_id=PHONE_NUMBER_ID,
        access_token=ACCESS_TOKEN,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        api_base_url=fake.base_url,
        templates=TEMPLATES,
    )


@pytest.fixture
async def channel(
    fake: FakeWhatsApp, engine: SiantarEngine, tmp_path: Path
) -> AsyncIterator[WhatsAppChannel]:
    fake.reset()
    media = MediaStore(tmp_path / "media", max_bytes=1024 * 1024)
    channel = WhatsAppChannel(settings_for(fake), engine, media, lambda: datetime.now(UTC))
    yield channel
    await channel.stop()


@pytest.fixture
async def web(channel: WhatsAppChannel) -> AsyncIterator[httpx.AsyncClient]:
    app = create_web_app(db=channel.engine.db, channels=["whatsapp"], whatsapp=channel)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        yield client


NUMBERS = itertools.count(6281200000101)


@pytest.fixture
def resident(fake: FakeWhatsApp, web: httpx.AsyncClient) -> WaResident:
    return WaResident(fake, web, wa_id=str(next(NUMBERS)))


async def onboard(resident: WaResident) -> None:
    [consent] = await resident.say("/start")
    assert "Apakah Anda setuju" in consent.text and consent.kind == "button"
    [kecamatan] = await resident.choose("Setuju")
    assert "kecamatan mana" in kecamatan.text and kecamatan.kind == "list"
    [menu] = await resident.choose("Lewati")
    assert "Apa yang ingin" in menu.text


async def test_start_up_checks_the_number(channel: WhatsAppChannel) -> None:
    assert await channel.start() == "+62 622 000 111"


async def test_full_aspiration_flow(
    channel: WhatsAppChannel, resident: WaResident, fake: FakeWhatsApp, engine: SiantarEngine
) -> None:
    await onboard(resident)
    await resident.choose("Sampaikan aspirasi")
    [kecamatan] = await resident.choose("Infrastruktur")
    assert kecamatan.kind == "list" and len(kecamatan.buttons) == 8
    [kelurahan] = await resident.choose("Siantar Utara")
    assert kelurahan.kind == "list"
    assert "Tuliskan aspirasi" in said(await resident.choose("Martoba"))
    reply = said(await resident.say("Lampu jalan di Jalan Merdeka mati semua sejak minggu lalu."))
    assert "foto atau lokasi" in reply
    assert "Foto diterima" in said(await resident.photo(PNG))
    await resident.choose("Lanjut")
    summary = said(await resident.choose("Tampilkan nama"))
    assert "Pengirim: Budi" in summary and "Lampiran: foto" in summary
    confirmation = await resident.choose("Kirim")
    with Session(engine.db) as session:
        [aspiration] = session.exec(select(Aspiration)).all()
    assert aspiration.code in said(confirmation)
    assert aspiration.photo_path
    assert channel.media.path_of(aspiration.photo_path).read_bytes() == PNG


# ---------------------------------------------------------------------- webhook security


async def test_handshake_answers_the_challenge_only_for_the_right_token(
    web: httpx.AsyncClient,
) -> None:
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    right = await web.get("/whatsapp/webhook", params={**query, "hub.verify_token": VERIFY_TOKEN})
    assert right.status_code == 200 and right.text == "1158201444"
    wrong = await web.get("/whatsapp/webhook", params={**query, "hub.verify_token": "guess"})
    assert wrong.status_code == 403 and "1158201444" not in wrong.text
    missing = await web.get("/whatsapp/webhook", params=query)
    assert missing.status_code == 403


@pytest.mark.parametrize("signature", [None, "", "sha256=" + "0" * 64, "md5=abc"])
async def test_unsigned_or_badly_signed_posts_are_refused_and_not_processed(
    resident: WaResident, fake: FakeWhatsApp, engine: SiantarEngine, signature: str | None
) -> None:
    response = await resident.post(webhook(text(resident.wa_id, "/start")), signature=signature)
    assert response.status_code == 403
    assert fake.sent() == []
    with Session(engine.db) as session:
        assert session.exec(select(Resident)).all() == []


async def test_a_signature_for_another_body_is_refused(resident: WaResident) -> None:
    signed = webhook(text(resident.wa_id, "halo"))
    tampered = webhook(text(resident.wa_id, "/hapusdata"))
    response = await resident.post(tampered, signature=sign(signed))
    assert response.status_code == 403


async def test_the_same_wamid_twice_is_handled_once(
    resident: WaResident, fake: FakeWhatsApp
) -> None:
    item = text(resident.wa_id, "/start")
    assert len(await resident.send(item)) == 1
    assert await resident.send(item) == []  # Meta redelivered it: no second answer
    # and in one batched webhook, a repeat inside the batch is skipped too
    other = text(resident.wa_id, "/bantuan")
    batch = await resident.send(other, other)
    assert batch and len({m.text for m in batch}) == len(batch)
    assert await resident.send(other) == []


async def test_a_batched_webhook_loses_no_message(
    resident: WaResident, web: httpx.AsyncClient, fake: FakeWhatsApp
) -> None:
    second = WaResident(fake, web, wa_id=str(next(NUMBERS)))
    body = webhook(text(resident.wa_id, "/start"), text(second.wa_id, "/start"))
    assert (await resident.post(body)).status_code == 200
    assert len(resident.messages()) == 1 and len(second.messages()) == 1


# ---------------------------------------------------------------------- inbound kinds


async def test_location_and_contacts_reach_the_core(
    resident: WaResident, engine: SiantarEngine
) -> None:
    await onboard(resident)
    await resident.choose("Sampaikan aspirasi")
    await resident.choose("Infrastruktur")
    await resident.choose("Siantar Utara")
    await resident.choose("Martoba")
    await resident.say("Jalan berlubang besar di depan sekolah, berbahaya bagi anak-anak.")
    reply = said(await resident.send(location(resident.wa_id, 2.9595, 99.0687)))
    assert "Lokasi diterima" in reply
    reply = said(await resident.send(contacts(resident.wa_id, "+62 812-3456-7890")))
    assert reply  # not expected here: a clear answer, never silence


async def test_a_stale_button_gets_the_expired_answer(resident: WaResident) -> None:
    await onboard(resident)
    menu, button = resident.option("Sampaikan aspirasi")
    await resident.choose("Sampaikan aspirasi")
    again = await resident.send(list_reply(resident.wa_id, button["id"], "x", menu.id))
    assert "tidak berlaku" in said(again)


async def test_a_forged_button_id_is_expired(resident: WaResident) -> None:
    await resident.say("/start")
    forged = await resident.send(button_reply(resident.wa_id, "o1|yes|AAAAAAAAAA", "Setuju"))
    assert "tidak berlaku" in said(forged)
