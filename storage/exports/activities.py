"""Training registrations and forum RSVPs.

Registrations are streamed from the database like aspirations (constant memory).
A resident's name and phone number leave the database only when the
registration's resident still exists and has given consent; otherwise they are
null (JSON) or empty (CSV, XLSX). Forum RSVPs are streamed the same way, with
the resident's name and home area only for a resident who has consented.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO, Literal

from sqlalchemy import Connection, Engine, Select, and_, case, func, or_, select, true
from sqlmodel import col

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
from storage.models import (
    ForumEvent,
    ForumRsvp,
    Resident,
    TrainingProgram,
    TrainingRegistration,
)
from storage.wilayah import load_wilayah

BATCH_SIZE = 500  # rows per fetch

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
    """Training registrations matching ``filters``, by program then time; returns the count.

    Filters: ``since``/``until`` (registration day, WIB), ``status`` (one of
    REGISTRATION_STATUSES, as exported), ``kecamatan`` (that of the registration's
    kelurahan); ``category`` does not apply.

    ``status`` is ``cancelled`` for a cancelled registration and for every
    registration of a cancelled program, else ``attended`` for a seat marked
    present, else the stored ``registered`` or ``waitlisted``;
    ``waitlist_position`` is the current rank among those waiting (1 = next to
    get a seat), empty for everyone else.
    """
    check_format(fmt)
    query = _registrations_query(filters)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # one snapshot for the count and the rows
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        ticker = Ticker(progress, _count(connection, query) if progress else 0)
        rows = _registration_rows(connection, query)
        if fmt == "json":
            records = (dict(zip(REGISTRATION_FIELDS, row, strict=True)) for row in rows)
            return ticker.finish(write_json(ticker.count(records), out))
        writer = write_csv if fmt == "csv" else write_xlsx
        return ticker.finish(writer(REGISTRATIONS, ticker.count(rows), out))


def _registrations_query(filters: AspirationFilter) -> Select[Any]:
    """Validates ``filters`` (ExportError) and selects one row per registration.

    Name and phone are selected only for a resident who exists and consented.
    """
    reg, program, resident = TrainingRegistration, TrainingProgram, Resident
    start, end = day_bounds(filters)
    _reject(filters, "category", REGISTRATIONS)
    status = case(
        (or_(col(reg.status) == "cancelled", col(program.status) == "cancelled"), "cancelled"),
        (and_(col(reg.status) == "registered", col(reg.attended) == true()), "attended"),
        else_=col(reg.status),
    )
    # The rank among those still waiting, whatever the filters select.
    waiting = (
        select(
            col(reg.id).label("id"),
            func.row_number()
            .over(
                partition_by=col(reg.program_id), order_by=(col(reg.waitlist_position), col(reg.id))
            )
            .label("rank"),
        )
        .where(col(reg.status) == "waitlisted")
        .subquery("waiting")
    )
    consented = col(resident.consent_at).is_not(None)
    query = (
        select(
            col(program.title),
            status.label("status"),
            waiting.c.rank,
            col(reg.registered_at),
            case((consented, col(reg.full_name))).label("resident_name"),
            case((consented, col(reg.phone))).label("phone"),
            col(reg.kelurahan_code),
            col(reg.business_type),
            col(reg.attended),
        )
        .join(program, col(program.id) == col(reg.program_id))
        .outerjoin(resident, col(resident.id) == col(reg.resident_id))
        .outerjoin(waiting, waiting.c.id == col(reg.id))
        .order_by(col(program.starts_at), col(program.id), col(reg.registered_at), col(reg.id))
    )
    if start:
        query = query.where(col(reg.registered_at) >= start)
    if end:
        query = query.where(col(reg.registered_at) < end)
    if filters.status:
        query = query.where(status == one_of(filters.status, REGISTRATION_STATUSES, "status"))
    if filters.kecamatan:
        code = kecamatan_code_of(filters.kecamatan)
        kecamatan = next(k for k in load_wilayah().kecamatan if k.code == code)
        query = query.where(col(reg.kelurahan_code).in_([k.code for k in kecamatan.kelurahan]))
    return query


def _count(connection: Connection, query: Select[Any]) -> int:
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(connection.execute(counted).scalar_one())


def _registration_rows(connection: Connection, query: Select[Any]) -> Iterator[tuple[Any, ...]]:
    """Each registration as a tuple in REGISTRATION_FIELDS order, kelurahan by name."""
    names = {kel.code: kel.name for k in load_wilayah().kecamatan for kel in k.kelurahan}
    result = connection.execute(query, execution_options={"yield_per": BATCH_SIZE})
    for (
        title, status, rank, registered_at, name, phone, kelurahan_code, business_type, attended,
    ) in result:  # fmt: skip
        yield (
            title, status, rank if status == "waitlisted" else None, registered_at, name, phone,
            names.get(kelurahan_code, kelurahan_code), business_type, bool(attended),
        )  # fmt: skip


def export_rsvps(
    *,
    engine: Engine,
    fmt: Literal["csv", "xlsx", "json"],
    out: BinaryIO,
    filters: AspirationFilter = AspirationFilter(),  # noqa: B008 - frozen, so shared safely
    progress: Progress | None = None,
) -> int:
    """Forum RSVPs matching ``filters``, by forum then answer time; returns the count.

    Filters: ``since``/``until`` (day of the forum, WIB), ``kecamatan`` (the
    resident's home kecamatan, as exported); ``status`` and ``category`` do not
    apply. ``forum_type`` is the stored key (``musrenbang_kelurahan``…);
    ``resident_name``, ``kecamatan`` and ``kelurahan`` (official names) are given
    only for a resident who has consented, else null (JSON) or empty (CSV, XLSX).
    """
    check_format(fmt)
    query = _rsvps_query(filters)
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # one snapshot for the count and the rows
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        ticker = Ticker(progress, _count(connection, query) if progress else 0)
        rows = _rsvp_rows(connection, query)
        if fmt == "json":
            records = (dict(zip(RSVP_FIELDS, row, strict=True)) for row in rows)
            return ticker.finish(write_json(ticker.count(records), out))
        writer = write_csv if fmt == "csv" else write_xlsx
        return ticker.finish(writer(RSVPS, ticker.count(rows), out))


def _rsvps_query(filters: AspirationFilter) -> Select[Any]:
    """Validates ``filters`` (ExportError) and selects one row per RSVP.

    The name and home area are selected only for a resident who consented.
    """
    rsvp, forum, resident = ForumRsvp, ForumEvent, Resident
    start, end = day_bounds(filters)
    _reject(filters, "status", RSVPS)
    _reject(filters, "category", RSVPS)
    consented = col(resident.consent_at).is_not(None)
    kecamatan = case((consented, col(resident.home_kecamatan_code)))
    query = (
        select(
            col(forum.title),
            col(forum.forum_type),
            col(forum.starts_at),
            col(rsvp.answer),
            col(rsvp.answered_at),
            case((consented, col(resident.display_name))).label("resident_name"),
            kecamatan.label("kecamatan"),
            case((consented, col(resident.home_kelurahan_code))).label("kelurahan"),
        )
        .join(forum, col(forum.id) == col(rsvp.forum_id))
        .outerjoin(resident, col(resident.id) == col(rsvp.resident_id))
        .order_by(col(forum.starts_at), col(forum.id), col(rsvp.answered_at), col(rsvp.id))
    )
    if start:
        query = query.where(col(forum.starts_at) >= start)
    if end:
        query = query.where(col(forum.starts_at) < end)
    if filters.kecamatan:
        query = query.where(kecamatan == kecamatan_code_of(filters.kecamatan))
    return query


def _rsvp_rows(connection: Connection, query: Select[Any]) -> Iterator[tuple[Any, ...]]:
    """Each RSVP as a tuple in RSVP_FIELDS order, kecamatan and kelurahan by name."""
    wilayah = load_wilayah()
    kecamatan_names = {k.code: k.name for k in wilayah.kecamatan}
    kelurahan_names = {kel.code: kel.name for k in wilayah.kecamatan for kel in k.kelurahan}
    result = connection.execute(query, execution_options={"yield_per": BATCH_SIZE})
    for title, forum_type, starts_at, answer, answered_at, name, kecamatan, kelurahan in result:
        yield (
            title, forum_type, starts_at, answer, answered_at, name,
            kecamatan_names.get(kecamatan, kecamatan), kelurahan_names.get(kelurahan, kelurahan),
        )  # fmt: skip


def _reject(filters: AspirationFilter, name: str, layout: Layout) -> None:
    if getattr(filters, name):
        raise ExportError(f"--{name} does not apply to {layout.kind}")
