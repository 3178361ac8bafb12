"""A burst from one resident loses nothing: two real ``siantar run`` on one PostgreSQL.

The README's "Scaling out" set-up (two processes, webhook mode, one PostgreSQL
database) gets many updates of one resident at once, spread over both processes:
Telegram webhooks posted in parallel, and WhatsApp webhook bodies (Meta batches
several messages into one) posted in parallel. Every update must be handled once,
one after the other on the state the previous one left, with no apology; an
update a process could not commit is answered non-2xx, and is then posted again
the way the platform redelivers it.

PostgreSQL only (``TEST_DATABASE_URL``): SQLite has one writer, and several
processes on one SQLite file are not a supported set-up.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier
from typing import Any

import httpx
import pytest
from conftest import TEST_DATABASE_URL
from fake_telegram import TOKEN, FakeTelegram
from fake_whatsapp import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    FakeWhatsApp,
    new_wamid,
    sign,
    text,
    webhook,
)
from sqlalchemy import Engine, func
from sqlalchemy import text as sql
from sqlmodel import Session, SQLModel, col, select
from test_telegram_process import RUNNING, SiantarRun, eventually, free_port, toml

from bot.config import WHATSAPP_TEMPLATE_KINDS
from bot.i18n import translator
from storage.models import Aspiration, Conversation, OutboxMessage, ProcessedUpdate, Resident

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="PostgreSQL leg skipped: TEST_DATABASE_URL is not set"
)

SECRET = "s3cret-token"
BURST = 20  # Telegram updates from one resident, all at once
REDELIVERIES = 20  # how often a platform posts an unconfirmed update again, at most
APOLOGY = translator("id")("engine.error")
TELEGRAM_USER = 7_700_001
WA_ID = "6281277000001"
STORY = "Lampu jalan di Jalan Sudirman depan Puskesmas Martoba mati sejak sebulan."
# A whole aspiration, typed, in one WhatsApp body: it comes out right only if every
# message is handled, in the order Meta put them in the body.
PATH = [
    "halo",
    "Setuju",
    "Lewati",
    "Sampaikan aspirasi",
    "Kesehatan",
    "Siantar Utara",
    "Martoba",
    STORY,
    "Lewati",
    "Tampilkan nama",
    "Kirim",
]
NOISE_BODIES = [2, 2, 2] + [1] * 13  # stickers per body: answered, but move nothing
_UPDATE_IDS = itertools.count(900_001)


# --------------------------------------------------------------------------- set-up


@pytest.fixture
def database(request: pytest.FixtureRequest) -> Engine:
    db: Engine = request.getfixturevalue("_postgres_engine")
    tables = ", ".join(f'"{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables))
    with db.begin() as connection:
        connection.execute(sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return db


def write_config(workdir: Path, port: int, sections: dict[str, dict[str, Any]]) -> None:
    sections = {
        "database": {"url": TEST_DATABASE_URL},
        "server": {"host": "127.0.0.1", "port": port},
        "media": {"directory": str(workdir / "media")},
        # a burst is not a flood here: flood control is tested on its own
        "privacy": {"flood_messages": 1000},
        **sections,
    }
    lines = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {toml(value)}" for key, value in values.items()]
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def start_two(
    tmp_path: Path, sections: dict[str, dict[str, Any]]
) -> tuple[list[SiantarRun], list[str]]:
    """Two ``siantar run`` processes on the one database; their base URLs."""
    runs, urls = [], []
    for name in ("a", "b"):
        port = free_port()
        write_config(tmp_path / name, port, sections)
        runs.append(SiantarRun(tmp_path / name, "run"))
        urls.append(f"http://127.0.0.1:{port}")
    for run in runs:
        run.wait_for_log(RUNNING)
    return runs, urls


@pytest.fixture
def processes() -> Iterator[list[SiantarRun]]:
    runs: list[SiantarRun] = []
    try:
        yield runs
    finally:
        for run in runs:
            run.ensure_dead()


def post_all(
    posts: list[tuple[str, str, bytes, dict[str, str]]],
) -> list[list[int]]:
    """Post every (base URL, path, body, headers) at once, each in its own thread;
    a post answered other than 200 is posted again, as Telegram and Meta do. The
    statuses of each post's tries."""
    barrier = Barrier(len(posts))

    def deliver(base_url: str, path: str, body: bytes, headers: dict[str, str]) -> list[int]:
        statuses: list[int] = []
        with httpx.Client(base_url=base_url, timeout=60, trust_env=False) as client:
            barrier.wait()
            while len(statuses) < REDELIVERIES:
                statuses.append(client.post(path, content=body, headers=headers).status_code)
                if statuses[-1] == 200:
                    break
                time.sleep(0.2)
        return statuses

    with ThreadPoolExecutor(len(posts)) as pool:
        return list(pool.map(lambda post: deliver(*post), posts))


def read(db: Engine, query: Callable[[Session], Any]) -> Any:
    with Session(db) as session:
        return query(session)


def count(db: Engine, model: Any, *where: Any) -> int:
    return int(
        read(db, lambda s: s.exec(select(func.count()).select_from(model).where(*where)).one())
    )


def all_marked_sent(db: Engine) -> bool:
    return count(db, OutboxMessage, col(OutboxMessage.status) != "sent") == 0


def stopped_cleanly(runs: list[SiantarRun]) -> None:
    for run in runs:
        assert run.stop() == 0
        assert "Traceback" not in run.stderr(), run.stderr()


# --------------------------------------------------------------------------- Telegram


def telegram_text(user_id: int, words: str) -> bytes:
    return json.dumps(
        {
            "update_id": next(_UPDATE_IDS),
            "message": {
                "message_id": next(_UPDATE_IDS),
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private", "first_name": "Rina"},
                "from": {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": "Rina",
                    "language_code": "id",
                },
                "text": words,
            },
        }
    ).encode()


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def test_twenty_telegram_updates_at_once_over_two_processes_are_all_handled(
    tmp_path: Path,
    database: Engine,
    fake_telegram: FakeTelegram,
    processes: list[SiantarRun],
) -> None:
    runs, urls = start_two(
        tmp_path,
        {
            "telegram": {
                "enabled": True,
                "token": TOKEN,
                "api_base_url": fake_telegram.base_url,
                "mode": "webhook",
                "webhook_url": "https://bot.example.org/telegram/webhook",
                "webhook_secret": SECRET,
            }
        },
    )
    processes.extend(runs)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    # a brand-new resident: the first messages also race to create the resident row
    posts = [
        (urls[n % 2], "/telegram/webhook", telegram_text(TELEGRAM_USER, f"halo {n + 1}"), headers)
        for n in range(BURST)
    ]
    tries = post_all(posts)

    assert all(statuses[-1] == 200 for statuses in tries), tries
    eventually(
        lambda: len(fake_telegram.messages(TELEGRAM_USER)) >= BURST, "an answer to every update"
    )
    time.sleep(0.5)  # room for a wrong extra message to show up
    texts = [str(m["text"]) for m in fake_telegram.messages(TELEGRAM_USER)]
    assert not any(APOLOGY in t for t in texts), texts
    assert len(texts) == BURST
    # the first handled asks for consent; every later one saw that and asks again
    assert all("Apakah Anda setuju" in t for t in texts), texts
    assert sum("tidak ada dalam pilihan" in t for t in texts) == BURST - 1, texts
    # handled once each, one after the other: every one saved the conversation
    assert count(database, ProcessedUpdate) == BURST
    assert count(database, Resident) == 1
    row = read(database, lambda s: s.get(Conversation, ("telegram", str(TELEGRAM_USER))))
    assert row is not None and row.version == BURST
    assert count(database, OutboxMessage, OutboxMessage.recipient == str(TELEGRAM_USER)) == BURST
    eventually(lambda: all_marked_sent(database), "every reply marked sent")
    # serialised, not retried: no update had to be handed back to Telegram
    assert all(statuses == [200] for statuses in tries), tries
    stopped_cleanly(runs)


# --------------------------------------------------------------------------- WhatsApp


def sticker(wa_id: str) -> dict[str, Any]:
    content = {"id": "sticker1", "mime_type": "image/webp", "sha256": "x", "animated": False}
    return {
        "from": wa_id,
        "id": new_wamid(),
        "timestamp": str(int(time.time())),
        "type": "sticker",
        "sticker": content,
    }


@pytest.fixture
def fake_whatsapp() -> Iterator[FakeWhatsApp]:
    with FakeWhatsApp() as server:
        yield server


def test_whatsapp_batches_at_once_over_two_processes_lose_nothing_and_keep_order(
    tmp_path: Path,
    database: Engine,
    fake_whatsapp: FakeWhatsApp,
    processes: list[SiantarRun],
) -> None:
    templates = {
        f"whatsapp.templates.{kind}": {"name": f"siantar_{kind}"}
        for kind in WHATSAPP_TEMPLATE_KINDS
    }
    runs, urls = start_two(
        tmp_path,
        {
            "whatsapp": {
                "enabled": True,
                "phone_number_id": PHONE_NUMBER_ID,
                "access_token": ACCESS_TOKEN,
                "app_secret": APP_SECRET,
                "verify_token": VERIFY_TOKEN,
                "api_base_url": fake_whatsapp.base_url,
            },
            **templates,
        },
    )
    processes.extend(runs)
    bodies = [webhook(*(text(WA_ID, words) for words in PATH), wa_id=WA_ID)]
    bodies += [webhook(*(sticker(WA_ID) for _ in range(n)), wa_id=WA_ID) for n in NOISE_BODIES]
    total = len(PATH) + sum(NOISE_BODIES)
    posts = [
        (
            urls[n % 2],
            "/whatsapp/webhook",
            body,
            {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)},
        )
        for n, body in enumerate(bodies)
    ]
    tries = post_all(posts)

    assert all(statuses[-1] == 200 for statuses in tries), tries
    sent = [m.text for m in fake_whatsapp.sent(WA_ID)]
    assert not any(APOLOGY in t for t in sent), sent
    assert count(database, ProcessedUpdate) == total
    row = read(database, lambda s: s.get(Conversation, ("whatsapp", WA_ID)))
    assert row is not None and row.version == total  # each handled once, on the last state
    # the typed path, in its order, made exactly the aspiration it describes
    [aspiration] = read(database, lambda s: list(s.exec(select(Aspiration)).all()))
    assert (aspiration.category, aspiration.kelurahan_code) == ("kesehatan", "12.72.03.1002")
    assert aspiration.text == STORY and aspiration.channel == "whatsapp"
    assert sum(aspiration.code in t for t in sent) == 1
    assert count(database, Resident) == 1
    eventually(lambda: all_marked_sent(database), "every reply marked sent")
    assert all(statuses == [200] for statuses in tries), tries
    stopped_cleanly(runs)
