"""The help text, shared by ``/bantuan`` and the menu's Bantuan."""

from __future__ import annotations

from handlers.core import access
from handlers.core.flow import Ctx


def help_text(ctx: Ctx) -> str:
    """The resident's commands, plus those of the roles the reader holds."""
    parts = [ctx.t("help.text"), ctx.t("privacy.help")]
    if access.has_role(ctx, "facilitator"):
        parts.append(ctx.t("help.facilitator"))
    if access.has_role(ctx, "staff"):
        parts.append(ctx.t("help.staff"))
    if access.has_role(ctx, "admin"):
        parts.append(ctx.t("help.admin"))
    if ctx.inbound.channel == "console":
        parts.append(ctx.t("help.console"))
    return "\n\n".join(parts)
