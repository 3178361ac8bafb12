"""Exports of collected data to CSV, XLSX or JSON (DESIGN.md section 5).

``export(kind, ...)`` is the entry point (``siantar export KIND``). Each kind is
one ``DataSet`` (its columns, query and row mapping: ``aspirations``,
``registrations``, ``rsvps``), whose ``export`` is also its own function
(``export_aspirations``…); ``writers`` has one streaming writer per format.
Every export streams: memory stays constant whatever the number of rows.
"""

from __future__ import annotations

from typing import BinaryIO, Literal

from sqlalchemy import Engine

from storage.exports.aspirations import (
    ASPIRATION_FIELDS,
    ASPIRATIONS,
    FLAT_FIELDS,
    XLSX_HEADERS,
    XLSX_WIDTHS,
    export_aspirations,
)
from storage.exports.base import (
    FORMATS,
    PROGRESS_EVERY,
    WIB,
    AspirationFilter,
    Column,
    ExportError,
    ExportFilter,
    Layout,
    Progress,
    check_format,
    wib_midnight,
)
from storage.exports.dataset import DataSet
from storage.exports.progress import terminal_progress
from storage.exports.registrations import (
    REGISTRATION_FIELDS,
    REGISTRATION_STATUSES,
    REGISTRATIONS,
    export_registrations,
)
from storage.exports.rsvps import RSVP_FIELDS, RSVPS, export_rsvps
from storage.exports.writers import XLSX_DATE_FORMAT

DATA_SETS: dict[str, DataSet] = {d.kind: d for d in (ASPIRATIONS, REGISTRATIONS, RSVPS)}
EXPORT_KINDS: tuple[str, ...] = tuple(DATA_SETS)
LAYOUTS: dict[str, Layout] = {kind: d.layout for kind, d in DATA_SETS.items()}


def _data_set(kind: str) -> DataSet:
    data_set = DATA_SETS.get(kind)
    if data_set is None:
        raise ExportError(
            "unknown_kind",
            f"unknown export kind {kind!r}: use {', '.join(EXPORT_KINDS)}",
            kind=kind,
            kinds=", ".join(EXPORT_KINDS),
        )
    return data_set


def export(
    kind: str,
    *,
    engine: Engine,
    fmt: Literal["csv", "xlsx", "json"],
    out: BinaryIO,
    filters: AspirationFilter = AspirationFilter(),  # noqa: B008 - frozen, so shared safely
    progress: Progress | None = None,
) -> int:
    """Write the ``kind`` rows matching ``filters`` to ``out`` as ``fmt``; return the count.

    ``kind`` is one of EXPORT_KINDS. With ``progress``, ``progress(done, total)``
    is called every PROGRESS_EVERY rows and once at the end (``done == total``).
    Raises ExportError (one line) for an unknown kind or format or a bad filter,
    before anything is written.
    """
    return _data_set(kind).export(
        engine=engine, fmt=fmt, out=out, filters=filters, progress=progress
    )


def check_export(kind: str, *, fmt: str, filters: AspirationFilter) -> None:
    """Raise ExportError for what :func:`export` would refuse (kind, format, a
    filter), before any database is opened: a bad argument is reported as one."""
    data_set = _data_set(kind)
    check_format(fmt)
    data_set.query(filters)


__all__ = [
    "ASPIRATION_FIELDS",
    "EXPORT_KINDS",
    "FLAT_FIELDS",
    "FORMATS",
    "LAYOUTS",
    "PROGRESS_EVERY",
    "REGISTRATION_FIELDS",
    "REGISTRATION_STATUSES",
    "RSVP_FIELDS",
    "WIB",
    "XLSX_DATE_FORMAT",
    "XLSX_HEADERS",
    "XLSX_WIDTHS",
    "AspirationFilter",
    "Column",
    "DATA_SETS",
    "DataSet",
    "ExportError",
    "ExportFilter",
    "Layout",
    "Progress",
    "check_export",
    "export",
    "export_aspirations",
    "export_registrations",
    "export_rsvps",
    "terminal_progress",
    "wib_midnight",
]
