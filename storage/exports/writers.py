"""One streaming writer per format, for any data set (constant memory).

CSV and XLSX take flat rows, one value per ``Layout.flat`` column; JSON takes
one dict per record (``json_records`` makes them from flat rows). Each column's
type says how its values come out (see ``Column``); values are plain Python:
str, int, float, bool, None, and times: a stored time is an aware datetime or,
as SQLite gives it when read as text, the naive UTC text; both come out in WIB.

The CSV writer does not hand the rows to ``csv.writer``: each column gets its
own small formatter and a line is their values joined, which is what
``csv.writer`` gives for ``csv_cell`` of each value (a test holds them equal)
in about half the time. ``csv_text`` only runs for the rare text that starts
with a formula character or needs quoting, and a ``label`` column's values are
formatted once each.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import islice
from operator import call
from typing import Any, BinaryIO

from storage.exports.base import Column, Layout, wib_iso, wib_wall

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


def _csv_formatters(columns: Sequence[Column]) -> list[Callable[[Any], str]]:
    """One function per column giving its value as a CSV field."""
    danger, fix, iso = FORMULA_PREFIXES, csv_text, wib_iso

    def text(value: Any) -> str:
        if type(value) is str:
            if value.startswith(danger) or "," in value or '"' in value or "\n" in value:
                return fix(value)
            return value if "\r" not in value else fix(value)
        cell = csv_cell(value)  # None, a bool, a time or a number: never quoted
        return cell if type(cell) is str else str(cell)

    class Labels(dict[Any, str]):
        """Each distinct label formatted once: a hit is a plain dict lookup."""

        def __missing__(self, value: Any) -> str:
            if len(self) > 10_000:  # not a small vocabulary after all: stay bounded
                self.clear()
            ready = self[value] = text(value)
            return ready

    def number(value: Any) -> str:
        return "" if value is None else text(value) if type(value) is str else str(value)

    def boolean(value: Any) -> str:
        return "" if value is None else "true" if value else "false"

    def time(value: Any) -> str:
        return "" if value is None else iso(value)  # e.g. 2026-11-28T09:00:00+07:00

    by_type = {"text": text, "number": number, "bool": boolean, "time": time}
    return [
        Labels().__getitem__ if column.type == "label" else by_type[column.type]
        for column in columns
    ]


def write_csv(layout: Layout, rows: Iterable[Sequence[Any]], out: BinaryIO) -> int:
    """UTF-8 with BOM, RFC 4180 (CRLF, minimal quoting), the field names as header."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(layout.keys)
    out.write((BOM + header.getvalue()).encode("utf-8"))  # spreadsheets then read UTF-8
    formatters = _csv_formatters(layout.flat)
    count = 0
    rows = iter(rows)
    while chunk := list(islice(rows, CSV_CHUNK)):
        lines = [",".join(map(call, formatters, row)) for row in chunk]  # formatter(value)
        out.write(("\r\n".join(lines) + "\r\n").encode("utf-8"))
        count += len(chunk)
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

    def time(value: Any) -> Any:
        """A stored time (text on SQLite) as a WIB date cell."""
        return cell(wib_wall(value)) if type(value) is str else cell(value)

    def maker(column: Column) -> Callable[[Any], Any]:
        if column.type == "time":
            return time
        return _in_words(column.words, cell) if column.words else cell

    cells = [maker(column) for column in layout.flat]
    count = 0
    for row in rows:
        ws.append([make(value) for make, value in zip(cells, row, strict=True)])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(layout.headers))}{count + 1}"
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as spool:
        workbook.save(spool)  # zip needs a seekable file; out may be a pipe
        spool.seek(0)
        shutil.copyfileobj(spool, out)
    return count


def _in_words(prefix: str, cell: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A key as staff read it: the Indonesian catalog's ``prefix + key``, looked up
    once per key; a key the catalog lacks stays as it is."""
    from bot.i18n import load_catalog  # the catalogs; imported here, as openpyxl is

    catalog = load_catalog("id")
    said: dict[Any, Any] = {}

    def words(value: Any) -> Any:
        if value not in said:
            text = catalog.get(f"{prefix}{value}") if isinstance(value, str) else None
            said[value] = value if text is None else text
        return cell(said[value])

    return words


def json_records(layout: Layout, rows: Iterable[Sequence[Any]]) -> Iterator[dict[str, Any]]:
    """Each flat row as a dict keyed by ``Layout.keys``, times as ISO 8601 in WIB."""
    keys = layout.keys
    times = [i for i, column in enumerate(layout.flat) if column.type == "time"]
    for row in rows:
        if times:
            row = list(row)
            for i in times:
                row[i] = None if row[i] is None else wib_iso(row[i])
        yield dict(zip(keys, row, strict=True))


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
