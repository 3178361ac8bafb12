"""Exports of collected data to CSV, XLSX or JSON (DESIGN.md section 5).

``export(kind, ...)`` is the entry point (``siantar export KIND``); each kind also
has its own function. Every export streams: memory stays constant whatever the
number of rows.
"""

from __future__ import annotations

from typing import BinaryIO, Literal

from sqlalchemy import Engine

from storage.exports.activities import (
    REGISTRATION_FIELDS,
    REGISTRATION_STATUSES,
    REGISTRATIONS,
    RSVP_FIELDS,
    RSVPS,
    _registrations_query,
    _rsvps_query,
    export_registrations,
    export_rsvps,
)
from storage.exports.aspirations import (
    ASPIRATION_FIELDS,
    FLAT_FIELDS,
    LAYOUT,
    XLSX_HEADERS,
    XLSX_WIDTHS,
    export_aspirations,
)
from storage.exports.aspirations import _query as _aspirations_query
from storage.exports.base import (
    FORMATS,
    PROGRESS_EVERY,
    WIB,
    AspirationFilter,
    ExportError,
    ExportFilter,
    Layout,
    Progress,
    check_format,
    wib_midnight,
)
from storage.exports.progress import terminal_progress
from storage.exports.writers import XLSX_DATE_FORMAT

_wib_midnight = wib_midnight  # the name storage.stats imports

EXPORTERS = {
    "aspirations": export_aspirations,
    "registrations": export_registrations,
    "rsvps": export_rsvps,
}
EXPORT_KINDS: tuple[str, ...] = tuple(EXPORTERS)
#: Building a kind's query validates its filters, without touching a database.
_QUERIES = {
    "aspirations": _aspirations_query,
    "registrations": _registrations_query,
    "rsvps": _rsvps_query,
}
LAYOUTS: dict[str, Layout] = {"aspirations": LAYOUT, "registrations": REGISTRATIONS, "rsvps": RSVPS}


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
    exporter = EXPORTERS.get(kind)
    if exporter is None:
        raise ExportError(f"unknown export kind {kind!r}: use {', '.join(EXPORT_KINDS)}")
    return exporter(engine=engine, fmt=fmt, out=out, filters=filters, progress=progress)


def check_export(kind: str, *, fmt: str, filters: AspirationFilter) -> None:
    """Raise ExportError for what :func:`export` would refuse (kind, format, a
    filter), before any database is opened: a bad argument is reported as one."""
    if kind not in _QUERIES:
        raise ExportError(f"unknown export kind {kind!r}: use {', '.join(EXPORT_KINDS)}")
    check_format(fmt)
    _QUERIES[kind](filters)


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
