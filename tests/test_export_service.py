"""The export's issue-17 columns (opd, due times, breached stages, tunda count) in
every format, and the ``opd`` filter in storage and on the command line."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from service_history import ANSWER, QUESTION, build_history, wib
from sqlalchemy import Engine

from bot.cli import main
from storage.aspirations import NewAspiration, create_aspiration
from storage.db import make_engine, transaction
from storage.exports import AspirationFilter, ExportError, check_export, export
from storage.models import Resident
from storage.workflow import attach_answer, change_status

NEW_COLUMNS = ["opd", "verify_due_at", "response_due_at", "completion_due_at", "breached",
               "tunda_count"]  # fmt: skip
SECRET_NAME, SECRET_IDENTITY = "Rahasia Siregar", "telegram:55501"


def _held_and_late(db: Engine) -> str:
    """An anonymous aspiration held once for a question, then disposed to PUPR
    after its verification was due: received Mon 2 Nov; tunda Tue 3, answered Wed 4
    (the pause skips Wed 4: verification due Fri 6); verified Mon 9; to PUPR Tue 10
    (late: breached "verify"); response due Tue 17, completion (kompleks, 14
    working days) Mon 30 November."""
    with transaction(db) as session:
        resident = Resident(
            identity=SECRET_IDENTITY, channel="telegram", display_name=SECRET_NAME,
            language="id", created_at=wib(2), last_seen_at=wib(2),
        )  # fmt: skip
        session.add(resident)
        session.flush()
        aspiration = create_aspiration(
            session=session,
            new=NewAspiration(
                category="infrastruktur",
                kecamatan_code="12.72.01",
                kelurahan_code="12.72.01.1002",
                text="Jalan amblas.",
                language="id",
                anonymous=True,
                channel="telegram",
                resident_id=resident.id,
            ),  # fmt: skip
            now=wib(2),
        )
        moves: list[tuple[str, datetime, dict[str, Any]]] = [
            ("tunda", wib(3), {"note": QUESTION}),
        ]
        for status, at, extra in moves:
            change_status(session=session, aspiration=aspiration, status=status,
                          actor="console:9999", now=at, **extra)  # fmt: skip
        attach_answer(session=session, aspiration=aspiration, now=wib(4), text=ANSWER)
        for status, at, extra in [
            ("diverifikasi", wib(9), {}),
            ("diteruskan", wib(10), {"opd": "PUPR"}),
        ]:
            change_status(session=session, aspiration=aspiration, status=status,
                          actor="console:9999", now=at, note=None, **extra)  # fmt: skip
        return aspiration.code


EXPECTED = {
    "opd": "PUPR",
    "verify_due_at": "2026-11-06T23:59:59+07:00",
    "response_due_at": "2026-11-17T23:59:59+07:00",
    "completion_due_at": "2026-11-30T23:59:59+07:00",
    "breached": "verify",
    "tunda_count": 1,
}


def _export(db: Engine, fmt: Any, **filters: Any) -> bytes:
    out = io.BytesIO()
    export("aspirations", engine=db, fmt=fmt, out=out, filters=AspirationFilter(**filters))
    return out.getvalue()


def test_json_and_csv_carry_the_unit_dues_breach_and_tunda(db: Engine) -> None:
    code = _held_and_late(db)
    [record] = json.loads(_export(db, "json"))
    # appended after the existing keys; issue 19's has_voice after them
    assert list(record)[-7:] == [*NEW_COLUMNS, "has_voice"]
    assert {key: record[key] for key in NEW_COLUMNS} == EXPECTED
    assert record["code"] == code and record["resident_name"] is None  # anonymous

    raw = _export(db, "csv")
    header, row = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert header[-7:] == [*NEW_COLUMNS, "has_voice"]
    assert header[:3] == ["code", "status", "category"]
    cells = dict(zip(header, row, strict=True))
    assert {key: cells[key] for key in NEW_COLUMNS} == {k: str(v) for k, v in EXPECTED.items()}
    for data in (raw, _export(db, "json"), _export(db, "xlsx")):
        assert SECRET_NAME.encode() not in data and SECRET_IDENTITY.encode() not in data
        assert b"55501" not in data


def test_xlsx_has_indonesian_headers_and_readable_due_dates(db: Engine) -> None:
    _held_and_late(db)
    ws = load_workbook(io.BytesIO(_export(db, "xlsx")))["Aspirasi"]
    header, row = list(ws.iter_rows(values_only=True))
    values = dict(zip(header, row, strict=True))
    assert values["Unit (OPD)"] == "PUPR" and values["Tahap terlambat"] == "verify"
    assert values["Jumlah tunda"] == 1
    assert values["Batas verifikasi"] == datetime(2026, 11, 6, 23, 59, 59)  # WIB wall clock
    assert values["Batas penyelesaian"] == datetime(2026, 11, 30, 23, 59, 59)
    due = ws.cell(row=2, column=header.index("Batas tanggapan unit") + 1)
    assert due.is_date and due.number_format == "DD/MM/YYYY HH:MM"
    assert ws.auto_filter.ref == "A1:Y2" and ws.freeze_panes == "A2"
    # an aspiration never disposed has empty unit and due cells, not errors
    assert values["Nilai warga"] is None


def test_the_opd_filter_keeps_the_units_aspirations(db: Engine) -> None:
    codes = build_history(db)
    pupr = [r["code"] for r in json.loads(_export(db, "json", opd="pupr"))]
    assert pupr == [codes["A"], codes["C"]]
    assert [r["code"] for r in json.loads(_export(db, "json", opd="DISHUB"))] == [codes["B"]]
    assert json.loads(_export(db, "json", opd="DLH")) == []
    with pytest.raises(ExportError, match="invalid unit code"):
        check_export("aspirations", fmt="csv", filters=AspirationFilter(opd="PU PR; --"))
    for kind in ("registrations", "rsvps"):
        with pytest.raises(ExportError, match="--opd does not apply"):
            check_export(kind, fmt="csv", filters=AspirationFilter(opd="PUPR"))


def test_siantar_export_opd(tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    config = tmp_path / "config.toml"
    url = f"sqlite:///{tmp_path / 'siantar.db'}"
    config.write_text(f'[database]\nurl = "{url}"\n')
    base = ["--config", str(config)]
    assert main([*base, "db", "upgrade"]) == 0
    db = make_engine(url)
    codes = build_history(db)
    db.dispose()
    capsysbinary.readouterr()
    assert main([*base, "export", "aspirations", "--format", "json", "--out", "-",
                 "--opd", "dishub"]) == 0  # fmt: skip
    rows = json.loads(capsysbinary.readouterr().out)
    assert [(r["code"], r["opd"], r["breached"]) for r in rows] == [
        (codes["B"], "DISHUB", "verify")
    ]
