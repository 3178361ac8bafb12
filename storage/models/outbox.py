"""Outbound messages, each channel's shared send pace, and heavy chat jobs done
off the inbound path."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from storage.models.common import when

# "opted_out": an announcement not sent because the resident said BERHENTI meanwhile;
# "cancelled": its announcement was cancelled (or its forum moved) before it went out.
OUTBOX_STATUSES = ("pending", "sent", "failed", "unreachable", "opted_out", "cancelled")


class OutboxMessage(SQLModel, table=True):
    """One message to one recipient, written in the same transaction as its cause.

    Direct replies are claimed by the process that handled the update
    (``claimed_until``) and sent at once; anything left unsent (a crash, a failed
    send) is picked up again by the dispatcher once the claim has lapsed.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_due", "status", "due_at"),
        # WhatsApp delivery receipts find their row by the platform's message id
        Index("ix_outbox_message_external", "channel", "external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    recipient: str = Field(max_length=64, index=True)  # the platform's user id
    kind: str = Field(max_length=24)  # "reply", later status notifications, reminders…
    priority: int = 0  # lower goes first
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    due_at: datetime = when()
    claimed_until: datetime | None = when(nullable=True)
    claim: str | None = Field(default=None, max_length=32)  # who holds the lease
    created_at: datetime = when()
    sent_at: datetime | None = when(nullable=True)
    external_id: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=500)
    announcement_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("announcement.id", ondelete="SET NULL"), index=True, nullable=True
        ),
    )


class ChannelPace(SQLModel, table=True):
    """The send rate of one channel, shared by every dispatcher process: the next
    free send slot, and a pause after the platform said 429."""

    __tablename__ = "channel_pace"

    channel: str = Field(primary_key=True, max_length=16)
    next_slot_at: datetime = when()
    paused_until: datetime | None = when(nullable=True)


JOB_STATUSES = ("queued", "running", "done", "failed")


class ChatJob(SQLModel, table=True):
    """Heavy work asked for in chat (an export, statistics with a chart), done by a
    worker off the inbound path; the result goes to ``requested_by`` through the
    outbox. Claimed for a lease like outbox rows (``claimed_until``, ``claim``)."""

    __tablename__ = "chat_job"
    __table_args__ = (Index("ix_chat_job_due", "status", "claimed_until"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)  # "export", "stats"
    requested_by: str = Field(max_length=80, index=True)  # the staff member's identity
    language: str = Field(default="id", max_length=8)  # of the replies
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="queued", max_length=16)
    attempts: int = 0
    claimed_until: datetime | None = when(nullable=True)
    claim: str | None = Field(default=None, max_length=32)  # who holds the lease
    created_at: datetime = when()
    finished_at: datetime | None = when(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
