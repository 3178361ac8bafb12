"""Exports and statistics asked for in chat are built by a worker, off the inbound
path: the inbound answers at once, the file follows through the outbox."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import NOW
from dialogue import ONBOARD, TO_SUMMARY, Chat, play
from sqlmodel import Session, col, select

from bot.charts import stats_chart
from bot.job_process import JobProcess
from bot.media import MediaStore
from handlers.core import chat_jobs
from handlers.core.engine import Engine
from handlers.core.types import Inbound, Reply
from handlers.registry import FLOWS
from handlers.staff import exports as export_chat
from storage.audit import entries_since
from storage.db import transaction
from storage.jobs import claim_job
from storage.models import ChatJob, OutboxMessage
from storage.roles import grant_role, revoke_role

STAFF = "telegram:9001"
PREPARING = "Sedang disiapkan"
MENU = (("press", "Tidak setuju"), "Apa yang ingin Anda lakukan?")


@dataclass
class Recorded:
    """An engine as the Telegram and WhatsApp adapters drive it (``handle_recorded``):
    nothing runs after the commit, jobs wait for the worker."""

    engine: Engine

    def handle(self, inbound: Inbound, now: datetime) -> list[Reply]:
        return [queued.reply for queued in self.engine.handle_recorded(inbound, now).replies]


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media", 10**6)


@pytest.fixture
def desk(engine: Engine, media: MediaStore) -> Engine:
    settings = replace(engine.settings, files=media, chart=stats_chart)
    return Engine(engine.db, settings, FLOWS)


def staff_chat(desk: Engine) -> Chat:
    """A staff member (a role granted in the database) on Telegram, past consent."""
    with transaction(desk.db) as session:
        grant_role(session=session, identity=STAFF, role="staff", granted_by="cli", now=NOW)
    chat = Chat(Recorded(desk), user_id="9001", channel="telegram", name="Petugas")  # type: ignore[arg-type]
    play(chat, [("/start", "Apakah Anda setuju"), MENU])
    return chat


def submitted(desk: Engine) -> None:
    warga = Chat(desk, user_id="2001", name="Rina Simanjuntak")
    play(warga, [*ONBOARD, *TO_SUMMARY, (("press", "Kirim"), "Kode pelacakan")])


def ask_export(staff: Chat) -> None:
    play(
        staff,
        [
            ("/ekspor", "Data apa"),
            (("press", "Aspirasi"), "format"),
            (("press", "CSV"), "periode"),
            (("press", "Semua waktu"), PREPARING),
        ],
    )


def sent_to(desk: Engine, user_id: str) -> list[OutboxMessage]:
    """What went to ``user_id`` through the outbox, other than the direct replies."""
    with Session(desk.db) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == user_id, OutboxMessage.claimed_until == None)  # noqa: E711
            .order_by(col(OutboxMessage.id))
        ).all()
    return list(rows)


def jobs(desk: Engine) -> list[ChatJob]:
    with Session(desk.db) as session:
        return list(session.exec(select(ChatJob).order_by(col(ChatJob.id))).all())


def exports_audited(desk: Engine) -> list[dict[str, object]]:
    with Session(desk.db) as session:
        entries = entries_since(session=session, since=NOW - timedelta(days=1))
    return [e.details for e in entries if e.action == "export"]


def test_an_export_is_answered_at_once_and_the_worker_sends_the_file(
    desk: Engine, media: MediaStore
) -> None:
    submitted(desk)
    staff = staff_chat(desk)
    ask_export(staff)
    assert all(r.document is None for r in staff.last_batch)
    assert staff.last.text.endswith("Apa yang ingin Anda lakukan?")
    [job] = jobs(desk)
    assert (job.kind, job.status, job.requested_by) == ("export", "queued", STAFF)
    assert exports_audited(desk) == []  # nothing exported yet

    assert chat_jobs.run_due(desk.db, desk.settings, lambda: NOW + timedelta(seconds=2)) == 1

    [delivery] = sent_to(desk, "9001")
    assert delivery.payload["text"] == "Ekspor Aspirasi siap: 1 baris."
    path = media.path_of(delivery.payload["document"])
    assert path.name == "aspirasi-2026-11-28.csv" and path.read_bytes().count(b"\n") == 2
    assert [j.status for j in jobs(desk)] == ["done"]
    assert exports_audited(desk) == [
        {
            "via": "chat",
            "kind": "aspirations",
            "format": "csv",
            "filters": {"period": "all"},
            "rows": 1,
        }
    ]
    assert chat_jobs.run_due(desk.db, desk.settings, lambda: NOW + timedelta(seconds=4)) == 0


def test_statistics_come_from_the_worker_with_their_chart(desk: Engine, media: MediaStore) -> None:
    submitted(desk)
    staff = staff_chat(desk)
    play(staff, [("/statistik", "periode"), (("press", "Semua waktu"), PREPARING)])
    assert "Statistik aspirasi" not in staff.said
    chat_jobs.run_due(desk.db, desk.settings, lambda: NOW)
    delivery, service = sent_to(desk, "9001")
    assert delivery.payload["text"].startswith("Statistik aspirasi, Semua waktu: 1 aspirasi")
    assert media.path_of(delivery.payload["photo"]).read_bytes().startswith(b"\x89PNG")
    # the service numbers follow (no chart per unit: this desk draws none)
    assert service.payload["text"].startswith("Ketepatan waktu layanan:")
    assert "Terbuka sekarang: 1, lewat batas waktu: 0" in service.payload["text"]


def test_a_role_revoked_before_the_job_runs_gets_a_note_and_no_file(
    desk: Engine, media: MediaStore
) -> None:
    submitted(desk)
    staff = staff_chat(desk)
    ask_export(staff)
    with transaction(desk.db) as session:
        revoke_role(session=session, identity=STAFF, role="staff", now=NOW)

    chat_jobs.run_due(desk.db, desk.settings, lambda: NOW)

    [note] = sent_to(desk, "9001")
    assert "tidak lagi memiliki akses" in note.payload["text"]
    assert "document" not in note.payload
    assert not (media.directory / "files").exists() or not any(
        p.is_file() for p in (media.directory / "files").rglob("*")
    )
    assert exports_audited(desk) == []


def test_a_failing_build_tells_the_requester_once_and_is_logged_once(
    desk: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    submitted(desk)
    staff = staff_chat(desk)
    ask_export(staff)

    def broken(*args: object, **kwargs: object) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(export_chat, "export", broken)
    with caplog.at_level(logging.ERROR, logger="handlers.core.chat_jobs"):
        chat_jobs.run_due(desk.db, desk.settings, lambda: NOW)
        chat_jobs.run_due(desk.db, desk.settings, lambda: NOW + timedelta(minutes=5))

    [note] = sent_to(desk, "9001")
    assert "gagal disiapkan" in note.payload["text"]
    [job] = jobs(desk)
    assert job.status == "failed" and "disk full" in (job.last_error or "")
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1


def test_a_job_whose_worker_died_is_built_again_once_its_lease_lapses(desk: Engine) -> None:
    submitted(desk)
    staff = staff_chat(desk)
    ask_export(staff)
    with transaction(desk.db) as session:  # a worker claims it, then dies
        assert claim_job(session=session, now=NOW, lease=chat_jobs.LEASE) is not None

    assert chat_jobs.run_due(desk.db, desk.settings, lambda: NOW + timedelta(seconds=30)) == 0
    assert sent_to(desk, "9001") == []
    later = NOW + chat_jobs.LEASE + timedelta(seconds=1)
    assert chat_jobs.run_due(desk.db, desk.settings, lambda: later) == 1
    [delivery] = sent_to(desk, "9001")
    assert delivery.payload["text"] == "Ekspor Aspirasi siap: 1 baris."
    assert [(j.status, j.attempts) for j in jobs(desk)] == [("done", 2)]


def test_the_console_gets_the_file_in_the_same_batch_before_the_menu(desk: Engine) -> None:
    submitted(desk)
    with transaction(desk.db) as session:
        grant_role(
            session=session, identity="console:9002", role="staff", granted_by="cli", now=NOW
        )
    staff = Chat(desk, user_id="9002", name="Petugas")
    play(staff, [("/start", "Apakah Anda setuju"), MENU])
    play(
        staff,
        [("/ekspor", "Data apa"), (("press", "Aspirasi"), "format"), (("press", "CSV"), "periode")],
    )
    staff.press("Semua waktu")
    texts = [r.text for r in staff.last_batch]
    assert texts[0].startswith(PREPARING) and texts[1] == "Ekspor Aspirasi siap: 1 baris."
    assert staff.last_batch[1].document is not None and staff.last.options
    assert [j.status for j in jobs(desk)] == ["done"]


def test_the_job_process_builds_in_a_child_process(desk: Engine, media: MediaStore) -> None:
    if desk.db.dialect.name != "sqlite":
        pytest.skip("one backend is enough to spawn a child")
    submitted(desk)
    staff = staff_chat(desk)
    ask_export(staff)
    builder = JobProcess(desk.db.url.render_as_string(hide_password=False), desk.settings, [], 20)
    try:
        assert asyncio.run(builder.tick()) == 1
    finally:
        builder.close()
    [delivery] = sent_to(desk, "9001")
    assert media.path_of(delivery.payload["document"]).is_file()
