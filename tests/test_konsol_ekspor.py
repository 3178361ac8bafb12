"""Konsol's Ekspor: the file is the export chat and CLI make (XLSX opens with
openpyxl, CSV as the writer makes it), filtered, audited with the identity, a
temporary file left behind by no one; who may take which data set."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW
from konsol_helpers import Browser, browser
from openpyxl import load_workbook
from sqlalchemy import Engine as Database
from sqlmodel import Session, select
from staff_helpers import ADMIN, CONFIG_ROLES, FACILITATOR, GRANTED, STAFF, UNIT, seed
from test_training import DETAILS, add_program, add_resident

from handlers.core.engine import Engine
from storage.db import transaction
from storage.models import AuditEntry
from storage.opd import grant_officer
from storage.trainings import register

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def person(db: Database, identity: str) -> Browser:
    b = browser(db, CONFIG_ROLES)
    b.log_in(identity)
    return b


def download(b: Browser, **typed: str) -> Any:
    return b.client.post("/konsol/ekspor/unduh", data={"csrf": b.csrf(), **typed})


def exports(db: Database) -> list[AuditEntry]:
    with Session(db) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == "export")))


def leftovers() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("konsol-ekspor-*"))


@pytest.fixture
def aspirations(engine: Engine) -> dict[str, str]:
    named = add_resident(engine.db, "2101")
    hidden = add_resident(engine.db, "2102")
    return {
        "named": seed(engine, resident_id=named, at=NOW - timedelta(days=1)),
        "anonymous": seed(engine, resident_id=hidden, anonymous=True, at=NOW - timedelta(days=1)),
        "done": seed(engine, status="selesai", category="kesehatan", at=NOW - timedelta(days=3)),
        "old": seed(engine, at=NOW - timedelta(days=40)),
    }


def test_xlsx_download_opens_with_the_seeded_rows_and_is_audited(
    db: Database, aspirations: dict[str, str]
) -> None:
    before = leftovers()
    staff = person(db, STAFF)
    answer = download(staff, kind="aspirations", format="xlsx", since="2026-11-20")
    assert answer.status_code == 200, answer.text[:500]
    assert answer.headers["content-type"] == XLSX
    assert (
        answer.headers["content-disposition"] == 'attachment; filename="aspirasi-2026-11-28.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(answer.content), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert header[0] == "Kode"
    by_code = {row[0]: dict(zip(header, row, strict=False)) for row in data}
    assert set(by_code) == {aspirations[k] for k in ("named", "anonymous", "done")}  # not "old"
    assert by_code[aspirations["named"]]["Nama warga"] == "Warga 2101"
    assert by_code[aspirations["anonymous"]]["Nama warga"] in (None, "")  # anonymity kept
    cells = [str(value) for row in data for value in row if value is not None]
    assert not [c for c in cells if "2102" in c]  # neither the name nor the identity

    [entry] = exports(db)
    assert entry.actor == STAFF
    assert entry.details == {
        "via": "konsol",
        "kind": "aspirations",
        "format": "xlsx",
        "filters": {"since": "2026-11-20"},
        "rows": 3,
    }
    assert leftovers() == before  # the temporary file is gone once sent


def test_csv_with_status_and_category_filters(db: Database, aspirations: dict[str, str]) -> None:
    staff = person(db, ADMIN)
    answer = download(
        staff, kind="aspirations", format="csv", status="selesai", category="kesehatan"
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].endswith('filename="aspirasi-2026-11-28.csv"')
    assert answer.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as the writer makes it
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [r["code"] for r in rows] == [aspirations["done"]]
    assert exports(db)[0].actor == ADMIN
    assert exports(db)[0].details["rows"] == 1


def registrations(db: Database) -> int:
    program = add_program(db)
    residents = [add_resident(db, user) for user in ("2201", "2202")]
    with transaction(db) as session:
        for resident in residents:
            register(
                session=session,
                program_id=program,
                resident_id=resident,
                details=DETAILS,
                now=NOW,
            )
    return program


def test_a_facilitator_takes_registrations_but_not_aspirations(
    db: Database, aspirations: dict[str, str]
) -> None:
    registrations(db)
    facilitator = person(db, FACILITATOR)
    form = facilitator.client.get("/konsol/ekspor").text
    assert 'value="aspirations"' not in form and 'value="registrations"' in form
    assert download(facilitator, kind="aspirations", format="csv").status_code == 404
    assert download(facilitator, kind="nonsense", format="csv").status_code == 404
    assert exports(db) == []

    answer = download(facilitator, kind="registrations", format="json")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert len(answer.json()) == 2
    assert exports(db)[0].actor == FACILITATOR


def test_staff_take_registrations_too_as_in_chat(db: Database) -> None:
    registrations(db)
    staff = person(db, STAFF)
    answer = download(staff, kind="registrations", format="xlsx")
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content), read_only=True).active
    assert sheet is not None
    assert len(list(sheet.iter_rows(values_only=True))) == 3  # a header and two seats


def test_a_filter_that_does_not_apply_redraws_the_form(db: Database) -> None:
    staff = person(db, STAFF)
    answer = download(
        staff, kind="rsvps", format="csv", status="selesai", since="2026-11-30", until="2026-11-01"
    )
    assert answer.status_code == 400
    page = answer.text
    assert 'id="status-problem"' in page and 'id="until-problem"' in page
    assert '<option value="rsvps" selected>' in page
    assert '<option value="selesai" selected>' in page
    assert 'value="2026-11-30"' in page
    assert exports(db) == []


def test_forms_without_csrf_and_officers_are_refused(db: Database) -> None:
    staff = person(db, STAFF)
    answer = staff.client.post("/konsol/ekspor/unduh", data={"kind": "aspirations"})
    assert answer.status_code == 403
    with transaction(db) as session:
        grant_officer(session=session, identity=GRANTED, codes=[UNIT], actor=ADMIN, now=NOW)
    officer = person(db, GRANTED)
    assert officer.client.get("/konsol/ekspor").status_code == 404
    assert download(officer, kind="aspirations", format="csv").status_code == 404
    assert exports(db) == []
