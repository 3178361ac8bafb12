"""Photos and voice notes of forms never sent leave the media folder.

A resident who attaches a photo and then gives up (``/batal``), or whose
conversation expires, leaves a file that no aspiration names. The daily purge
(``privacy_tick``) removes such files once older than ``[privacy] file_hours``,
and never one that an aspiration, an answer, an announcement or an open draft
still names.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import NOW
from dialogue import ONBOARD, TO_SUMMARY, Chat, play
from images import PNG
from sqlmodel import Session, select

from bot.config import Retention
from bot.jobs import privacy_tick
from bot.media import MediaStore
from handlers.core.engine import Engine
from handlers.registry import FLOWS
from storage.announcements import Segment, create_announcement
from storage.db import transaction
from storage.models import Announcement, Aspiration, AuditEntry

LATER = NOW + timedelta(days=2)  # past file_hours (24) for a file written at NOW


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media", 10**6)


@pytest.fixture
def bot(engine: Engine, media: MediaStore) -> Engine:
    return Engine(engine.db, replace(engine.settings, files=media), FLOWS)


@pytest.fixture
def budi(bot: Engine) -> Chat:
    return Chat(bot, user_id="55001", name="Budi")


def written_at(media: MediaStore, reference: str, when: datetime) -> None:
    """The file's age is its modification time (the test clock is not the disk's)."""
    stamp = when.timestamp()
    os.utime(media.path_of(reference), (stamp, stamp))


def attach_photo(chat: Chat, media: MediaStore) -> str:
    """Up to the photo step of an aspiration, then a photo: the draft holds it."""
    reference = media.store_bytes(PNG, NOW)
    written_at(media, reference, NOW)
    play(chat, [*TO_SUMMARY[:5], (("photo", reference), "Foto diterima")])
    return reference


def purge(chat: Chat, media: MediaStore, *, dry_run: bool = False) -> dict[str, int]:
    return privacy_tick(chat.engine.db, Retention(), media, LATER, dry_run=dry_run)


def test_a_photo_of_a_form_given_up_goes_with_the_daily_purge(
    budi: Chat, media: MediaStore
) -> None:
    play(budi, ONBOARD)
    reference = attach_photo(budi, media)
    play(budi, [("/batal", "Isian yang belum dikirim tidak kami simpan")])

    assert purge(budi, media, dry_run=True)["unsent_attachments"] == 1
    assert media.path_of(reference).exists()  # a dry run only counts

    assert purge(budi, media)["unsent_attachments"] == 1
    assert not media.path_of(reference).exists()
    with Session(budi.engine.db) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "privacy_purge")).one()
        assert entry.details["unsent_attachments"] == 1


def test_an_open_drafts_photo_stays(budi: Chat, media: MediaStore) -> None:
    """The resident may still send it: the conversation's draft names it."""
    play(budi, ONBOARD)
    reference = attach_photo(budi, media)

    assert purge(budi, media)["unsent_attachments"] == 0
    assert media.path_of(reference).exists()
    play(budi, [(("press", "Lanjut"), "nama Anda ditampilkan")])  # and the form goes on


def test_a_photo_newer_than_file_hours_stays_even_unnamed(budi: Chat, media: MediaStore) -> None:
    """Just stored, not yet in any draft (the inbound's transaction is still open)."""
    reference = media.store_bytes(PNG, NOW)
    written_at(media, reference, LATER - timedelta(hours=1))

    assert purge(budi, media)["unsent_attachments"] == 0
    assert media.path_of(reference).exists()


def test_sent_aspirations_and_announcements_keep_their_photos(
    budi: Chat, media: MediaStore
) -> None:
    play(budi, ONBOARD)
    reference = attach_photo(budi, media)
    play(
        budi,
        [
            (("press", "Lanjut"), "nama Anda ditampilkan"),
            (("press", "Tampilkan nama"), "Periksa lagi aspirasi Anda"),
            (("press", "Kirim"), "Kode pelacakan"),
        ],
    )
    poster = media.store_bytes(PNG, NOW)
    written_at(media, poster, NOW)
    with transaction(budi.engine.db) as session:
        create_announcement(
            session=session,
            text="Kerja bakti Minggu pagi.",
            segment=Segment("everyone"),
            send_at=NOW,
            actor="console:admin",
            now=NOW,
            photo=poster,
        )
    forgotten = media.store_bytes(PNG, NOW)  # a preview never confirmed
    written_at(media, forgotten, NOW)

    assert purge(budi, media)["unsent_attachments"] == 1
    assert media.path_of(reference).exists()
    assert media.path_of(poster).exists()
    assert not media.path_of(forgotten).exists()
    with Session(budi.engine.db) as session:
        assert session.exec(select(Aspiration.photo_path)).one() == reference
        assert session.exec(select(Announcement.photo)).one() == poster


def test_every_column_that_names_a_kept_file_is_asked() -> None:
    """A new column holding a photo or voice note must join ``HOLDERS``, or the
    daily purge would take its files for a form's left behind."""
    from sqlmodel import SQLModel

    from storage.retention import HOLDERS

    naming = {
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if column.name in ("photo", "photo_path", "voice_path")
    }
    asked = {f"{column.table.name}.{column.name}" for column in HOLDERS}  # type: ignore[attr-defined]
    assert naming == asked
    assert "aspiration_note.voice_path" in asked
