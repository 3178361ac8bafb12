"""Retention: the daily job with a fixed ``now`` deletes idle conversations, old
dedupe records, delivered outbox rows and photos of long-closed aspirations, and
nothing younger; ``siantar privacy purge --dry-run`` only counts.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from conftest import NOW
from images import PNG
from sqlalchemy import Engine as Database
from sqlmodel import Session, col, select

from bot.cli import main
from bot.jobs import privacy_tick
from bot.media import MediaStore
from storage.db import transaction
from storage.models import (
    Aspiration,
    AspirationNote,
    AuditEntry,
    ChatJob,
    Conversation,
    OutboxMessage,
    ProcessedUpdate,
)
from storage.retention import Retention

DAY = timedelta(days=1)


def aspiration(code: str, status: str, updated: int, photo: str | None) -> Aspiration:
    when = NOW - updated * DAY
    return Aspiration(
        code=code, channel="console", category="lainnya", kecamatan_code="12.72.01",
        kelurahan_code="12.72.01.1002", text="Lampu jalan padam.", language="id",
        status=status, photo_path=photo, created_at=when, updated_at=when,
    )  # fmt: skip


def outbox(status: str, days: int) -> OutboxMessage:
    when = NOW - days * DAY
    return OutboxMessage(
        channel="console", recipient="1001", kind="reply", payload={"text": "x"},
        status=status, due_at=when, created_at=when,
        sent_at=when if status == "sent" else None,
    )  # fmt: skip


def seed(db: Database, media: MediaStore) -> dict[str, str]:
    photos = {name: media.store_bytes(PNG, NOW) for name in ("old", "young", "open")}
    with transaction(db) as session:
        for user, days in (("1", 31), ("2", 29)):
            session.add(
                Conversation(
                    channel="console",
                    user_id=user,
                    flow="menu",
                    step="",
                    data={},
                    expires_at=NOW - days * DAY,
                    updated_at=NOW - days * DAY,
                )  # fmt: skip
            )
        for key, days in (("a", 31), ("b", 1)):
            session.add(
                ProcessedUpdate(channel="console", update_key=key, processed_at=NOW - days * DAY)
            )
        for status, days in (("sent", 181), ("failed", 200), ("sent", 179), ("pending", 400)):
            session.add(outbox(status, days))
        for status, days in (("done", 181), ("done", 179), ("queued", 400)):  # a chat job
            when = NOW - days * DAY
            finished = when if status == "done" else None
            session.add(
                ChatJob(kind="export", requested_by="console:9", status=status,
                        created_at=when, finished_at=finished)
            )  # fmt: skip
        session.add(aspiration("ASP-AAAAAA", "selesai", 366, photos["old"]))
        session.add(aspiration("ASP-BBBBBB", "ditolak", 300, photos["young"]))
        session.add(aspiration("ASP-CCCCCC", "diproses", 800, photos["open"]))
    return photos


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media", 10**6)


EXPECTED = {
    "conversations": 1,
    "dedupe_records": 1,
    "outbox_messages": 2,
    "chat_jobs": 1,
    "photos": 1,
    "voice_notes": 0,
    "unsent_attachments": 0,
    "files": 0,
}


def test_the_daily_job_keeps_what_is_young(db: Database, media: MediaStore) -> None:
    photos = seed(db, media)
    assert privacy_tick(db, Retention(), media, NOW, dry_run=True) == EXPECTED
    assert privacy_tick(db, Retention(), media, NOW) == EXPECTED
    with Session(db) as session:
        assert [c.user_id for c in session.exec(select(Conversation))] == ["2"]
        assert [u.update_key for u in session.exec(select(ProcessedUpdate))] == ["b"]
        left = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        assert [(m.status, m.created_at) for m in left] == [
            ("sent", NOW - 179 * DAY),
            ("pending", NOW - 400 * DAY),
        ]
        jobs = session.exec(select(ChatJob).order_by(col(ChatJob.id))).all()
        assert [(j.status, j.created_at) for j in jobs] == [
            ("done", NOW - 179 * DAY),
            ("queued", NOW - 400 * DAY),
        ]
        kept = {a.code: a.photo_path for a in session.exec(select(Aspiration))}
        assert kept == {
            "ASP-AAAAAA": None,
            "ASP-BBBBBB": photos["young"],
            "ASP-CCCCCC": photos["open"],
        }
        [entry] = session.exec(select(AuditEntry)).all()
        assert (entry.actor, entry.action, entry.details) == (
            "scheduler",
            "privacy_purge",
            EXPECTED,
        )
    assert not media.path_of(photos["old"]).exists()
    assert media.path_of(photos["young"]).exists() and media.path_of(photos["open"]).exists()
    assert privacy_tick(db, Retention(), media, NOW) == dict.fromkeys(EXPECTED, 0)
    with Session(db) as session:
        assert len(session.exec(select(AuditEntry)).all()) == 1  # nothing gone, nothing written


def test_shorter_limits_from_the_config(db: Database, media: MediaStore) -> None:
    seed(db, media)
    short = Retention(conversation_days=1, outbox_days=1, photo_days=1)
    counts = privacy_tick(db, short, media, NOW, dry_run=True)
    assert counts == {
        "conversations": 2,
        "dedupe_records": 1,
        "outbox_messages": 3,
        "chat_jobs": 2,
        "photos": 2,
        "voice_notes": 0,
        "unsent_attachments": 0,
        "files": 0,
    }


def test_siantar_privacy_purge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "siantar.db"}"\n'
        f'[media]\ndirectory = "{tmp_path / "media"}"\n[privacy]\nconversation_days = 7\n'
    )
    assert main(["--config", str(config), "db", "upgrade"]) == 0  # a dry run creates none
    capsys.readouterr()
    assert main(["--config", str(config), "privacy", "purge", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [  # each kind in words
        "percakapan yang lama terhenti: 0 akan dihapus",
        "catatan pesan yang sudah ditangani: 0 akan dihapus",
        "pesan keluar yang sudah terkirim: 0 akan dihapus",
        "tugas chat yang selesai: 0 akan dihapus",
        "foto aspirasi yang sudah lama selesai: 0 akan dihapus",
        "pesan suara aspirasi yang sudah lama selesai: 0 akan dihapus",
        "foto dan pesan suara yang tidak jadi dikirim: 0 akan dihapus",
        "berkas kiriman chat yang tertinggal: 0 akan dihapus",
    ]
    assert main(["--config", str(config), "privacy", "purge"]) == 0
    assert "percakapan yang lama terhenti: 0 dihapus" in capsys.readouterr().out
    assert main(["--lang", "en", "--config", str(config), "privacy", "purge"]) == 0
    assert "photos and voice notes never sent: 0 deleted" in capsys.readouterr().out


def test_photos_sent_as_answers_go_with_their_closed_aspiration(
    db: Database, media: MediaStore
) -> None:
    """A resident's answer to a staff question (tunda) may carry a photo: it is kept
    as long as the aspiration's own photo, and no longer."""
    old, young = media.store_bytes(PNG, NOW), media.store_bytes(PNG, NOW)
    with transaction(db) as session:
        for code, status, days, photo in (
            ("ASP-DDDDDD", "selesai", 366, old),
            ("ASP-EEEEEE", "diproses", 800, young),
        ):
            row = aspiration(code, status, days, None)
            session.add(row)
            session.flush()
            assert row.id is not None
            session.add(
                AspirationNote(
                    aspiration_id=row.id, kind="jawaban", at=NOW - days * DAY,
                    text="Ini fotonya.", photo_path=photo,
                )
            )  # fmt: skip
    counts = privacy_tick(db, Retention(), media, NOW)
    assert counts["photos"] == 1
    with Session(db) as session:
        notes = session.exec(select(AspirationNote).order_by(col(AspirationNote.id))).all()
        assert [(n.text, n.photo_path) for n in notes] == [
            ("Ini fotonya.", None),
            ("Ini fotonya.", young),
        ]
    assert not media.path_of(old).exists() and media.path_of(young).exists()
