"""Fingerprints that cannot be traced back: dedupe records are HMACs under the
installation's key, and access refusals are logged without a recomputable hash.

The erasure scenario runs through the real Telegram adapter against the fake Bot
API, as the reported attack did: after ``/hapusdata``, recomputing the plain hash
of every likely message id of the known chat matches nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
from dialogue import Chat
from fake_telegram import FakeTelegram
from sqlalchemy import Engine, insert
from sqlmodel import Session, select
from telegram_harness import Resident as TelegramResident
from test_telegram import channel, fake  # noqa: F401 (fixtures)

from bot.telegram.channel import TelegramChannel
from handlers.core.engine import Engine as SiantarEngine
from handlers.core.registry import FLOWS
from storage.db import make_engine, migrate
from storage.installation import HASH_KEY, KEY_BYTES, installation_key
from storage.models import InstallationSecret, ProcessedUpdate


def another_process(db: Engine) -> Engine:
    """A second connection pool on ``db``'s database, as another process has."""
    return make_engine(db.url.render_as_string(hide_password=False))


def stored_keys(db: Engine) -> set[str]:
    with Session(db) as session:
        return set(session.exec(select(ProcessedUpdate.update_key)).all())


def key_rows(db: Engine) -> list[bytes]:
    with Session(db) as session:
        return [bytes(v) for v in session.exec(select(InstallationSecret.value)).all()]


def plain_hash(platform: str, update_key: str) -> str:
    """What main stored, and what anyone can recompute from a chat id."""
    return hashlib.sha256(f"{platform}\x00{update_key}".encode()).hexdigest()


# --- the installation's key ----------------------------------------------------


def test_the_key_is_made_once_and_kept_across_restarts(engine: SiantarEngine) -> None:
    key = engine.hash_key
    assert len(key) == KEY_BYTES and key_rows(engine.db) == [key]
    restarted = another_process(engine.db)
    try:
        assert SiantarEngine(restarted, engine.settings, FLOWS).hash_key == key
    finally:
        restarted.dispose()
    assert key_rows(engine.db) == [key]


def test_each_database_has_its_own_key(tmp_path: Path) -> None:
    keys = []
    for name in ("one.db", "two.db"):
        db = make_engine(f"sqlite:///{tmp_path / name}")
        migrate(db)
        keys.append(installation_key(db))
        db.dispose()
    assert keys[0] != keys[1]


def test_a_configured_key_is_used_and_none_is_stored(engine: SiantarEngine) -> None:
    # the ``engine`` fixture made the database's own key already: start from none
    with Session(engine.db) as session, session.begin():
        session.execute(InstallationSecret.__table__.delete())  # type: ignore[attr-defined]
    configured = SiantarEngine(engine.db, replace(engine.settings, hash_key=b"k" * 64), FLOWS)
    assert configured.hash_key == b"k" * 64
    chat = Chat(configured, channel="telegram", user_id="4242")
    assert chat.send("halo", update_key="m:4242:1")
    assert key_rows(engine.db) == []
    assert stored_keys(engine.db) == {
        hmac.new(b"k" * 64, b"telegram\x00m:4242:1", hashlib.sha256).hexdigest()
    }


def test_a_key_being_made_by_another_process_is_waited_for(db: Engine) -> None:
    """The other process has inserted its key but not committed: ours waits, then
    uses theirs instead of making a second one."""
    other = another_process(db)
    theirs = secrets.token_bytes(KEY_BYTES)
    with ThreadPoolExecutor(1) as pool:
        with Session(other) as session:
            session.begin()
            session.execute(insert(InstallationSecret).values(name=HASH_KEY, value=theirs))
            ours = pool.submit(installation_key, db)
            time.sleep(0.5)
            assert not ours.done()  # blocked on the other transaction
            session.commit()
        assert ours.result(timeout=30) == theirs
    other.dispose()
    assert key_rows(db) == [theirs]


def test_processes_starting_at_once_agree_on_one_key(db: Engine) -> None:
    pools = [another_process(db) for _ in range(4)]
    start = threading.Barrier(len(pools))

    def first_run(pool: Engine) -> bytes:
        start.wait()
        return installation_key(pool)

    with ThreadPoolExecutor(len(pools)) as runner:
        keys = list(runner.map(first_run, pools))
    for pool in pools:
        pool.dispose()
    assert len(set(keys)) == 1 and key_rows(db) == keys[:1]


# --- dedupe records ---------------------------------------------------------------


def test_a_redelivery_after_a_restart_is_still_recognised(engine: SiantarEngine) -> None:
    chat = Chat(engine, channel="telegram", user_id="4242")
    assert chat.send("halo", update_key="m:4242:7")
    chat.engine = SiantarEngine(engine.db, engine.settings, FLOWS)  # a restart
    assert chat.send("halo", update_key="m:4242:7") == []


def test_dedupe_records_are_no_plain_hash(engine: SiantarEngine) -> None:
    chat = Chat(engine, channel="telegram", user_id="4242")
    assert chat.send("halo", update_key="m:4242:7")
    [stored] = stored_keys(engine.db)
    assert stored != plain_hash("telegram", "m:4242:7")
    assert len(stored) == 64


USER_IDS = itertools.count(8101)


async def test_after_erasure_no_dedupe_record_is_traced_to_the_chat(
    channel: TelegramChannel,  # noqa: F811 (fixture)
    fake: FakeTelegram,  # noqa: F811 (fixture)
    engine: SiantarEngine,
) -> None:
    """The report: for a known chat id, message ids 1-200 matched 8 of 37 rows."""
    resident = TelegramResident(fake, user_id=next(USER_IDS))
    assert "Apakah Anda setuju" in (await resident.say("/start"))["text"]
    await resident.press("Setuju")
    await resident.press("Lewati")
    await resident.say("/bantuan")
    assert "Hapus data Anda?" in (await resident.say("/hapusdata"))["text"]
    assert "sudah dihapus" in (await resident.press("Ya, hapus"))["text"]
    stored = stored_keys(engine.db)
    assert len(stored) >= 6  # three texts, three presses: every one recorded
    chat = resident.user_id
    guesses = {plain_hash("telegram", f"m:{chat}:{message_id}") for message_id in range(1, 201)}
    assert not stored & guesses
    # the records are the ones for these messages: under the key they do match
    keyed = {
        hmac.new(engine.hash_key, f"telegram\x00m:{chat}:{i}".encode(), hashlib.sha256).hexdigest()
        for i in range(1, 201)
    }
    assert len(stored & keyed) == 3


# --- log lines ------------------------------------------------------------------


def test_a_refusal_is_logged_without_a_recomputable_hash(
    engine: SiantarEngine, caplog: pytest.LogCaptureFixture
) -> None:
    budi = Chat(engine, channel="telegram", user_id="5550001")
    siti = Chat(engine, channel="telegram", user_id="5550002")
    for chat in (budi, siti):
        chat.send("/start")
        chat.press("Setuju")
        chat.press("Lewati")
    with caplog.at_level(logging.WARNING, "handlers.core.access"):
        for chat in (budi, budi, siti):
            chat.send("/aspirasi")
    lines = [r.getMessage() for r in caplog.records if r.name == "handlers.core.access"]
    assert len(lines) == 3
    for chat, line in ((budi, lines[0]), (siti, lines[2])):
        identity = f"telegram:{chat.user_id}".encode()
        assert hashlib.sha256(identity).hexdigest()[:8] not in line
        assert chat.user_id not in line and "telegram resident" in line
        installation = hmac.new(engine.hash_key, identity, hashlib.sha256).hexdigest()
        assert installation[:8] not in line  # the database's key cannot trace it either
    refs = [line.rsplit("ref ", 1)[1] for line in lines]
    assert refs[0] == refs[1] != refs[2]  # one account's attempts read as one
