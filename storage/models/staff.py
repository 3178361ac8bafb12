"""Staff and abuse control: role grants, the audit log and blocked identities."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.common import UTCDateTime, when

ROLES = ("admin", "staff", "facilitator", "petugas_opd")


class RoleGrant(SQLModel, table=True):
    """A role given in chat or the CLI (roles in the config file are not stored)."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("identity", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(max_length=80, index=True)
    role: str = Field(max_length=16)
    granted_by: str = Field(max_length=80)
    granted_at: datetime = when()


class AuditEntry(SQLModel, table=True):
    """A staff or admin action, or a resident's data request: who, when, what.

    ``details`` never holds personal data (no names, phones or residents' identities)."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor: str = Field(max_length=80)  # a staff identity, "cli", "scheduler" or "resident"
    action: str = Field(max_length=32)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class BlockedIdentity(SQLModel, table=True):
    """An identity the bot ignores (floods, abuse); told once, then silence."""

    __tablename__ = "blocked_identity"

    identity: str = Field(primary_key=True, max_length=80)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    blocked_by: str = Field(max_length=80)
    blocked_at: datetime = when()
    notified_at: datetime | None = when(nullable=True)
