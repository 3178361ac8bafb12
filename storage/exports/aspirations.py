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
from typing import Any, BinaryIO, Literal

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    String,
    case,
    false,
    func,
    null,
    select,
    type_coerce,
)
from sqlmodel import col

from storage.exports.base import (
    AspirationFilter,
    Layout,
    Progress,
    Ticker,
    check_format,
    day_bounds,
    kecamatan_code_of,
    one_of,
    wib_iso,
    wib_wall,
)
from storage.exports.writers import (
    FORMULA_PREFIXES,
    csv_text,
    write_csv_lines,
    write_json,
    write_xlsx,
)
from storage.models import (
    ASPIRATION_STATUSES,
    CATEGORY_KEYS,
    Aspiration,
    AspirationStatusChange,
    Resident,
)
from storage.wilayah import load_wilayah

BATCH_SIZE = 500  # rows per fetch; also the size of each history query's IN list

ASPIRATION_FIELDS: tuple[str, ...] = (
    "code", "status", "category", "kecamatan", "kelurahan", "text", "language", "channel",
    "anonymous", "resident_name", "created_at", "updated_at", "latitude", "longitude",
    "has_photo", "status_history", "rating", "rating_comment", "duplicate_of",
)  # fmt: skip
FLAT_FIELDS: tuple[str, ...] = tuple(f for f in ASPIRATION_FIELDS if f != "status_history")
XLSX_HEADERS: tuple[str, ...] = (
    "Kode", "Status", "Kategori", "Kecamatan", "Kelurahan", "Isi aspirasi", "Bahasa", "Kanal",
    "Anonim", "Nama warga", "Dibuat", "Diperbarui", "Lintang", "Bujur", "Ada foto",
    "Nilai warga", "Komentar warga", "Duplikat dari",
)  # fmt: skip
XLSX_WIDTHS: tuple[int, ...] = (
    12, 13, 14, 18, 20, 60, 8, 10, 8, 24, 17, 17, 11, 11, 9, 12, 40, 14,
)  # fmt: skip
LAYOUT = Layout(
    kind="aspirations",
    sheet="Aspirasi",
    fields=ASPIRATION_FIELDS,
    columns=FLAT_FIELDS,
    headers=XLSX_HEADERS,
    widths=XLSX_WIDTHS,
)
_TIMES = ("created_at", "updated_at")
_COLUMNS = (
    "id", "code", "status", "category", "kecamatan_code", "kelurahan_code", "text", "language",
    "channel", "anonymous", "created_at", "updated_at", "latitude", "longitude", "photo_path",
)  # fmt: skip


def export_aspirations(
    *,
    engine: Engine,
    fmt: Literal["csv", "xlsx", "json"],
    out: BinaryIO,
    filters: AspirationFilter = AspirationFilter(),  # noqa: B008 - frozen, so shared safely
    progress: Progress | None = None,
) -> int:
    """Write the aspirations matching ``filters`` to ``out`` as ``fmt``; return the count.

    With ``progress``, a COUNT with the same filters gives the total first, then
    ``progress(done, total)`` is called every PROGRESS_EVERY rows and at the end.
    """
    check_format(fmt)
    query = _query(filters)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # one snapshot for count, rows, histories
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        ticker = Ticker(progress, _count(connection, query) if progress else 0)
        if fmt == "csv":
            written = write_csv_lines(LAYOUT, ticker.count(_csv_lines(connection, query)), out)
        elif fmt == "xlsx":
            rows = (row for _id, row in _rows(connection, query, wib_wall))
            written = write_xlsx(LAYOUT, ticker.count(rows), out)
        else:
            written = write_json(ticker.count(_records(connection, query)), out)
        return ticker.finish(written)


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
    return query


def _count(connection: Connection, query: Select[Any]) -> int:
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(connection.execute(counted).scalar_one())


def _names() -> tuple[dict[str, str], dict[str, str]]:
    """Official kecamatan and kelurahan names by code."""
    wilayah = load_wilayah()
    kecamatan = {k.code: k.name for k in wilayah.kecamatan}
    kelurahan = {kel.code: kel.name for k in wilayah.kecamatan for kel in k.kelurahan}
    return kecamatan, kelurahan


def _rows(
    connection: Connection, query: Select[Any], when: Callable[[Any], Any]
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Each aspiration's id, and the aspiration as a tuple in FLAT_FIELDS order.

    Times go through ``when`` (``wib_iso`` or ``wib_wall``); kecamatan and
    kelurahan are their official names.
    """
    kecamatan, kelurahan = _names()
    result = connection.execute(query, execution_options={"yield_per": BATCH_SIZE})
    for (
        id_, code, status, category, kecamatan_code, kelurahan_code, text, language, channel,
        anonymous, created_at, updated_at, latitude, longitude, photo_path, resident_name,
        rating, rating_comment, duplicate_of,
    ) in result:  # fmt: skip
        yield id_, (
            code, status, category,
            kecamatan.get(kecamatan_code, kecamatan_code),
            kelurahan.get(kelurahan_code, kelurahan_code),
            text, language, channel,
            bool(anonymous), None if anonymous else resident_name,
            when(created_at), when(updated_at),
            latitude, longitude, bool(photo_path), rating, rating_comment, duplicate_of,
        )  # fmt: skip


def _csv_lines(connection: Connection, query: Select[Any]) -> Iterator[str]:
    """Each aspiration as one CSV line: the CSV export's hot loop, written inline.

    It gives exactly what ``csv.writer`` gives for ``csv_cell`` of each ``_rows``
    value (a test holds them equal) in about half the time: ``cell`` checks a text
    with plain string methods, ``csv_text`` only runs for the rare text that starts
    with a formula character or needs quoting, and the small vocabularies (status,
    category, language, channel, kecamatan, kelurahan) are checked once per value.
    """
    danger, fix, iso = FORMULA_PREFIXES, csv_text, wib_iso

    def cell(value: str) -> str:
        if value.startswith(danger) or "," in value or '"' in value or "\n" in value:
            return fix(value)
        return value if "\r" not in value else fix(value)

    memo: dict[str, str] = {}
    known = memo.get

    def remember(value: str) -> str:
        ready = memo[value] = cell(value)
        if len(memo) > 10_000:  # not a small vocabulary after all: stay bounded
            memo.clear()
        return ready

    names = _names()
    kecamatan = {code: cell(name) for code, name in names[0].items()}.get
    kelurahan = {code: cell(name) for code, name in names[1].items()}.get
    result = connection.execute(query, execution_options={"yield_per": BATCH_SIZE})
    for (
        _id, code, status, category, kecamatan_code, kelurahan_code, text, language, channel,
        anonymous, created_at, updated_at, latitude, longitude, photo_path, resident_name,
        rating, rating_comment, duplicate_of,
    ) in result:  # fmt: skip
        yield ",".join((
            cell(code),
            known(status) or remember(status),
            known(category) or remember(category),
            kecamatan(kecamatan_code) or remember(kecamatan_code),
            kelurahan(kelurahan_code) or remember(kelurahan_code),
            cell(text),
            known(language) or remember(language),
            known(channel) or remember(channel),
            "true" if anonymous else "false",
            "" if anonymous or resident_name is None else cell(resident_name),
            iso(created_at),
            iso(updated_at),
            "" if latitude is None else repr(latitude),
            "" if longitude is None else repr(longitude),
            "true" if photo_path else "false",
            "" if rating is None else str(rating),
            "" if rating_comment is None else cell(rating_comment),
            "" if duplicate_of is None else duplicate_of,
        )) + "\r\n"  # fmt: skip


def _records(connection: Connection, query: Select[Any]) -> Iterator[dict[str, Any]]:
    """For JSON: dicts keyed by ASPIRATION_FIELDS, each batch's histories in one query."""
    rows = _rows(connection, query, wib_iso)
    at = ASPIRATION_FIELDS.index("status_history")
    before, after = FLAT_FIELDS[:at], FLAT_FIELDS[at:]
    while batch := list(islice(rows, BATCH_SIZE)):
        histories = _histories(connection, [id_ for id_, _ in batch])
        for id_, row in batch:
            record = dict(zip(before, row[:at], strict=True))
            record["status_history"] = histories.get(id_, [])
            record.update(zip(after, row[at:], strict=True))
            yield record


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
