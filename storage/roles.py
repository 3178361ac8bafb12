"""Roles granted in chat or the CLI; the config file's roles are added by the caller."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from storage.audit import record
from storage.models import ROLES, RoleGrant


class UnknownRole(ValueError):
    """Not one of ``ROLES``; ``role`` is the one asked for. ``str()`` is one English line."""

    def __init__(self, role: str) -> None:
        super().__init__(f"unknown role {role!r}; roles are: {', '.join(ROLES)}")
        self.role = role


def _check(role: str) -> None:
    if role not in ROLES:
        raise UnknownRole(role)


def grant_role(
    *, session: Session, identity: str, role: str, granted_by: str, now: datetime
) -> bool:
    """Give ``role`` to ``identity``; False when they already had it."""
    _check(role)
    if roles_of(session=session, identity=identity) & {role}:
        return False
    session.add(RoleGrant(identity=identity, role=role, granted_by=granted_by, granted_at=now))
    _audit(session, granted_by, "role_grant", identity, role, now)
    return True


def revoke_role(
    *,
    session: Session,
    identity: str,
    role: str,
    actor: str = "cli",
    now: datetime | None = None,
) -> bool:
    """Take ``role`` away; False when it was not granted (in the database)."""
    _check(role)
    grant = session.exec(
        select(RoleGrant).where(RoleGrant.identity == identity, RoleGrant.role == role)
    ).first()
    if grant is None:
        return False
    session.delete(grant)
    _audit(session, actor, "role_revoke", identity, role, now or datetime.now(UTC))
    return True


def _audit(
    session: Session, actor: str, action: str, identity: str, role: str, now: datetime
) -> None:
    """Roles are held by staff, whose identities the trail may name."""
    record(
        session=session,
        actor=actor,
        action=action,
        details={"identity": identity, "role": role},
        now=now,
    )


def roles_of(*, session: Session, identity: str) -> frozenset[str]:
    return frozenset(
        session.exec(select(RoleGrant.role).where(RoleGrant.identity == identity)).all()
    )


def all_grants(*, session: Session) -> Sequence[RoleGrant]:
    return session.exec(
        select(RoleGrant).order_by(col(RoleGrant.role), col(RoleGrant.identity))
    ).all()
