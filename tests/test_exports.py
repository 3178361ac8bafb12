"""Exports: CSV, XLSX and JSON against the contract, on both backends.

Aspirations round-trip through each format (the XLSX read back with openpyxl, the
CSV with csv, the JSON with json) and are compared with the database; training
registrations and forum RSVPs, whose tables do not exist yet, export an empty,
well-formed file; ``export()`` dispatches on the kind and reports progress.
"""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from conftest import NOW
from openpyxl import load_workbook
from sqlalchemy import Engine, event
from sqlmodel import select

from bot.i18n import load_catalog
from storage import exports
from storage.aspirations import NewAspiration, create_aspiration
from storage.db import transaction
from storage.exports import (
    ASPIRATION_FIELDS,
    REGISTRATION_FIELDS,
    RSVP_FIELDS,
    AspirationFilter,
    ExportError,
    ExportFilter,
    base,
    export,
    export_aspirations,
    export_registrations,
    export_rsvps,
    terminal_progress,
    writers,
)
from storage.exports import aspirations as aspiration_export
from storage.models import Aspiration, AspirationStatusChange, Resident

FLAT = [f for f in ASPIRATION_FIELDS if f != "status_history"]
FORMULA = '=HYPERLINK("http://x")'
BOM = b"\xef\xbb\xbf"
RATINGS = aspiration_export.has_ratings()
RATING_COMMENT = 'Lampu menyala lagi, "mantap"'
needs_ratings = pytest.mark.skipif(not RATINGS, reason="the Aspiration model has no ratings yet")
# Texts that make CSV quoting and neutralising work: every dangerous first character,
# separators, quotes, line breaks, an error-like value, control and non-ASCII characters.
TRICKY = [
    "=1+1", "+62 812", "-rusak", "@SUM(A1)", "\tx", "\rx", "koma, di tengah", 'kutip "dua"',
    "baris\nbaru", "CR\rLF\r\n", '"', ",", "#N/A", "  spasi  ", "Jalan -rusak",
    "emoji 🙏 dan é", "kontrol\x01\x1f", "'sudah dikutip", "a;b|c",
]  # fmt: skip


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
        if RATINGS:  # the resident's evaluation, once selesai
            older.rating, older.rating_comment, older.rated_at = 4, RATING_COMMENT, NOW
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
        "rating": None,
        "rating_comment": None,
        "duplicate_of": None,
        "opd": None,
        "verify_due_at": "2026-12-02T23:59:59+07:00",  # 3 working days after Saturday
        "response_due_at": None,
        "completion_due_at": None,
        "breached": None,
        "tunda_count": 0,
        "has_voice": False,
    }
    if RATINGS:
        assert (rows[0]["rating"], rows[0]["rating_comment"]) == (4, RATING_COMMENT)
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
        assert row["category"] == aspiration.category and row["channel"] == aspiration.channel
        assert (row["latitude"], row["longitude"]) == (aspiration.latitude, aspiration.longitude)
        assert row["has_photo"] is bool(aspiration.photo_path)
        assert datetime.fromisoformat(row["created_at"]) == aspiration.created_at
        assert datetime.fromisoformat(row["updated_at"]) == aspiration.updated_at
        if RATINGS:
            assert row["rating"] == aspiration.rating  # type: ignore[attr-defined]
            assert row["rating_comment"] == aspiration.rating_comment  # type: ignore[attr-defined]
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
    older = by_code[codes["older"]]
    assert older["text"] == "'+62 812 lampu mati"
    if RATINGS:
        assert (older["rating"], older["rating_comment"]) == ("4", RATING_COMMENT)
    assert (named["rating"], named["rating_comment"]) == ("", "")
    with transaction(db) as s:
        stored = {a.code: a for a in s.exec(select(Aspiration)).all()}
    for code, row in by_code.items():
        aspiration = stored[code]
        assert row["status"] == aspiration.status and row["category"] == aspiration.category
        assert datetime.fromisoformat(row["updated_at"]) == aspiration.updated_at
        assert row["text"].removeprefix("'") == aspiration.text


def test_csv_neutralises_every_dangerous_prefix() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert writers.csv_cell(text) == "'" + text
        assert writers.csv_text(text).strip('"') == "'" + text
    assert writers.csv_cell(-2.95) == -2.95
    assert writers.csv_cell("Jalan -rusak") == "Jalan -rusak"


def test_xlsx_layout_and_values(db: Engine) -> None:
    codes = _seed(db)
    ws = _xlsx(db)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:Y5"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == tuple(exports.XLSX_HEADERS)
    assert rows[0][:3] == ("Kode", "Status", "Kategori")
    assert rows[0][15:18] == ("Nilai warga", "Komentar warga", "Duplikat dari")
    assert rows[0][18:] == (
        "Unit (OPD)",
        "Batas verifikasi",
        "Batas tanggapan unit",
        "Batas penyelesaian",
        "Tahap terlambat",
        "Jumlah tunda",
        "Ada pesan suara",
    )
    by_code = {row[0]: row for row in rows[1:]}
    named = dict(zip(FLAT, by_code[codes["named"]], strict=True))
    assert named["created_at"] == datetime(2026, 11, 28, 9, 0)
    assert named["updated_at"] == datetime(2026, 11, 28, 10, 0)
    assert (named["anonymous"], named["has_photo"]) == ("Tidak", "Ya")
    # status and category in words; CSV and JSON keep the keys (test_csv_…, test_json_…)
    assert (named["status"], named["category"]) == (
        "Diverifikasi",
        "Infrastruktur (jalan, jembatan, drainase)",
    )
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
    assert ws.column_dimensions["R"].width == exports.XLSX_WIDTHS[17]
    older = dict(zip(FLAT, by_code[codes["older"]], strict=True))
    assert older["text"] == "+62 812 lampu mati"  # text, as typed: XLSX needs no quote
    if RATINGS:
        assert (older["rating"], older["rating_comment"]) == (4, RATING_COMMENT)
    assert (named["rating"], named["rating_comment"]) == (None, None)
    with transaction(db) as s:
        stored = {a.code: a for a in s.exec(select(Aspiration)).all()}
    wib = timedelta(hours=7)
    for code, row in by_code.items():
        cells, aspiration = dict(zip(FLAT, row, strict=True)), stored[code]
        status = load_catalog("id")[f"status.{aspiration.status}"]  # in words, for staff
        assert (cells["status"], cells["text"]) == (status, aspiration.text)
        assert cells["created_at"] == (aspiration.created_at + wib).replace(tzinfo=None)
        assert cells["updated_at"] == (aspiration.updated_at + wib).replace(tzinfo=None)


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
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:Y1"
    out = io.BytesIO()
    assert export_aspirations(engine=db, fmt="csv", out=out) == 0


def test_streams_in_batches_with_one_history_query_per_batch(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    codes = _seed(db)
    monkeypatch.setattr(aspiration_export, "BATCH_SIZE", 2)
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


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_flat_formats_need_no_history_query(db: Engine, fmt: str) -> None:
    _seed(db)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db, "before_cursor_execute", record)
    try:
        assert export_aspirations(engine=db, fmt=fmt, out=io.BytesIO()) == 4  # type: ignore[arg-type]
    finally:
        event.remove(db, "before_cursor_execute", record)
    assert not [s for s in statements if "aspiration_status_change" in s]
    assert not [s for s in statements if "count(" in s.lower()]  # no progress, no COUNT


# --- tricky texts: the CSV fast path, XLSX text cells ------------------------------


def _seed_tricky(db: Engine) -> list[str]:
    """One aspiration per TRICKY text (as its text, its resident's name and its rating
    comment), plus one whose vocabulary columns are odd too; returns their codes."""
    codes = []
    with transaction(db) as s:
        for i, text in enumerate(TRICKY):
            resident = _resident(text, f"telegram:{5000 + i}")
            s.add(resident)
            s.flush()
            aspiration = create_aspiration(
                session=s,
                new=_aspiration(
                    resident_id=resident.id,
                    text=text,
                    anonymous=i % 4 == 3,
                    latitude=-2.95 + i / 1000 if i % 2 else None,
                    longitude=99.06 if i % 2 else None,
                ),
                now=NOW + timedelta(minutes=i),
            )
            if RATINGS:
                aspiration.rating, aspiration.rating_comment = i % 5 + 1, text
            codes.append(aspiration.code)
        odd = create_aspiration(
            session=s,
            new=_aspiration(
                category="olahraga, seni",  # from a configuration, say
                kecamatan_code="=12.72.99",
                kelurahan_code="+12.72.99.1",
                language="-",
                channel="@bot",
            ),
            now=NOW + timedelta(hours=5),
        )
        codes.append(odd.code)
    return codes


def test_csv_text_is_what_csv_writer_writes() -> None:
    for text in [*TRICKY, "", "biasa", "'"]:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow([writers.csv_cell(text), "x"])
        assert writers.csv_text(text) + ",x\r\n" == buffer.getvalue(), repr(text)


def test_csv_fast_path_is_byte_for_byte_csv_writer(db: Engine) -> None:
    codes = _seed_tricky(db)
    _seed(db)
    fast = _export(db, "csv")
    query = aspiration_export._query(AspirationFilter())
    reference = io.BytesIO()
    with db.connect() as connection:
        rows = (row for _id, row in aspiration_export._rows(connection, query, base.wib_iso))
        assert writers.write_csv(aspiration_export.LAYOUT, rows, reference) == len(codes) + 4
    assert fast == reference.getvalue()
    header, *rows_read = _csv(db)
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows_read}
    for code, text in zip(codes, TRICKY, strict=False):
        row = by_code[code]
        neutral = "'" + text if text.startswith(writers.FORMULA_PREFIXES) else text
        assert row["text"] == neutral
        assert row["resident_name"] in ("", neutral)
        assert row["rating_comment"] == (neutral if RATINGS else "")
    odd = by_code[codes[-1]]
    assert (odd["category"], odd["language"], odd["channel"]) == ("olahraga, seni", "'-", "'@bot")
    assert (odd["kecamatan"], odd["kelurahan"]) == ("'=12.72.99", "'+12.72.99.1")


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def test_xlsx_keeps_every_text_as_text(db: Engine) -> None:
    codes = _seed_tricky(db)
    ws = _xlsx(db)
    text_col = FLAT.index("text") + 1
    cells = {
        ws.cell(row=r, column=1).value: ws.cell(row=r, column=text_col)
        for r in range(2, ws.max_row + 1)
    }
    for code, text in zip(codes, TRICKY, strict=False):
        cell = cells[code]
        assert cell.data_type == "s", repr(text)  # never a formula ("f") nor an error ("e")
        kept = "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)  # control: gone
        assert _lf(cell.value) == _lf(kept)  # XML may read a CR back as a LF
    odd_row = next(
        r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value == codes[-1]
    )
    kecamatan = ws.cell(row=odd_row, column=FLAT.index("kecamatan") + 1)
    assert (kecamatan.value, kecamatan.data_type) == ("=12.72.99", "s")


# --- training registrations and forum RSVPs: no data yet --------------------------

REGISTRATION_HEADERS = (
    "ID pendaftaran", "ID program", "Program", "Status", "Nomor antrean", "Waktu daftar",
    "Nama warga", "Nomor HP", "Kelurahan", "Jenis usaha", "Hadir",
)  # fmt: skip
RSVP_HEADERS = (
    "Forum", "Jenis forum", "Waktu forum", "Jawaban", "Waktu jawab", "Nama warga",
    "Kecamatan", "Kelurahan",
)  # fmt: skip
ACTIVITIES = [
    ("registrations", export_registrations, REGISTRATION_FIELDS, "Pendaftaran",
     REGISTRATION_HEADERS),
    ("rsvps", export_rsvps, RSVP_FIELDS, "Kehadiran Forum", RSVP_HEADERS),
]  # fmt: skip


def test_activity_fields_are_the_contract() -> None:
    assert REGISTRATION_FIELDS == (
        "registration_id", "program_id", "program", "status", "waitlist_position",
        "registered_at", "resident_name", "phone", "kelurahan", "business_type", "attended",
    )  # fmt: skip
    assert RSVP_FIELDS == (
        "forum", "forum_type", "forum_at", "answer", "answered_at", "resident_name",
        "kecamatan", "kelurahan",
    )  # fmt: skip
    assert exports.REGISTRATION_STATUSES == ("registered", "waitlisted", "cancelled", "attended")


@pytest.mark.parametrize(("kind", "function", "fields", "sheet", "headers"), ACTIVITIES)
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_activity_exports_are_empty_and_well_formed(
    db: Engine, fmt: str, kind: str, function: Any, fields: Any, sheet: str, headers: Any
) -> None:
    _seed(db)  # aspirations must not leak into other kinds
    out = io.BytesIO()
    assert export(kind, engine=db, fmt=fmt, out=out) == 0  # type: ignore[arg-type]
    raw = out.getvalue()
    if fmt == "json":
        assert raw == b"[]\n" and json.loads(raw) == []
    elif fmt == "csv":
        assert raw == BOM + ",".join(fields).encode() + b"\r\n"
        text = raw[len(BOM) :].decode("utf-8")
        assert list(csv.reader(io.StringIO(text, newline=""))) == [list(fields)]
    else:
        workbook = load_workbook(io.BytesIO(raw))
        assert workbook.sheetnames == [sheet]
        ws = workbook[sheet]
        assert list(ws.iter_rows(values_only=True)) == [headers]
        assert ws.freeze_panes == "A2"
        last = chr(ord("A") + len(headers) - 1)
        assert ws.auto_filter.ref == f"A1:{last}1"
        assert all(ws.column_dimensions[chr(ord("A") + i)].width > 5 for i in range(len(headers)))
    direct = io.BytesIO()
    assert function(engine=db, fmt=fmt, out=direct) == 0
    if fmt != "xlsx":  # a zip carries its time of writing
        assert direct.getvalue() == raw


@pytest.mark.parametrize(
    ("kind", "filters", "message"),
    [
        ("registrations", {"status": "hilang"}, "unknown status"),
        ("registrations", {"category": "ekonomi"}, "--category does not apply to registrations"),
        ("registrations", {"kecamatan": "Siantar Tengah"}, "unknown kecamatan"),
        ("registrations", {"since": date(2026, 12, 2), "until": date(2026, 12, 1)}, "is after"),
        ("rsvps", {"status": "registered"}, "--status does not apply to rsvps"),
        ("rsvps", {"category": "ekonomi"}, "--category does not apply to rsvps"),
        ("rsvps", {"kecamatan": "12.72.99"}, "unknown kecamatan"),
        ("rsvps", {"since": date(2026, 12, 2), "until": date(2026, 12, 1)}, "is after"),
        ("aspirations", {"status": "registered"}, "unknown status"),
    ],
)
def test_bad_filters_of_every_kind_fail_before_writing(
    db: Engine, kind: str, filters: dict[str, Any], message: str
) -> None:
    out = io.BytesIO()
    with pytest.raises(ExportError, match=message) as error:
        export(kind, engine=db, fmt="csv", out=out, filters=ExportFilter(**filters))
    assert "\n" not in str(error.value) and out.getvalue() == b""


@pytest.mark.parametrize(
    ("kind", "filters"),
    [
        ("registrations", {"status": "Waitlisted", "kecamatan": "siantar barat"}),
        ("registrations", {"since": date(2026, 11, 1), "until": date(2026, 11, 30)}),
        ("rsvps", {"kecamatan": "12.72.01", "since": date(2026, 11, 1)}),
    ],
)
def test_good_activity_filters_are_accepted(db: Engine, kind: str, filters: dict[str, Any]) -> None:
    out = io.BytesIO()
    assert export(kind, engine=db, fmt="json", out=out, filters=ExportFilter(**filters)) == 0
    assert json.loads(out.getvalue()) == []


# --- export(): dispatch and progress -------------------------------------------------


def test_export_dispatches_on_kind(db: Engine) -> None:
    _seed(db)
    assert ExportFilter is AspirationFilter
    assert exports.EXPORT_KINDS == ("aspirations", "registrations", "rsvps")
    for fmt in ("csv", "json"):
        out = io.BytesIO()
        assert export("aspirations", engine=db, fmt=fmt, out=out) == 4  # type: ignore[arg-type]
        assert out.getvalue() == _export(db, fmt)
    out = io.BytesIO()
    filters = ExportFilter(status="selesai")
    assert export("aspirations", engine=db, fmt="json", out=out, filters=filters) == 1
    with pytest.raises(ExportError, match="unknown export kind 'trainings'"):
        export("trainings", engine=db, fmt="csv", out=io.BytesIO())
    for kind in exports.EXPORT_KINDS:
        with pytest.raises(ExportError, match="unknown export format"):
            export(kind, engine=db, fmt="pdf", out=io.BytesIO())  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_progress_reports_growing_counts_and_the_filtered_total(
    db: Engine, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(db)
    monkeypatch.setattr(base, "PROGRESS_EVERY", 2)
    calls: list[tuple[int, int]] = []

    def run(**filters: Any) -> int:
        calls.clear()
        out = io.BytesIO()
        return export(
            "aspirations",
            engine=db,
            fmt=fmt,  # type: ignore[arg-type]
            out=out,
            filters=AspirationFilter(**filters),
            progress=lambda done, total: calls.append((done, total)),
        )

    assert run() == 4 and calls == [(2, 4), (4, 4)]  # the end is not reported twice
    assert run(since=date(2026, 11, 28)) == 3 and calls == [(2, 3), (3, 3)]
    assert run(status="selesai") == 1 and calls == [(1, 1)]
    assert run(since=date(2026, 11, 29)) == 0 and calls == [(0, 0)]
    for kind in ("registrations", "rsvps"):
        calls.clear()
        progress = lambda done, total: calls.append((done, total))  # noqa: E731
        export(kind, engine=db, fmt=fmt, out=io.BytesIO(), progress=progress)  # type: ignore[arg-type]
        assert calls == [(0, 0)]


def test_progress_every_thousand_rows_on_a_bigger_export(db: Engine) -> None:
    from sqlalchemy import insert

    rows = 2345
    with db.begin() as connection:
        connection.execute(
            insert(Aspiration.__table__),  # type: ignore[attr-defined]
            [
                {
                    "code": f"ASP-{i:06d}",
                    "channel": "telegram",
                    "category": "lainnya",
                    "kecamatan_code": "12.72.02",
                    "kelurahan_code": "12.72.02.1001",
                    "text": f"Aspirasi nomor {i}, isi bebas",
                    "language": "id",
                    "anonymous": i % 2 == 0,
                    "status": "diterima",
                    "created_at": NOW + timedelta(seconds=i),
                    "updated_at": NOW + timedelta(seconds=i),
                }
                for i in range(rows)
            ],
        )
    calls: list[tuple[int, int]] = []
    for fmt in ("csv", "json"):
        calls.clear()
        out = io.BytesIO()
        progress = lambda done, total: calls.append((done, total))  # noqa: E731
        written = export("aspirations", engine=db, fmt=fmt, out=out, progress=progress)  # type: ignore[arg-type]
        assert written == rows
        assert calls == [(1000, rows), (2000, rows), (rows, rows)]
    assert len(_csv(db)) == rows + 1
    records = _json(db)
    assert [r["code"] for r in records] == [f"ASP-{i:06d}" for i in range(rows)]
    assert (
        records[-1]["created_at"]
        == (NOW + timedelta(seconds=rows - 1)).astimezone(exports.WIB).isoformat()
    )


def test_terminal_progress_draws_one_line() -> None:
    stream = io.StringIO()
    draw = terminal_progress(stream)
    draw(45_000, 100_000)
    assert stream.getvalue() == "\rMengekspor   45.000/100.000 [#########...........]  45%"
    draw(100_000, 100_000)
    assert stream.getvalue().endswith("\rMengekspor  100.000/100.000 [####################] 100%\n")
    size = len(stream.getvalue())
    draw(100_000, 100_000)  # finished: nothing more
    assert len(stream.getvalue()) == size
    empty = io.StringIO()
    terminal_progress(empty)(0, 0)
    assert empty.getvalue() == "\rMengekspor  0/0 [####################] 100%\n"


def test_terminal_progress_through_an_export(db: Engine) -> None:
    _seed(db)
    stream = io.StringIO()
    progress = terminal_progress(stream)
    export("aspirations", engine=db, fmt="csv", out=io.BytesIO(), progress=progress)
    assert stream.getvalue() == "\rMengekspor  4/4 [####################] 100%\n"


# --- times ----------------------------------------------------------------------------


def test_wib_iso_of_stored_text_equals_that_of_the_datetime() -> None:
    rng = random.Random(5)
    moments = [datetime(2027, 12, 31, 17, 0, tzinfo=UTC), datetime(2028, 2, 28, 20, 0, tzinfo=UTC)]
    moments += [
        datetime(2020, 1, 1, tzinfo=UTC)
        + timedelta(seconds=rng.randrange(10 * 365 * 86400), microseconds=rng.randrange(10**6))
        for _ in range(2000)
    ]
    for moment in moments:
        expected = moment.astimezone(exports.WIB).isoformat(timespec="seconds")
        stored = moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        assert base.wib_iso(stored) == expected == base.wib_iso(moment)
        assert base.wib_iso(stored[:19]) == expected
        assert base.wib_wall(stored) == moment.astimezone(exports.WIB).replace(tzinfo=None)
    assert base.wib_iso("2027-12-31 17:00:00.000000") == "2028-01-01T00:00:00+07:00"
    assert base.wib_iso("2028-02-28 20:00:00.5") == "2028-02-29T03:00:00+07:00"
    assert base.wib_iso("2026-11-27 17:00:00+02:00") == "2026-11-27T22:00:00+07:00"


def test_sqlite_stores_times_as_the_text_wib_iso_reads_fast(db: Engine) -> None:
    if db.dialect.name != "sqlite":
        pytest.skip("SQLite's storage format only")
    _seed(db)
    with db.connect() as connection:
        stored = connection.exec_driver_sql("SELECT created_at FROM aspiration").scalars().all()
    assert stored and all(len(text) == 26 and text[10:20:3] == " ::." for text in stored)
