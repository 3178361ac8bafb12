"""Messages to residents that are not replies: written to the outbox in the same
transaction as their cause, sent by the dispatcher."""

from __future__ import annotations

from sqlmodel import Session

from handlers.core.flow import Ctx
from handlers.core.types import ACTION_PROMPT, Option, Reply
from storage.models import Aspiration, AspirationStatusChange, Resident
from storage.outbox import enqueue
from storage.workflow import duplicates_of

PERSONAL_PRIORITY = 10  # ahead of broadcasts, behind direct replies (0)


def resident_of(session: Session, aspiration: Aspiration) -> Resident | None:
    if aspiration.resident_id is None:
        return None
    return session.get(Resident, aspiration.resident_id)


def rating_options(code: str) -> tuple[Option, ...]:
    return tuple(Option(f"!rate:{code}:{score}", "⭐" * score) for score in range(1, 6))


def notify_status_change(ctx: Ctx, aspiration: Aspiration, change: AspirationStatusChange) -> bool:
    """Tell the resident, in their language; False when nobody can be told.

    Residents whose own report was marked a duplicate of this one hear of the
    new status too (without the note, which was written for this resident).
    """
    _tell_followers(ctx, aspiration, change.status)
    resident = resident_of(ctx.session, aspiration)
    if resident is None:
        return False
    t = ctx.settings.translators(resident.language)
    note = t("notify.note", note=change.note) if change.note else ""
    if change.status == "duplik":
        text = t("notify.duplicate", code=aspiration.code, original=aspiration.duplicate_of)
        text += note
    elif change.status == "spam":
        text = t("notify.spam", code=aspiration.code) + note
    else:
        text = t(
            "notify.status", code=aspiration.code, status=t(f"status.{change.status}"), note=note
        )
    options: tuple[Option, ...] = ()
    if change.status == "selesai":
        text += "\n\n" + t("notify.rate", code=aspiration.code)
        options = rating_options(aspiration.code)
    reply = Reply(text=text, options=options, prompt_id=ACTION_PROMPT if options else None)
    _send(ctx, resident, reply)
    return True


def _tell_followers(ctx: Ctx, original: Aspiration, status: str) -> None:
    told = {original.resident_id}
    for copy in duplicates_of(session=ctx.session, code=original.code):
        resident = resident_of(ctx.session, copy)
        if resident is None or resident.id in told:
            continue
        told.add(resident.id)
        t = ctx.settings.translators(resident.language)
        text = t(
            "notify.original_status",
            code=copy.code,
            original=original.code,
            status=t(f"status.{status}"),
        )
        _send(ctx, resident, Reply(text=text))


def _send(ctx: Ctx, resident: Resident, reply: Reply) -> None:
    channel, _, user_id = resident.identity.partition(":")
    enqueue(
        session=ctx.session,
        channel=channel,
        recipient=user_id,
        kind="status",
        payload=reply.to_payload(),
        now=ctx.now,
        priority=PERSONAL_PRIORITY,
    )


def notify_follow_up(ctx: Ctx, aspiration: Aspiration, note: str) -> bool:
    """Tell the resident what the unit that has the aspiration did (its follow-up,
    ``note``), naming the aspiration and the unit; False when nobody can be told."""
    from storage.opd import find_unit  # kept here: this module grows by appending

    resident = resident_of(ctx.session, aspiration)
    if resident is None:
        return False
    t = ctx.settings.translators(resident.language)
    unit = find_unit(session=ctx.session, code=aspiration.opd_code or "")
    kelurahan = ctx.wilayah.find_kelurahan(aspiration.kelurahan_code)
    text = t(
        "notify.follow_up",
        code=aspiration.code,
        category=t(f"category.{aspiration.category}"),
        kelurahan=kelurahan.name if kelurahan else "-",
        unit=unit.short_name if unit else t("notify.follow_up_unit"),
        note=note,
    )
    _send(ctx, resident, Reply(text=text))
    return True
