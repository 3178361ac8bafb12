"""The city staff hear that a unit handed an aspiration back ("bukan wewenang
kami"), with the unit's reason: through the outbox, in each one's language."""

from __future__ import annotations

from handlers.core.flow import Ctx
from handlers.core.types import Reply
from handlers.desk.cards import kelurahan_name, unit_name
from storage.models import Aspiration
from storage.outbox import enqueue
from storage.residents import get_resident
from storage.roles import all_grants

STAFF_PRIORITY = 10  # as residents' status news: ahead of broadcasts


def staff_identities(ctx: Ctx) -> list[str]:
    """Who holds the ``staff`` role, in the config file or granted in the database."""
    held = {identity for identity, roles in ctx.settings.config_roles.items() if "staff" in roles}
    held |= {g.identity for g in all_grants(session=ctx.session) if g.role == "staff"}
    return sorted(held)


def notify_returned(ctx: Ctx, aspiration: Aspiration, unit: str | None, reason: str) -> int:
    """Tell every staff member (but the officer, should they be staff too) that
    ``unit`` returned ``aspiration`` and why; how many were told."""
    told = 0
    for identity in staff_identities(ctx):
        channel, _, user_id = identity.partition(":")
        if identity == ctx.resident.identity or not user_id:
            continue
        staff = get_resident(session=ctx.session, identity=identity)
        t = ctx.settings.translators(staff.language if staff else "id")
        text = t(
            "desk.returned_notice",
            code=aspiration.code,
            unit=unit_name(ctx, unit),
            category=t(f"category.{aspiration.category}"),
            kelurahan=kelurahan_name(ctx, aspiration.kelurahan_code),
            reason=reason,
        )
        enqueue(
            session=ctx.session,
            channel=channel,
            recipient=user_id,
            kind="staff_notice",
            payload=Reply(text=text).to_payload(),
            now=ctx.now,
            priority=STAFF_PRIORITY,
        )
        told += 1
    return told
