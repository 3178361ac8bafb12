"""Forums (musrenbang, forum warga, sosialisasi), their subscribers, RSVPs and
planned reminders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.limits import FORUM
from storage.models.common import when

FORUM_TYPES = (
    "musrenbang_kelurahan",
    "musrenbang_kecamatan",
    "musrenbang_kota",
    "forum_warga",
    "sosialisasi",
    "lainnya",
)
FORUM_STATUSES = ("scheduled", "moved", "cancelled", "held")
RSVP_ANSWERS = ("hadir", "tidak", "mungkin")


class ForumEvent(SQLModel, table=True):
    """A musrenbang, forum warga or sosialisasi: when, where, for which area."""

    __tablename__ = "forum_event"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=FORUM.title.maximum)
    forum_type: str = Field(default="forum_warga", max_length=24)
    starts_at: datetime = when()
    place: str = Field(default="", max_length=FORUM.place.maximum)
    agenda: str = Field(default="", sa_column=Column(Text, nullable=False))
    area_level: str = Field(default="kota", max_length=16)
    area_code: str | None = Field(default=None, max_length=16)
    status: str = Field(default="scheduled", max_length=16, index=True)
    summary: str | None = Field(default=None, sa_column=Column(Text))  # "hasil forum"
    summary_at: datetime | None = when(nullable=True)
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = when()
    updated_at: datetime = when()


class ForumSubscription(SQLModel, table=True):
    """A resident wants reminders of forums for their kelurahan, kecamatan or the city.

    The area is the resident's home at send time, so moving house moves it too."""

    __tablename__ = "forum_subscription"
    __table_args__ = (UniqueConstraint("resident_id", "scope"),)

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), nullable=False)
    )
    scope: str = Field(max_length=16)  # one of AREA_LEVELS
    created_at: datetime = when()


class ForumRsvp(SQLModel, table=True):
    """Hadir / tidak / mungkin: one answer per resident and forum, changeable."""

    __tablename__ = "forum_rsvp"
    __table_args__ = (UniqueConstraint("forum_id", "resident_id"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("forum_event.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), nullable=False)
    )
    answer: str = Field(max_length=8)
    answered_at: datetime = when()


class ForumReminder(SQLModel, table=True):
    """A forum reminder already planned: one per forum, offset and start."""

    __tablename__ = "forum_reminder"
    __table_args__ = (UniqueConstraint("forum_id", "offset_minutes", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(
        sa_column=Column(Integer, ForeignKey("forum_event.id", ondelete="CASCADE"), nullable=False)
    )
    offset_minutes: int
    starts_at: datetime = when()
    announcement_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("announcement.id", ondelete="SET NULL")),
    )
    created_at: datetime = when()
