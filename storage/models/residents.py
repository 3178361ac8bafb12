"""Residents and what the bot keeps about talking to them: the resident, where they
stand in a flow, the updates already handled, and the installation's own secret."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, String
from sqlmodel import Field, SQLModel

from storage.limits import RESIDENT
from storage.models.common import when


class Resident(SQLModel, table=True):
    """One person on one channel. Personal fields stay empty without consent."""

    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(sa_column=Column(String(80), unique=True, nullable=False))
    channel: str = Field(max_length=16)
    display_name: str | None = Field(default=None, max_length=RESIDENT.profile_name.maximum)
    language: str = Field(default="id", max_length=8)
    language_chosen: bool = False
    english_offered: bool = False
    home_kecamatan_code: str | None = Field(default=None, max_length=16)
    home_kelurahan_code: str | None = Field(default=None, max_length=16)
    onboarded_at: datetime | None = when(nullable=True)
    consent_at: datetime | None = when(nullable=True)
    consent_version: str | None = Field(default=None, max_length=16)
    created_at: datetime = when()
    last_seen_at: datetime = when()
    unreachable_at: datetime | None = when(nullable=True)  # blocked the bot
    phone: str | None = Field(default=None, max_length=20)  # E.164, given at a registration
    announcements_off_at: datetime | None = when(nullable=True)  # said BERHENTI / STOP
    # Flood control, kept here so every process sees it: messages counted since
    # ``flood_window_at``, and none taken until ``flood_until`` after too many.
    flood_window_at: datetime | None = when(nullable=True)
    flood_count: int = 0
    flood_until: datetime | None = when(nullable=True)
    # The daily cap on new aspirations: how many were sent on ``aspirations_day``
    # (a WIB date, YYYY-MM-DD); counted here, as unlinked ones have no resident_id.
    aspirations_day: str | None = Field(default=None, max_length=10)
    aspirations_count: int = 0

    @property
    def has_consent(self) -> bool:
        return self.consent_at is not None


class Conversation(SQLModel, table=True):
    """Where one resident stands in one flow; ``version`` guards concurrent writers."""

    channel: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(primary_key=True, max_length=64)
    flow: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prompt_id: int = 0
    version: int = 0
    expires_at: datetime = when()
    updated_at: datetime = when()


class ProcessedUpdate(SQLModel, table=True):
    """An inbound update already handled: redelivery does nothing twice.

    ``update_key`` is a keyed fingerprint (``storage.conversations.update_fingerprint``),
    never the platform's id, which embeds chat ids and phone numbers."""

    __tablename__ = "processed_update"

    channel: str = Field(primary_key=True, max_length=16)
    update_key: str = Field(primary_key=True, max_length=64)
    processed_at: datetime = when()


class InstallationSecret(SQLModel, table=True):
    """A random secret made once per installation (database), never shown or
    exported: the key of the fingerprints kept instead of personal ids."""

    __tablename__ = "installation_secret"

    name: str = Field(primary_key=True, max_length=32)
    value: bytes = Field(sa_column=Column(LargeBinary(), nullable=False))
