"""Konsol's logins: one-time links and server-side sessions (``storage.models.web``).

A link's token and a session's id are random (``secrets.token_urlsafe(32)``) and
stored only as their SHA-256. A link is valid for ``LINK_VALIDITY`` and used once:
the compare-and-set on ``used_at`` lets one of two browsers opening it at once
win. A session ends after ``idle`` without a request, at "Keluar", or when an
admin ends every session of an identity. Logins, logouts, ended sessions and
refused links are audited. Time is always passed in."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from storage.audit import record
from storage.models import WebLoginToken, WebSession

LINK_VALIDITY = timedelta(minutes=10)
LINKS_PER_HOUR = 5  # links asked for in chat, per identity (the CLI is not limited)


class TooManyLinks(Exception):
    """More login links asked for in the last hour than ``LINKS_PER_HOUR``."""


def digest(secret: str) -> str:
    """What is stored of a token or session id: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def links_since(*, session: Session, identity: str, since: datetime) -> int:
    """How many login links ``identity`` was given from ``since`` on."""
    query = select(func.count()).where(
        col(WebLoginToken.identity) == identity, col(WebLoginToken.created_at) >= since
    )
    return int(session.exec(query).one())


def issue_link(
    *, session: Session, identity: str, via: str, now: datetime, per_hour: int | None = None
) -> str:
    """A new one-time token for ``identity`` (only its hash is kept), audited with
    where it was asked for (``via``: "chat" or "cli"); with ``per_hour``,
    TooManyLinks once that many were issued in the last hour."""
    if per_hour is not None:
        recent = links_since(session=session, identity=identity, since=now - timedelta(hours=1))
        if recent >= per_hour:
            raise TooManyLinks(identity)
    token = secrets.token_urlsafe(32)
    session.add(
        WebLoginToken(
            token_hash=digest(token),
            identity=identity,
            created_at=now,
            expires_at=now + LINK_VALIDITY,
        )
    )
    record(session=session, actor=identity, action="web_link", details={"via": via}, now=now)
    return token


def peek_link(*, session: Session, token: str, now: datetime) -> str | None:
    """The identity a still usable link is for, without using it; None (audited,
    with why) when it is unknown, used already or expired."""
    found = session.exec(
        select(WebLoginToken).where(WebLoginToken.token_hash == digest(token))
    ).first()
    if found is not None and found.used_at is None and found.expires_at > now:
        return found.identity
    _refused(session, found, now)
    return None


def use_link(*, session: Session, token: str, now: datetime) -> str | None:
    """The identity the link was for, marking it used (once: a compare-and-set);
    None (audited, with why) when it is unknown, used already or expired."""
    hashed = digest(token)
    claimed = session.execute(
        update(WebLoginToken)
        .where(
            col(WebLoginToken.token_hash) == hashed,
            col(WebLoginToken.used_at).is_(None),
            col(WebLoginToken.expires_at) > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    found = session.exec(select(WebLoginToken).where(WebLoginToken.token_hash == hashed)).first()
    if claimed.rowcount == 1 and found is not None:  # type: ignore[attr-defined]
        return found.identity
    _refused(session, found, now)
    return None


def _refused(session: Session, found: WebLoginToken | None, now: datetime) -> None:
    details: dict[str, Any] = {"reason": "unknown"}
    if found is not None:
        details = {"reason": "used" if found.used_at else "expired", "identity": found.identity}
    record(session=session, actor="web", action="web_link_refused", details=details, now=now)


def open_session(*, session: Session, identity: str, now: datetime) -> str:
    """A new session for ``identity``; returns its id (the cookie), audited as a login."""
    raw = secrets.token_urlsafe(32)
    session.add(
        WebSession(session_hash=digest(raw), identity=identity, created_at=now, last_seen_at=now)
    )
    record(session=session, actor=identity, action="web_login", details={}, now=now)
    return raw


def current_session(
    *, session: Session, raw: str, now: datetime, idle: timedelta
) -> WebSession | None:
    """The live session whose id is ``raw``, its ``last_seen_at`` moved to ``now``;
    None when unknown, ended, or idle for ``idle`` or longer."""
    if not raw:
        return None
    found = session.exec(
        select(WebSession).where(
            WebSession.session_hash == digest(raw), col(WebSession.ended_at).is_(None)
        )
    ).first()
    if found is None or found.last_seen_at + idle <= now:
        return None
    found.last_seen_at = now
    session.add(found)
    return found


def end_session(*, session: Session, raw: str, now: datetime) -> bool:
    """End the session whose id is ``raw`` ("Keluar"); False when it was not live."""
    found = session.exec(
        select(WebSession).where(
            WebSession.session_hash == digest(raw), col(WebSession.ended_at).is_(None)
        )
    ).first()
    if found is None:
        return False
    found.ended_at = now
    session.add(found)
    record(session=session, actor=found.identity, action="web_logout", details={}, now=now)
    return True


def end_sessions_of(*, session: Session, identity: str, actor: str, now: datetime) -> int:
    """End every live session of ``identity`` (an admin's act); how many ended."""
    live = session.exec(
        select(WebSession).where(
            WebSession.identity == identity, col(WebSession.ended_at).is_(None)
        )
    ).all()
    for found in live:
        found.ended_at = now
        session.add(found)
    record(
        session=session,
        actor=actor,
        action="web_sessions_ended",
        details={"identity": identity, "sessions": len(live)},
        now=now,
    )
    return len(live)
