"""Konsol, the staff web console: one-time login links and server-side sessions.

Neither table holds a usable secret: a link's token and a session's id are kept
only as their SHA-256 (``storage.web_sessions.digest``), so a copy of the
database (a backup) logs nobody in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from storage.models.common import when


class WebLoginToken(SQLModel, table=True):
    """A one-time login link for ``identity``: valid until ``expires_at``, used once
    (``used_at`` is set by a compare-and-set)."""

    __tablename__ = "web_login_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    identity: str = Field(max_length=80, index=True)
    created_at: datetime = when()
    expires_at: datetime = when()
    used_at: datetime | None = when(nullable=True)


class WebSession(SQLModel, table=True):
    """A console session opened with a login link. It ends after ``session_hours``
    without a request (from ``last_seen_at``), at "Keluar", or when an admin ends
    it (``ended_at``)."""

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    identity: str = Field(max_length=80, index=True)
    created_at: datetime = when()
    last_seen_at: datetime = when()
    ended_at: datetime | None = when(nullable=True)
