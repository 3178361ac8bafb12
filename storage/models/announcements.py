"""Announcements: one message to a segment of residents, fanned out in batches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from storage.models.common import when

SEGMENT_KINDS = (
    "everyone",
    "kecamatan",
    "kelurahan",
    "training",
    "forum_subscribers",
    "forum_rsvp",
)
ANNOUNCEMENT_STATUSES = ("scheduled", "fanning_out", "sent", "cancelled")


class Announcement(SQLModel, table=True):
    """One message to a segment of residents, now or at ``send_at``.

    The fan-out writes one outbox row per recipient in batches (``cursor`` is the
    last resident id written), so a six-figure segment never sits in memory or
    in one transaction. Forum reminders and notices are announcements too."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="announcement", max_length=24)  # or forum_reminder, forum_notice…
    text: str = Field(sa_column=Column(Text, nullable=False))  # as written by the facilitator
    # Messages the bot writes itself (forum reminders, notices) are a catalog key and
    # its parameters, put in each recipient's language at fan-out; ``text`` is then the
    # Indonesian version, for the sender's preview and status.
    template: str | None = Field(default=None, max_length=64)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    photo: str | None = Field(default=None, max_length=255)
    document: str | None = Field(default=None, max_length=255)
    segment_kind: str = Field(max_length=24)
    segment_value: str | None = Field(default=None, max_length=32)  # area code or id
    send_at: datetime = when()
    status: str = Field(default="scheduled", max_length=16, index=True)
    cursor: int = 0
    recipients: int = 0  # outbox rows written so far
    forum_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("forum_event.id", ondelete="SET NULL"), index=True),
    )
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = when()
    fanned_out_at: datetime | None = when(nullable=True)
    cancelled_at: datetime | None = when(nullable=True)
