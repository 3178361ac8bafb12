"""Beranda: the numbers every role starts from (counts by status, new today and
this week, by category and by kecamatan, overdue by stage and by unit), scoped to
an officer's units; the last actions for admins.

Categories and kecamatan are drawn as horizontal bars: a table whose middle
column is an inline SVG bar (``aria-hidden``; the label and the number are the
table's own cells, so the table is the accessible version). Server-rendered, no
script and no chart library: a bar is one ``<rect>``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: what it counts, its label, the count and its length
    (0–100, the longest bar is 100)."""

    key: str
    label: str
    count: int
    length: float


def bars(labels: Mapping[str, str], counts: Mapping[str, int]) -> list[Bar]:
    """Every labelled key (zeros included) and any counted key without a label
    (shown by its key), most first, then by label."""
    keys: Iterable[str] = list(labels) + [key for key in counts if key not in labels]
    top = max(counts.values(), default=0)
    found = [
        Bar(
            key,
            labels.get(key, key),
            counts.get(key, 0),
            round(100 * counts.get(key, 0) / top, 1) if top else 0.0,
        )
        for key in keys
    ]
    return sorted(found, key=lambda bar: (-bar.count, bar.label.casefold()))


def routes(k: Konsol) -> list[BaseRoute]:
    async def beranda(request: Request, visitor: Visitor) -> Response:
        def numbers(session: Session) -> dict[str, Any]:
            city = may(visitor.roles, "staff") or "facilitator" in visitor.roles
            units = None if city else units_of(session=session, identity=visitor.identity)
            found = beranda_numbers(session=session, now=k.now(), clock=k.clock, units=units)
            admin = "admin" in visitor.roles
            entries = latest(session=session, limit=AUDIT_SHOWN) if admin else []
            return {"numbers": found, "entries": entries, "units": units}

        t = k.t(visitor)
        categories = {
            category.key: category.labels.get(t.language) or t(f"category.{category.key}")
            for category in k.settings.categories
        }
        kecamatan = {kec.code: kec.name for kec in k.settings.wilayah.kecamatan}
        values = await k.work(numbers)
        found = values["numbers"]
        values["by_category"] = bars(categories, found.by_category)
        values["by_kecamatan"] = bars(kecamatan, found.by_kecamatan)

        return k.page("beranda.html", visitor, active="beranda", **values)

    return [Route("/", k.guard("beranda", beranda), methods=["GET"])]
