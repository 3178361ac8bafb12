"""Konsol's Audit page: the trail filtered by actor, action and WIB days, newest
first, a page at a time, with how many entries match.

One query for the count and one for the page, on ``audit_entry.at`` (indexed
since migration 0007) and the same SQL on SQLite and PostgreSQL: the actor is
matched case-insensitively as a part of the identity (``LIKE`` with ``%`` and
``_`` escaped), the days are turned into ``[start, end)`` in UTC first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.audit import ACTIONS
from storage.models import AuditEntry
from storage.stats import wib_day_bounds

PER_PAGE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What an admin narrows the trail to; empty fields narrow nothing."""

    actor: str = ""  # a part of the actor's identity, any case
    action: str = ""  # one of ``storage.audit.ACTIONS``
    since: date | None = None  # first WIB day, inclusive
    until: date | None = None  # last WIB day, inclusive


@dataclass(frozen=True)
class AuditPage:
    entries: Sequence[AuditEntry]  # newest first
    total: int  # entries matching the filter, on every page
    page: int  # 1-based, within 1..pages
    pages: int  # at least 1


def audit_page(
    *, session: Session, wanted: AuditFilter, page: int = 1, per_page: int = PER_PAGE
) -> AuditPage:
    """Page ``page`` of the entries ``wanted`` matches (a page past the last
    gives the last)."""
    conditions = _conditions(wanted)
    total = int(session.exec(select(func.count()).select_from(AuditEntry).where(*conditions)).one())
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    query = (
        select(AuditEntry)
        .where(*conditions)
        .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return AuditPage(session.exec(query).all(), total, page, pages)


def _conditions(wanted: AuditFilter) -> list[Any]:
    conditions: list[Any] = []
    actor = wanted.actor.strip().lower()
    if actor:
        conditions.append(func.lower(col(AuditEntry.actor)).contains(actor, autoescape=True))
    if wanted.action:
        if wanted.action not in ACTIONS:
            raise ValueError(f"unknown audit action {wanted.action!r}")
        conditions.append(col(AuditEntry.action) == wanted.action)
    start, end = wib_day_bounds(wanted.since, wanted.until)
    if start is not None:
        conditions.append(col(AuditEntry.at) >= start)
    if end is not None:
        conditions.append(col(AuditEntry.at) < end)
    return conditions
