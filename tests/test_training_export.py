"""``export registrations`` on both backends: every format against the contract,
the consent rule for name and phone, the current waitlist rank, the filters, and
the command line."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW
from openpyxl import load_workbook
from sqlalchemy import Engine, delete
from sqlmodel import col

from bot import cli
from storage.db import transaction
from storage.exports import (
    REGISTRATION_FIELDS,
    WIB,
    ExportFilter,
    export,
    export_registrations,
)
from storage.models import Resident
from storage.trainings import (
    NewProgram,
    RegistrationDetails,
    cancel_registration,
    create_program,
    register,
    set_attendance,
    set_program_status,
)

BOM = b"\xef\xbb\xbf"
TITLE = "Pelatihan Pembukuan Sederhana untuk UMKM"
OTHER = "Kelas Pemasaran Daring"
BANTAN, KEBUN_SAYUR = "12.72.02.1003", "12.72.01.1001"  # Siantar Barat, Siantar Timur
DAY = timedelta(days=1)


def _resident(session: Any, user: str, *, consent: bool = True) -> int:
    row = Resident(
        identity=f"telegram:{user}",
        channel="telegram",
        display_name=f"warga {user}",
        consent_at=NOW if consent else None,
        created_at=NOW,
        last_seen_at=NOW,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _program(session: Any, title: str, quota: int) -> int:
    start = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
    new = NewProgram(
        title=title, starts_at=start, ends_at=start + timedelta(hours=6), quota=quota, status="open"
    )
    program = create_program(session=session, new=new, actor="test", now=NOW)
    assert program.id is not None
    return program.id


def _seed(db: Engine) -> None:
    """Program 1 (quota 2): Ani attended, Butet seated without consent; Cici
    cancelled her place in the queue, so Dedi is now 1st and Edo (whose resident
    record is gone) 2nd. Program 2 was cancelled with Fajar registered."""
    people = [
        ("Ani", True, BANTAN, NOW),
        ("Butet", False, KEBUN_SAYUR, NOW),
        ("Cici", True, BANTAN, NOW + DAY),
        ("Dedi", True, BANTAN, NOW + DAY),
        ("Edo", True, None, NOW + 2 * DAY),
    ]
    with transaction(db) as session:
        first, second = _program(session, TITLE, 2), _program(session, OTHER, 5)
        ids = {}
        for number, (name, consent, kelurahan, when) in enumerate(people, start=1):
            details = RegistrationDetails(
                full_name=name,
                phone=f"+62812600000{number}",
                kelurahan_code=kelurahan,
                business_type="=Warung" if name == "Ani" else "Kerajinan ulos",
            )
            resident_id = _resident(session, str(number), consent=consent)
            done = register(
                session=session,
                program_id=first,
                resident_id=resident_id,
                details=details,
                now=when,
            )
            ids[name] = (done.registration.id, resident_id)
        fajar = _resident(session, "6")
        details = RegistrationDetails("Fajar", "+628126000006", BANTAN, None)
        register(session=session, program_id=second, resident_id=fajar, details=details, now=NOW)
        set_program_status(session=session, program_id=second, status="cancelled", now=NOW)
        cancel_registration(
            session=session, registration_id=ids["Cici"][0], resident_id=None, now=NOW + DAY
        )
        set_attendance(
            session=session, registration_id=ids["Ani"][0], attended=True, actor="t", now=NOW
        )
        session.execute(delete(Resident).where(col(Resident.id) == ids["Edo"][1]))


def _row(
    ids: tuple[int, int], program: str, status: str, rank: int | None, when: datetime,
    name: str | None, phone: str | None, kelurahan: str | None, business: str | None,
    attended: bool,
) -> dict[str, Any]:  # fmt: skip
    registered_at = when.astimezone(WIB).isoformat()
    values = (program, status, rank, registered_at, name, phone, kelurahan, business, attended)
    return dict(zip(REGISTRATION_FIELDS, (*ids, *values), strict=True))


ULOS = "Kerajinan ulos"
EXPECTED = [
    _row((1, 1), TITLE, "attended", None, NOW, "Ani", "+628126000001", "Bantan", "=Warung", True),
    _row((2, 1), TITLE, "registered", None, NOW, None, None, "Kebun Sayur", ULOS, False),
    _row((3, 1), TITLE, "cancelled", None, NOW + DAY, "Cici", "+628126000003", "Bantan", ULOS,
         False),
    _row((4, 1), TITLE, "waitlisted", 1, NOW + DAY, "Dedi", "+628126000004", "Bantan", ULOS,
         False),
    _row((5, 1), TITLE, "waitlisted", 2, NOW + 2 * DAY, None, None, None, ULOS, False),
    _row((6, 2), OTHER, "cancelled", None, NOW, "Fajar", "+628126000006", "Bantan", None, False),
]  # fmt: skip


def _json(db: Engine, **filters: Any) -> list[dict[str, Any]]:
    out = io.BytesIO()
    count = export_registrations(engine=db, fmt="json", out=out, filters=ExportFilter(**filters))
    records: list[dict[str, Any]] = json.loads(out.getvalue())
    assert count == len(records)
    return records


def test_json_has_every_registration_by_program_then_time(db: Engine) -> None:
    _seed(db)
    assert _json(db) == EXPECTED
    assert EXPECTED[0]["registered_at"] == "2026-11-28T09:00:00+07:00"


def test_csv_is_the_same_rows_flat(db: Engine) -> None:
    _seed(db)
    out = io.BytesIO()
    assert export("registrations", engine=db, fmt="csv", out=out) == len(EXPECTED)
    raw = out.getvalue()
    assert raw.startswith(BOM)
    rows = list(csv.reader(io.StringIO(raw[len(BOM) :].decode("utf-8"), newline="")))
    assert rows[0] == list(REGISTRATION_FIELDS)

    def flat(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        return "" if value is None else str(value)

    expected = [[flat(v) for v in record.values()] for record in EXPECTED]
    for row in expected:  # a leading = or + is neutralised against formula injection
        for field in ("phone", "business_type"):
            at = REGISTRATION_FIELDS.index(field)
            row[at] = "'" + row[at] if row[at].startswith(("=", "+")) else row[at]
    assert expected[0][:2] == ["1", "1"]  # registration and program ids
    assert expected[0][6:10] == ["Ani", "'+628126000001", "Bantan", "'=Warung"]
    assert rows[1:] == expected
    assert b"Butet" not in raw and b"+628126000002" not in raw and b"Edo" not in raw


def test_xlsx_has_indonesian_headers_and_readable_cells(db: Engine) -> None:
    _seed(db)
    out = io.BytesIO()
    assert export("registrations", engine=db, fmt="xlsx", out=out) == len(EXPECTED)
    ws = load_workbook(io.BytesIO(out.getvalue()))["Pendaftaran"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "ID pendaftaran", "ID program", "Program", "Status", "Nomor antrean", "Waktu daftar",
        "Nama warga", "Nomor HP", "Kelurahan", "Jenis usaha", "Hadir",
    )  # fmt: skip
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:K7"
    assert rows[1] == (
        1, 1, TITLE, "Hadir", None, datetime(2026, 11, 28, 9, 0), "Ani", "+628126000001", "Bantan",
        "=Warung", "Ya",
    )  # fmt: skip
    assert ws.cell(row=2, column=10).data_type == "s"  # text, not a formula
    assert rows[2][6:8] == (None, None)  # Butet gave no consent
    assert rows[4][3:5] == ("Daftar tunggu", 1) and rows[5][3:5] == ("Daftar tunggu", 2)
    assert rows[5][6:8] == (None, None)  # Edo's resident record is gone


@pytest.mark.parametrize(
    ("filters", "names"),
    [
        ({"status": "waitlisted"}, ["Dedi", None]),
        ({"status": "Attended"}, ["Ani"]),
        ({"status": "registered"}, [None]),
        ({"status": "cancelled"}, ["Cici", "Fajar"]),
        ({"kecamatan": "siantar timur"}, [None]),
        ({"kecamatan": "12.72.02"}, ["Ani", "Cici", "Dedi", "Fajar"]),
        ({"since": date(2026, 11, 29)}, ["Cici", "Dedi", None]),
        ({"since": date(2026, 11, 29), "until": date(2026, 11, 29)}, ["Cici", "Dedi"]),
        ({"until": date(2026, 11, 27)}, []),
    ],
)
def test_filters(db: Engine, filters: dict[str, Any], names: list[str | None]) -> None:
    _seed(db)
    assert [r["resident_name"] for r in _json(db, **filters)] == names


def test_the_rank_stays_the_current_one_whatever_the_filter(db: Engine) -> None:
    _seed(db)
    [edo] = _json(db, since=date(2026, 11, 30))
    assert (edo["status"], edo["waitlist_position"]) == ("waitlisted", 2)


def test_progress_reports_the_total(db: Engine) -> None:
    _seed(db)
    calls: list[tuple[int, int]] = []
    progress = lambda done, total: calls.append((done, total))  # noqa: E731
    export("registrations", engine=db, fmt="csv", out=io.BytesIO(), progress=progress)
    assert calls == [(len(EXPECTED), len(EXPECTED))]


def test_export_registrations_from_the_command_line(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(db)
    url = db.url.render_as_string(hide_password=False)
    (tmp_path / "config.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    monkeypatch.delenv("SIANTAR_DATABASE_URL", raising=False)
    out = tmp_path / "pendaftaran.json"
    args = ["--config", str(tmp_path / "config.toml"), "export", "registrations"]
    assert cli.main([*args, "--format", "json", "--out", str(out), "--status", "waitlisted"]) == 0
    assert "2 pendaftaran ditulis ke" in capsys.readouterr().err
    assert json.loads(out.read_text(encoding="utf-8")) == EXPECTED[3:5]
    assert cli.main([*args, "--format", "csv", "--out", "-", "--category", "usaha"]) == 2
    assert capsys.readouterr().err == (
        "siantar: gagal: --category tidak berlaku untuk registrations\n"
    )
