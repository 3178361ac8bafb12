"""Beranda: the numbers every role starts from (counts by status, new today and
this week, overdue by stage and by unit), scoped to an officer's units; the last
actions for admins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.konsol.roles import may
from storage.audit import latest
from storage.console_numbers import beranda_numbers
from storage.opd import units_of

if TYPE_CHECKING:
    from bot.konsol.app import Konsol, Visitor

AUDIT_SHOWN = 10  # the last actions on an admin's Beranda


def routes(k: Konsol) -> list[BaseRoute]:
    async def beranda(request: Request, visitor: Visitor) -> Response:
        def numbers(session: Session) -> dict[str, Any]:
            city = may(visitor.roles, "staff") or "facilitator" in visitor.roles
            units = None if city else units_of(session=session, identity=visitor.identity)
            found = beranda_numbers(session=session, now=k.now(), clock=k.clock, units=units)
            admin = "admin" in visitor.roles
            entries = latest(session=session, limit=AUDIT_SHOWN) if admin else []
            return {"numbers": found, "entries": entries, "units": units}

        return k.page("beranda.html", visitor, active="beranda", **await k.work(numbers))

    return [Route("/", k.guard("beranda", beranda), methods=["GET"])]
