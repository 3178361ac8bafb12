"""Who may use Konsol: an identity holding a role, from the config file (``[roles]``)
or granted in the database. An admin holds every role."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from storage.roles import roles_of

CONSOLE_ROLES = ("admin", "staff", "facilitator", "petugas_opd")


def console_roles(
    *, session: Session, identity: str, config_roles: Mapping[str, frozenset[str]]
) -> frozenset[str]:
    """The roles ``identity`` holds (empty: no console for them)."""
    held = config_roles.get(identity, frozenset()) | roles_of(session=session, identity=identity)
    return held & frozenset(CONSOLE_ROLES)


def may(roles: frozenset[str], role: str) -> bool:
    return role in roles or "admin" in roles
