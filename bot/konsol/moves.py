"""Moving aspirations from Konsol: one aspiration (the detail page) or several (the
list's bulk action), through exactly the storage functions the chat uses
(``storage.workflow.change_status``), with the same notices: the resident is told
(``tell_status_change``), staff hear when a unit hands one back
(``tell_returned``), and the audit gets the identity.

Who may do what is the chat's rule, per aspiration: city staff (and admins) any
status ``allowed_next`` gives; an OPD officer only ``OFFICER_MOVES`` and only on
their units' aspirations. An aspiration outside someone's scope is "not found",
exactly like one that does not exist.

Every move carries the status and unit the person saw when the page was drawn.
Should someone else have moved it since, the move is refused as ``stale`` with who
changed it and when (``Moved.by``, ``Moved.at``); nothing is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.konsol.roles import may
from handlers.core.notifications import tell_status_change
from handlers.core.settings import EngineSettings
from handlers.desk.notices import tell_returned
from storage.aspirations import find_aspiration
from storage.models import Aspiration, AspirationStatusChange
from storage.workflow import (
    NEEDS_UNIT,
    OFFICER_MOVES,
    IllegalTransition,
    OriginalRefused,
    ReasonRequired,
    UnitRefused,
    allowed_next,
    change_status,
)

RETURN = "diverifikasi"  # an officer's "bukan wewenang kami": back to city staff


@dataclass(frozen=True)
class Move:
    """What someone asked for on a page, with what they saw when it was drawn."""

    code: str
    status: str
    note: str = ""
    seen_status: str = ""
    seen_opd: str = ""  # "" when it had no unit
    opd: str | None = None  # with diteruskan
    grade: str | None = None  # with the first diteruskan
    original: str | None = None  # with duplik


@dataclass(frozen=True)
class Moved:
    """The outcome. ``problem`` is empty on success, else one of ``not_found``,
    ``stale``, ``illegal``, ``reason_required``, ``unit_missing``,
    ``unit_unknown``, ``unit_inactive``, ``unit_same``, ``original_…``."""

    code: str
    problem: str = ""
    told: bool = False  # the resident (or staff, on a hand-back) was told
    by: str | None = None  # stale: who changed it last
    at: datetime | None = None  # stale: when
    status: str = ""  # the status it has after the attempt

    @property
    def ok(self) -> bool:
        return not self.problem


def in_scope(aspiration: Aspiration | None, units: frozenset[str] | None) -> bool:
    """May someone whose scope is ``units`` (None: all) see ``aspiration``?"""
    if aspiration is None:
        return False
    return units is None or aspiration.opd_code in units


def moves_for(roles: frozenset[str], aspiration: Aspiration) -> tuple[str, ...]:
    """The statuses this person may move ``aspiration`` to now, as the chat allows."""
    if may(roles, "staff"):
        return allowed_next(aspiration)
    if "petugas_opd" in roles:
        return OFFICER_MOVES.get(aspiration.status, ())
    return ()


def last_change(session: Session, aspiration: Aspiration) -> AspirationStatusChange | None:
    return session.exec(
        select(AspirationStatusChange)
        .where(AspirationStatusChange.aspiration_id == aspiration.id)
        .order_by(col(AspirationStatusChange.at).desc(), col(AspirationStatusChange.id).desc())
    ).first()


def apply_move(
    session: Session,
    settings: EngineSettings,
    move: Move,
    *,
    actor: str,
    roles: frozenset[str],
    units: frozenset[str] | None,
    now: datetime,
) -> Moved:
    """Make ``move`` as ``actor``, or say why not (nothing is written then)."""
    aspiration = find_aspiration(session=session, code=move.code.strip().upper())
    if aspiration is None or not in_scope(aspiration, units):
        return Moved(move.code, "not_found")
    if (aspiration.status, aspiration.opd_code or "") != (move.seen_status, move.seen_opd):
        return stale(session, aspiration)
    if move.status not in moves_for(roles, aspiration):
        return Moved(aspiration.code, "illegal", status=aspiration.status)
    seen_opd = aspiration.opd_code
    officer = not may(roles, "staff")
    try:
        change = change_status(
            session=session,
            aspiration=aspiration,
            status=move.status,
            actor=actor,
            note=move.note,
            now=now,
            seen=move.seen_status,
            seen_opd=seen_opd,
            original=move.original or None,
            opd=move.opd or None,
            grade=(move.grade or None) if move.status in NEEDS_UNIT else None,
            clock=settings.clock,
        )
    except IllegalTransition:
        return stale(session, aspiration)
    except ReasonRequired:
        return Moved(aspiration.code, "reason_required", status=aspiration.status)
    except UnitRefused as refused:
        return Moved(aspiration.code, f"unit_{refused.problem}", status=aspiration.status)
    except OriginalRefused as refused:
        return Moved(aspiration.code, f"original_{refused.problem}", status=aspiration.status)
    session.flush()  # change_status wrote the audit entry, with ``actor``
    if officer and move.status == RETURN:
        told = (
            tell_returned(session, settings, aspiration, seen_opd, move.note, actor=actor, now=now)
            > 0
        )
    else:
        told = tell_status_change(session, settings, aspiration, change, now)
    return Moved(aspiration.code, told=told, status=aspiration.status)


def stale(session: Session, aspiration: Aspiration) -> Moved:
    """Refused: it changed since the page was drawn; who did it and when."""
    last = last_change(session, aspiration)
    return Moved(
        aspiration.code,
        "stale",
        by=last.actor if last else None,
        at=last.at if last else None,
        status=aspiration.status,
    )
