"""The audit trail: staff and admin actions and residents' data requests.

Entries say who acted, when and what, never whose data: no names, phone numbers
or residents' identities go into ``details``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage.models import AuditEntry

# The actor of a resident's own request: the resident is not named.
RESIDENT = "resident"
ACTIONS = (
    "status_change",
    "follow_up",  # a unit's tindak lanjut (storage.workflow.add_follow_up)
    "export",
    "role_grant",
    "role_revoke",
    "block",
    "unblock",
    "data_deleted",
    "consent_withdrawn",
    "data_exported",
    "privacy_purge",
    "opd_add",
    "opd_edit",
    "opd_activate",
    "opd_deactivate",
    "opd_grant",
    "opd_revoke",
    # Konsol (storage.web_sessions); staff identities only, never a resident's
    "web_link",
    "web_login",
    "web_link_refused",
    "web_logout",
    "web_sessions_ended",
    # Konsol's Pelatihan and Forum pages (bot/konsol/pages/pelatihan.py, forum.py)
    "training_create",
    "training_edit",
    "training_status",
    "training_attendance",
    "forum_create",
    "forum_move",
    "forum_cancel",
    "forum_result",
    # Konsol's Pengumuman (bot/konsol/pages/pengumuman.py): who composed or cancelled one
    "announcement_create",
    "announcement_cancel",
)


def record(
    *, session: Session, actor: str, action: str, details: dict[str, Any], now: datetime
) -> AuditEntry:
    """Add one entry to the trail, in the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(at=now, actor=actor, action=action, details=details)
    session.add(entry)
    return entry


def entries_since(*, session: Session, since: datetime | None = None) -> Sequence[AuditEntry]:
    """The trail from ``since`` on (everything when None), oldest first."""
    query = select(AuditEntry).order_by(col(AuditEntry.at), col(AuditEntry.id))
    if since is not None:
        query = query.where(col(AuditEntry.at) >= since)
    return session.exec(query).all()


def latest(*, session: Session, limit: int) -> Sequence[AuditEntry]:
    """The ``limit`` newest entries, newest first."""
    query = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    return session.exec(query.limit(limit)).all()
