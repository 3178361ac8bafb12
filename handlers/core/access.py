"""Who may do what: one check for every privileged command and flow.

Roles come from the config file (passed in at start-up) and from grants stored
in the database. An admin may do everything staff and facilitators may. A unit's
officer (``petugas_opd``, granted in the database) acts only for the units (OPD)
their ``OpdOfficer`` rows name: ``units`` is that scope, checked on every object.

A refusal is logged with the channel and a short reference, never the identity.
The reference is an HMAC under a key that exists only in this process's memory:
repeated attempts from one account read as one within a run, yet nobody can
link it to an identity, not even with the database, and nothing of it outlives
the process, let alone a resident's erasure. (A hash of the identity, keyed or
not, could be recomputed from a known chat id or phone number by whoever holds
the key.)
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from handlers.core.flow import Ctx
from storage.opd import units_of
from storage.roles import roles_of

logger = logging.getLogger(__name__)

_LOG_KEY = secrets.token_bytes(32)  # never stored: see the module docstring


def roles(ctx: Ctx) -> frozenset[str]:
    identity = ctx.resident.identity
    configured = ctx.settings.config_roles.get(identity, frozenset())
    return configured | roles_of(session=ctx.session, identity=identity)


def has_role(ctx: Ctx, role: str) -> bool:
    held = roles(ctx)
    return role in held or "admin" in held


def units(ctx: Ctx) -> frozenset[str]:
    """The units whose aspirations the resident may see and act on as their
    officer: none without the ``petugas_opd`` role (or admin), whatever rows say."""
    if not has_role(ctx, "petugas_opd"):
        return frozenset()
    return units_of(session=ctx.session, identity=ctx.resident.identity)


def allow(ctx: Ctx, role: str, what: str) -> bool:
    """True when the resident holds ``role``; otherwise a polite refusal, logged."""
    if has_role(ctx, role):
        return True
    logger.warning(
        "refused %s (needs %s) for a %s resident, ref %s",
        what,
        role,
        ctx.inbound.channel,
        log_reference(ctx.resident.identity),
    )
    ctx.invalid(ctx.t("access.denied"))
    return False


def log_reference(identity: str) -> str:
    """A short reference to ``identity`` for log lines, stable for this process only."""
    return hmac.new(_LOG_KEY, identity.encode(), hashlib.sha256).hexdigest()[:10]
