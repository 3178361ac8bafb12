"""The city staff hear that a unit handed an aspiration back ("bukan wewenang
kami"), with the unit's reason: through the outbox, in each one's language."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from handlers.core.flow import Ctx
from handlers.core.notifications import unit_name
from handlers.core.settings import EngineSettings
from handlers.core.types import Reply
from storage.models import Aspiration
from storage.outbox import enqueue
from storage.residents import get_resident
from storage.roles import all_grants

STAFF_PRIORITY = 10  # as residents' status news: ahead of broadcasts


def staff_identities(settings: EngineSettings, session: Session) -> list[str]:
    """Who holds the ``staff`` role, in the config file or granted in the database."""
    held = {identity for identity, roles in settings.config_roles.items() if "staff" in roles}
    held |= {g.identity for g in all_grants(session=session) if g.role == "staff"}
    return sorted(held)


def notify_returned(ctx: Ctx, aspiration: Aspiration, unit: str | None, reason: str) -> int:
    """``tell_returned`` from the officer's chat."""
    return tell_returned(
        ctx.session,
        ctx.settings,
        aspiration,
        unit,
        reason,
        actor=ctx.resident.identity,
        now=ctx.now,
    )


def tell_returned(
    session: Session,
    settings: EngineSettings,
    aspiration: Aspiration,
    unit: str | None,
    reason: str,
    *,
    actor: str,
    now: datetime,
) -> int:
    """Tell every staff member (but ``actor``, should they be staff too) that
    ``unit`` returned ``aspiration`` and why; how many were told."""
    told = 0
    kelurahan = settings.wilayah.find_kelurahan(aspiration.kelurahan_code)
    for identity in staff_identities(settings, session):
        channel, _, user_id = identity.partition(":")
        if identity == actor or not user_id:
            continue
        staff = get_resident(session=session, identity=identity)
        t = settings.translators(staff.language if staff else "id")
        text = t(
            "desk.returned_notice",
            code=aspiration.code,
            unit=unit_name(session, unit) or "-",
            category=t(f"category.{aspiration.category}"),
            kelurahan=kelurahan.name if kelurahan else "-",
            reason=reason,
        )
        enqueue(
            session=session,
            channel=channel,
            recipient=user_id,
            kind="staff_notice",
            payload=Reply(text=text).to_payload(),
            now=now,
            priority=STAFF_PRIORITY,
        )
        told += 1
    return told
