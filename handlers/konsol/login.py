"""``/masuk``: a one-time link to Konsol, the staff web console, for anyone holding
a role (staff, admin, facilitator, petugas_opd). The link is valid 10 minutes and
opens one session; at most ``LINKS_PER_HOUR`` links an hour per identity."""

from __future__ import annotations

import logging

from handlers.core import access
from handlers.core.flow import Ctx
from storage.web_sessions import LINK_VALIDITY, LINKS_PER_HOUR, TooManyLinks, issue_link

logger = logging.getLogger(__name__)


def start(ctx: Ctx, _args: str) -> None:
    """Refused without a role; "the console is off" without ``[web]``; else the link."""
    if not access.roles(ctx):
        logger.warning(
            "refused /masuk (needs a role) for a %s resident, ref %s",
            ctx.inbound.channel,
            access.log_reference(ctx.resident.identity),
        )
        ctx.invalid(ctx.t("access.denied"))
        return
    if not ctx.settings.console_links:
        ctx.note(ctx.t("konsol.off"))
        return
    try:
        token = issue_link(
            session=ctx.session,
            identity=ctx.resident.identity,
            via="chat",
            now=ctx.now,
            per_hour=LINKS_PER_HOUR,
        )
    except TooManyLinks:
        ctx.note(ctx.t.plural("konsol.too_many", LINKS_PER_HOUR))
        return
    minutes = int(LINK_VALIDITY.total_seconds() // 60)
    ctx.note(ctx.t("konsol.link", link=ctx.settings.console_links + token, minutes=minutes))
