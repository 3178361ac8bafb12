"""Messages to residents that are not replies: written to the outbox in the same
transaction as their cause, sent by the dispatcher."""

from __future__ import annotations

from sqlmodel import Session

from handlers.flow import Ctx
from handlers.types import ACTION_PROMPT, Option, Reply
from storage.models import Aspiration, AspirationStatusChange, Resident
from storage.outbox import enqueue

PERSONAL_PRIORITY = 10  # ahead of broadcasts, behind direct replies (0)


def resident_of(session: Session, aspiration: Aspiration) -> Resident | None:
    if aspiration.resident_id is None:
        return None
    return session.get(Resident, aspiration.resident_id)


def rating_options(code: str) -> tuple[Option, ...]:
    return tuple(Option(f"!rate:{code}:{score}", "⭐" * score) for score in range(1, 6))


def notify_status_change(ctx: Ctx, aspiration: Aspiration, change: AspirationStatusChange) -> bool:
    """Tell the resident, in their language; False when nobody can be told."""
    resident = resident_of(ctx.session, aspiration)
    if resident is None:
        return False
    t = ctx.settings.translators(resident.language)
    text = t(
        "notify.status",
        code=aspiration.code,
        status=t(f"status.{change.status}"),
        note=t("notify.note", note=change.note) if change.note else "",
    )
    options: tuple[Option, ...] = ()
    if change.status == "selesai":
        text += "\n\n" + t("notify.rate", code=aspiration.code)
        options = rating_options(aspiration.code)
    reply = Reply(text=text, options=options, prompt_id=ACTION_PROMPT if options else None)
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
    return True
