"""The audit trail: every kind of staff and admin action is written, with who,
when and what, never a resident's personal data; ``siantar audit`` prints it.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import NOW
from dialogue import ONBOARD, TO_SUMMARY, Chat, play
from sqlalchemy import Engine as Database
from sqlmodel import Session, col, select

from bot.cli import main
from bot.media import MediaStore
from handlers.core.engine import Engine
from handlers.core.registry import FLOWS
from storage.audit import entries_since, record
from storage.db import transaction
from storage.models import AuditEntry

STAFF, ADMIN = "console:9001", "console:9002"
ROLES = {STAFF: frozenset({"staff"}), ADMIN: frozenset({"admin"})}
NOTE = "Petugas Budi Siregar (0812-3456-7890) sudah ke lokasi."


@pytest.fixture
def desk(engine: Engine, tmp_path: Path) -> Engine:
    media = MediaStore(tmp_path / "media", 10**6)
    return Engine(engine.db, replace(engine.settings, config_roles=ROLES, files=media), FLOWS)


def trail(db: Database) -> list[AuditEntry]:
    with Session(db) as session:
        return list(session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all())


def officer(desk: Engine, user_id: str) -> Chat:
    """A staff member past the first-contact question."""
    chat = Chat(desk, user_id=user_id, name="Petugas")
    play(
        chat,
        [
            ("/start", "Apakah Anda setuju"),
            (("press", "Tidak setuju"), "Kami tidak menyimpan data pribadi Anda"),
        ],
    )
    return chat


def submitted(desk: Engine) -> str:
    warga = Chat(desk, user_id="2001", name="Rina Simanjuntak")
    play(warga, [*ONBOARD, *TO_SUMMARY, (("press", "Kirim"), "Kode pelacakan")])
    code = next(word for word in warga.said.split() if word.startswith("ASP-"))
    return code.strip(".,")


def test_a_status_change_in_chat_is_audited_without_the_note(desk: Engine) -> None:
    code = submitted(desk)
    staff = officer(desk, "9001")
    play(
        staff,
        [
            (f"/aspirasi {code}", f"Aspirasi {code}"),
            (("press", "Ubah ke: Diverifikasi"), "Tulis catatan"),
            (NOTE, "Simpan"),
            (("press", "Simpan"), "Diverifikasi"),
        ],
    )
    [entry] = trail(desk.db)
    assert (entry.at, entry.actor, entry.action) == (NOW, STAFF, "status_change")
    assert entry.details == {"code": code, "from": "diterima", "to": "diverifikasi"}


def test_a_chat_export_is_audited_with_its_filters(desk: Engine) -> None:
    submitted(desk)
    staff = officer(desk, "9001")
    play(
        staff,
        [
            ("/ekspor", "Data apa"),
            (("press", "Aspirasi"), "format"),
            (("press", "CSV"), "periode"),
            (("press", "7 hari terakhir"), "Aspirasi"),
        ],
    )
    [entry] = trail(desk.db)
    assert (entry.actor, entry.action) == (STAFF, "export")
    assert entry.details == {
        "via": "chat",
        "kind": "aspirations",
        "format": "csv",
        "filters": {"period": "7d"},
        "rows": 1,
    }


def test_role_grants_and_revokes_in_chat_are_audited(desk: Engine) -> None:
    admin = officer(desk, "9002")
    play(
        admin,
        [
            ("/peran", "Kelola peran"),
            (("press", "Beri peran"), "identitas"),
            ("telegram:123456789", "Peran apa"),
            (("press", "Petugas"), "diberikan"),
            (("press", "Cabut peran"), "telegram:123456789"),
            (("press", "telegram:123456789"), "dicabut"),
        ],
    )
    assert [(e.actor, e.action, e.details) for e in trail(desk.db)] == [
        (ADMIN, "role_grant", {"identity": "telegram:123456789", "role": "staff"}),
        (ADMIN, "role_revoke", {"identity": "telegram:123456789", "role": "staff"}),
    ]


def test_entries_since_a_time(db: Database) -> None:
    with transaction(db) as session:
        for days, action in ((3, "block"), (1, "unblock")):
            record(
                session=session,
                actor="cli",
                action=action,
                details={},
                now=NOW.replace(day=NOW.day - days),
            )
    with Session(db) as session:
        assert [e.action for e in entries_since(session=session)] == ["block", "unblock"]
        since = NOW.replace(day=NOW.day - 2)
        assert [e.action for e in entries_since(session=session, since=since)] == ["unblock"]
    with pytest.raises(ValueError, match="unknown audit action"), transaction(db) as session:
        record(session=session, actor="cli", action="coffee", details={}, now=NOW)


def test_cli_export_role_and_audit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "siantar.db"}"\n')
    base = ["--config", str(config)]
    out = tmp_path / "aspirasi.json"
    assert main([*base, "db", "upgrade"]) == 0  # an export never creates the database
    assert main([*base, "export", "aspirations", "--format", "json", "--out", str(out)]) == 0
    assert main([*base, "export", "aspirations", "--format", "csv", "--out", "-",
                 "--status", "diterima", "--since", "2026-11-01"]) == 0  # fmt: skip
    assert main([*base, "role", "grant", "telegram:42", "staff"]) == 0
    assert main([*base, "role", "revoke", "telegram:42", "staff"]) == 0
    capsys.readouterr()
    assert main([*base, "audit", "--since", "2026-01-01"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[1:3] for line in printed] == [
        ["cli", "export"],
        ["cli", "export"],
        ["cli", "role_grant"],
        ["cli", "role_revoke"],
    ]
    second = json.loads(printed[1].split("  ", 3)[3])
    assert second == {
        "via": "cli",
        "kind": "aspirations",
        "format": "csv",
        "filters": {"since": "2026-11-01", "status": "diterima"},
        "rows": 0,
    }
    assert main([*base, "audit", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out == ""
