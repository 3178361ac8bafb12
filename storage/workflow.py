"""The aspiration status workflow: which change may follow which, and recording it.

diterima → diverifikasi → diteruskan → diproses → selesai
    └──────────┴──────────────┴────────────┴──────→ ditolak (with a reason)
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

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
) -> AspirationStatusChange:
    """Move ``aspiration`` to ``status`` and record who, when and the note."""
    if status not in NEXT_STATUSES.get(aspiration.status, ()):
        raise IllegalTransition(aspiration.status, status)
    note = (note or "").strip() or None
    if status in NEEDS_REASON and not note:
        raise ReasonRequired(status)
    assert aspiration.id is not None
    aspiration.status = status
    aspiration.updated_at = now
    change = AspirationStatusChange(
        aspiration_id=aspiration.id, status=status, at=now, actor=actor, note=note
    )
    session.add(aspiration)
    session.add(change)
    return change
