"""Training registrations and forum RSVPs.

Their tables arrive with the trainings and forums features; until then these
exports validate their filters and write an empty, well-formed file: JSON
``[]``, CSV with its BOM and header row, XLSX with its Indonesian header row
(frozen, with an autofilter). The layouts below are the contract the features
will fill.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, Literal

from sqlalchemy import Engine

from storage.exports.base import (
    AspirationFilter,
    ExportError,
    Layout,
    Progress,
    Ticker,
    check_format,
    day_bounds,
    kecamatan_code_of,
    one_of,
)
from storage.exports.writers import write_csv, write_json, write_xlsx

REGISTRATION_STATUSES = ("registered", "waitlisted", "cancelled", "attended")

REGISTRATION_FIELDS: tuple[str, ...] = (
    "program", "status", "waitlist_position", "registered_at", "resident_name", "phone",
    "kelurahan", "business_type", "attended",
)  # fmt: skip
REGISTRATION_HEADERS: tuple[str, ...] = (
    "Program", "Status", "Nomor antrean", "Waktu daftar", "Nama warga", "Nomor HP",
    "Kelurahan", "Jenis usaha", "Hadir",
)  # fmt: skip
REGISTRATIONS = Layout(
    kind="registrations",
    sheet="Pendaftaran",
    fields=REGISTRATION_FIELDS,
    columns=REGISTRATION_FIELDS,
    headers=REGISTRATION_HEADERS,
    widths=(32, 13, 14, 17, 24, 16, 20, 22, 8),
)

RSVP_FIELDS: tuple[str, ...] = (
    "forum", "forum_type", "forum_at", "answer", "answered_at", "resident_name", "kecamatan",
    "kelurahan",
)  # fmt: skip
RSVP_HEADERS: tuple[str, ...] = (
    "Forum", "Jenis forum", "Waktu forum", "Jawaban", "Waktu jawab", "Nama warga",
    "Kecamatan", "Kelurahan",
)  # fmt: skip
RSVPS = Layout(
    kind="rsvps",
    sheet="Kehadiran Forum",
    fields=RSVP_FIELDS,
    columns=RSVP_FIELDS,
    headers=RSVP_HEADERS,
    widths=(32, 16, 17, 12, 17, 24, 18, 20),
)


def export_registrations(
    *,
    engine: Engine,
    fmt: Literal["csv", "xlsx", "json"],
    out: BinaryIO,
    filters: AspirationFilter = AspirationFilter(),  # noqa: B008 - frozen, so shared safely
    progress: Progress | None = None,
) -> int:
    """Training registrations matching ``filters`` (none stored yet); returns the count.

    Filters: ``since``/``until`` (registration day), ``status`` (one of
    REGISTRATION_STATUSES), ``kecamatan`` (the resident's); ``category`` does not apply.
    """
    check_format(fmt)
    day_bounds(filters)
    if filters.status:
        one_of(filters.status, REGISTRATION_STATUSES, "status")
    _reject(filters, "category", REGISTRATIONS)
    if filters.kecamatan:
        kecamatan_code_of(filters.kecamatan)
    return _write(REGISTRATIONS, fmt, out, progress)


def export_rsvps(
    *,
    engine: Engine,
    fmt: Literal["csv", "xlsx", "json"],
    out: BinaryIO,
    filters: AspirationFilter = AspirationFilter(),  # noqa: B008 - frozen, so shared safely
    progress: Progress | None = None,
) -> int:
    """Forum RSVPs matching ``filters`` (none stored yet); returns the count.

    Filters: ``since``/``until`` (day of the forum), ``kecamatan``; ``status`` and
    ``category`` do not apply.
    """
    check_format(fmt)
    day_bounds(filters)
    _reject(filters, "status", RSVPS)
    _reject(filters, "category", RSVPS)
    if filters.kecamatan:
        kecamatan_code_of(filters.kecamatan)
    return _write(RSVPS, fmt, out, progress)


def _reject(filters: AspirationFilter, name: str, layout: Layout) -> None:
    if getattr(filters, name):
        raise ExportError(f"--{name} does not apply to {layout.kind}")


def _write(layout: Layout, fmt: str, out: BinaryIO, progress: Progress | None) -> int:
    ticker = Ticker(progress, 0)
    rows: Iterator[Any] = iter(())  # the feature's query goes here
    if fmt == "json":
        return ticker.finish(write_json(ticker.count(rows), out))
    writer = write_csv if fmt == "csv" else write_xlsx
    return ticker.finish(writer(layout, ticker.count(rows), out))
