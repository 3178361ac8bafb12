"""``/ekspor``: staff download aspirations as CSV, JSON or Excel in the chat.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL
(through the ``db`` fixture behind ``engine``). Who is who, seeding and the
shared steps are in ``staff_helpers``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

import pytest
from openpyxl import load_workbook
from staff_helpers import (
    CONFIG_ROLES,
    MENU_QUESTION,
    STAFF,
    export_via_chat,
    person,
    seed,
    spread,
    state,
)

from bot.media import MediaStore
from handlers.core.engine import Engine
from handlers.registry import FLOWS

# --- 6. /ekspor, /statistik, /peran --------------------------------------------


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("7 hari terakhir", ["today"]),
        ("30 hari terakhir", ["weeks", "today"]),
        ("Bulan ini", ["weeks", "today"]),
        ("Semua waktu", ["months", "weeks", "today"]),
    ],
)
def test_export_sends_a_csv_file_with_the_periods_rows(
    desk: Engine, media: MediaStore, period: str, expected: list[str]
) -> None:
    codes = spread(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    file = export_via_chat(staff, "Aspirasi", "CSV", period)
    assert file.text == f"Ekspor Aspirasi siap: {len(expected)} baris."
    assert file.document is not None and file.document.endswith("/aspirasi-2026-11-28.csv")
    path = media.path_of(file.document)
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    found = [row[header.index("code")] for row in body]
    assert sorted(found) == sorted(codes[k] for k in expected)
    assert staff.last.text.endswith(MENU_QUESTION)
    assert state(staff) == ("menu", "main", {})


def test_export_as_json_and_xlsx(desk: Engine, media: MediaStore) -> None:
    codes = spread(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    file = export_via_chat(staff, "Aspirasi", "JSON", "30 hari terakhir")
    rows = json.loads(media.path_of(file.document or "").read_text("utf-8"))
    assert sorted(r["code"] for r in rows) == sorted([codes["today"], codes["weeks"]])
    file = export_via_chat(staff, "Aspirasi", "Excel", "Semua waktu")
    assert (file.document or "").endswith(".xlsx")
    sheet = load_workbook(media.path_of(file.document or ""))["Aspirasi"]
    assert sheet.max_row == 1 + 3
    assert file.text == "Ekspor Aspirasi siap: 3 baris."


def test_export_without_a_file_store_says_it_cannot(engine: Engine) -> None:
    desk = Engine(engine.db, replace(engine.settings, config_roles=CONFIG_ROLES), FLOWS)
    seed(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/ekspor")
    staff.press("Aspirasi")
    staff.press("CSV")
    staff.press("Semua waktu")
    assert "pengiriman berkas belum bisa dilakukan" in staff.said
    assert all(r.document is None for r in staff.last_batch)
