"""Peran (admins only): who holds which role, granting and revoking roles, and the
live console sessions.

- Roles from the config file (``[roles]``) are shown read-only: only the file
  changes them.
- Grants and revokes go through the functions ``siantar role grant/revoke`` uses
  (``storage.roles``; ``petugas_opd`` always with its units through
  ``storage.opd.grant_officer``/``revoke_officer``), so the audit trail reads the
  same, with the admin as the actor.
- Revoking asks first (a page with one button); "Akhiri sesi" ends every live
  session of an identity (``storage.web_sessions.end_sessions_of``, audited).
- No admin locks themselves out by accident: revoking one's own admin role and
  ending one's own sessions are refused with a message (another admin can; to
  leave, "Keluar").
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from handlers.staff.roles import IDENTITY
from storage.console_access import find_grant, grants, live_sessions
from storage.models import ROLES
from storage.opd import OFFICER, UnitError, check_code, grant_officer, revoke_officer, units
from storage.roles import grant_role, revoke_role
from storage.web_sessions import end_sessions_of

if TYPE_CHECKING:
    from bot.konsol.app import Konsol, Visitor

logger = logging.getLogger(__name__)

DONE = ("granted", "already", "revoked", "revoked_config", "ended")  # ?selesai=… after a change
UNIT_SPLIT = re.compile(r"[\s,;]+")


def unit_codes(text: str) -> list[str]:
    """The unit codes typed in one field ("PUPR, DLH" or "PUPR DLH")."""
    return [code for code in UNIT_SPLIT.split(text.strip()) if code][:20]


def routes(k: Konsol) -> list[BaseRoute]:
    def load(session: Session) -> dict[str, Any]:
        return {
            "grants": grants(session=session),
            "sessions": live_sessions(session=session, now=k.now(), idle=k.idle),
            "units": [unit.code for unit in units(session=session)],
        }

    async def draw(
        visitor: Visitor,
        *,
        status: int = 200,
        form: dict[str, str] | None = None,
        problems: list[tuple[str, dict[str, str]]] | None = None,
        done: str = "",
    ) -> Response:
        config = sorted(
            (identity, role) for identity, held in k.config_roles.items() for role in held
        )
        return k.page(
            "peran.html",
            visitor,
            status=status,
            active="peran",
            config=config,
            roles=ROLES,
            form=form or {"identitas": "", "peran": "staff", "unit": ""},
            problems=problems or [],
            done=done if done in DONE else "",
            **await k.work(load),
        )

    async def page(request: Request, visitor: Visitor) -> Response:
        return await draw(visitor, done=request.query_params.get("selesai", ""))

    async def grant(request: Request, visitor: Visitor) -> Response:
        fields = await k.form(request, visitor)
        form = {
            "identitas": fields.get("identitas", "").strip()[:120],
            "peran": fields.get("peran", ""),
            "unit": fields.get("unit", "").strip()[:200],
        }
        identity, role, codes = form["identitas"], form["peran"], unit_codes(form["unit"])
        problems: list[tuple[str, dict[str, str]]] = []
        if not IDENTITY.match(identity):
            problems.append(("konsol.peran.bad_identity", {}))
        if role not in ROLES:
            problems.append(("konsol.peran.bad_role", {}))
        elif role == OFFICER and not codes:
            problems.append(("konsol.peran.unit_needed", {}))
        elif role != OFFICER and codes:
            problems.append(("konsol.peran.unit_only_officer", {}))
        for code in codes if role == OFFICER else []:
            try:
                check_code(code)
            except UnitError:
                problems.append(("konsol.peran.unit_unknown", {"code": code}))
        if problems:
            return await draw(visitor, status=400, form=form, problems=problems)

        def give(session: Session) -> bool:
            if role == OFFICER:
                new, added = grant_officer(
                    session=session,
                    identity=identity,
                    codes=codes,
                    actor=visitor.identity,
                    now=k.now(),
                )
                return new or bool(added)
            return grant_role(
                session=session,
                identity=identity,
                role=role,
                granted_by=visitor.identity,
                now=k.now(),
            )

        try:
            changed = await k.work(give)
        except UnitError as problem:  # unknown or inactive: nothing was granted
            found = [("konsol.peran.unit_unknown", {"code": problem.code or form["unit"]})]
            return await draw(visitor, status=400, form=form, problems=found)
        return k.back_to("/konsol/peran?selesai=" + ("granted" if changed else "already"))

    def own_admin(visitor: Visitor, identity: str, role: str) -> bool:
        return identity == visitor.identity and role == "admin"

    async def ask_revoke(request: Request, visitor: Visitor) -> Response:
        identity = request.query_params.get("identitas", "")
        role = request.query_params.get("peran", "")
        if own_admin(visitor, identity, role):
            return await draw(visitor, status=409, problems=[("konsol.peran.own_admin", {})])
        grant = await k.work(lambda s: find_grant(session=s, identity=identity, role=role))
        if grant is None:
            return k.not_found(visitor)
        return k.page("peran_cabut.html", visitor, active="peran", identity=identity, role=role)

    async def revoke(request: Request, visitor: Visitor) -> Response:
        fields = await k.form(request, visitor)
        identity, role = fields.get("identitas", ""), fields.get("peran", "")
        if role not in ROLES:
            return k.not_found(visitor)
        if own_admin(visitor, identity, role):
            return await draw(visitor, status=409, problems=[("konsol.peran.own_admin", {})])

        def take(session: Session) -> bool:
            if role == OFFICER:
                taken, gone = revoke_officer(
                    session=session, identity=identity, actor=visitor.identity, now=k.now()
                )
                return gone or bool(taken)
            return revoke_role(
                session=session, identity=identity, role=role, actor=visitor.identity, now=k.now()
            )

        if not await k.work(take):
            return k.not_found(visitor)
        logger.info("konsol: %s revoked %s from %s", visitor.identity, role, identity)
        still = role in k.config_roles.get(identity, frozenset())  # as the CLI notes
        return k.back_to("/konsol/peran?selesai=" + ("revoked_config" if still else "revoked"))

    async def end_sessions(request: Request, visitor: Visitor) -> Response:
        fields = await k.form(request, visitor)
        identity = fields.get("identitas", "")
        if not IDENTITY.match(identity):
            return k.not_found(visitor)
        if identity == visitor.identity:
            return await draw(visitor, status=409, problems=[("konsol.peran.own_sessions", {})])
        await k.work(
            lambda s: end_sessions_of(
                session=s, identity=identity, actor=visitor.identity, now=k.now()
            )
        )
        return k.back_to("/konsol/peran?selesai=ended")

    return [
        Route("/peran", k.guard("peran", page), methods=["GET"]),
        Route("/peran/beri", k.guard("peran", grant), methods=["POST"]),
        Route("/peran/cabut", k.guard("peran", ask_revoke), methods=["GET"]),
        Route("/peran/cabut", k.guard("peran", revoke), methods=["POST"]),
        Route("/peran/sesi", k.guard("peran", end_sessions), methods=["POST"]),
    ]
