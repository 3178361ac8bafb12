"""Audit (admins only): the audit trail, filtered by actor, action and a range of
WIB days, newest first, ``storage.console_audit.PER_PAGE`` entries a page, with how
many match. A plain GET form: a filtered view is a link an admin can keep.

Each entry's ``details`` are shown as "key: value" lines (autoescaped like every
value: an identity or a reason is text, never markup)."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from storage.audit import ACTIONS
from storage.console_audit import AuditFilter, AuditPage, audit_page
from storage.stats import StatsError

if TYPE_CHECKING:
    from bot.konsol.app import Konsol, Visitor

ACTOR_MAX = 80  # as long as an actor can be (AuditEntry.actor)


def details_lines(details: dict[str, Any]) -> list[tuple[str, str]]:
    """``details`` as (key, value) pairs in key order; nested values as JSON."""
    return [
        (str(key), value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in sorted(details.items())
    ]


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _page_number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 7 else 1


def routes(k: Konsol) -> list[BaseRoute]:
    async def audit(request: Request, visitor: Visitor) -> Response:
        query = request.query_params
        shown = {
            "aktor": query.get("aktor", "")[:ACTOR_MAX],
            "aksi": query.get("aksi", ""),
            "dari": query.get("dari", "")[:10],
            "sampai": query.get("sampai", "")[:10],
        }
        problems: list[str] = []
        if shown["aksi"] and shown["aksi"] not in ACTIONS:
            problems.append("konsol.audit.bad_action")
        since, until = _day(shown["dari"]), _day(shown["sampai"])
        if (shown["dari"] and since is None) or (shown["sampai"] and until is None):
            problems.append("konsol.audit.bad_date")
        if since and until and since > until:
            problems.append("konsol.audit.dates_reversed")
        wanted = AuditFilter(
            actor=shown["aktor"],
            action=shown["aksi"] if shown["aksi"] in ACTIONS else "",
            since=since,
            until=until,
        )

        def look(session: Session) -> AuditPage | None:
            if problems:
                return None
            try:
                return audit_page(
                    session=session, wanted=wanted, page=_page_number(query.get("hal", "1"))
                )
            except StatsError:
                return None

        found = await k.work(look)
        kept = {key: value for key, value in shown.items() if value}

        def page_href(number: int) -> str:
            return "/konsol/audit?" + urlencode({**kept, "hal": str(number)})

        return k.page(
            "audit.html",
            visitor,
            status=400 if problems else 200,
            active="audit",
            shown=shown,
            actions=ACTIONS,
            problems=problems,
            found=found,
            details_lines=details_lines,
            page_href=page_href,
        )

    return [Route("/audit", k.guard("audit", audit), methods=["GET"])]
