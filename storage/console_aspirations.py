"""Konsol's aspiration list: the filters officers narrow it with, read from a
page's query string, and the one query that answers them a page at a time with
the total count.

Every filter value is checked for its shape here (a status or category that
exists, a Kemendagri code, a unit code, an ISO date); one that is not is dropped
and named in ``Filters.ignored`` so the page can say so politely — a typo in a
URL never becomes an error page. Whether a code names a real kelurahan or unit
does not matter: an unknown one simply matches nothing.

``units`` scopes the list as everywhere in Konsol (``bot.konsol.roles``): None
for the whole city, an officer's unit codes, or an empty set for nothing.
Periods are whole WIB days (``storage.stats.wib_day_bounds``). The common
filters and sorts are served by indexes (migration 0014).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, Integer, String, bindparam, false, func, or_
from sqlmodel import Session, col, select

from storage.aspirations import CODE_ALPHABET, CODE_PREFIX
from storage.models import ASPIRATION_STATUSES, CATEGORY_KEYS, Aspiration
from storage.opd import CODE as UNIT_CODE
from storage.stats import wib_day_bounds
from storage.workflow import OPEN_STATUSES

PAGE_SIZE = 50
SORTS = ("newest", "oldest", "due")  # newest received first, oldest first, due soonest
CHOICES = ("", "ya", "tidak")  # a yes/no filter: either, only yes, only no
QUERY_MAX = 100  # longer free text is cut, not refused
# A free-text search counts up to this many and then says "more than": a common
# word would otherwise make every search read the whole table just to count.
SEARCH_COUNT_CAP = 1000
KECAMATAN = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")
KELURAHAN = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to; empty values mean "any"."""

    status: str = ""
    category: str = ""
    kecamatan: str = ""
    kelurahan: str = ""
    opd: str = ""  # a unit's code
    since: date | None = None  # received on or after this WIB day
    until: date | None = None  # … up to and including this one
    photo: str = ""  # CHOICES
    anonymous: str = ""  # CHOICES
    overdue: bool = False  # open and past its next due time
    q: str = ""  # free text: a code (or its start) or words in the text
    sort: str = "newest"
    page: int = 1
    ignored: tuple[str, ...] = field(default=(), compare=False)  # fields dropped as invalid

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Filters:
        """The filters in a query string; invalid values dropped into ``ignored``."""
        ignored: list[str] = []

        def pick(name: str, check: Any) -> str:
            raw = (params.get(name) or "").strip()
            if raw and not check(raw):
                ignored.append(name)
                return ""
            return raw

        def day(name: str) -> date | None:
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            try:
                return date.fromisoformat(raw)
            except ValueError:
                ignored.append(name)
                return None

        status = pick("status", lambda v: v in ASPIRATION_STATUSES)
        category = pick("category", lambda v: v in CATEGORY_KEYS)
        kecamatan = pick("kecamatan", KECAMATAN.match)
        kelurahan = pick("kelurahan", KELURAHAN.match)
        opd = pick("opd", lambda v: UNIT_CODE.match(v.upper())).upper()
        since, until = day("since"), day("until")
        if since and until and since > until:
            ignored.append("until")
            until = None
        photo = pick("photo", lambda v: v in CHOICES)
        anonymous = pick("anonymous", lambda v: v in CHOICES)
        overdue = pick("overdue", lambda v: v in ("1", "")) == "1"
        sort = pick("sort", lambda v: v in SORTS) or "newest"
        page_raw = pick("page", lambda v: v.isdigit() and 0 < int(v) < 10**6)
        return cls(
            status=status,
            category=category,
            kecamatan=kecamatan,
            kelurahan=kelurahan,
            opd=opd,
            since=since,
            until=until,
            photo=photo,
            anonymous=anonymous,
            overdue=overdue,
            q=" ".join((params.get("q") or "").split())[:QUERY_MAX],
            sort=sort,
            page=int(page_raw) if page_raw else 1,
            ignored=tuple(ignored),
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The filters as query parameters (empty ones left out), with ``changes``."""
        chosen = replace(self, **changes)
        out: dict[str, str] = {}
        for spec in fields(chosen):
            if spec.name == "ignored":
                continue
            value = getattr(chosen, spec.name)
            if isinstance(value, bool):
                value = "1" if value else ""
            elif isinstance(value, date):
                value = value.isoformat()
            elif value is None or (spec.name == "sort" and value == "newest"):
                value = ""
            elif spec.name == "page":
                value = str(value) if value > 1 else ""
            if value:
                out[spec.name] = str(value)
        return out

    def query(self, **changes: Any) -> str:
        """``params`` as a query string: the links of sorting and paging keep the filters."""
        return urlencode(self.params(**changes))

    @property
    def narrowed(self) -> bool:
        """Whether any filter (not the sort or page) is set."""
        return bool(set(self.params()) - {"sort", "page"})


@dataclass(frozen=True)
class ListPage:
    rows: Sequence[Aspiration]
    total: int  # every aspiration matching, over all pages (see ``capped``)
    pages: int  # at least 1
    capped: bool = False  # a free-text search found more than ``SEARCH_COUNT_CAP``


def find_aspirations(
    *,
    session: Session,
    filters: Filters,
    now: datetime,
    units: frozenset[str] | None,
    page_size: int = PAGE_SIZE,
) -> tuple[Sequence[Aspiration], int]:
    """One page of the aspirations matching ``filters`` in ``units``' scope, and
    how many match in all (with free text: at most ``SEARCH_COUNT_CAP`` + 1,
    meaning "more than the cap")."""
    total = int(session.exec(count_query(filters, now, units)).one())
    return session.exec(page_query(filters, now, units, page_size)).all(), total


def count_query(filters: Filters, now: datetime, units: frozenset[str] | None) -> Any:
    """How many match (the statement; ``bench/console.py`` EXPLAINs it)."""
    conditions = _conditions(filters, now, units)
    if filters.q:
        found = select(col(Aspiration.id)).where(*conditions).limit(_inline(SEARCH_COUNT_CAP + 1))
        return select(func.count()).select_from(found.subquery())
    return select(func.count()).select_from(Aspiration).where(*conditions)


def page_query(
    filters: Filters, now: datetime, units: frozenset[str] | None, page_size: int = PAGE_SIZE
) -> Any:
    """The rows of ``filters.page`` (the statement)."""
    return (
        select(Aspiration)
        .where(*_conditions(filters, now, units))
        .order_by(*_order(filters.sort))
        .offset(_inline((filters.page - 1) * page_size))
        .limit(_inline(page_size))
    )


def list_page(
    *, session: Session, filters: Filters, now: datetime, units: frozenset[str] | None
) -> ListPage:
    """``find_aspirations`` with the number of pages; a page past the end shows
    the last one."""
    rows, total = find_aspirations(session=session, filters=filters, now=now, units=units)
    capped = bool(filters.q) and total > SEARCH_COUNT_CAP
    pages = max(1, -(-(SEARCH_COUNT_CAP if capped else total) // PAGE_SIZE))
    if filters.page > pages:
        last = replace(filters, page=pages)
        rows, total = find_aspirations(session=session, filters=last, now=now, units=units)
    return ListPage(rows, total, pages, capped)


def _conditions(
    filters: Filters, now: datetime, units: frozenset[str] | None
) -> list[ColumnElement[bool]]:
    a = Aspiration
    where: list[ColumnElement[bool]] = []
    if units is not None:
        where.append(col(a.opd_code).in_(sorted(units)) if units else false())
    if filters.status:
        where.append(col(a.status) == filters.status)
    if filters.category:
        where.append(col(a.category) == filters.category)
    if filters.kecamatan:
        where.append(col(a.kecamatan_code) == filters.kecamatan)
    if filters.kelurahan:
        where.append(col(a.kelurahan_code) == filters.kelurahan)
    if filters.opd:
        where.append(col(a.opd_code) == filters.opd)
    start, end = wib_day_bounds(filters.since, filters.until)
    if start is not None:
        where.append(col(a.created_at) >= start)
    if end is not None:
        where.append(col(a.created_at) < end)
    if filters.photo:
        photo = col(a.photo_path)
        where.append(photo.is_not(None) if filters.photo == "ya" else photo.is_(None))
    if filters.anonymous:
        where.append(col(a.anonymous).is_(filters.anonymous == "ya"))
    if filters.overdue:
        where.append(col(a.status).in_(OPEN_STATUSES))
        where.append(col(a.next_due_at) < now)
    if filters.q:
        where.append(_text_or_code(filters.q))
    return where


def _text_or_code(q: str) -> ColumnElement[bool]:
    """Words anywhere in the text (any case), or a code: whole or its start,
    typed as ``ASP-7K2M``, ``asp 7k2m`` or ``7K2M``.

    The patterns are written into the statement, not bound: PostgreSQL then plans
    each search for its own words (the trigram index for rare ones), where a
    prepared statement's generic plan would read the whole table every time."""
    matches = [col(Aspiration.text).ilike(_inline(f"%{_escaped(q)}%"), escape="/")]
    compact = "".join(ch for ch in q.upper() if ch.isalnum())
    bare = compact.removeprefix("ASP")
    if bare and len(bare) <= 6 and all(ch in CODE_ALPHABET for ch in bare):
        matches.append(col(Aspiration.code).like(_inline(f"{CODE_PREFIX}{bare}%"), escape="/"))
    return or_(*matches)


def _escaped(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _inline(value: str | int) -> Any:
    """``value`` written into the statement (see ``_text_or_code``); so are the
    page's limit and offset: a generic plan for an unknown LIMIT walks a whole
    index looking for rows."""
    kind = String() if isinstance(value, str) else Integer()
    return bindparam(None, value, type_=kind, literal_execute=True)


def _order(sort: str) -> list[Any]:
    created, ident = col(Aspiration.created_at), col(Aspiration.id)
    if sort == "oldest":
        return [created.asc(), ident.asc()]
    if sort == "due":  # no due time (closed, on hold): last
        return [col(Aspiration.next_due_at).asc().nulls_last(), ident.asc()]
    return [created.desc(), ident.desc()]
