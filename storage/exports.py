"""Aspiration export to CSV, XLSX or JSON (DESIGN.md section 5, "Aspiration export").

Rows are streamed from the database in batches, with each batch's status history
fetched in one query, so memory stays constant whatever the number of aspirations.
An anonymous aspiration never carries anything about its resident: the name is
only selected (in SQL) when ``anonymous`` is false, and the identity never is.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, BinaryIO, Literal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from sqlalchemy import Connection, Engine, Select, case, false, select
from sqlmodel import col

from storage.models import (
    ASPIRATION_STATUSES,
    CATEGORY_KEYS,
    Aspiration,
    AspirationStatusChange,
    Resident,
)
from storage.wilayah import load_wilayah

# Waktu Indonesia Barat: UTC+7 all year (no DST since 1964), so a fixed offset is exact.
WIB = timezone(timedelta(hours=7), "WIB")
BATCH_SIZE = 500  # rows per fetch; also the size of each history query's IN list

ASPIRATION_FIELDS: tuple[str, ...] = (
    "code", "status", "category", "kecamatan", "kelurahan", "text", "language", "channel",
    "anonymous", "resident_name", "created_at", "updated_at", "latitude", "longitude",
    "has_photo", "status_history",
)  # fmt: skip
FLAT_FIELDS: tuple[str, ...] = ASPIRATION_FIELDS[:-1]  # CSV/XLSX: no status_history
XLSX_HEADERS: tuple[str, ...] = (
    "Kode", "Status", "Kategori", "Kecamatan", "Kelurahan", "Isi aspirasi", "Bahasa", "Kanal",
    "Anonim", "Nama warga", "Dibuat", "Diperbarui", "Lintang", "Bujur", "Ada foto",
)  # fmt: skip
XLSX_WIDTHS: tuple[int, ...] = (12, 13, 14, 18, 20, 60, 8, 10, 8, 24, 17, 17, 11, 11, 9)
XLSX_DATE_FORMAT = "DD/MM/YYYY HH:MM"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ASPIRATION_COLUMNS = (
    "id", "code", "status", "category", "kecamatan_code", "kelurahan_code", "text", "language",
    "channel", "anonymous", "created_at", "updated_at", "latitude", "longitude", "photo_path",
)  # fmt: skip


class ExportError(Exception):
    """A filter that cannot be applied; the message is one line for the operator."""


@dataclass(frozen=True)
class AspirationFilter:
    """``since``/``until`` are inclusive calendar days in WIB; None means no limit."""

    since: date | None = None
    until: date | None = None
    status: str | None = None
    category: str | None = None
    kecamatan: str | None = None  # code (``12.72.02``) or official name, any case


def export_aspirations(
    *,
    engine: Engine,
    fmt: Literal["csv", "xlsx", "json"],
    out: BinaryIO,
    filters: AspirationFilter = AspirationFilter(),  # noqa: B008 - frozen, so shared safely
) -> int:
    """Write the aspirations matching ``filters`` to ``out`` as ``fmt``; return the count."""
    writers = {"csv": _write_csv, "xlsx": _write_xlsx, "json": _write_json}
    if fmt not in writers:
        raise ExportError(f"unknown export format {fmt!r}: use csv, xlsx or json")
    query = _query(filters)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # one snapshot for rows and histories
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        return writers[fmt](_records(connection, query), out)


def _query(filters: AspirationFilter) -> Select[Any]:
    # The name leaves the database only for non-anonymous rows; the identity never does.
    resident_name = case((col(Aspiration.anonymous) == false(), col(Resident.display_name)))
    columns = [col(getattr(Aspiration, name)) for name in _ASPIRATION_COLUMNS]
    query = (
        select(*columns, resident_name.label("resident_name"))
        .outerjoin(Resident, col(Resident.id) == col(Aspiration.resident_id))
        .order_by(col(Aspiration.created_at), col(Aspiration.id))
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise ExportError(f"--since {filters.since} is after --until {filters.until}")
    if filters.since:
        query = query.where(col(Aspiration.created_at) >= _wib_midnight(filters.since))
    if filters.until:
        until = _wib_midnight(filters.until + timedelta(days=1))
        query = query.where(col(Aspiration.created_at) < until)
    if filters.status:
        status = _one_of(filters.status, ASPIRATION_STATUSES, "status")
        query = query.where(col(Aspiration.status) == status)
    if filters.category:
        category = _one_of(filters.category, CATEGORY_KEYS, "category")
        query = query.where(col(Aspiration.category) == category)
    if filters.kecamatan:
        query = query.where(col(Aspiration.kecamatan_code) == _kecamatan_code(filters.kecamatan))
    return query


def _wib_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=WIB)


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    wanted = value.strip().lower()
    if wanted not in allowed:
        raise ExportError(f"unknown {what} {value!r}: expected one of {', '.join(allowed)}")
    return wanted


def _kecamatan_code(value: str) -> str:
    wanted = " ".join(value.split()).casefold()
    for kecamatan in load_wilayah().kecamatan:
        if wanted in (kecamatan.code.casefold(), kecamatan.name.casefold()):
            return kecamatan.code
    known = ", ".join(k.name for k in load_wilayah().kecamatan)
    raise ExportError(f"unknown kecamatan {value!r}: use a code like 12.72.02 or one of {known}")


def _records(connection: Connection, query: Select[Any]) -> Iterator[dict[str, Any]]:
    """Each aspiration as a dict keyed by ASPIRATION_FIELDS; datetimes aware, in WIB."""
    wilayah = load_wilayah()
    result = connection.execute(query, execution_options={"yield_per": BATCH_SIZE})
    for batch in result.mappings().partitions():
        histories = _histories(connection, [row["id"] for row in batch])
        for row in batch:
            kecamatan = wilayah.find_kecamatan(row["kecamatan_code"])
            kelurahan = wilayah.find_kelurahan(row["kelurahan_code"])
            yield {
                **{key: row[key] for key in ("code", "status", "category")},
                "kecamatan": kecamatan.name if kecamatan else row["kecamatan_code"],
                "kelurahan": kelurahan.name if kelurahan else row["kelurahan_code"],
                **{key: row[key] for key in ("text", "language", "channel")},
                "anonymous": bool(row["anonymous"]),
                "resident_name": None if row["anonymous"] else row["resident_name"],
                "created_at": row["created_at"].astimezone(WIB),
                "updated_at": row["updated_at"].astimezone(WIB),
                "latitude": row["latitude"],
                "longitude": row["longitude"],
                "has_photo": bool(row["photo_path"]),
                "status_history": histories.get(row["id"], []),
            }


def _histories(connection: Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    change = AspirationStatusChange
    rows = connection.execute(
        select(col(change.aspiration_id), col(change.status), col(change.at), col(change.note))
        .where(col(change.aspiration_id).in_(ids))
        .order_by(col(change.aspiration_id), col(change.at), col(change.id))
    )
    histories: dict[int, list[dict[str, Any]]] = {}
    for aspiration_id, status, at, note in rows:
        entry = {"status": status, "at": at.astimezone(WIB), "note": note}
        histories.setdefault(aspiration_id, []).append(entry)
    return histories


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")  # e.g. 2026-11-28T09:00:00+07:00


def _write_json(records: Iterator[dict[str, Any]], out: BinaryIO) -> int:
    count = 0
    out.write(b"[")
    for record in records:
        record["created_at"] = _iso(record["created_at"])
        record["updated_at"] = _iso(record["updated_at"])
        record["status_history"] = [{**h, "at": _iso(h["at"])} for h in record["status_history"]]
        text = json.dumps(record, ensure_ascii=False)
        out.write(("\n" if count == 0 else ",\n").encode() + text.encode("utf-8"))
        count += 1
    out.write(b"\n]\n" if count else b"]\n")
    return count


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value  # neutralised: a spreadsheet shows it as text, never runs it
    return value  # numbers stay numbers, so -2.95 is not mistaken for a formula


def _write_csv(records: Iterator[dict[str, Any]], out: BinaryIO) -> int:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180, minimal quoting

    def emit(row: list[Any]) -> None:
        writer.writerow(row)
        out.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()

    out.write("\ufeff".encode())  # BOM: spreadsheets then read the file as UTF-8
    emit(list(FLAT_FIELDS))
    count = 0
    for record in records:
        emit([_csv_cell(record[field]) for field in FLAT_FIELDS])
        count += 1
    return count


def _xlsx_cell(ws: Any, value: Any) -> Any:
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=value.replace(tzinfo=None))  # wall-clock WIB
        cell.number_format = XLSX_DATE_FORMAT
        return cell
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # plain text, even when it begins with "=": never a formula
        return cell
    return value


def _write_xlsx(records: Iterator[dict[str, Any]], out: BinaryIO) -> int:
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet("Aspirasi")
    ws.freeze_panes = "A2"
    for index, width in enumerate(XLSX_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.append(list(XLSX_HEADERS))
    count = 0
    for record in records:
        ws.append([_xlsx_cell(ws, record[field]) for field in FLAT_FIELDS])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(XLSX_HEADERS))}{count + 1}"
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        workbook.save(spool)  # zip needs a seekable file; out may be a pipe
        spool.seek(0)
        shutil.copyfileobj(spool, out)
    return count
