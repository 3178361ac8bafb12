"""What every export shares: filters, errors, WIB, columns and layouts, progress ticks."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal, TypeVar

from storage.clock import WIB, wib_midnight
from storage.wilayah import load_wilayah

FORMATS = ("csv", "xlsx", "json")
PROGRESS_EVERY = 1000  # rows between two progress reports

Progress = Callable[[int, int], None]  # progress(done, total)
T = TypeVar("T")


class ExportError(Exception):
    """A filter or format that cannot be applied. ``str()`` is one English line (logs,
    tools); ``reason`` names the problem and ``params`` its values, for a caller that
    words it in its reader's language (the CLI: ``cli.export.<reason>``)."""

    def __init__(self, reason: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class AspirationFilter:
    """``since``/``until`` are inclusive calendar days in WIB; None means no limit.

    Every kind of export takes this filter (also known as ``ExportFilter``); a
    kind rejects, with an ``ExportError``, a filter that means nothing for it.
    """

    since: date | None = None
    until: date | None = None
    status: str | None = None
    category: str | None = None
    kecamatan: str | None = None  # code (``12.72.02``) or official name, any case
    opd: str | None = None  # the code of the unit an aspiration is with, any case


ExportFilter = AspirationFilter


ColumnType = Literal["text", "label", "number", "bool", "time", "nested"]


@dataclass(frozen=True)
class Column:
    """One field of a data set, and how each format shows it.

    ``key`` is the CSV header and the JSON key; ``header`` the Indonesian XLSX
    header and ``width`` its column width. ``type`` tells the writers how to
    format a value: ``text`` (neutralised against formulas), ``label`` (a text
    from a small vocabulary: a status, a category, an area name; the CSV writer
    formats each distinct one once), ``number``, ``bool`` (``true``/``false``,
    ``Ya``/``Tidak`` in XLSX), ``time`` (a stored UTC time: ISO 8601 in WIB, a
    WIB date cell in XLSX) and ``nested`` (a JSON-only list, left out of the
    flat CSV and XLSX rows).

    ``words`` (a ``label`` column only) names the Indonesian catalog entries that
    say its values in words in XLSX, which staff read: ``"status."`` shows
    ``selesai`` as ``status.selesai``, "Selesai". CSV and JSON keep the keys.
    """

    key: str
    header: str = ""
    width: int = 0
    type: ColumnType = "text"
    words: str = ""


@dataclass(frozen=True)
class Layout:
    """The shape of one data set: its sheet name and its columns, in order.

    ``fields`` are the JSON keys; ``flat`` the CSV/XLSX columns (all but the
    nested ones), whose ``keys``, ``headers`` and ``widths`` follow.
    """

    kind: str
    sheet: str
    columns: tuple[Column, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    @property
    def flat(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.type != "nested")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.flat)

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.flat)

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(c.width for c in self.flat)

    def __post_init__(self) -> None:
        assert len(set(self.fields)) == len(self.fields), self.kind
        assert all(c.header and c.width for c in self.flat), self.kind


def _aware(value: str | datetime) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # stored times are UTC


_WIB_HOURS: dict[str, str] = {}  # "2026-11-27 19" (UTC) -> "2026-11-28T02" (WIB)
_SEVEN_HOURS = timedelta(hours=7)


def wib_iso(value: str | datetime) -> str:
    """ISO 8601 in WIB to the second, e.g. ``2026-11-28T09:00:00+07:00``.

    ``value`` is a datetime (naive means UTC) or a stored timestamp read as text:
    on SQLite a UTCDateTime is the naive UTC text ``2026-11-28 02:00:00.000000``,
    which is shifted by its hour prefix through a small cache: much faster than
    parsing it, and the CSV export formats two of them per row.
    """
    if (
        type(value) is str
        and (len(value) == 26 and value[19] == "." or len(value) == 19)  # naive, no offset
        and value[10] == " "
        and value[13] == ":"
    ):
        hour = _WIB_HOURS.get(value[:13])
        if hour is None:
            if len(_WIB_HOURS) > 100_000:  # a century of hours: keep the cache bounded
                _WIB_HOURS.clear()
            shifted = datetime.fromisoformat(value[:13] + ":00") + _SEVEN_HOURS
            hour = _WIB_HOURS[value[:13]] = shifted.isoformat(timespec="hours")
        return hour + value[13:19] + "+07:00"
    return _aware(value).astimezone(WIB).isoformat(timespec="seconds")


def wib_wall(value: str | datetime) -> datetime:
    """The naive wall-clock time in WIB (for spreadsheets), from the same inputs."""
    return _aware(value).astimezone(WIB).replace(tzinfo=None)


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ExportError(
            "unknown_format",
            f"unknown export format {fmt!r}: use csv, xlsx or json",
            format=fmt,
            formats=", ".join(FORMATS),
        )


def day_bounds(filters: AspirationFilter) -> tuple[datetime | None, datetime | None]:
    """``[start, end)`` for the inclusive WIB days ``since``..``until``."""
    if filters.since and filters.until and filters.since > filters.until:
        raise ExportError(
            "since_after_until",
            f"--since {filters.since} is after --until {filters.until}",
            since=str(filters.since),
            until=str(filters.until),
        )
    start = wib_midnight(filters.since) if filters.since else None
    end = wib_midnight(filters.until + timedelta(days=1)) if filters.until else None
    return start, end


def one_of(value: str, allowed: tuple[str, ...], what: str) -> str:
    wanted = value.strip().lower()
    if wanted not in allowed:
        raise ExportError(
            f"unknown_{what}",
            f"unknown {what} {value!r}: expected one of {', '.join(allowed)}",
            value=value,
            allowed=", ".join(allowed),
        )
    return wanted


def kecamatan_code_of(value: str) -> str:
    """The code of the kecamatan named or coded ``value`` (any case, any spacing)."""
    wanted = " ".join(value.split()).casefold()
    for kecamatan in load_wilayah().kecamatan:
        if wanted in (kecamatan.code.casefold(), kecamatan.name.casefold()):
            return kecamatan.code
    known = ", ".join(k.name for k in load_wilayah().kecamatan)
    raise ExportError(
        "unknown_kecamatan",
        f"unknown kecamatan {value!r}: use a code like 12.72.02 or one of {known}",
        value=value,
        known=known,
    )


def area_names() -> tuple[dict[str, str], dict[str, str]]:
    """Official kecamatan and kelurahan names by code."""
    wilayah = load_wilayah()
    kecamatan = {k.code: k.name for k in wilayah.kecamatan}
    kelurahan = {kel.code: kel.name for k in wilayah.kecamatan for kel in k.kelurahan}
    return kecamatan, kelurahan


def reject(filters: AspirationFilter, name: str, kind: str) -> None:
    """Raise ExportError when the filter ``name`` is set: it means nothing for ``kind``."""
    if getattr(filters, name):
        raise ExportError(
            "not_for_kind", f"--{name} does not apply to {kind}", option=f"--{name}", kind=kind
        )


class Ticker:
    """Reports ``progress(done, total)`` every PROGRESS_EVERY rows and once at the end.

    ``done`` only grows and the last report always has ``done == total``: should
    the rows change between the count and the export (SQLite reads without one
    snapshot), the final total is the number actually written.
    """

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total = progress, total
        self.reported: tuple[int, int] | None = None

    def count(self, rows: Iterable[T]) -> Iterable[T]:
        """``rows`` unchanged, reported on as the writer consumes them."""
        return rows if self.progress is None else self._counted(rows)

    def _counted(self, rows: Iterable[T]) -> Iterator[T]:
        every = PROGRESS_EVERY
        for done, row in enumerate(rows, start=1):
            yield row
            if done % every == 0:
                self._report(done, max(self.total, done))

    def finish(self, written: int) -> int:
        """The final report; returns ``written``."""
        if self.progress is not None and self.reported != (written, written):
            self._report(written, written)
        return written

    def _report(self, done: int, total: int) -> None:
        assert self.progress is not None
        self.reported = (done, total)
        self.progress(done, total)
