"""Training registrations (DESIGN.md section 5).

A resident's name and phone number leave the database only when the
registration's resident still exists and has given consent; otherwise they are
null (JSON) or empty (CSV, XLSX).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Select, and_, case, func, or_, select, true
from sqlmodel import col

from storage.exports.base import (
    AspirationFilter,
    Column,
    Layout,
    area_names,
    day_bounds,
    kecamatan_code_of,
    one_of,
    reject,
)
from storage.exports.dataset import DataSet
from storage.models import Resident, TrainingProgram, TrainingRegistration
from storage.wilayah import load_wilayah

BATCH_SIZE = 500  # rows per fetch

REGISTRATION_STATUSES = ("registered", "waitlisted", "cancelled", "attended")

LAYOUT = Layout(
    kind="registrations",
    sheet="Pendaftaran",
    columns=(
        Column("registration_id", "ID pendaftaran", 15, "number"),
        Column("program_id", "ID program", 11, "number"),
        Column("program", "Program", 32),
        Column("status", "Status", 13, "label", words="export.registration_"),
        Column("waitlist_position", "Nomor antrean", 14, "number"),
        Column("registered_at", "Waktu daftar", 17, "time"),
        Column("resident_name", "Nama warga", 24),
        Column("phone", "Nomor HP", 16),
        Column("kelurahan", "Kelurahan", 20, "label"),
        Column("business_type", "Jenis usaha", 22),
        Column("attended", "Hadir", 8, "bool"),
    ),
)
REGISTRATION_FIELDS = LAYOUT.fields


class RegistrationExport(DataSet):
    """Training registrations matching ``filters``, by program then time.

    Filters: ``since``/``until`` (registration day, WIB), ``status`` (one of
    REGISTRATION_STATUSES, as exported), ``kecamatan`` (that of the registration's
    kelurahan); ``category`` does not apply.

    ``status`` is ``cancelled`` for a cancelled registration and for every
    registration of a cancelled program, else ``attended`` for a seat marked
    present, else the stored ``registered`` or ``waitlisted``;
    ``waitlist_position`` is the current rank among those waiting (1 = next to
    get a seat), empty for everyone else.
    """

    layout = LAYOUT

    def query(self, filters: AspirationFilter) -> Select[Any]:
        """One row per registration; name and phone only for a resident who
        exists and consented."""
        reg, program, resident = TrainingRegistration, TrainingProgram, Resident
        start, end = day_bounds(filters)
        reject(filters, "category", self.kind)
        reject(filters, "opd", self.kind)
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
                    partition_by=col(reg.program_id),
                    order_by=(col(reg.waitlist_position), col(reg.id)),
                )
                .label("rank"),
            )
            .where(col(reg.status) == "waitlisted")
            .subquery("waiting")
        )
        consented = col(resident.consent_at).is_not(None)
        query = (
            select(
                col(reg.id),
                col(program.id).label("program_id"),
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

    def rows(self, connection: Connection, query: Select[Any]) -> Iterator[tuple[Any, ...]]:
        """Kelurahan by name; the rank only for a registration still waiting; the
        ids let staff match a row with the CLI and Konsol (attendance, cancel)."""
        names = area_names()[1]
        result = connection.execute(query, execution_options={"yield_per": BATCH_SIZE})
        for (
            registration_id, program_id, title, status, rank, registered_at, name, phone,
            kelurahan_code, business_type, attended,
        ) in result:  # fmt: skip
            yield (
                registration_id, program_id, title, status,
                rank if status == "waitlisted" else None, registered_at, name, phone,
                names.get(kelurahan_code, kelurahan_code), business_type, bool(attended),
            )  # fmt: skip


REGISTRATIONS = RegistrationExport()
export_registrations = REGISTRATIONS.export
