"""The help text, shared by ``/bantuan`` and the menu's Bantuan."""

from __future__ import annotations

from handlers.flow import Ctx


def help_text(ctx: Ctx) -> str:
    text = ctx.t("help.text")
    if ctx.inbound.channel == "console":
        text += "\n\n" + ctx.t("help.console")
    return text
