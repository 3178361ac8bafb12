"""Profile names from Telegram and WhatsApp are cleaned like typed text before
they are stored: no bidi overrides, zero-width or control characters, one line,
not over-long. Driven through the real adapters, read back from an export."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fake_telegram import FakeTelegram
from fake_whatsapp import ACCESS_TOKEN, APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, FakeWhatsApp
from sqlalchemy import Engine, text
from sqlmodel import Session, select
from telegram_harness import Resident as TelegramResident
from test_telegram import channel, fake  # noqa: F401 (fixtures)
from whatsapp_harness import WaResident, said

from bot.config import WhatsAppSettings
from bot.media import MediaStore
from bot.telegram.channel import TelegramChannel
from bot.web import create_web_app
from bot.whatsapp.channel import WhatsAppChannel
from handlers.core.engine import Engine as SiantarEngine
from handlers.core.validation import clean_profile_name
from storage.db import make_engine, migrate
from storage.exports import export_aspirations
from storage.limits import RESIDENT
from storage.models import Resident

# What a hostile or careless profile carries: a right-to-left override that would
# flip the rest of a staff screen, zero-width and bidi isolate marks, control
# characters (NUL, BEL, ESC), a line break, padding, and far more than fits.
DIRTY = " \u202eBudi\u200b \x00Sa\x07nto\x1bso\u2066\nSiregar\u2069 " + "x" * 150
CLEAN_START = "Budi Santoso Siregar xxx"
ASPIRATION = "Jalan Sutomo di depan pasar berlubang besar sejak Oktober."


def assert_clean(name: str | None) -> None:
    assert name is not None and name.startswith(CLEAN_START), name
    assert len(name) == RESIDENT.name.maximum and name == name.strip()
    assert not any(ch in name for ch in "\u202e\u200b\u2066\u2069\x00\x07\x1b\n")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Budi Siregar", "Budi Siregar"),
        ("  Siti \t Aminah\n", "Siti Aminah"),
        ("\u202eilkA", "ilkA"),
        ("Toko Maju 88 🌸", "Toko Maju 88 🌸"),  # not refused like a typed name
        ("Ｂｕｄｉ", "Ｂｕｄｉ"),
        ("\u200b\u200b", None),
        ("👍", None),  # no letters: no name
        ("", None),
        (None, None),
    ],
)
def test_clean_profile_name(raw: str | None, stored: str | None) -> None:
    assert clean_profile_name(raw) == stored


def test_a_long_name_is_cut_without_trailing_space() -> None:
    name = clean_profile_name("a" * (RESIDENT.name.maximum - 1) + " bcd")
    assert name == "a" * (RESIDENT.name.maximum - 1)


def stored_name(db: Engine, identity: str) -> str | None:
    with Session(db) as session:
        resident = session.exec(select(Resident).where(Resident.identity == identity)).one()
        return resident.display_name


def exported_names(db: Engine) -> list[str | None]:
    out = io.BytesIO()
    export_aspirations(engine=db, fmt="json", out=out)
    return [row["resident_name"] for row in json.loads(out.getvalue())]


# --- Telegram ---------------------------------------------------------------------


TELEGRAM_USERS = itertools.count(8201)


async def test_a_telegram_profile_name_is_stored_and_exported_clean(
    channel: TelegramChannel,  # noqa: F811 (fixture)
    fake: FakeTelegram,  # noqa: F811 (fixture)
    engine: SiantarEngine,
) -> None:
    resident = TelegramResident(fake, user_id=next(TELEGRAM_USERS), first_name=DIRTY)
    await resident.say("/start")
    await resident.press("Setuju")
    await resident.press("Lewati")
    assert_clean(stored_name(engine.db, f"telegram:{resident.user_id}"))
    await resident.press("Sampaikan aspirasi")
    await resident.press("Infrastruktur")
    await resident.press("Siantar Timur")
    await resident.press("Tomuan")
    await resident.say(ASPIRATION)
    await resident.press("Lewati")
    summary = await resident.press("Tampilkan nama")
    assert f"Pengirim: {CLEAN_START}" in summary["text"]
    await resident.press("Kirim")
    [name] = exported_names(engine.db)
    assert_clean(name)


# --- WhatsApp ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph_api() -> Iterator[FakeWhatsApp]:
    with FakeWhatsApp() as server:
        yield server


@pytest.fixture
async def whatsapp(
    graph_api: FakeWhatsApp, engine: SiantarEngine, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    graph_api.reset()
    settings = WhatsAppSettings(
        enabled=True,
        phone_number_id=PHONE_NUMBER_ID,
        access_token=ACCESS_TOKEN,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        api_base_url=graph_api.base_url,
    )
    media = MediaStore(tmp_path / "media", max_bytes=1024 * 1024)
    adapter = WhatsAppChannel(settings, engine, media, lambda: datetime.now(UTC))
    app = create_web_app(db=engine.db, channels=["whatsapp"], whatsapp=adapter)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bot"
    ) as client:
        yield client
    await adapter.stop()


async def test_a_whatsapp_profile_name_is_stored_and_exported_clean(
    whatsapp: httpx.AsyncClient, graph_api: FakeWhatsApp, engine: SiantarEngine
) -> None:
    resident = WaResident(graph_api, whatsapp, wa_id="6281200000777", name=DIRTY)
    await resident.say("/start")
    await resident.choose("Setuju")
    await resident.choose("Lewati")
    assert_clean(stored_name(engine.db, "whatsapp:6281200000777"))
    for label in ("Sampaikan aspirasi", "Infrastruktur", "Siantar Timur", "Tomuan"):
        await resident.choose(label)
    await resident.say(ASPIRATION)
    await resident.choose("Lewati")
    assert f"Pengirim: {CLEAN_START}" in said(await resident.choose("Tampilkan nama"))
    await resident.choose("Kirim")
    [name] = exported_names(engine.db)
    assert_clean(name)


# --- names stored before the upgrade ------------------------------------------------


def test_the_upgrade_cleans_names_already_stored_and_drops_plain_hashes(tmp_path: Path) -> None:
    db = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(db, "0009")
    with db.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO resident (identity, channel, display_name, language, "
                "language_chosen, english_offered, created_at, last_seen_at, flood_count, "
                "aspirations_count) VALUES (:identity, 'telegram', :name, 'id', 0, 0, "
                "'2026-11-28 02:00:00', '2026-11-28 02:00:00', 0, 0)"
            ),
            [
                {"identity": "telegram:1", "name": DIRTY},
                {"identity": "telegram:2", "name": "Siti Aminah"},
                {"identity": "telegram:3", "name": "\u200b👍"},
            ],
        )
        connection.execute(
            text(
                "INSERT INTO processed_update (channel, update_key, processed_at) "
                "VALUES ('telegram', :key, '2026-11-28 02:00:00')"
            ),
            {"key": "0" * 64},
        )
    migrate(db)
    assert_clean(stored_name(db, "telegram:1"))
    assert stored_name(db, "telegram:2") == "Siti Aminah"
    assert stored_name(db, "telegram:3") is None
    with db.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM processed_update")).scalar() == 0
    db.dispose()
