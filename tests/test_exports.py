"""Aspiration export: CSV, XLSX and JSON against the contract, on both backends."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, event
from sqlmodel import select

from storage import exports
from storage.aspirations import NewAspiration, create_aspiration
from storage.db import transaction
from storage.exports import (
    ASPIRATION_FIELDS,
    AspirationFilter,
    ExportError,
    export_aspirations,
)
from storage.models import Aspiration, AspirationStatusChange, Resident
from tests.conftest import NOW

FLAT = list(ASPIRATION_FIELDS[:-1])
FORMULA = '=HYPERLINK("http://x")'
BOM = b"\xef\xbb\xbf"


def _aspiration(**overrides: Any) -> NewAspiration:
    fields: dict[str, Any] = {
        "category": "infrastruktur",
        "kecamatan_code": "12.72.02",
        "kelurahan_code": "12.72.02.1001",
        "text": "Jalan berlubang di depan sekolah",
        "language": "id",
        "anonymous": False,
        "channel": "telegram",
        "resident_id": None,
    }
    return NewAspiration(**{**fields, **overrides})


def _resident(name: str, identity: str) -> Resident:
    return Resident(
        identity=identity,
        channel="telegram",
        display_name=name,
        created_at=NOW,
        last_seen_at=NOW,
        consent_at=NOW,
    )


def _seed(db: Engine) -> dict[str, str]:
    """Four aspirations around the WIB day boundaries of 27/28 November 2026.

    NOW is 28 Nov 09:00 WIB; ``early`` is 28 Nov 00:00 WIB, ``late`` 27 Nov
    23:59:59 WIB and ``night`` 28 Nov 23:59:59 WIB.
    """
    early = NOW - timedelta(hours=9)
    late = early - timedelta(seconds=1)
    night = early + timedelta(days=1, seconds=-1)
    with transaction(db) as s:
        budi = _resident("Budi Siregar", "telegram:111")
        s.add(budi)
        s.flush()
        named = create_aspiration(
            session=s,
            new=_aspiration(
                resident_id=budi.id, photo_path="photos/a.jpg", latitude=-2.95, longitude=99.06
            ),
            now=NOW,
        )
        hidden = create_aspiration(
            session=s,
            new=_aspiration(
                resident_id=budi.id,
                anonymous=True,
                text=FORMULA,
                category="kesehatan",
                kecamatan_code="12.72.01",
                kelurahan_code="12.72.01.1002",
                channel="whatsapp",
                language="en",
            ),
            now=early,
        )
        older = create_aspiration(
            session=s, new=_aspiration(category="lainnya", text="+62 812 lampu mati"), now=late
        )
        evening = create_aspiration(
            session=s,
            new=_aspiration(
                category="pendidikan",
                kecamatan_code="12.72.03",
                kelurahan_code="12.72.03.1001",
                text="Sekolah bocor",
            ),
            now=night,
        )
        assert named.id is not None and older.id is not None
        s.add(
            AspirationStatusChange(
                aspiration_id=named.id,
                status="diverifikasi",
                at=NOW + timedelta(hours=1),
                actor="telegram:900",
                note="Sudah dicek petugas",
            )
        )
        named.status, named.updated_at = "diverifikasi", NOW + timedelta(hours=1)
        older.status, older.updated_at = "selesai", NOW
        s.add(
            AspirationStatusChange(
                aspiration_id=older.id, status="selesai", at=NOW, note="Lampu sudah diganti"
            )
        )
        return {
            "named": named.code,
            "hidden": hidden.code,
            "older": older.code,
            "evening": evening.code,
        }


def _export(db: Engine, fmt: Any, **filters: Any) -> bytes:
    out = io.BytesIO()
    export_aspirations(engine=db, fmt=fmt, out=out, filters=AspirationFilter(**filters))
    return out.getvalue()


def _json(db: Engine, **filters: Any) -> list[dict[str, Any]]:
    return json.loads(_export(db, "json", **filters).decode("utf-8"))


def _csv(db: Engine, **filters: Any) -> list[list[str]]:
    raw = _export(db, "csv", **filters)
    assert raw.startswith(BOM)
    return list(csv.reader(io.StringIO(raw[len(BOM) :].decode("utf-8"), newline="")))


def _xlsx(db: Engine, **filters: Any) -> Any:
    return load_workbook(io.BytesIO(_export(db, "xlsx", **filters)))["Aspirasi"]


def test_json_round_trip_matches_database(db: Engine) -> None:
    codes = _seed(db)
    rows = _json(db)
    assert [r["code"] for r in rows] == [codes[k] for k in ("older", "hidden", "named", "evening")]
    assert all(list(row) == list(ASPIRATION_FIELDS) for row in rows)
    named = rows[2]
    assert named == {
        "code": codes["named"],
        "status": "diverifikasi",
        "category": "infrastruktur",
        "kecamatan": "Siantar Barat",
        "kelurahan": "Dwikora",
        "text": "Jalan berlubang di depan sekolah",
        "language": "id",
        "channel": "telegram",
        "anonymous": False,
        "resident_name": "Budi Siregar",
        "created_at": "2026-11-28T09:00:00+07:00",
        "updated_at": "2026-11-28T10:00:00+07:00",
        "latitude": -2.95,
        "longitude": 99.06,
        "has_photo": True,
        "status_history": [
            {"status": "diterima", "at": "2026-11-28T09:00:00+07:00", "note": None},
            {
                "status": "diverifikasi",
                "at": "2026-11-28T10:00:00+07:00",
                "note": "Sudah dicek petugas",
            },
        ],
    }
    hidden = rows[1]
    assert hidden["resident_name"] is None and hidden["anonymous"] is True
    assert (hidden["kecamatan"], hidden["kelurahan"]) == ("Siantar Timur", "Tomuan")
    assert hidden["text"] == FORMULA and hidden["has_photo"] is False
    assert hidden["created_at"] == "2026-11-28T00:00:00+07:00"
    assert [h["status"] for h in rows[0]["status_history"]] == ["diterima", "selesai"]
    with transaction(db) as s:
        stored = {a.code: a for a in s.exec(select(Aspiration)).all()}
    for row in rows:
        aspiration = stored[row["code"]]
        assert row["status"] == aspiration.status and row["text"] == aspiration.text
        assert datetime.fromisoformat(row["created_at"]) == aspiration.created_at
        assert row["created_at"].endswith("+07:00") and row["updated_at"].endswith("+07:00")
        assert all(h["at"].endswith("+07:00") for h in row["status_history"])


def test_csv_round_trip_quoting_and_neutralising(db: Engine) -> None:
    codes = _seed(db)
    raw = _export(db, "csv")
    assert raw.startswith(BOM + b"code,status,category,") and b"\r\n" in raw
    header, *rows = _csv(db)
    assert header == FLAT
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    named = by_code[codes["named"]]
    assert named["resident_name"] == "Budi Siregar" and named["anonymous"] == "false"
    assert named["latitude"] == "-2.95" and named["longitude"] == "99.06"
    assert named["has_photo"] == "true" and named["created_at"] == "2026-11-28T09:00:00+07:00"
    assert (named["kecamatan"], named["kelurahan"]) == ("Siantar Barat", "Dwikora")
    hidden = by_code[codes["hidden"]]
    assert hidden["text"] == "'" + FORMULA and hidden["resident_name"] == ""
    assert hidden["latitude"] == "" and hidden["anonymous"] == "true"
    assert by_code[codes["older"]]["text"] == "'+62 812 lampu mati"


def test_csv_neutralises_every_dangerous_prefix() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert exports._csv_cell(text) == "'" + text
    assert exports._csv_cell(-2.95) == -2.95
    assert exports._csv_cell("Jalan -rusak") == "Jalan -rusak"


def test_xlsx_layout_and_values(db: Engine) -> None:
    codes = _seed(db)
    ws = _xlsx(db)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:O5"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(exports.XLSX_HEADERS)
    assert rows[0][:3] == ("Kode", "Status", "Kategori") and rows[0][-1] == "Ada foto"
    by_code = {row[0]: row for row in rows[1:]}
    named = dict(zip(FLAT, by_code[codes["named"]], strict=True))
    assert named["created_at"] == datetime(2026, 11, 28, 9, 0)
    assert named["updated_at"] == datetime(2026, 11, 28, 10, 0)
    assert (named["anonymous"], named["has_photo"]) == ("Tidak", "Ya")
    assert (named["latitude"], named["longitude"]) == (-2.95, 99.06)
    assert (named["resident_name"], named["kecamatan"]) == ("Budi Siregar", "Siantar Barat")
    date_cell = ws.cell(row=2, column=FLAT.index("created_at") + 1)
    assert date_cell.is_date and date_cell.number_format == "DD/MM/YYYY HH:MM"
    text_col = FLAT.index("text") + 1
    formula_cells = [ws.cell(row=r, column=text_col) for r in range(2, ws.max_row + 1)]
    formula_cell = next(c for c in formula_cells if c.value == FORMULA)
    assert formula_cell.data_type == "s"
    hidden = dict(zip(FLAT, by_code[codes["hidden"]], strict=True))
    assert hidden["resident_name"] is None and hidden["anonymous"] == "Ya"
    assert ws.column_dimensions["F"].width == exports.XLSX_WIDTHS[5]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_anonymous_aspiration_reveals_nothing_about_resident(db: Engine, fmt: str) -> None:
    with transaction(db) as s:
        resident = _resident("Rahasia Sekali", "telegram:987654")
        s.add(resident)
        s.flush()
        create_aspiration(
            session=s, new=_aspiration(resident_id=resident.id, anonymous=True), now=NOW
        )
    raw = _export(db, fmt)
    if fmt == "xlsx":
        cells = load_workbook(io.BytesIO(raw))["Aspirasi"].iter_rows(values_only=True)
        raw = repr(list(cells)).encode()
    assert b"Jalan berlubang" in raw
    for secret in (b"Rahasia", b"Sekali", b"987654", b"telegram:987654"):
        assert secret not in raw


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"since": date(2026, 11, 28)}, {"hidden", "named", "evening"}),
        ({"until": date(2026, 11, 27)}, {"older"}),
        (
            {"since": date(2026, 11, 28), "until": date(2026, 11, 28)},
            {"hidden", "named", "evening"},
        ),
        ({"since": date(2026, 11, 29)}, set()),
        ({"status": "selesai"}, {"older"}),
        ({"status": "Diverifikasi"}, {"named"}),
        ({"category": "kesehatan"}, {"hidden"}),
        ({"kecamatan": "siantar barat"}, {"named", "older"}),
        ({"kecamatan": "12.72.01"}, {"hidden"}),
        ({"kecamatan": "SIANTAR UTARA", "since": date(2026, 11, 28)}, {"evening"}),
    ],
)
def test_filters(db: Engine, filters: dict[str, Any], expected: set[str]) -> None:
    codes = _seed(db)
    names = {code: name for name, code in codes.items()}
    assert {names[row["code"]] for row in _json(db, **filters)} == expected
    assert len(_csv(db, **filters)) == len(expected) + 1


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"kecamatan": "Siantar Tengah"}, "unknown kecamatan"),
        ({"kecamatan": "12.72.99"}, "unknown kecamatan"),
        ({"status": "hilang"}, "unknown status"),
        ({"category": "olahraga"}, "unknown category"),
        ({"since": date(2026, 12, 2), "until": date(2026, 12, 1)}, "is after"),
    ],
)
def test_bad_filters_raise_one_line_error(
    db: Engine, filters: dict[str, Any], message: str
) -> None:
    with pytest.raises(ExportError, match=message) as error:
        _export(db, "json", **filters)
    assert "\n" not in str(error.value)


def test_unknown_format_is_an_error(db: Engine) -> None:
    with pytest.raises(ExportError, match="unknown export format"):
        _export(db, "pdf")


def test_empty_export_is_well_formed(db: Engine) -> None:
    assert json.loads(_export(db, "json")) == []
    assert _csv(db) == [FLAT]
    ws = _xlsx(db)
    assert list(ws.iter_rows(values_only=True)) == [tuple(exports.XLSX_HEADERS)]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:O1"
    out = io.BytesIO()
    assert export_aspirations(engine=db, fmt="csv", out=out) == 0


def test_streams_in_batches_with_one_history_query_per_batch(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = _seed(db)
    monkeypatch.setattr(exports, "BATCH_SIZE", 2)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db, "before_cursor_execute", record)
    try:
        out = io.BytesIO()
        assert export_aspirations(engine=db, fmt="json", out=out) == 4
    finally:
        event.remove(db, "before_cursor_execute", record)
    history_queries = [s for s in statements if "FROM aspiration_status_change" in s]
    assert len(history_queries) == 2
    rows = json.loads(out.getvalue())
    assert [r["code"] for r in rows] == [codes[k] for k in ("older", "hidden", "named", "evening")]
    assert [len(r["status_history"]) for r in rows] == [2, 1, 2, 1]
