"""Global commands: they work from any step of any flow.

``/start /menu /batal /bantuan /bahasa`` (and English aliases), ``/status [CODE]``,
and the data-rights commands ``/datasaya`` and ``/hapusdata``. A few words typed
alone (``menu``, ``batal``, ``bantuan``) count as the command too, for residents
who do not type slashes. ``/berhenti`` (or BERHENTI / STOP typed alone) and
``/langganan`` switch announcements off and on again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from handlers.announcements import compose as announce
from handlers.announcements import delivery as announce_status
from handlers.announcements import optout
from handlers.core import access
from handlers.core.feature import Registry
from handlers.core.flow import Ctx

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    name: str
    args: str


ALIASES = {
    "stop": "berhenti",
    "unsubscribe": "berhenti",
    "subscribe": "langganan",
}
# Commands for some roles only; the check is the same for every one of them.
ROLE_FOR = {
    "umumkan": "facilitator",
    "status_umum": "facilitator",
}
BARE_WORDS = {
    "berhenti": "berhenti",
    "stop": "berhenti",
}
ALLOWED_BEFORE_ONBOARDING = frozenset({"berhenti", "langganan"})


def parse(text: str | None, registry: Registry) -> Command | None:
    """``/status asp-7k2m9q`` → Command("status", "asp-7k2m9q"); None for other text."""
    if text is None:
        return None
    stripped = text.strip()
    if not stripped.startswith("/"):
        typed = stripped.casefold().strip(" .!")
        word = registry.words.get(typed) or BARE_WORDS.get(typed)
        return Command(word, "") if word else None
    head, _, args = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].casefold()  # Telegram groups send /menu@botname
    return Command(registry.names.get(name) or ALIASES.get(name, name), args.strip())


def allowed_before_consent(ctx: Ctx, name: str) -> bool:
    declared = ctx.features.commands.get(name)
    return declared.before_consent if declared else name in ALLOWED_BEFORE_ONBOARDING


# What still works while a new privacy notice waits for an answer: nothing that
# uses personal data, and the rights to erase or withdraw.
BEFORE_RECONSENT = frozenset({"berhenti"})


def allowed_before_reconsent(ctx: Ctx, name: str) -> bool:
    declared = ctx.features.commands.get(name)
    return declared.before_reconsent if declared else name in BEFORE_RECONSENT


def run(ctx: Ctx, command: Command) -> None:
    declared = ctx.features.commands.get(command.name)
    if declared is not None:
        if declared.role and not access.allow(ctx, declared.role, f"/{command.name}"):
            return
        declared.run(ctx, command.args)
        return
    handler = COMMANDS.get(command.name)
    if handler is None:
        ctx.invalid(ctx.t("engine.unknown_command", command="/" + command.name[:32]))
        return
    role = ROLE_FOR.get(command.name)
    if role and not access.allow(ctx, role, f"/{command.name}"):
        return
    handler(ctx, command.args)


def run_action(ctx: Ctx, value: str) -> None:
    """A button that acts from any step, e.g. ``!rate:ASP-7K2M9Q:5``."""
    name, _, args = value.removeprefix("!").partition(":")
    declared = ctx.features.actions.get(name)
    if declared is not None:
        declared(ctx, args)
    else:
        ctx.invalid(ctx.t("engine.button_expired"))


COMMANDS: dict[str, Callable[[Ctx, str], None]] = {
    "berhenti": optout.stop,
    "langganan": optout.resume,
    "umumkan": announce.start,
    "status_umum": announce_status.start,
}
