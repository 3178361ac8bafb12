"""Files sent in chat are transient: ``/datasaya json``, staff exports and charts go
once delivered (over Telegram, WhatsApp, and when the outbox sends them again),
after ``[privacy] file_hours`` at the latest, and at once when they name a
resident who erases their data — then nothing in the database, the media
directory or the logs names them.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import io
import logging
import os
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import NOW
from dialogue import ONBOARD, Chat, play
from fake_telegram import FakeTelegram
from sqlalchemy import Engine as Database
from sqlmodel import Session, select
from staff_helpers import CONFIG_ROLES, STAFF, export_via_chat, person
from telegram_harness import Resident as TelegramResident
from test_privacy import IDENTITY, NAME, PHONE, USER, data_everywhere, every_row
from test_telegram import USER_IDS, channel, fake, onboard  # noqa: F401 (fixtures)

from bot.charts import stats_chart
from bot.cli import main
from bot.jobs import privacy_tick
from bot.media import MediaStore
from bot.telegram.channel import TelegramChannel
from handlers.core.engine import Engine
from handlers.registry import FLOWS
from storage.db import transaction
from storage.models import AuditEntry, OutboxMessage
from storage.outbox import enqueue
from storage.retention import Retention

TRACES = (NAME, PHONE, PHONE.removeprefix("+"), USER, IDENTITY)
SARI = "Sari Manurung"


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media", 10**6)


@pytest.fixture
def desk(engine: Engine, media: MediaStore) -> Engine:
    """As deployed: a file store, charts, and staff from the config."""
    settings = replace(engine.settings, config_roles=CONFIG_ROLES, files=media, chart=stats_chart)
    return Engine(engine.db, settings, FLOWS)


def contents(path: Path) -> Iterator[str]:
    """The text of a file, or of each part of it when it is a zip (XLSX)."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                yield archive.read(member).decode("utf-8", "replace")
    else:
        yield path.read_bytes().decode("utf-8", "replace")


def naming(media: MediaStore, *traces: str) -> list[str]:
    """Every file in the media directory whose name or content holds a trace."""
    found = []
    for path in sorted(p for p in media.directory.rglob("*") if p.is_file()):
        text = str(path) + "\n".join(contents(path))
        if any(trace.casefold() in text.casefold() for trace in traces):
            found.append(path.name)
    return found


def sent_files(media: MediaStore) -> list[str]:
    root = media.directory / "files"
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- erasure ----------------------------------------------------------------------


def test_erasure_deletes_every_file_that_names_the_resident(
    desk: Engine, media: MediaStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    budi = Chat(desk, user_id=USER, name=NAME)
    data_everywhere(budi, media)  # an aspiration with a photo, a registration, RSVPs…
    play(budi, [("/datasaya json", "dalam satu berkas JSON")])
    sari = Chat(desk, user_id="5550001", name=SARI)
    play(sari, [*ONBOARD, ("/datasaya json", "dalam satu berkas JSON")])
    staff = person(desk, STAFF, name="Rina Petugas")
    # none of these was delivered yet (the console does not deliver)
    export_via_chat(staff, "Pendaftaran pelatihan", "Excel", "Semua waktu")
    export_via_chat(staff, "Aspirasi", "CSV", "Semua waktu")
    staff.send("/statistik")
    staff.press("Semua waktu")
    assert len(naming(media, NAME, PHONE)) == 3  # Budi's JSON, the XLSX and the CSV
    assert "statistik.png" in sent_files(media)

    play(budi, [("/hapusdata", "Hapus data"), (("press", "Ya, hapus"), "sudah dihapus")])

    assert naming(media, *TRACES) == []
    left = sent_files(media)
    assert sorted(left) == ["data-saya-2026-11-28.json", "statistik.png"]  # Sari's, the chart
    assert SARI in "".join(contents(next((media.directory / "files").rglob("*.json"))))
    for trace in TRACES:
        assert trace not in every_row(budi)
        assert trace not in caplog.text
    with Session(desk.db) as session:
        erased = session.exec(select(AuditEntry).where(AuditEntry.action == "data_deleted")).one()
        assert erased.details["files_removed"] == 3


def test_withdrawing_consent_deletes_the_residents_own_files(
    desk: Engine, media: MediaStore
) -> None:
    budi = Chat(desk, user_id=USER, name=NAME)
    data_everywhere(budi, media)
    play(budi, [("/datasaya json", "dalam satu berkas JSON")])
    assert sent_files(media) == ["data-saya-2026-11-28.json"]
    play(budi, [("/tarikpersetujuan", "Tarik"), (("press", "Ya, tarik"), "sudah ditarik")])
    assert sent_files(media) == []
    assert naming(media, NAME, PHONE) == []


def test_a_recipients_folder_does_not_name_them(media: MediaStore) -> None:
    reference, _path = media.new_file("data-saya.json", NOW, owner=IDENTITY)
    assert reference.startswith("files/") and reference.endswith("/data-saya.json")
    assert USER not in reference


# --- delivery ---------------------------------------------------------------------


async def test_a_file_delivered_over_telegram_is_deleted(
    channel: TelegramChannel,  # noqa: F811 (fixture)
    fake: FakeTelegram,  # noqa: F811 (fixture)
) -> None:
    channel.engine.settings = replace(channel.engine.settings, files=channel.media)
    resident = TelegramResident(fake, user_id=next(USER_IDS))  # the fake outlives a test
    await onboard(resident)
    before = len(fake.calls_to("sendDocument"))
    await resident.say("/datasaya json")
    [sent] = [m for m in resident.messages() if m["kind"] == "document"]
    assert sent["caption"] == "Ini data Anda dalam satu berkas JSON."
    upload = fake.calls_to("sendDocument")[before].params["document"]
    assert (
        upload.filename.startswith("data-saya-")
        and f'"identity": "telegram:{resident.user_id}"'.encode() in upload.data
    )
    assert sent_files(channel.media) == []  # delivered, so gone


async def test_the_outbox_deletes_a_file_once_it_sent_it_and_gives_up_on_a_gone_one(
    channel: TelegramChannel,  # noqa: F811 (fixture)
    fake: FakeTelegram,  # noqa: F811 (fixture)
) -> None:
    """A reply left unsent (the process died after the commit) is sent by the
    dispatcher; a row whose file expired meanwhile fails for good, not forever."""
    media, db = channel.media, channel.engine.db
    staff, other = str(next(USER_IDS)), str(next(USER_IDS))  # the fake outlives a test
    kept, path = media.new_file("ekspor.csv", NOW, owner=f"telegram:{staff}")
    path.write_text("kode,status\n", encoding="utf-8")
    gone, _ = media.new_file("statistik.png", NOW, owner=f"telegram:{other}")
    with transaction(db) as session:
        for user, payload in (
            (staff, {"text": "Ekspor siap.", "document": kept}),
            (other, {"text": "Statistik.", "photo": gone}),
        ):
            enqueue(
                session=session,
                channel="telegram",
                recipient=user,
                kind="reply",
                payload=payload,
                now=datetime.now(UTC),  # due now, on the dispatcher's clock
            )
    before = len(fake.calls_to("sendDocument"))
    assert await channel.outbox.run_once() == 2
    [sent] = fake.messages(int(staff))
    assert sent["kind"] == "document"
    assert fake.calls_to("sendDocument")[before].params["document"].filename == "ekspor.csv"
    assert fake.messages(int(other)) == []
    assert not media.path_of(kept).exists()
    with Session(db) as session:
        rows = {m.recipient: m for m in session.exec(select(OutboxMessage))}
    assert rows[staff].status == "sent"
    assert (rows[other].status, rows[other].last_error) == (
        "failed",
        "its file is no longer kept",
    )


def test_a_residents_photo_is_not_deleted_when_shown(media: MediaStore) -> None:
    from images import PNG

    photo = media.store_bytes(PNG, NOW)
    assert media.delivered(photo, None) == 0
    assert media.path_of(photo).exists()


# --- the grace period -------------------------------------------------------------


def test_files_left_over_go_after_the_grace_period(db: Database, media: MediaStore) -> None:
    old, old_path = media.new_file("lama.xlsx", NOW - timedelta(hours=25), owner=STAFF)
    young, young_path = media.new_file("baru.csv", NOW - timedelta(hours=23), owner=STAFF)
    legacy = media.path_of("files/2026/10/abcdef/ekspor-lama.json")  # before the layout
    legacy.parent.mkdir(parents=True)
    for path in (old_path, young_path, legacy):
        path.write_text(NAME, encoding="utf-8")
    stamp = (NOW - timedelta(days=30)).timestamp()
    os.utime(legacy, (stamp, stamp))

    counts = privacy_tick(db, Retention(), media, NOW, dry_run=True)
    assert counts["files"] == 2 and old_path.exists()
    assert privacy_tick(db, Retention(), media, NOW)["files"] == 2
    assert not old_path.exists() and not legacy.exists() and young_path.exists()
    assert [p.name for p in (media.directory / "files").iterdir()] == [young.split("/")[1]]
    with Session(db) as session:
        [entry] = session.exec(select(AuditEntry)).all()
        assert entry.details["files"] == 2
    assert privacy_tick(db, Retention(file_hours=1), media, NOW)["files"] == 1
    assert sent_files(media) == []


def test_siantar_privacy_purge_counts_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    media = MediaStore(tmp_path / "media", 0)
    _, path = media.new_file("data-saya.json", NOW, owner=IDENTITY)
    path.write_bytes(b"{}")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "siantar.db"}"\n'
        f'[media]\ndirectory = "{tmp_path / "media"}"\n[privacy]\nfile_hours = 1\n'
    )
    assert main(["--config", str(config), "db", "upgrade"]) == 0  # a dry run creates none
    capsys.readouterr()
    assert main(["--config", str(config), "privacy", "purge", "--dry-run"]) == 0
    assert (
        "berkas kiriman chat yang tertinggal: 1 akan dihapus"
        in capsys.readouterr().out.splitlines()
    )
    assert path.exists()
    assert main(["--config", str(config), "privacy", "purge"]) == 0
    assert "berkas kiriman chat yang tertinggal: 1 dihapus" in capsys.readouterr().out
    assert not path.exists()


def test_a_zip_is_searched_part_by_part(media: MediaStore) -> None:
    """An XLSX holds its cells compressed: the erasure reads inside."""
    ref, path = media.new_file("ekspor.xlsx", NOW, owner=STAFF)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", f"<si><t>Tari &amp; {NAME}</t></si>")
    path.write_bytes(buffer.getvalue())
    assert NAME.encode() not in path.read_bytes()  # compressed: a plain search misses it
    other, other_path = media.new_file("ekspor.csv", NOW, owner=STAFF)
    other_path.write_text("Budiman Sitorus,+6281299990000\n", encoding="utf-8")
    assert media.erase_files(IDENTITY, ["Sitor", "Budima"]) == 0  # whole words only
    assert media.erase_files(IDENTITY, [NAME, "081234567890"]) == 1
    assert not media.path_of(ref).exists() and media.path_of(other).exists()
    assert media.erase_files(IDENTITY, ["+6281299990000"]) == 1
