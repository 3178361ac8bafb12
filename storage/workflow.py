"""The aspiration status workflow: which change may follow which, and recording it.

diterima → diverifikasi → diteruskan → diproses → selesai
    └──────────┴──────────────┴────────────┴──────→ ditolak (with a reason)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from storage.audit import record
from storage.models import Aspiration, AspirationStatusChange

NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    "diterima": ("diverifikasi", "ditolak"),
    "diverifikasi": ("diteruskan", "ditolak"),
    "diteruskan": ("diproses", "ditolak"),
    "diproses": ("selesai", "ditolak"),
    "selesai": (),
    "ditolak": (),
}
OPEN_STATUSES = tuple(status for status, following in NEXT_STATUSES.items() if following)
NEEDS_REASON = frozenset({"ditolak"})


class IllegalTransition(ValueError):
    """The change is not allowed from the current status; ``allowed`` lists what is."""

    def __init__(self, current: str, wanted: str) -> None:
        self.current, self.wanted = current, wanted
        self.allowed = NEXT_STATUSES.get(current, ())
        super().__init__(
            f"{current} → {wanted} is not allowed; allowed: {', '.join(self.allowed) or 'none'}"
        )


class ReasonRequired(ValueError):
    """Rejecting needs a note saying why."""


def change_status(
    *,
    session: Session,
    aspiration: Aspiration,
    status: str,
    actor: str,
    note: str | None,
    now: datetime,
    seen: str | None = None,
) -> AspirationStatusChange:
    """Move ``aspiration`` to ``status`` and record who, when and the note.

    ``seen`` is the status the officer decided on (default: the one loaded). The
    write is a compare-and-set on it, so a change another officer committed in
    the meantime is never overwritten: ``IllegalTransition`` names the status
    the aspiration really has now.
    """
    seen = seen or aspiration.status
    if seen != aspiration.status:
        raise IllegalTransition(aspiration.status, status)
    if status not in NEXT_STATUSES.get(seen, ()):
        raise IllegalTransition(seen, status)
    note = (note or "").strip() or None
    if status in NEEDS_REASON and not note:
        raise ReasonRequired(status)
    assert aspiration.id is not None
    written = session.execute(
        update(Aspiration)
        .where(col(Aspiration.id) == aspiration.id, col(Aspiration.status) == seen)
        .values(status=status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if written.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(aspiration)
        raise IllegalTransition(aspiration.status, status)
    session.refresh(aspiration)
    change = AspirationStatusChange(
        aspiration_id=aspiration.id, status=status, at=now, actor=actor, note=note
    )
    session.add(change)
    # the note may name people: the trail keeps only the code and the statuses
    record(
        session=session,
        actor=actor,
        action="status_change",
        details={"code": aspiration.code, "from": seen, "to": status},
        now=now,
    )
    return change
