"""The aspiration status workflow: which change may follow which, and recording it.

diterima → diverifikasi → diteruskan → diproses → selesai
    └──────────┴──────────────┴────────────┴──────→ ditolak (with a reason)
                                                   → spam
                                                   → duplik (of another code)
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.aspirations import find_aspiration, normalise_tracking_code
from storage.audit import record
from storage.models import Aspiration, AspirationStatusChange

CLOSING = ("ditolak", "spam", "duplik")  # possible from every open status
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    "diterima": ("diverifikasi", *CLOSING),
    "diverifikasi": ("diteruskan", *CLOSING),
    "diteruskan": ("diproses", *CLOSING),
    "diproses": ("selesai", *CLOSING),
    "selesai": (),
    "ditolak": (),
    "spam": (),
    "duplik": (),
}
OPEN_STATUSES = tuple(status for status, following in NEXT_STATUSES.items() if following)
CLOSED_STATUSES = tuple(status for status, following in NEXT_STATUSES.items() if not following)
NEEDS_REASON = frozenset({"ditolak"})
NEEDS_ORIGINAL = frozenset({"duplik"})


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


class OriginalRefused(ValueError):
    """A duplicate needs the code of another aspiration that is not spam.

    ``problem`` is ``"unknown"`` (no such code, none given, or the aspiration
    itself) or ``"spam"`` (the original was marked spam)."""

    def __init__(self, code: str, problem: str) -> None:
        self.code, self.problem = code, problem
        super().__init__(f"{code or '(none)'} cannot be the original: {problem}")


def find_original(*, session: Session, duplicate: Aspiration, code: str) -> Aspiration:
    """The aspiration ``duplicate`` repeats, given the code staff typed.

    A duplicate of a duplicate points at the first one, so every copy of a
    report leads residents to the aspiration that is really followed up.
    """
    wanted = normalise_tracking_code(code) or ""
    original = find_aspiration(session=session, code=wanted) if wanted else None
    if original is not None and original.status == "duplik" and original.duplicate_of:
        original = find_aspiration(session=session, code=original.duplicate_of)
    if original is None or original.id == duplicate.id:
        raise OriginalRefused(wanted or code.strip().upper()[:20], "unknown")
    if original.status == "spam":
        raise OriginalRefused(original.code, "spam")
    return original


def duplicates_of(*, session: Session, code: str) -> list[Aspiration]:
    """The aspirations marked as duplicates of ``code``, oldest first."""
    return list(
        session.exec(
            select(Aspiration)
            .where(col(Aspiration.duplicate_of) == code, col(Aspiration.status) == "duplik")
            .order_by(col(Aspiration.created_at), col(Aspiration.id))
        )
    )


def change_status(
    *,
    session: Session,
    aspiration: Aspiration,
    status: str,
    actor: str,
    note: str | None,
    now: datetime,
    seen: str | None = None,
    original: str | None = None,
) -> AspirationStatusChange:
    """Move ``aspiration`` to ``status`` and record who, when and the note.

    ``duplik`` needs ``original``, the code of the aspiration it repeats
    (``OriginalRefused`` otherwise); it is stored as ``duplicate_of``.

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
    values: dict[str, object] = {"status": status, "updated_at": now}
    if status in NEEDS_ORIGINAL:
        found = find_original(session=session, duplicate=aspiration, code=original or "")
        values["duplicate_of"] = found.code
    assert aspiration.id is not None
    written = session.execute(
        update(Aspiration)
        .where(col(Aspiration.id) == aspiration.id, col(Aspiration.status) == seen)
        .values(**values)
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
        details={"code": aspiration.code, "from": seen, "to": status}
        | ({"duplicate_of": aspiration.duplicate_of} if aspiration.duplicate_of else {}),
        now=now,
    )
    return change
