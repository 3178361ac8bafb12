"""Aspirasi: the list officers triage from — filters, count, sorting, paging —
and the bulk action over the rows ticked on it (change status with one note,
dispose to a unit, mark as spam).

The list is a plain GET form and links, so it works without JavaScript and every
view has its own URL (paging and sorting keep the filters). The query lives in
``storage.console_aspirations``; each bulk row goes through
``bot.konsol.moves.apply_move``, the same rules as the detail page and the chat:
per-object scope, allowed transitions, reasons required, and a row someone else
moved since the list was drawn is refused as stale, not overwritten.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.i18n import Translator
from bot.konsol.moves import Move, Moved, apply_move
from bot.konsol.roles import aspiration_units, may
from bot.konsol.when import short_time
from storage.console_aspirations import SORTS, Filters, ListPage, list_page
from storage.models import ASPIRATION_STATUSES, Aspiration
from storage.opd import units as all_units
from storage.workflow import NEEDS_ORIGINAL, NEXT_STATUSES, OFFICER_MOVES, OPEN_STATUSES

if TYPE_CHECKING:
    from bot.konsol.app import Konsol, Visitor

logger = logging.getLogger(__name__)

SNIPPET_WORDS = 14
BULK_MAX = 200  # rows one bulk form may move (a page has 50)
# What a bulk form may ask for: every status a move can reach, except a duplicate
# (it needs an original per row, which is the detail page's job).
STAFF_TARGETS = tuple(
    dict.fromkeys(
        s for following in NEXT_STATUSES.values() for s in following if s not in NEEDS_ORIGINAL
    )
)
OFFICER_TARGETS = tuple(dict.fromkeys(s for moves in OFFICER_MOVES.values() for s in moves))
PROBLEMS = frozenset(
    {
        "not_found",
        "stale",
        "illegal",
        "reason_required",
        "unit_missing",
        "unit_unknown",
        "unit_inactive",
        "unit_same",
    }
)


# ``?ok=`` → the notice shown (the aspiration page sends an officer back here once
# they handed an aspiration back to city staff)
MOVED_NOTICES = {
    "moved": "konsol.detail.moved_told",
    "moved_untold": "konsol.detail.moved_untold",
}


@dataclass(frozen=True)
class Row:
    """One aspiration as the list shows it."""

    code: str
    received: str
    category: str
    kelurahan: str
    unit: str
    status: str
    due: str
    overdue: bool
    snippet: str
    photo: bool
    voice: bool
    anonymous: bool
    seen: str  # "status|unit" when drawn: the bulk form's stale check


@dataclass(frozen=True)
class Outcome:
    """One refused row of a bulk action, in words."""

    code: str
    reason: str


def short(moment: datetime | None, language: str) -> str:
    return short_time(moment, language) if moment is not None else ""


def first_words(text: str, count: int = SNIPPET_WORDS) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


def targets_for(roles: frozenset[str]) -> tuple[str, ...]:
    if may(roles, "staff"):
        return STAFF_TARGETS
    return OFFICER_TARGETS if "petugas_opd" in roles else ()


def routes(k: Konsol) -> list[BaseRoute]:
    def category_label(t: Translator, key: str) -> str:
        for category in k.settings.categories:
            if category.key == key and t.language in category.labels:
                return category.labels[t.language]
        return t(f"category.{key}")

    def row(t: Translator, a: Aspiration, names: dict[str, str], now: datetime) -> Row:
        kelurahan = k.settings.wilayah.find_kelurahan(a.kelurahan_code)
        open_ = a.status in OPEN_STATUSES
        return Row(
            code=a.code,
            received=short(a.created_at, t.language),
            category=category_label(t, a.category),
            kelurahan=kelurahan.name if kelurahan else a.kelurahan_code,
            unit=names.get(a.opd_code or "", a.opd_code or ""),
            status=a.status,
            due=short(a.next_due_at, t.language) if open_ else "",
            overdue=open_ and a.next_due_at is not None and a.next_due_at < now,
            snippet=first_words(a.text),
            photo=bool(a.photo_path),
            voice=bool(a.voice_path),
            anonymous=a.anonymous,
            seen=f"{a.status}|{a.opd_code or ''}",
        )

    async def daftar(request: Request, visitor: Visitor) -> Response:
        filters = Filters.parse(request.query_params)
        t = k.t(visitor)
        now = k.now()

        def load(session: Session) -> dict[str, Any]:
            scope = aspiration_units(
                session=session, identity=visitor.identity, roles=visitor.roles
            )
            found = list_page(session=session, filters=filters, now=now, units=scope)
            directory = list(all_units(session=session, active_only=False))
            names = {u.code: u.short_name for u in directory}
            return {
                "found": found,
                "rows": [row(t, a, names, now) for a in found.rows],
                "scope": scope,
                "units": [u for u in directory if scope is None or u.code in scope],
                "dispose_to": [u for u in directory if u.active],
            }

        loaded = await k.work(load)
        # after an officer handed one back from its page (it left their list)
        notice = MOVED_NOTICES.get(request.query_params.get("ok", ""))
        return k.page(
            "aspirasi.html",
            visitor,
            active="aspirasi",
            moved_notice=notice,
            filters=filters,
            statuses=ASPIRATION_STATUSES,
            categories=[(c.key, category_label(t, c.key)) for c in k.settings.categories],
            wilayah=k.settings.wilayah,
            sorts=SORTS,
            targets=targets_for(visitor.roles),
            grades=list(k.clock.targets.grades.items()),
            page_of=_page_of(loaded["found"], filters),
            **loaded,
        )

    async def massal(request: Request, visitor: Visitor) -> Response:
        fields = await k.form(request, visitor)
        t = k.t(visitor)
        back = Filters.parse(dict(parse_qsl(fields.get("kembali", "")))).query()
        wanted = fields.get("ke", "")
        codes = [name.removeprefix("pilih_") for name in fields if name.startswith("pilih_")]
        if not codes or wanted not in targets_for(visitor.roles):
            problem = "nothing_chosen" if not codes else "no_target"
            return k.page(
                "aspirasi_massal.html",
                visitor,
                status=400,
                active="aspirasi",
                back=back,
                moved=0,
                wanted=wanted,
                refused=[],
                problem=problem,
            )
        codes = codes[:BULK_MAX]
        now = k.now()

        def move_all(session: Session) -> list[Moved]:
            scope = aspiration_units(
                session=session, identity=visitor.identity, roles=visitor.roles
            )
            results = []
            for code in codes:
                seen_status, _, seen_opd = fields.get(f"seen_{code}", "").partition("|")
                move = Move(
                    code=code,
                    status=wanted,
                    note=fields.get("catatan", "").strip(),
                    seen_status=seen_status,
                    seen_opd=seen_opd,
                    opd=fields.get("unit") or None if wanted == "diteruskan" else None,
                    grade=fields.get("tingkat") or None if wanted == "diteruskan" else None,
                )
                results.append(
                    apply_move(
                        session,
                        k.settings,
                        move,
                        actor=visitor.identity,
                        roles=visitor.roles,
                        units=scope,
                        now=now,
                    )
                )
            return results

        results = await k.work(move_all)
        refused = [Outcome(m.code, _reason(t, m, wanted)) for m in results if not m.ok]
        logger.info(
            "bulk move to %s: %d moved, %d refused",
            wanted,
            len(results) - len(refused),
            len(refused),
        )
        return k.page(
            "aspirasi_massal.html",
            visitor,
            active="aspirasi",
            back=back,
            moved=len(results) - len(refused),
            wanted=wanted,
            refused=refused,
            problem="",
        )

    return [
        Route("/aspirasi", k.guard("aspirasi", daftar), methods=["GET"]),
        Route("/aspirasi/massal", k.guard("aspirasi", massal), methods=["POST"]),
    ]


def _page_of(found: ListPage, filters: Filters) -> int:
    return min(filters.page, found.pages)


def _reason(t: Translator, moved: Moved, wanted: str) -> str:
    """Why one row was not moved, for the person who asked."""
    now = t(f"status.{moved.status}") if moved.status else ""
    key = moved.problem if moved.problem in PROBLEMS else "other"
    if key == "stale":
        if moved.by and moved.at:
            return t(
                "konsol.aspirasi_list.problem_stale",
                who=moved.by,
                when=t.datetime(moved.at),
                status=now,
            )
        return t("konsol.aspirasi_list.problem_stale_unknown", status=now)
    return t(
        f"konsol.aspirasi_list.problem_{key}",
        status=now,
        wanted=t(f"status.{wanted}"),
    )
