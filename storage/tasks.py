"""A unit's desk: the aspirations disposed to the units (OPD) an officer acts for."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlmodel import Session, col, func, select

from storage.aspirations import find_aspiration
from storage.models import Aspiration

# What an officer works on, and what their units have finished (or staff closed
# while a unit had it); a unit's aspiration that waits for the resident (tunda)
# opens by its code only.
OPEN_TASKS = ("diteruskan", "diproses")
FINISHED_TASKS = ("selesai", "ditolak", "spam", "duplik")


def unit_aspirations(
    *,
    session: Session,
    units: Collection[str],
    finished: bool = False,
    offset: int = 0,
    limit: int = 5,
) -> tuple[Sequence[Aspiration], int]:
    """One page of the units' aspirations and how many there are: open ones by
    their next due time, the most pressing first (none last); finished ones the
    latest first."""
    if not units:
        return [], 0
    statuses = FINISHED_TASKS if finished else OPEN_TASKS
    conditions = (
        col(Aspiration.opd_code).in_(sorted(units)),
        col(Aspiration.status).in_(statuses),
    )
    total = session.exec(select(func.count()).select_from(Aspiration).where(*conditions)).one()
    query = select(Aspiration).where(*conditions)
    if finished:
        query = query.order_by(col(Aspiration.updated_at).desc(), col(Aspiration.id).desc())
    else:
        query = query.order_by(
            col(Aspiration.next_due_at).is_(None),
            col(Aspiration.next_due_at),
            col(Aspiration.created_at),
            col(Aspiration.id),
        )
    return session.exec(query.offset(offset).limit(limit)).all(), int(total)


def unit_aspiration(*, session: Session, units: Collection[str], code: str) -> Aspiration | None:
    """The aspiration ``code`` when it is disposed to one of ``units``; None
    otherwise, exactly as for a code that does not exist."""
    found = find_aspiration(session=session, code=code) if code else None
    if found is None or found.opd_code is None or found.opd_code not in units:
        return None
    return found
