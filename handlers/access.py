"""Who may do what: one check for every privileged command and flow.

Roles come from the config file (passed in at start-up) and from grants stored
in the database. An admin may do everything staff and facilitators may.
"""

from __future__ import annotations

import hashlib
import logging

from handlers.flow import Ctx
from storage.roles import roles_of

logger = logging.getLogger(__name__)


def roles(ctx: Ctx) -> frozenset[str]:
    identity = ctx.resident.identity
    configured = ctx.settings.config_roles.get(identity, frozenset())
    return configured | roles_of(session=ctx.session, identity=identity)


def has_role(ctx: Ctx, role: str) -> bool:
    held = roles(ctx)
    return role in held or "admin" in held


def allow(ctx: Ctx, role: str, what: str) -> bool:
    """True when the resident holds ``role``; otherwise a polite refusal, logged."""
    if has_role(ctx, role):
        return True
    who = hashlib.sha256(ctx.resident.identity.encode()).hexdigest()[:12]
    logger.warning("refused %s (needs %s) for resident %s", what, role, who)
    ctx.invalid(ctx.t("access.denied"))
    return False
