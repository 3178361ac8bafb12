"""Messages to residents that are not replies: written to the outbox in the same
transaction as their cause, sent by the dispatcher.

A status notification names the aspiration (code, category, kelurahan, its first
words), says in plain words what the new status means and what happens next, and,
where a service clock runs, by when ("paling lambat Rabu, 10 Desember 2025").
The chat (``notify_status_change``) and the CLI and Konsol (``tell_status_change``)
write the same message; likewise a unit's follow-up (``notify_follow_up`` /
``tell_follow_up``).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from handlers.core.flow import Ctx
from handlers.core.settings import EngineSettings
from handlers.core.types import ACTION_PROMPT, Option, Reply, Translator
from storage.aspirations import status_history
from storage.models import Aspiration, AspirationStatusChange, Resident
from storage.opd import find_unit
from storage.outbox import enqueue
from storage.workflow import WITH_UNIT, duplicates_of

PERSONAL_PRIORITY = 10  # ahead of broadcasts, behind direct replies (0)
SNIPPET = 40  # characters of the aspiration's text that name it
# The note is part of the message itself: the question, where to go, the reason.
NOTE_IN_BODY = frozenset({"tunda", "bukan_wewenang", "arsip", "ditolak"})
# The note given with these is why it is not followed up: "Alasan: …", not "Catatan petugas".
NOTE_IS_REASON = frozenset({"spam"})
# Statuses whose body says what comes next only through a due day: without one
# (no clock set), a sentence of its own says it.
NEXT_STEP = frozenset({"diverifikasi", "diteruskan", "diproses"})
# A parenthesised part of a category's label ("Infrastruktur (jalan, jembatan, drainase)")
# lists examples for the picker; a heading names the category without it.
_EXAMPLES = re.compile(r"\s*\([^)]*\)")


def resident_of(session: Session, aspiration: Aspiration) -> Resident | None:
    if aspiration.resident_id is None:
        return None
    return session.get(Resident, aspiration.resident_id)


def rating_options(code: str) -> tuple[Option, ...]:
    return tuple(Option(f"!rate:{code}:{score}", "⭐" * score) for score in range(1, 6))


def answer_options(t: Translator, code: str) -> tuple[Option, ...]:
    """The "Jawab" button under a tunda question: answers from any step."""
    return (Option(f"!answer:{code}", t("notify.answer_button")),)


def unit_name(session: Session, code: str | None) -> str | None:
    """The unit as residents know it ("Dinas PUPR")."""
    unit = find_unit(session=session, code=code) if code else None
    return unit.short_name if unit is not None else code


def resident_status(
    session: Session, t: Translator, status: str, opd_code: str | None = None
) -> str:
    """The status in the plain words residents read ("Sudah diperiksa petugas",
    "Diteruskan ke Dinas PUPR"); staff read ``status.<key>``."""
    unit = unit_name(session, opd_code) or t("status_resident.some_unit")
    return t(f"status_resident.{status}", unit=unit)


def notify_status_change(ctx: Ctx, aspiration: Aspiration, change: AspirationStatusChange) -> bool:
    """Tell the resident, in their language; False when nobody can be told.

    Residents whose own report was marked a duplicate of this one hear of the
    new status too (without the note, which was written for this resident).
    """
    return tell_status_change(ctx.session, ctx.settings, aspiration, change, ctx.now)


def tell_status_change(
    session: Session,
    settings: EngineSettings,
    aspiration: Aspiration,
    change: AspirationStatusChange,
    now: datetime,
) -> bool:
    """``notify_status_change`` without a conversation (the CLI)."""
    _tell_followers(session, settings, aspiration, change.status, now)
    resident = resident_of(session, aspiration)
    if resident is None:
        return False
    t = settings.translators(resident.language)
    text = heading(settings, t, aspiration) + "\n\n" + _body(session, t, aspiration, change)
    options: tuple[Option, ...] = ()
    if change.status == "selesai":
        text += "\n\n" + t("notify.rate", code=aspiration.code)
        options = rating_options(aspiration.code)
    elif change.status == "tunda":
        options = answer_options(t, aspiration.code)
    reply = Reply(text=text, options=options, prompt_id=ACTION_PROMPT if options else None)
    _send(session, resident, reply, now)
    return True


def heading(settings: EngineSettings, t: Translator, aspiration: Aspiration) -> str:
    """ "Kabar aspirasi ASP-7K2M9Q (Infrastruktur, Kelurahan Tomuan: “Jalan …”)"."""
    kelurahan = settings.wilayah.find_kelurahan(aspiration.kelurahan_code)
    words = " ".join(aspiration.text.split())
    if len(words) > SNIPPET:
        words = words[:SNIPPET].rsplit(" ", 1)[0] + "…"
    return t(
        "notify.heading",
        code=aspiration.code,
        category=short_category(settings, t, aspiration.category),
        kelurahan=kelurahan.name if kelurahan else "-",
        words=words,
    )


def short_category(settings: EngineSettings, t: Translator, key: str) -> str:
    """The category's name without the examples in its label: "Infrastruktur"."""
    label = t(f"category.{key}")
    for category in settings.categories:
        if category.key == key and t.language in category.labels:
            label = category.labels[t.language]
    return _EXAMPLES.sub("", label).strip() or label


def _body(
    session: Session, t: Translator, aspiration: Aspiration, change: AspirationStatusChange
) -> str:
    """The new status in plain words, what it means for the resident, what happens
    next and by when."""
    status, note = change.status, change.note or ""
    unit = unit_name(session, aspiration.opd_code) or t("status_resident.some_unit")
    word = resident_status(session, t, status, aspiration.opd_code)
    if status == "diverifikasi" and _previous(session, aspiration) in WITH_UNIT:
        status = "returned"  # a unit handed it back, or staff took it back
    if status == "duplik":
        text = t("notify.duplicate", code=aspiration.code, original=aspiration.duplicate_of)
    else:
        text = t(f"notify.body.{status}", unit=unit, note=note)
    due = {
        "diterima": aspiration.verify_due_at,
        "diverifikasi": aspiration.verify_due_at,
        "diteruskan": aspiration.response_due_at,
        "diproses": aspiration.completion_due_at,
    }.get(status)
    if due is not None and due >= change.at:  # a clock that runs
        text += " " + t(f"notify.due.{status}", unit=unit, due=t.day(due))
    elif status in NEXT_STEP:  # no clock: still say what comes next
        text += " " + t(f"notify.next.{status}", unit=unit)
    if status == "diteruskan" and aspiration.completion_due_at is not None:
        text += " " + t("notify.due.completion", due=t.day(aspiration.completion_due_at))
    if note and status in NOTE_IS_REASON:
        text += t("notify.reason", note=note)
    elif note and status not in NOTE_IN_BODY:
        text += t("notify.note", note=note)
    return t("notify.status_line", status=word) + "\n" + text


def _previous(session: Session, aspiration: Aspiration) -> str | None:
    """The status before the latest change."""
    assert aspiration.id is not None
    changes = status_history(session=session, aspiration_id=aspiration.id)
    return changes[-2].status if len(changes) >= 2 else None


def _tell_followers(
    session: Session, settings: EngineSettings, original: Aspiration, status: str, now: datetime
) -> None:
    told = {original.resident_id}
    for copy in duplicates_of(session=session, code=original.code):
        resident = resident_of(session, copy)
        if resident is None or resident.id in told:
            continue
        told.add(resident.id)
        t = settings.translators(resident.language)
        text = heading(settings, t, copy) + "\n\n"  # their own report, by its code
        text += t(
            "notify.original_status",
            code=copy.code,
            original=original.code,
            status=resident_status(session, t, status, original.opd_code),
        )
        _send(session, resident, Reply(text=text), now)


def _send(session: Session, resident: Resident, reply: Reply, now: datetime) -> None:
    channel, _, user_id = resident.identity.partition(":")
    enqueue(
        session=session,
        channel=channel,
        recipient=user_id,
        kind="status",
        payload=reply.to_payload(),
        now=now,
        priority=PERSONAL_PRIORITY,
    )


def notify_follow_up(ctx: Ctx, aspiration: Aspiration, note: str) -> bool:
    """Tell the resident what the unit that has the aspiration did (its follow-up,
    ``note``), under the same heading as every status notice; False when nobody
    can be told."""
    return tell_follow_up(ctx.session, ctx.settings, aspiration, note, ctx.now)


def tell_follow_up(
    session: Session, settings: EngineSettings, aspiration: Aspiration, note: str, now: datetime
) -> bool:
    """``notify_follow_up`` without a conversation (Konsol)."""
    resident = resident_of(session, aspiration)
    if resident is None:
        return False
    t = settings.translators(resident.language)
    unit = unit_name(session, aspiration.opd_code) or t("notify.follow_up_unit")
    body = t("notify.follow_up", unit=unit, note=note)
    text = heading(settings, t, aspiration) + "\n\n" + body
    _send(session, resident, Reply(text=text), now)
    return True
