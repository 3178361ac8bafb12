"""The one writer per format takes any data set: checked on a layout with a column
of every type, apart from the database (the data sets themselves are covered by
test_export_golden.py and the kinds' own test modules)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from storage.exports import DATA_SETS, WIB, Column, Layout
from storage.exports.writers import csv_cell, json_records, write_csv, write_json, write_xlsx

LAYOUT = Layout(
    kind="sample",
    sheet="Contoh",
    columns=(
        Column("text", "Teks", 20),
        Column("label", "Label", 10, "label"),
        Column("number", "Angka", 8, "number"),
        Column("flag", "Tanda", 6, "bool"),
        Column("nested", type="nested"),
        Column("when", "Waktu", 17, "time"),
    ),
)
MOMENT = datetime(2026, 11, 28, 2, 0, 30, tzinfo=UTC)
STORED = "2026-11-28 02:00:30.000000"  # the same time as SQLite gives it as text
TEXTS = ["biasa", "=1+1", "-rusak", "koma, di", 'kutip "x"', "baris\nbaru", "CR\rx", "", "é 🙏"]
ROWS: list[tuple[Any, ...]] = [
    (text, text, number, flag, when)
    for text, number, flag, when in zip(
        TEXTS,
        [None, 1, -2.95, 0, 99.06, 7, None, 3, 4],
        [True, False, None, True, False, True, False, True, False],
        [MOMENT, STORED, None, MOMENT, STORED, MOMENT, STORED, MOMENT, None],
        strict=True,
    )
] + [(None, None, None, None, None)]


def test_csv_is_what_csv_writer_gives_for_csv_cell_of_each_value() -> None:
    out = io.BytesIO()
    assert write_csv(LAYOUT, ROWS, out) == len(ROWS)
    reference = io.StringIO()
    writer = csv.writer(reference, lineterminator="\r\n")
    writer.writerow(["text", "label", "number", "flag", "when"])
    for row in ROWS:
        *values, when = row
        moment = datetime.fromisoformat(when).replace(tzinfo=UTC) if type(when) is str else when
        writer.writerow([csv_cell(value) for value in (*values, moment)])
    assert out.getvalue() == ("\ufeff" + reference.getvalue()).encode("utf-8")
    assert b"'=1+1,'=1+1" in out.getvalue() and b"2026-11-28T09:00:30+07:00" in out.getvalue()


def test_xlsx_formats_each_column_by_its_type() -> None:
    out = io.BytesIO()
    assert write_xlsx(LAYOUT, ROWS, out) == len(ROWS)
    ws = load_workbook(out)["Contoh"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Teks", "Label", "Angka", "Tanda", "Waktu")
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:E{len(ROWS) + 1}"
    wall = MOMENT.astimezone(WIB).replace(tzinfo=None)
    assert [r[4] for r in rows[1:3]] == [wall, wall]  # aware or stored text: the same cell
    assert ws.cell(row=2, column=5).number_format == "DD/MM/YYYY HH:MM"
    assert [r[3] for r in rows[1:4]] == ["Ya", "Tidak", None]
    assert ws.cell(row=3, column=1).data_type == "s"  # "=1+1" stays text
    assert rows[len(TEXTS)][:2] == ("é 🙏", "é 🙏")  # (an empty last row reads back as none)


def test_json_records_skip_nested_columns_and_give_times_in_wib() -> None:
    records = list(json_records(LAYOUT, ROWS))
    assert list(records[0]) == ["text", "label", "number", "flag", "when"]
    assert records[0]["when"] == records[1]["when"] == "2026-11-28T09:00:30+07:00"
    assert records[2]["when"] is None and records[1]["number"] == 1
    out = io.BytesIO()
    assert write_json(records, out) == len(ROWS)
    assert json.loads(out.getvalue()) == records


def test_a_layout_refuses_repeated_keys_and_a_flat_column_without_header() -> None:
    with pytest.raises(AssertionError):
        Layout("x", "X", (Column("a", "A", 5), Column("a", "B", 5)))
    with pytest.raises(AssertionError):
        Layout("x", "X", (Column("a"),))


@pytest.mark.parametrize("kind", list(DATA_SETS))
def test_each_data_set_declares_one_column_per_field(kind: str) -> None:
    layout = DATA_SETS[kind].layout
    assert DATA_SETS[kind].kind == layout.kind == kind
    assert len(layout.keys) == len(layout.headers) == len(layout.widths)
