"""Commands that work from any step of any flow, and buttons that act anywhere.

Each feature declares its commands (``handlers.core.feature.Command``): their
names and aliases, the words that count as the command when typed alone (for
residents who do not type slashes), and the role they need. This module reads
what a resident typed as one of them and runs it.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core import access
from handlers.core.feature import Registry
from handlers.core.flow import Ctx


@dataclass(frozen=True)
class Called:
    """A command as typed: ``/status asp-7k2m9q`` → Called("status", "asp-7k2m9q")."""

    name: str
    args: str


def parse(text: str | None, registry: Registry) -> Called | None:
    """The command ``text`` calls (by name, alias or lone word); None for other text."""
    if text is None:
        return None
    stripped = text.strip()
    if not stripped.startswith("/"):
        word = registry.words.get(stripped.casefold().strip(" .!"))
        return Called(word, "") if word else None
    head, _, args = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].casefold()  # Telegram groups send /menu@botname
    return Called(registry.names.get(name, name), args.strip())


def allowed_before_consent(ctx: Ctx, name: str) -> bool:
    declared = ctx.features.commands.get(name)
    return declared is not None and declared.before_consent


def allowed_before_reconsent(ctx: Ctx, name: str) -> bool:
    """What still works while a new privacy notice waits for an answer: nothing
    that uses personal data, and the rights to erase or withdraw."""
    declared = ctx.features.commands.get(name)
    return declared is not None and declared.before_reconsent


def run(ctx: Ctx, called: Called) -> None:
    declared = ctx.features.commands.get(called.name)
    if declared is None:
        ctx.invalid(ctx.t("engine.unknown_command", command="/" + called.name[:32]))
    elif declared.role is None or access.allow(ctx, declared.role, f"/{called.name}"):
        declared.run(ctx, called.args)


def run_action(ctx: Ctx, value: str) -> None:
    """A button that acts from any step, e.g. ``!rate:ASP-7K2M9Q:5``."""
    name, _, args = value.removeprefix("!").partition(":")
    declared = ctx.features.actions.get(name)
    if declared is not None:
        declared(ctx, args)
    else:
        ctx.invalid(ctx.t("engine.button_expired"))
