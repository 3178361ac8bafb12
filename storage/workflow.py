"""The aspiration status workflow: which change may follow which, and recording it.

diterima → diverifikasi → diteruskan (to a unit) → diproses → selesai
    │            │          │   ↺ to another unit, with a reason
    │            │          └───────┴─→ diverifikasi: the unit hands it back, with a reason
    ├────────────┴──────────┴───────┴─→ tunda: staff ask the resident; their answer
    │                                    resumes the status it was held in
    ├────────────┴─→ bukan_wewenang (where to go instead) · arsip (why)
    └──── from every open status ──→ ditolak (with a reason) · spam · duplik (of another code)

Every change records who, when, the note and the unit, and moves the service
clocks (``storage.sla``) on.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.aspirations import find_aspiration, normalise_tracking_code
from storage.audit import record
from storage.models import Aspiration, AspirationNote, AspirationStatusChange
from storage.opd import find_unit
from storage.sla import DEFAULT_CLOCK, STAGES, Event, ServiceClock, dues

CLOSING = ("ditolak", "spam", "duplik")  # possible from every open status
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    "diterima": ("diverifikasi", "tunda", "bukan_wewenang", "arsip", *CLOSING),
    "diverifikasi": ("diteruskan", "tunda", "bukan_wewenang", "arsip", *CLOSING),
    "diteruskan": ("diproses", "diteruskan", "diverifikasi", "tunda", *CLOSING),
    "diproses": ("selesai", "diteruskan", "diverifikasi", "tunda", *CLOSING),
    "tunda": ("arsip", *CLOSING),  # and back to the status it was held in
    "selesai": (),
    "ditolak": (),
    "spam": (),
    "duplik": (),
    "bukan_wewenang": (),
    "arsip": (),
}
OPEN_STATUSES = tuple(status for status, following in NEXT_STATUSES.items() if following)
CLOSED_STATUSES = tuple(status for status, following in NEXT_STATUSES.items() if not following)
# The note is required: why (ditolak, arsip), where to go instead (bukan_wewenang),
# the question for the resident (tunda).
NEEDS_REASON = frozenset({"ditolak", "arsip", "bukan_wewenang", "tunda"})
NEEDS_ORIGINAL = frozenset({"duplik"})
NEEDS_UNIT = frozenset({"diteruskan"})
WITH_UNIT = ("diteruskan", "diproses")  # statuses in which a unit has the aspiration
# What a unit's own officer (petugas_opd) may do; the rest is the city staff's.
OFFICER_MOVES: dict[str, tuple[str, ...]] = {
    "diteruskan": ("diproses", "diverifikasi"),
    "diproses": ("selesai", "diverifikasi"),
}


def allowed_next(aspiration: Aspiration) -> tuple[str, ...]:
    """The statuses ``aspiration`` may move to now (a tunda may resume)."""
    following = NEXT_STATUSES.get(aspiration.status, ())
    if aspiration.status == "tunda" and aspiration.held_status:
        return (aspiration.held_status, *following)
    return following


def needs_reason(current: str, wanted: str) -> bool:
    """Whether the change needs a note: the statuses above, a re-disposition to
    another unit, and handing an aspiration back from a unit."""
    if wanted in NEEDS_REASON:
        return True
    return current in WITH_UNIT and wanted in ("diteruskan", "diverifikasi")


class IllegalTransition(ValueError):
    """The change is not allowed from the current status; ``allowed`` lists what is."""

    def __init__(self, current: str, wanted: str, allowed: tuple[str, ...] = ()) -> None:
        self.current, self.wanted = current, wanted
        self.allowed = allowed or NEXT_STATUSES.get(current, ())
        super().__init__(
            f"{current} → {wanted} is not allowed; allowed: {', '.join(self.allowed) or 'none'}"
        )


class ReasonRequired(ValueError):
    """The change needs a note (``needs_reason``)."""


class UnitRefused(ValueError):
    """``diteruskan`` needs an active unit other than the one that has it now:
    ``problem`` is ``"missing"``, ``"unknown"``, ``"inactive"`` or ``"same"``."""

    def __init__(self, code: str, problem: str) -> None:
        self.code, self.problem = code, problem
        super().__init__(f"{code or '(none)'} cannot take it: {problem}")


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
    opd: str | None = None,
    seen_opd: str | None = None,
    clock: ServiceClock = DEFAULT_CLOCK,
    grade: str | None = None,
) -> AspirationStatusChange:
    """Move ``aspiration`` to ``status`` and record who, when, the note and the unit.

    ``duplik`` needs ``original``, the code of the aspiration it repeats
    (``OriginalRefused`` otherwise); it is stored as ``duplicate_of``.
    ``diteruskan`` needs ``opd``, an active unit's code (``UnitRefused``); handing
    it back (``diverifikasi`` from a unit) clears the unit.

    ``grade`` (``storage.sla.GRADES``), given with ``diteruskan``, sets the
    completion target; without it the category's default applies. Going back
    from ``tunda`` to the status it was held in keeps the unit.

    ``seen`` and ``seen_opd`` are the status and unit the officer decided on
    (default: those loaded). The write is a compare-and-set on both, so a change
    another officer committed in the meantime is never overwritten:
    ``IllegalTransition`` names the status the aspiration really has now.
    """
    seen = seen or aspiration.status
    seen_opd = seen_opd if seen_opd is not None else aspiration.opd_code
    if seen != aspiration.status or seen_opd != aspiration.opd_code:
        raise IllegalTransition(aspiration.status, status, allowed_next(aspiration))
    if status not in allowed_next(aspiration):
        raise IllegalTransition(seen, status, allowed_next(aspiration))
    note = (note or "").strip() or None
    if needs_reason(seen, status) and not note:
        raise ReasonRequired(status)
    values: dict[str, object] = {"status": status, "updated_at": now}
    if status in NEEDS_ORIGINAL:
        found = find_original(session=session, duplicate=aspiration, code=original or "")
        values["duplicate_of"] = found.code
    resuming = seen == "tunda" and status == aspiration.held_status
    if status in NEEDS_UNIT and not resuming:
        values["opd_code"] = _unit_for(session, aspiration, opd)
        if grade is not None:
            if grade not in clock.targets.grades:
                raise ValueError(f"unknown grade {grade!r}")
            values["grade"] = grade
    elif status == "diverifikasi" and seen in WITH_UNIT:
        values["opd_code"] = None  # handed back to the city staff
    if status == "tunda":
        values["held_status"] = seen
        values["tunda_count"] = aspiration.tunda_count + 1
    elif seen == "tunda":
        values["held_status"] = None
    assert aspiration.id is not None
    written = session.execute(
        update(Aspiration)
        .where(
            col(Aspiration.id) == aspiration.id,
            col(Aspiration.status) == seen,
            col(Aspiration.opd_code).is_(None)
            if seen_opd is None
            else col(Aspiration.opd_code) == seen_opd,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if written.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(aspiration)
        raise IllegalTransition(aspiration.status, status, allowed_next(aspiration))
    session.refresh(aspiration)
    change = AspirationStatusChange(
        aspiration_id=aspiration.id,
        status=status,
        at=now,
        actor=actor,
        note=note,
        opd_code=aspiration.opd_code if status in NEEDS_UNIT and not resuming else None,
    )
    session.add(change)
    # the note may name people: the trail keeps only the code, statuses and unit
    details: dict[str, object] = {"code": aspiration.code, "from": seen, "to": status}
    if aspiration.duplicate_of:
        details["duplicate_of"] = aspiration.duplicate_of
    if status in NEEDS_UNIT and not resuming:
        details["opd"] = aspiration.opd_code
    record(session=session, actor=actor, action="status_change", details=details, now=now)
    session.flush()
    refresh_dues(session=session, aspiration=aspiration, now=now, clock=clock)
    return change


def _unit_for(session: Session, aspiration: Aspiration, code: str | None) -> str:
    unit = find_unit(session=session, code=code or "")
    if unit is None:
        raise UnitRefused((code or "").strip().upper()[:24], "missing" if not code else "unknown")
    if not unit.active:
        raise UnitRefused(unit.code, "inactive")
    if aspiration.status in WITH_UNIT and unit.code == aspiration.opd_code:
        raise UnitRefused(unit.code, "same")
    return unit.code


def add_follow_up(
    *,
    session: Session,
    aspiration: Aspiration,
    actor: str,
    opd_code: str | None,
    text: str,
    now: datetime,
    photo_path: str | None = None,
    clock: ServiceClock = DEFAULT_CLOCK,
) -> AspirationNote:
    """A unit's follow-up (tindak lanjut) the resident reads; it meets the
    response clock."""
    assert aspiration.id is not None
    entry = AspirationNote(
        aspiration_id=aspiration.id,
        kind="tindak_lanjut",
        at=now,
        actor=actor,
        opd_code=opd_code,
        text=text.strip(),
        photo_path=photo_path,
    )
    session.add(entry)
    aspiration.updated_at = now
    session.add(aspiration)
    record(
        session=session,
        actor=actor,
        action="follow_up",
        details={"code": aspiration.code, "opd": opd_code},
        now=now,
    )
    session.flush()
    refresh_dues(session=session, aspiration=aspiration, now=now, clock=clock)
    return entry


def attach_answer(
    *,
    session: Session,
    aspiration: Aspiration,
    now: datetime,
    text: str = "",
    photo_path: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    voice_path: str | None = None,
    voice_seconds: int | None = None,
    clock: ServiceClock = DEFAULT_CLOCK,
) -> AspirationStatusChange:
    """The resident's answer to the question asked with ``tunda`` (text, a photo, a
    location or a voice note): kept with the aspiration, which goes back to the
    status it was held in; the clocks resume. ``IllegalTransition`` when it is no
    longer waiting for an answer."""
    if aspiration.status != "tunda" or not aspiration.held_status:
        raise IllegalTransition(aspiration.status, aspiration.held_status or "", ())
    assert aspiration.id is not None
    session.add(
        AspirationNote(
            aspiration_id=aspiration.id,
            kind="jawaban",
            at=now,
            text=text.strip(),
            photo_path=photo_path,
            latitude=latitude,
            longitude=longitude,
            voice_path=voice_path,
            voice_seconds=voice_seconds,
        )
    )
    return change_status(
        session=session,
        aspiration=aspiration,
        status=aspiration.held_status,
        actor="resident",
        note=None,
        now=now,
        clock=clock,
    )


def notes_of(*, session: Session, aspiration_id: int) -> list[AspirationNote]:
    """Follow-ups and answers on an aspiration, oldest first."""
    return list(
        session.exec(
            select(AspirationNote)
            .where(AspirationNote.aspiration_id == aspiration_id)
            .order_by(col(AspirationNote.at), col(AspirationNote.id))
        )
    )


def answered_by_voice(*, session: Session, aspiration_ids: Iterable[int]) -> set[int]:
    """Which of these aspirations hold an answer the resident spoke (its voice
    note still kept)."""
    wanted = list(aspiration_ids)
    if not wanted:
        return set()
    return set(
        session.exec(
            select(AspirationNote.aspiration_id).where(
                col(AspirationNote.aspiration_id).in_(wanted),
                col(AspirationNote.kind) == "jawaban",
                col(AspirationNote.voice_path).is_not(None),
            )
        ).all()
    )


def events_of(*, session: Session, aspiration: Aspiration) -> list[Event]:
    """The aspiration's status changes and follow-ups, for the service clocks."""
    assert aspiration.id is not None
    changes = session.exec(
        select(AspirationStatusChange)
        .where(AspirationStatusChange.aspiration_id == aspiration.id)
        .order_by(col(AspirationStatusChange.at), col(AspirationStatusChange.id))
    ).all()
    events: list[Event] = []
    previous: str | None = None
    for c in changes:
        # back from tunda: the clocks resume where they stopped (not a new disposition)
        resumed = previous == "tunda" and c.status in OPEN_STATUSES
        events.append(Event(c.at, "resumed" if resumed else c.status, c.opd_code))
        previous = c.status
    events += [
        Event(note.at, None, note.opd_code)
        for note in notes_of(session=session, aspiration_id=aspiration.id)
        if note.kind == "tindak_lanjut"
    ]
    events.sort(key=lambda event: (event.at, event.status is None))
    return events or [Event(aspiration.created_at, "diterima")]


def refresh_dues(
    *, session: Session, aspiration: Aspiration, now: datetime, clock: ServiceClock
) -> None:
    """Write the service clocks' due times on the aspiration (``storage.sla``)."""
    found = dues(
        events_of(session=session, aspiration=aspiration),
        category=aspiration.category,
        grade=aspiration.grade,
        clock=clock,
    )
    aspiration.verify_due_at = found.verify.due_at
    aspiration.response_due_at = found.response.due_at if found.response else None
    aspiration.completion_due_at = found.completion.due_at if found.completion else None
    running = [
        stage.due_at
        for stage in found.stages
        if stage.done_at is None and stage.due_at is not None and not stage.paused
    ]
    closed = aspiration.status in CLOSED_STATUSES
    aspiration.next_due_at = None if closed else min(running, default=None)
    # a stage once past due stays so (a new disposal restarts its clock, not its record)
    late = set(found.breached(now)) | set(filter(None, aspiration.breached.split(",")))
    aspiration.breached = ",".join(stage for stage in STAGES if stage in late)
    session.add(aspiration)
