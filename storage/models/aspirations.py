"""Aspirations (complaints and proposals), their categories and status history."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from storage.models.common import when

ASPIRATION_STATUSES = (
    "diterima", "diverifikasi", "diteruskan", "diproses", "selesai", "ditolak", "spam", "duplik",
    "tunda", "bukan_wewenang", "arsip",
)  # fmt: skip
# The aspiration categories residents choose from (labels: ``category.<key>`` in the
# catalogs), in the order of the built-in menu and of statistics: what residents
# report most, the city's services grouped (roads, transport, water, environment,
# disasters, papers), then the rest, "lainnya" last. The Literal types the
# ``[[aspiration.categories]]`` setting (bot/config/features.py).
CategoryKey = Literal[
    "infrastruktur",
    "perhubungan",
    "air",
    "lingkungan",
    "bencana",
    "kependudukan",
    "pelayanan",
    "kesehatan",
    "pendidikan",
    "sosial",
    "ekonomi",
    "keamanan",
    "lainnya",
]
CATEGORY_KEYS: tuple[str, ...] = get_args(CategoryKey)


class Aspiration(SQLModel, table=True):
    """A complaint or proposal from a resident, followed through its status workflow."""

    # Konsol's list (migration 0014): by status with the newest first; on PostgreSQL
    # its free text (ILIKE over the text, a code's start) from a trigram index.
    __table_args__ = (
        Index("ix_aspiration_status_created_at", "status", "created_at"),
        Index(
            "ix_aspiration_search",
            "text",
            "code",
            postgresql_using="gin",
            postgresql_ops={"text": "gin_trgm_ops", "code": "gin_trgm_ops"},
            info={"dialects": ("postgresql",)},
        ).ddl_if(dialect="postgresql"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    resident_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="SET NULL"), index=True),
    )
    channel: str = Field(max_length=16)
    category: str = Field(max_length=32, index=True)
    kecamatan_code: str = Field(max_length=16, index=True)
    kelurahan_code: str = Field(max_length=16, index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    language: str = Field(max_length=8)
    anonymous: bool = True
    photo_path: str | None = Field(default=None, max_length=255)
    # A voice note (``bot.voices``): an attachment, or the whole text when the
    # resident spoke instead of typing; its length in seconds where known.
    voice_path: str | None = Field(default=None, max_length=255)
    voice_seconds: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    status: str = Field(default="diterima", max_length=16, index=True)
    created_at: datetime = when(index=True)
    updated_at: datetime = when()
    rating: int | None = None  # 1–5, the resident's evaluation once it is selesai
    rating_comment: str | None = Field(default=None, sa_column=Column(Text))
    rated_at: datetime | None = when(nullable=True)
    duplicate_of: str | None = Field(default=None, max_length=16, index=True)  # code, when duplik
    # The unit (``Opd.code``) it was disposed to at ``diteruskan``; kept while the
    # unit works on it, cleared when the unit returns it to the city staff.
    opd_code: str | None = Field(default=None, max_length=24, index=True)
    # How much work completing it is (``storage.sla.GRADES``); None: the category's.
    grade: str | None = Field(default=None, max_length=16)
    held_status: str | None = Field(default=None, max_length=16)  # the status a tunda resumes
    tunda_count: int = 0
    # The service clocks (``storage.sla``), written at every change: each stage's
    # due time (kept once met; None before it starts or while on hold), the
    # earliest due time of a stage still running (so "what is overdue" is one
    # indexed query) and the stages found past due ("verify,response").
    verify_due_at: datetime | None = when(nullable=True)
    response_due_at: datetime | None = when(nullable=True)
    completion_due_at: datetime | None = when(nullable=True)
    next_due_at: datetime | None = when(nullable=True, index=True)
    breached: str = Field(default="", max_length=48)


class AspirationStatusChange(SQLModel, table=True):
    """One step of an aspiration's history: the status, when, who and the note."""

    __tablename__ = "aspiration_status_change"

    id: int | None = Field(default=None, primary_key=True)
    aspiration_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("aspiration.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    status: str = Field(max_length=16)
    at: datetime = when()
    actor: str | None = Field(default=None, max_length=80)
    note: str | None = Field(default=None, sa_column=Column(Text))
    opd_code: str | None = Field(default=None, max_length=24)  # the unit, at diteruskan


class AspirationNote(SQLModel, table=True):
    """What is said about an aspiration besides its status: a unit's follow-up
    (``tindak_lanjut``) the resident reads, a question staff ask the resident
    while it is on hold (``pertanyaan``) and the resident's answer (``jawaban``,
    text, photo, location or a voice note)."""

    __tablename__ = "aspiration_note"

    id: int | None = Field(default=None, primary_key=True)
    aspiration_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("aspiration.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    kind: str = Field(max_length=16)
    at: datetime = when()
    actor: str | None = Field(default=None, max_length=80)  # None: the resident
    opd_code: str | None = Field(default=None, max_length=24)  # the unit that wrote it
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    photo_path: str | None = Field(default=None, max_length=255)
    latitude: float | None = None
    longitude: float | None = None
    # an answer spoken instead of typed (``bot.voices``), and its length where known
    voice_path: str | None = Field(default=None, max_length=255)
    voice_seconds: int | None = None
