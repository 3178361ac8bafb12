"""The three file formats, written as the rows stream in (constant memory).

CSV and XLSX take flat rows (one value per ``Layout.columns``), JSON takes one
dict per record; values are plain Python: str, int, float, bool, None, and
datetimes: aware ones (any zone) come out in WIB; a naive one is taken as WIB
wall-clock time already (what ``wib_wall`` gives), which only XLSX wants.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, BinaryIO

from storage.exports.base import Layout, wib_iso, wib_wall

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_DATE_FORMAT = "DD/MM/YYYY HH:MM"
CSV_CHUNK = 1000  # rows formatted together, then encoded and written in one go
BOM = "\ufeff"


def csv_cell(value: Any) -> Any:
    """One value as CSV text; a formula-like text is neutralised with a leading quote."""
    kind = type(value)
    if kind is str:
        # neutralised: a spreadsheet shows it as text, never runs it
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if value is None:
        return ""
    if kind is bool:
        return "true" if value else "false"
    if isinstance(value, datetime):
        return wib_iso(value)  # e.g. 2026-11-28T09:00:00+07:00
    return value  # numbers stay numbers, so -2.95 is not mistaken for a formula


def csv_text(value: str) -> str:
    """A text as one CSV field, in full: neutralised like ``csv_cell``, then quoted as
    RFC 4180 wants (as ``csv.writer`` does) when it holds a comma, quote, CR or LF."""
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    if '"' in value or "," in value or "\r" in value or "\n" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def write_csv_lines(layout: Layout, lines: Iterable[str], out: BinaryIO) -> int:
    """Like ``write_csv`` for rows already formatted as CSV lines (CRLF-terminated)."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(layout.columns)
    out.write((BOM + header.getvalue()).encode("utf-8"))
    count = 0
    lines = iter(lines)
    while chunk := list(islice(lines, CSV_CHUNK)):
        out.write("".join(chunk).encode("utf-8"))
        count += len(chunk)
    return count


def write_csv(layout: Layout, rows: Iterable[Sequence[Any]], out: BinaryIO) -> int:
    """UTF-8 with BOM, RFC 4180 (CRLF, minimal quoting), the field names as header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)  # spreadsheets then read the file as UTF-8
    writer.writerow(layout.columns)
    count = 0
    rows = iter(rows)
    while True:
        chunk = [[csv_cell(value) for value in row] for row in islice(rows, CSV_CHUNK)]
        writer.writerows(chunk)
        out.write(buffer.getvalue().encode("utf-8"))
        buffer.seek(0)
        buffer.truncate()
        count += len(chunk)
        if len(chunk) < CSV_CHUNK:
            return count


def write_xlsx(layout: Layout, rows: Iterable[Sequence[Any]], out: BinaryIO) -> int:
    """One sheet: Indonesian headers, header row frozen, autofilter, readable WIB dates.

    openpyxl's write-only mode: rows go to a temporary file as they come.
    """
    from openpyxl import Workbook  # imported here: CSV and JSON exports do without it
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(layout.sheet)
    ws.freeze_panes = "A2"
    for index, width in enumerate(layout.widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.append(list(layout.headers))
    illegal = ILLEGAL_CHARACTERS_RE.sub

    def cell(value: Any) -> Any:
        kind = type(value)
        if kind is str:
            value = illegal("", value)  # control characters XML cannot hold
            if value.startswith("=") or value in ERROR_CODES:
                text = WriteOnlyCell(ws, value=value)
                text.data_type = "s"  # plain text, never a formula nor an error value
                return text
            return value  # openpyxl keeps any other text as text
        if kind is bool:
            return "Ya" if value else "Tidak"
        if isinstance(value, datetime):
            wall = wib_wall(value) if value.tzinfo else value  # readable: WIB wall-clock
            moment = WriteOnlyCell(ws, value=wall)
            moment.number_format = XLSX_DATE_FORMAT
            return moment
        return value

    count = 0
    for row in rows:
        ws.append([cell(value) for value in row])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(layout.headers))}{count + 1}"
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        workbook.save(spool)  # zip needs a seekable file; out may be a pipe
        spool.seek(0)
        shutil.copyfileobj(spool, out)
    return count


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return wib_iso(value)
    raise TypeError(f"cannot export {type(value).__name__} to JSON")


def write_json(records: Iterable[Mapping[str, Any]], out: BinaryIO) -> int:
    """An array of objects, one per line; datetimes as ISO 8601 with offset."""
    encode = json.JSONEncoder(ensure_ascii=False, default=_json_value).encode
    count = 0
    out.write(b"[")
    for record in records:
        out.write((",\n" if count else "\n").encode() + encode(record).encode("utf-8"))
        count += 1
    out.write(b"\n]\n" if count else b"]\n")
    return count
