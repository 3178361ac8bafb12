"""The help text, shared by ``/bantuan`` and the menu's Bantuan: built from the
help lines the features declare (``HelpLine``), a section at a time."""

from __future__ import annotations

from handlers.core import access
from handlers.core.feature import ROLE_SECTIONS, SECTIONS
from handlers.core.flow import Ctx


def help_text(ctx: Ctx) -> str:
    """Everyone's commands, then those of the roles the reader holds."""
    parts = []
    shown: set[str] = set()  # a line in several roles' sections (/masuk) is shown once
    for section in SECTIONS:
        if section in ROLE_SECTIONS and not access.has_role(ctx, section):
            continue
        keys = [line.key for line in ctx.features.help_lines(section) if line.key not in shown]
        shown.update(keys)
        lines = [ctx.t(key) for key in keys]
        parts.append("\n".join([ctx.t(f"help.section.{section}"), *lines]))
        if section == "resident":
            parts[-1] += "\n\n" + ctx.t("help.footer")
    if ctx.inbound.channel == "console":
        parts.append(ctx.t("help.console"))
    return "\n\n".join(parts)
