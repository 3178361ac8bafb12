"""Konsol's Peran page: who holds a role by a database grant (with an officer's
units) and which console sessions are live. Changes go through
``storage.roles``, ``storage.opd`` and ``storage.web_sessions``, as in the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from storage.models import OpdOfficer, RoleGrant, WebSession
from storage.roles import all_grants


@dataclass(frozen=True)
class Grant:
    identity: str
    role: str
    granted_by: str
    granted_at: datetime
    units: tuple[str, ...]  # an officer's unit codes; () for other roles


@dataclass(frozen=True)
class LiveSession:
    identity: str
    started: datetime
    last_seen: datetime
    expires: datetime  # when it ends without another request


def grants(*, session: Session) -> list[Grant]:
    """Every database grant by role, then identity; officers with their units."""
    held: dict[str, list[str]] = {}
    for row in session.exec(select(OpdOfficer).order_by(col(OpdOfficer.opd_code))).all():
        held.setdefault(row.identity, []).append(row.opd_code)
    return [_grant(row, held) for row in all_grants(session=session)]


def _grant(row: RoleGrant, held: dict[str, list[str]]) -> Grant:
    units = tuple(held.get(row.identity, ())) if row.role == "petugas_opd" else ()
    return Grant(row.identity, row.role, row.granted_by, row.granted_at, units)


def find_grant(*, session: Session, identity: str, role: str) -> RoleGrant | None:
    return session.exec(
        select(RoleGrant).where(RoleGrant.identity == identity, RoleGrant.role == role)
    ).first()


def live_sessions(*, session: Session, now: datetime, idle: timedelta) -> Sequence[LiveSession]:
    """Sessions not ended and used within ``idle`` of ``now``, by identity, then
    the most recently used first."""
    rows = session.exec(
        select(WebSession)
        .where(col(WebSession.ended_at).is_(None), col(WebSession.last_seen_at) > now - idle)
        .order_by(col(WebSession.identity), col(WebSession.last_seen_at).desc())
    ).all()
    return [
        LiveSession(row.identity, row.created_at, row.last_seen_at, row.last_seen_at + idle)
        for row in rows
    ]
