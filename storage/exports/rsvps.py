"""Forum RSVPs (DESIGN.md section 5).

The resident's name and home area leave the database only for a resident who
has consented; otherwise they are null (JSON) or empty (CSV, XLSX).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Select, case, select
from sqlmodel import col

from storage.exports.base import (
    AspirationFilter,
    Column,
    Layout,
    area_names,
    day_bounds,
    kecamatan_code_of,
    reject,
)
from storage.exports.dataset import DataSet
from storage.models import ForumEvent, ForumRsvp, Resident

BATCH_SIZE = 500  # rows per fetch

LAYOUT = Layout(
    kind="rsvps",
    sheet="Kehadiran Forum",
    columns=(
        Column("forum", "Forum", 32),
        Column("forum_type", "Jenis forum", 16, "label", words="forum.type_"),
        Column("forum_at", "Waktu forum", 17, "time"),
        Column("answer", "Jawaban", 12, "label", words="forum.rsvp_"),
        Column("answered_at", "Waktu jawab", 17, "time"),
        Column("resident_name", "Nama warga", 24),
        Column("kecamatan", "Kecamatan", 18, "label"),
        Column("kelurahan", "Kelurahan", 20, "label"),
    ),
)
RSVP_FIELDS = LAYOUT.fields


class RsvpExport(DataSet):
    """Forum RSVPs matching ``filters``, by forum then answer time.

    Filters: ``since``/``until`` (day of the forum, WIB), ``kecamatan`` (the
    resident's home kecamatan, as exported); ``status`` and ``category`` do not
    apply. ``forum_type`` is the stored key (``musrenbang_kelurahan``…);
    ``resident_name``, ``kecamatan`` and ``kelurahan`` (official names) are given
    only for a resident who has consented, else null (JSON) or empty (CSV, XLSX).
    """

    layout = LAYOUT

    def query(self, filters: AspirationFilter) -> Select[Any]:
        """One row per RSVP; the name and home area only for a resident who consented."""
        rsvp, forum, resident = ForumRsvp, ForumEvent, Resident
        start, end = day_bounds(filters)
        reject(filters, "status", self.kind)
        reject(filters, "category", self.kind)
        reject(filters, "opd", self.kind)
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

    def rows(self, connection: Connection, query: Select[Any]) -> Iterator[tuple[Any, ...]]:
        """Kecamatan and kelurahan by name."""
        kecamatan_names, kelurahan_names = area_names()
        result = connection.execute(query, execution_options={"yield_per": BATCH_SIZE})
        for title, forum_type, starts_at, answer, answered_at, name, kecamatan, kelurahan in result:
            yield (
                title, forum_type, starts_at, answer, answered_at, name,
                kecamatan_names.get(kecamatan, kecamatan),
                kelurahan_names.get(kelurahan, kelurahan),
            )  # fmt: skip


RSVPS = RsvpExport()
export_rsvps = RSVPS.export
