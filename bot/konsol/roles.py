"""Who may use Konsol: an identity holding a role, from the config file (``[roles]``)
or granted in the database. An admin holds every role."""

from __future__ import annotations

from collections.abc import Mapping

from sqlmodel import Session

from storage.opd import units_of
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


def aspiration_units(
    *, session: Session, identity: str, roles: frozenset[str]
) -> frozenset[str] | None:
    """Which aspirations someone sees: None for all of them (city staff, admins),
    else the units they serve (an OPD officer: only their units' aspirations; an
    empty set for anyone else). Checked for every list and every single object."""
    if may(roles, "staff"):
        return None
    if "petugas_opd" in roles:
        return units_of(session=session, identity=identity)
    return frozenset()
