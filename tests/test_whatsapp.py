"""The real pywa adapter against the fake Graph API on 127.0.0.1, with signed webhooks."""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
    status,
    text,
    webhook,
)
from images import assert_clean_and_upright, jpeg_from_camera
from sqlmodel import Session, select
from whatsapp_harness import WaResident, said

import handlers.core.engine
from bot.config import WHATSAPP_TEMPLATE_KINDS, WhatsAppSettings, WhatsAppTemplate
from bot.delivery import DeliveryFailed
from bot.media import MediaStore
from bot.outbox import OutboxDispatcher
from bot.web import create_web_app
from bot.whatsapp.callbacks import ButtonIds
from bot.whatsapp.channel import WhatsAppChannel
from bot.whatsapp.render import render
from handlers.core.engine import Engine as SiantarEngine
from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step, Steps
from handlers.core.types import Option, Reply
from handlers.registry import FLOWS
from storage.conversations import ConversationConflict
from storage.db import transaction
from storage.models import Aspiration, OutboxMessage, Resident
from storage.residents import create_resident

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
    assert "Foto diterima" in said(await resident.photo(jpeg_from_camera()))
    await resident.choose("Lanjut")
    summary = said(await resident.choose("Tampilkan nama"))
    assert "Pengirim: Budi" in summary and "Lampiran: foto" in summary
    confirmation = await resident.choose("Kirim")
    with Session(engine.db) as session:
        [aspiration] = session.exec(select(Aspiration)).all()
    assert aspiration.code in said(confirmation)
    assert aspiration.photo_path
    assert_clean_and_upright(channel.media.path_of(aspiration.photo_path).read_bytes())


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


async def test_a_busy_conversation_gets_503_and_the_resident_s_later_messages_wait(
    resident: WaResident,
    web: httpx.AsyncClient,
    fake: FakeWhatsApp,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every try of the resident's first message loses against another writer: the
    body is not confirmed (Meta redelivers it), no apology goes out, and their next
    message in the body waits for the redelivery, so it is handled after the first.
    Another resident in the same body is answered at once."""
    real = handlers.core.engine.save_conversation
    left = [handlers.core.engine.MAX_ATTEMPTS]

    def save(**kwargs: Any) -> None:
        if kwargs["conversation"].user_id == resident.wa_id and left[0]:
            left[0] -= 1
            raise ConversationConflict("whatsapp")
        real(**kwargs)

    monkeypatch.setattr(handlers.core.engine, "save_conversation", save)
    other = WaResident(fake, web, wa_id=str(next(NUMBERS)))
    body = webhook(
        text(resident.wa_id, "halo"), text(other.wa_id, "halo"), text(resident.wa_id, "Setuju")
    )
    first = await resident.post(body)
    assert first.status_code == 503 and left == [0]
    assert resident.messages() == []  # no apology, and "Setuju" not handled before "halo"
    [consent] = other.messages()
    assert "Apakah Anda setuju" in consent.text

    again = await resident.post(body)  # Meta's redelivery of the same body
    assert again.status_code == 200
    consent, kecamatan = resident.messages()
    assert "Apakah Anda setuju" in consent.text and "kecamatan mana" in kecamatan.text
    assert len(other.messages()) == 1  # handled the first time: skipped now


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


# Reply ids a crafted request can carry: digits int() refuses, text compare_digest
# refuses (non-ASCII), a lone surrogate, nothing, too much, NUL bytes.
CRAFTED_IDS = [
    "1|ü|é",
    "o1|ü|é",
    "²",
    "o²|x|AAAAAAAAAA",
    "o١٢٣|x|AAAAAAAAAA",
    "p1|²|AAAAAAAAAA",
    "o1|\ud800|AAAAAAAAAA",
    "",
    "o1|" + "x" * 5000 + "|AAAAAAAAAA",
    "o1|\x00|\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
]


@pytest.mark.parametrize("reply", [button_reply, list_reply])
async def test_a_crafted_reply_id_is_an_expired_button_quietly(
    resident: WaResident, reply: Any, caplog: pytest.LogCaptureFixture
) -> None:
    await onboard(resident)
    for crafted in CRAFTED_IDS:
        answer = said(await resident.send(reply(resident.wa_id, crafted, "Sampaikan aspirasi")))
        assert "tidak berlaku" in answer, repr(crafted)
        assert "Apa yang ingin" in answer, repr(crafted)  # and the current question again
        assert "gangguan" not in answer, repr(crafted)  # no apology for an error
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []


# ---------------------------------------------------------------------- long lists


def twelve_options_menu() -> Flow:
    """A home menu with 12 options, longer than a WhatsApp list holds."""
    options = tuple(Option(f"v{n}", f"Pilihan nomor {n} yang panjang sekali") for n in range(1, 13))

    def prompt(_ctx: Ctx) -> Prompt:
        return Prompt("Pilih satu program:", options)

    def answer(ctx: Ctx, given: Answer) -> None:
        ctx.note(f"Anda memilih {given.option}.")

    class Pick(Steps, flow="menu"):
        PICK = "pick"

    return Flow({Pick.PICK: Step(prompt, answer, ())})


async def test_a_twelve_option_step_pages_and_every_option_is_reachable(
    fake: FakeWhatsApp, engine: SiantarEngine, tmp_path: Path
) -> None:
    flows = [flow for flow in FLOWS if flow.name != "menu"] + [twelve_options_menu()]
    twelve = SiantarEngine(engine.db, engine.settings, flows)
    wa_id = str(next(NUMBERS))
    now = datetime.now(UTC)
    with transaction(engine.db) as session:
        resident_row = create_resident(
            session=session,
            identity=f"whatsapp:{wa_id}",
            channel="whatsapp",
            language="id",
            now=now,
        )
        resident_row.onboarded_at = resident_row.consent_at = now
        resident_row.consent_version = engine.settings.consent_version
    media = MediaStore(tmp_path / "media", max_bytes=1024 * 1024)

    def channel_and_web() -> tuple[WhatsAppChannel, httpx.AsyncClient]:
        channel = WhatsAppChannel(settings_for(fake), twelve, media, lambda: datetime.now(UTC))
        app = create_web_app(db=engine.db, channels=["whatsapp"], whatsapp=channel)
        return channel, httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://b"
        )

    for wanted in range(1, 13):
        # a new channel (and web app) each time: a restart loses no page
        channel, web = channel_and_web()
        async with web:
            resident = WaResident(fake, web, wa_id=wa_id)
            [first] = await resident.say("menu")
            assert first.kind == "list" and "Halaman 1 dari 2" in first.text
            titles = [row["title"] for row in first.buttons]
            assert len(titles) == 9 and titles[-1] == "Berikutnya »"
            assert all(len(t) <= 24 for t in titles)
            assert first.buttons[0]["description"] == "Pilihan nomor 1 yang panjang sekali"
            if wanted > 8:
                [second] = await resident.choose("Berikutnya")
                assert "Halaman 2 dari 2" in second.text
                assert [r["title"] for r in second.buttons][-1] == "« Sebelumnya"
                assert len(second.buttons) == 5
                if wanted == 12:  # and back again
                    [back] = await resident.choose("Sebelumnya")
                    assert "Halaman 1 dari 2" in back.text
                    await resident.choose("Berikutnya")
            row = next(
                r
                for m in reversed(resident.messages())
                for r in m.buttons
                if r.get("description", "").startswith(f"Pilihan nomor {wanted} ")
            )
            message = next(m for m in reversed(resident.messages()) if row in m.buttons)
            reply = await resident.send(list_reply(wa_id, row["id"], row["title"], message.id))
            assert f"Anda memilih v{wanted}." in said(reply)
        await channel.stop()


async def test_an_old_page_turn_gets_the_expired_answer(resident: WaResident) -> None:
    await onboard(resident)
    _, button = resident.option("Sampaikan aspirasi")
    prompt_id = int(button["id"][1:].split("|")[0])
    old_page = ButtonIds(APP_SECRET).page(resident.wa_id, prompt_id - 1, 1)
    reply = await resident.send(list_reply(resident.wa_id, old_page, "Berikutnya"))
    assert "tidak berlaku" in said(reply)


def test_rendering_stays_within_whatsapp_limits() -> None:
    ids, words = ButtonIds("s"), WhatsAppChannel.words("id")
    three = Reply(
        "Pilih kategori:",
        options=(
            Option("a", "Infrastruktur (jalan, jembatan, drainase)"),
            Option("b", "Kesehatan (puskesmas, posyandu, BPJS)"),
            Option("c", "Lainnya"),
        ),
        prompt_id=3,
    )
    [message] = render(three, "628123", ids, words)
    assert [b.title for b in message.buttons] == ["Infrastruktur", "Kesehatan", "Lainnya"]
    assert "1. Infrastruktur (jalan, jembatan, drainase)" in message.text  # the long forms
    long_text = Reply("kata " * 2000, options=three.options, prompt_id=3)
    parts = render(long_text, "628123", ids, words)
    assert all(len(p.text) <= 4096 for p in parts) and len(parts[-1].text) <= 1024
    assert parts[-1].buttons and not any(p.buttons for p in parts[:-1])
    plain = render(Reply("x" * 9000), "628123", ids, words)
    assert len(plain) == 3 and all(len(p.text) <= 4096 for p in plain)


# ---------------------------------------------------------------------- outbox, window


def last_seen(engine: SiantarEngine, wa_id: str, when: datetime) -> None:
    with transaction(engine.db) as session:
        row = session.exec(select(Resident).where(Resident.identity == f"whatsapp:{wa_id}")).one()
        row.last_seen_at = when


NOTICE = Reply("Status aspirasi ASP-7K2M9Q: diproses.\n\nCatatan petugas: tim sudah ke lokasi.")


async def test_inside_the_window_a_notification_goes_as_is(
    channel: WhatsAppChannel, resident: WaResident, fake: FakeWhatsApp
) -> None:
    await resident.say("/start")
    await channel.deliver(resident.wa_id, NOTICE, kind="status")
    assert resident.messages()[-1].kind == "text"


async def test_window_closed_the_template_is_used(
    channel: WhatsAppChannel, resident: WaResident, fake: FakeWhatsApp, engine: SiantarEngine
) -> None:
    await resident.say("/start")
    last_seen(engine, resident.wa_id, datetime.now(UTC) - timedelta(hours=25))
    wamid = await channel.deliver(resident.wa_id, NOTICE, kind="status")
    sent = resident.messages()[-1]
    assert sent.kind == "template" and sent.id == wamid
    template = sent.body["template"]
    assert template["name"] == "siantar_status" and template["language"]["code"] == "id"
    [parameter] = template["components"][0]["parameters"]
    assert parameter["text"] == (
        "Status aspirasi ASP-7K2M9Q: diproses. · Catatan petugas: tim sudah ke lokasi."
    )


async def test_re_engagement_error_falls_back_to_the_template(
    channel: WhatsAppChannel, resident: WaResident, fake: FakeWhatsApp
) -> None:
    await resident.say("/start")
    fake.fail_next(131047, message="Re-engagement message", types=("text", "interactive"))
    await channel.deliver(resident.wa_id, NOTICE, kind="announcement")
    assert resident.messages()[-1].body["template"]["name"] == "siantar_announcement"


async def test_without_a_template_the_closed_window_is_a_permanent_failure(
    fake: FakeWhatsApp, engine: SiantarEngine, tmp_path: Path, web: httpx.AsyncClient
) -> None:
    settings = settings_for(fake).model_copy(update={"templates": {}})
    media = MediaStore(tmp_path / "m", max_bytes=1024)
    bare = WhatsAppChannel(settings, engine, media, lambda: datetime.now(UTC))
    resident = WaResident(fake, web, wa_id=str(next(NUMBERS)))
    await resident.say("/start")
    fake.fail_next(131047, message="Re-engagement message")
    with pytest.raises(DeliveryFailed) as failure:
        await bare.deliver(resident.wa_id, NOTICE, kind="status")
    assert failure.value.permanent and "131047" in failure.value.reason
    await bare.stop()


async def test_rate_limit_is_retried_later(
    channel: WhatsAppChannel, resident: WaResident, fake: FakeWhatsApp, engine: SiantarEngine
) -> None:
    fake.fail_next(130429, message="Rate limit hit", status=400)
    assert await resident.say("/start") == []  # the answer waits, nothing is lost
    with Session(engine.db) as session:
        [row] = session.exec(select(OutboxMessage)).all()
    assert row.status == "pending" and "130429" in (row.last_error or "")
    later = datetime.now(UTC) + timedelta(minutes=2)
    dispatcher = OutboxDispatcher(engine.db, {"whatsapp": channel}, lambda: later)
    await dispatcher.run_once()
    with Session(engine.db) as session:
        [row] = session.exec(select(OutboxMessage)).all()
    assert row.status == "sent" and row.external_id == resident.messages()[-1].id
    assert "Apakah Anda setuju" in resident.messages()[-1].text


async def test_pair_rate_limit_backs_off_this_resident_only(
    channel: WhatsAppChannel, resident: WaResident, fake: FakeWhatsApp
) -> None:
    fake.fail_next(131056, message="Pair rate limit hit")
    with pytest.raises(DeliveryFailed) as failure:
        await channel.deliver(resident.wa_id, NOTICE, kind="reply")
    assert failure.value.retry_after is None and not failure.value.permanent


# ---------------------------------------------------------------------- status callbacks


def outbox_row(engine: SiantarEngine, wamid: str) -> OutboxMessage:
    with Session(engine.db) as session:
        return session.exec(select(OutboxMessage).where(OutboxMessage.external_id == wamid)).one()


async def test_status_callbacks_update_the_outbox_row(
    resident: WaResident, fake: FakeWhatsApp, engine: SiantarEngine
) -> None:
    [consent] = await resident.say("/start")
    assert outbox_row(engine, consent.id).status == "sent"
    for state in ("sent", "delivered", "read", "delivered"):  # only ever forward
        await resident.send(status(consent.id, state, resident.wa_id))
    row = outbox_row(engine, consent.id)
    assert row.status == "sent" and row.payload["delivery"]["status"] == "read"
    assert "delivered_at" in row.payload["delivery"]
    assert await resident.send(status("wamid.NOT_OURS", "read", resident.wa_id)) == []


async def test_a_failed_status_marks_the_row_failed(
    resident: WaResident, engine: SiantarEngine
) -> None:
    [consent] = await resident.say("/start")
    await resident.send(status(consent.id, "failed", resident.wa_id, error_code=131026))
    row = outbox_row(engine, consent.id)
    assert row.status == "failed" and (row.last_error or "").startswith("131026")


async def test_a_late_re_engagement_failure_resends_as_the_template(
    resident: WaResident, engine: SiantarEngine, fake: FakeWhatsApp
) -> None:
    [consent] = await resident.say("/start")
    await resident.send(status(consent.id, "failed", resident.wa_id, error_code=131047))
    template = resident.messages()[-1]
    assert template.kind == "template" and template.body["template"]["name"] == "siantar_reply"
    row = outbox_row(engine, template.id)
    assert row.status == "sent" and "131047" in (row.last_error or "")


async def test_a_file_sent_in_chat_is_deleted_once_delivered(
    channel: WhatsAppChannel, resident: WaResident, fake: FakeWhatsApp
) -> None:
    """``/datasaya json`` holds the resident's name and number: once WhatsApp took
    it, the copy in the media directory goes."""
    channel.engine.settings = replace(channel.engine.settings, files=channel.media)
    await onboard(resident)
    sent = await resident.say("/datasaya json")
    assert [s.type for s in sent][:1] == ["document"]
    [upload] = fake.uploaded()
    assert f'"identity": "whatsapp:{resident.wa_id}"'.encode() in upload
    files = channel.media.directory / "files"
    assert not [p for p in files.rglob("*") if p.is_file()]


async def test_read_more_and_the_help_menu_on_whatsapp(resident: WaResident) -> None:
    """Issue 19: the first screen's three buttons (titles within WhatsApp's 20),
    "Baca selengkapnya", and /bantuan's help menu (a list: four entries) whose rows
    act from any step."""
    [screen] = await resident.say("halo")
    assert screen.kind == "button" and len(screen.text) <= 400
    assert [b["title"] for b in screen.buttons] == ["Setuju", "Tidak setuju", "Baca selengkapnya"]
    [notice] = await resident.choose("Baca selengkapnya")
    assert notice.text.startswith("Sebelum mulai") and notice.kind == "button"
    await resident.choose("Setuju")
    await resident.choose("Lewati")
    await resident.choose("Sampaikan aspirasi")  # in a form: the help's rows act from it
    help_menu, question = await resident.say("/bantuan")
    assert help_menu.kind == "list" and "hubungi 112" in help_menu.text
    assert [b["title"] for b in help_menu.buttons] == [
        "Cara kerja",
        "Data saya",
        "Kontak petugas",
        "Perintah lengkap",
    ]
    assert "Pilih kategorinya" in question.text
    card, again = await resident.choose("Kontak petugas")
    assert "Jam layanan: Senin–Jumat 08.00–16.00 WIB" in card.text
    assert "Pilih kategorinya" in again.text
    await resident.say("/menu")
    [at_menu] = await resident.say("/bantuan")  # at the menu: the help is the question
    assert "hubungi 112" in at_menu.text
    assert [b["title"] for b in at_menu.buttons][:4] == [
        "Cara kerja",
        "Data saya",
        "Kontak petugas",
        "Perintah lengkap",
    ]


async def test_the_announcements_toggle_on_whatsapp_says_what_a_press_does(
    resident: WaResident,
) -> None:
    """Issue 19: the hub's button is an action ("Hentikan pengumuman"), then the
    opposite one ("Terima pengumuman"); every title whole, none cut with "…"."""
    await onboard(resident)
    *_, hub = await resident.choose("Forum & pengumuman")
    titles = [b["title"] for b in hub.buttons]
    assert "Hentikan pengumuman" in titles
    assert not any("…" in t for t in titles)
    *_, stopped = await resident.choose("Hentikan pengumuman")
    assert "pengumuman dan pengingat forum kami hentikan" in said(resident.messages())
    titles = [b["title"] for b in stopped.buttons]
    assert "Terima pengumuman" in titles and "Hentikan pengumuman" not in titles
