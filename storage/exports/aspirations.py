"""Aspiration export (DESIGN.md section 5, "Aspiration export").

Rows are streamed from the database in batches; for JSON each batch's status
history is fetched in one query, so memory stays constant whatever the number
of aspirations. An anonymous aspiration never carries anything about its
resident: the name is only selected (in SQL) when ``anonymous`` is false, and
the identity never is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Select, String, case, false, null, select, type_coerce
from sqlmodel import col

from storage.exports.base import (
    AspirationFilter,
    Column,
    ExportError,
    Layout,
    area_names,
    day_bounds,
    kecamatan_code_of,
    one_of,
    wib_iso,
)
from storage.exports.dataset import DataSet
from storage.exports.writers import json_records
from storage.models import (
    ASPIRATION_STATUSES,
    CATEGORY_KEYS,
    Aspiration,
    AspirationStatusChange,
    Resident,
)

BATCH_SIZE = 500  # rows per fetch; also the size of each history query's IN list

LAYOUT = Layout(
    kind="aspirations",
    sheet="Aspirasi",
    columns=(
        Column("code", "Kode", 12),
        Column("status", "Status", 13, "label", words="status."),
        Column("category", "Kategori", 14, "label", words="category."),
        Column("kecamatan", "Kecamatan", 18, "label"),
        Column("kelurahan", "Kelurahan", 20, "label"),
        Column("text", "Isi aspirasi", 60),
        Column("language", "Bahasa", 8, "label"),
        Column("channel", "Kanal", 10, "label"),
        Column("anonymous", "Anonim", 8, "bool"),
        Column("resident_name", "Nama warga", 24),
        Column("created_at", "Dibuat", 17, "time"),
        Column("updated_at", "Diperbarui", 17, "time"),
        Column("latitude", "Lintang", 11, "number"),
        Column("longitude", "Bujur", 11, "number"),
        Column("has_photo", "Ada foto", 9, "bool"),
        Column("status_history", type="nested"),  # JSON only
        Column("rating", "Nilai warga", 12, "number"),
        Column("rating_comment", "Komentar warga", 40),
        Column("duplicate_of", "Duplikat dari", 14),
        # issue 17: appended, never reordered
        Column("opd", "Unit (OPD)", 14, "label"),
        Column("verify_due_at", "Batas verifikasi", 17, "time"),
        Column("response_due_at", "Batas tanggapan unit", 17, "time"),
        Column("completion_due_at", "Batas penyelesaian", 17, "time"),
        Column("breached", "Tahap terlambat", 18, "label"),
        Column("tunda_count", "Jumlah tunda", 10, "number"),
        # issue 19: appended
        Column("has_voice", "Ada pesan suara", 10, "bool"),
    ),
)
ASPIRATION_FIELDS = LAYOUT.fields
FLAT_FIELDS = LAYOUT.keys
XLSX_HEADERS = LAYOUT.headers
XLSX_WIDTHS = LAYOUT.widths
_TIMES = ("created_at", "updated_at")
_DUES = ("verify_due_at", "response_due_at", "completion_due_at")
_COLUMNS = (
    "id", "code", "status", "category", "kecamatan_code", "kelurahan_code", "text", "language",
    "channel", "anonymous", "created_at", "updated_at", "latitude", "longitude", "photo_path",
)  # fmt: skip


def _raw(column: Any) -> Any:
    """A stored time as the driver gives it (text on SQLite): ``wib_iso`` formats it."""
    return type_coerce(col(column), String()).label(column.key)


def has_ratings() -> bool:
    """Whether the model carries the residents' ratings (a later migration adds them)."""
    return hasattr(Aspiration, "rating") and hasattr(Aspiration, "rating_comment")


def _query(filters: AspirationFilter) -> Select[Any]:
    # The name leaves the database only for non-anonymous rows; the identity never does.
    # (A scalar subquery rather than a join: SQLite then scans aspiration in table
    # order instead of through the resident_id index, a third faster here.)
    name = select(col(Resident.display_name)).where(col(Resident.id) == col(Aspiration.resident_id))
    resident_name = case((col(Aspiration.anonymous) == false(), name.scalar_subquery()))
    columns: list[Any] = [
        _raw(getattr(Aspiration, name)) if name in _TIMES else col(getattr(Aspiration, name))
        for name in _COLUMNS
    ]
    columns.append(resident_name.label("resident_name"))
    if has_ratings():
        columns += [col(Aspiration.rating), col(Aspiration.rating_comment)]  # type: ignore[attr-defined]
    else:
        columns += [null().label("rating"), null().label("rating_comment")]
    columns.append(col(Aspiration.duplicate_of))
    columns.append(col(Aspiration.opd_code))
    columns += [_raw(getattr(Aspiration, name)) for name in _DUES]
    columns += [col(Aspiration.breached), col(Aspiration.tunda_count)]
    columns.append(col(Aspiration.voice_path))
    query = select(*columns).order_by(col(Aspiration.created_at), col(Aspiration.id))
    start, end = day_bounds(filters)
    if start:
        query = query.where(col(Aspiration.created_at) >= start)
    if end:
        query = query.where(col(Aspiration.created_at) < end)
    if filters.status:
        status = one_of(filters.status, ASPIRATION_STATUSES, "status")
        query = query.where(col(Aspiration.status) == status)
    if filters.category:
        category = one_of(filters.category, CATEGORY_KEYS, "category")
        query = query.where(col(Aspiration.category) == category)
    if filters.kecamatan:
        query = query.where(col(Aspiration.kecamatan_code) == kecamatan_code_of(filters.kecamatan))
    if filters.opd:
        query = query.where(col(Aspiration.opd_code) == unit_code_of(filters.opd))
    return query


def unit_code_of(value: str) -> str:
    """A unit's code as stored (``PUPR``), from any case; refuses what cannot be one."""
    code = value.strip().upper()
    if not code or len(code) > 24 or not all(c.isalnum() or c == "-" for c in code):
        raise ExportError(
            "bad_unit_code",
            f"invalid unit code {value!r}: use a code like PUPR (siantar opd list)",
            value=value,
        )
    return code


def _rows(
    connection: Connection, query: Select[Any], when: Callable[[Any], Any] | None = None
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Each aspiration's id, and the aspiration as a tuple in FLAT_FIELDS order.

    Kecamatan and kelurahan are their official names; times stay as stored (the
    writers format them), or go through ``when``.
    """
    kecamatan, kelurahan = area_names()
    result = connection.execute(query, execution_options={"yield_per": BATCH_SIZE})
    for (
        id_, code, status, category, kecamatan_code, kelurahan_code, text, language, channel,
        anonymous, created_at, updated_at, latitude, longitude, photo_path, resident_name,
        rating, rating_comment, duplicate_of, opd_code, verify_due, response_due,
        completion_due, breached, tunda_count, voice_path,
    ) in result:  # fmt: skip
        if when is not None:
            created_at, updated_at = when(created_at), when(updated_at)
            verify_due, response_due, completion_due = (
                None if due is None else when(due)
                for due in (verify_due, response_due, completion_due)
            )
        yield id_, (
            code, status, category,
            kecamatan.get(kecamatan_code, kecamatan_code),
            kelurahan.get(kelurahan_code, kelurahan_code),
            text, language, channel,
            bool(anonymous), None if anonymous else resident_name,
            created_at, updated_at,
            latitude, longitude, bool(photo_path), rating, rating_comment, duplicate_of,
            opd_code, verify_due, response_due, completion_due, breached or None,
            tunda_count or 0, bool(voice_path),
        )  # fmt: skip


def _histories(connection: Connection, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    change = AspirationStatusChange
    rows = connection.execute(
        select(col(change.aspiration_id), col(change.status), _raw(change.at), col(change.note))
        .where(col(change.aspiration_id).in_(ids))
        .order_by(col(change.aspiration_id), col(change.at), col(change.id))
    )
    histories: dict[int, list[dict[str, Any]]] = {}
    for aspiration_id, status, at, note in rows:
        entry = {"status": status, "at": wib_iso(at), "note": note}
        histories.setdefault(aspiration_id, []).append(entry)
    return histories


class AspirationExport(DataSet):
    """Aspirations by creation time. Filters: ``since``/``until`` (creation day,
    WIB), ``status``, ``category``, ``kecamatan``, ``opd`` (the unit it is with).
    JSON adds each aspiration's ``status_history``, a batch's histories in one query."""

    layout = LAYOUT

    def query(self, filters: AspirationFilter) -> Select[Any]:
        return _query(filters)

    def rows(self, connection: Connection, query: Select[Any]) -> Iterator[tuple[Any, ...]]:
        return (row for _id, row in _rows(connection, query))

    def records(self, connection: Connection, query: Select[Any]) -> Iterator[dict[str, Any]]:
        rows = _rows(connection, query)
        at = ASPIRATION_FIELDS.index("status_history")
        while batch := list(islice(rows, BATCH_SIZE)):
            histories = _histories(connection, [id_ for id_, _ in batch])
            flat = json_records(LAYOUT, (row for _id, row in batch))
            for (id_, _row), record in zip(batch, flat, strict=True):
                items = list(record.items())
                items.insert(at, ("status_history", histories.get(id_, [])))
                yield dict(items)


ASPIRATIONS = AspirationExport()
export_aspirations = ASPIRATIONS.export
