"""Golden exports: every kind in every format, byte for byte as recorded.

Each kind is seeded into a fresh database (the seeds of its own test module,
with fixed tracking codes and the fixed NOW) and exported in CSV, XLSX and
JSON, with and without a filter. CSV and JSON must equal the recorded files
in ``tests/data/exports/`` byte for byte. An XLSX file carries its creation
time, so it is compared in a parsed form: the sheet name, every cell's value,
type and number format, the column widths, the frozen pane and the autofilter.

The files were recorded from the exports as they were before the export classes
(issue 16, item 7), so a refactoring that changes a single byte fails here. To
record them again, deliberately: ``SIANTAR_RECORD_GOLDEN=1 pytest
tests/test_export_golden.py -k sqlite`` and review the diff.
"""

from __future__ import annotations

import io
import itertools
import json
import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import test_exports
import test_forum_export
import test_training_export
from conftest import NOW
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import select

from storage.db import transaction
from storage.exports import EXPORT_KINDS, ExportFilter, export
from storage.models import Aspiration

GOLDEN = Path(__file__).parent / "data" / "exports"
RECORD = os.environ.get("SIANTAR_RECORD_GOLDEN") == "1"


def _seed_aspirations(db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = itertools.count(1)
    monkeypatch.setattr(
        "storage.aspirations.new_tracking_code", lambda: f"ASP-G{next(numbers):05d}"
    )
    test_exports._seed_tricky(db)
    codes = test_exports._seed(db)
    with transaction(db) as session:  # one marked as a duplicate of another
        evening = session.exec(select(Aspiration).where(Aspiration.code == codes["evening"])).one()
        evening.duplicate_of = codes["named"]


SEEDS: dict[str, Callable[[Engine, pytest.MonkeyPatch], None]] = {
    "aspirations": _seed_aspirations,
    "registrations": lambda db, _: test_training_export._seed(db),
    "rsvps": lambda db, _: test_forum_export._seed(db),
}
FILTERS = {
    "all": ExportFilter(),
    "filtered": ExportFilter(since=date(2026, 11, 28), kecamatan="Siantar Barat"),
}


def _cell(cell: Any) -> list[Any]:
    value = cell.value
    if isinstance(value, datetime):
        value = {"datetime": value.isoformat()}
    return [value, cell.data_type, cell.number_format]


def _xlsx_form(raw: bytes) -> dict[str, Any]:
    workbook = load_workbook(io.BytesIO(raw))
    (ws,) = workbook.worksheets
    return {
        "sheet": ws.title,
        "freeze_panes": ws.freeze_panes,
        "auto_filter": ws.auto_filter.ref,
        "widths": {k: d.width for k, d in sorted(ws.column_dimensions.items()) if d.width},
        "rows": [[_cell(cell) for cell in row] for row in ws.iter_rows()],
    }


def _compare(path: Path, actual: bytes) -> None:
    if RECORD:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual)
    assert actual == path.read_bytes(), path.name


@pytest.mark.parametrize("kind", EXPORT_KINDS)
def test_every_format_is_as_recorded(
    db: Engine, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    SEEDS[kind](db, monkeypatch)
    for label, filters in FILTERS.items():
        for fmt in ("csv", "json", "xlsx"):
            out = io.BytesIO()
            count = export(kind, engine=db, fmt=fmt, out=out, filters=filters)  # type: ignore[arg-type]
            assert count > 0, (kind, label, fmt)
            name = f"{kind}-{label}"
            if fmt == "xlsx":
                form = json.dumps(_xlsx_form(out.getvalue()), ensure_ascii=False, indent=1)
                _compare(GOLDEN / f"{name}.xlsx.json", form.encode("utf-8") + b"\n")
            else:
                _compare(GOLDEN / f"{name}.{fmt}", out.getvalue())


def test_the_seeds_are_fixed_in_time() -> None:
    assert NOW.isoformat() == "2026-11-28T02:00:00+00:00"  # the recorded times rest on it
