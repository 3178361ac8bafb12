"""Global commands: they work from any step of any flow.

``/start /menu /batal /bantuan /bahasa`` (and English aliases), ``/status [CODE]``,
and the data-rights commands ``/datasaya`` and ``/hapusdata``. A few words typed
alone (``menu``, ``batal``, ``bantuan``) count as the command too, for residents
who do not type slashes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from handlers.aspirations import rating, review, status
from handlers.core import access
from handlers.core.flow import Ctx
from handlers.core.help import help_text
from handlers.core.registry import REGISTRY
from handlers.forums import follow as forum
from handlers.forums import manage as forum_manage
from handlers.forums import new as forum_admin
from handlers.privacy import mydata, profile
from handlers.trainings import attendance as training_attendance
from handlers.trainings import new as training_admin

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    name: str
    args: str


ALIASES = {
    "help": "bantuan",
    "cancel": "batal",
    "language": "bahasa",
    "mydata": "datasaya",
    "deletedata": "hapusdata",
    "withdrawconsent": "tarikpersetujuan",
    "profile": "profil",
}
# Commands for some roles only; the check is the same for every one of them.
ROLE_FOR = {
    "aspirasi": "staff",
    "ekspor": "staff",
    "statistik": "staff",
    "peran": "admin",
    "pelatihan_baru": "facilitator",
    "kehadiran": "facilitator",
    "forum_baru": "facilitator",
    "kelola_forum": "facilitator",
}
BARE_WORDS = {
    "menu": "menu",
    "batal": "batal",
    "bantuan": "bantuan",
    "help": "bantuan",
}
ALLOWED_BEFORE_ONBOARDING = frozenset({"bahasa", "bantuan"})


def parse(text: str | None) -> Command | None:
    """``/status asp-7k2m9q`` → Command("status", "asp-7k2m9q"); None for other text."""
    if text is None:
        return None
    stripped = text.strip()
    if not stripped.startswith("/"):
        typed = stripped.casefold().strip(" .!")
        word = REGISTRY.words.get(typed) or BARE_WORDS.get(typed)
        return Command(word, "") if word else None
    head, _, args = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].casefold()  # Telegram groups send /menu@botname
    return Command(REGISTRY.names.get(name) or ALIASES.get(name, name), args.strip())


def allowed_before_consent(name: str) -> bool:
    declared = REGISTRY.commands.get(name)
    return declared.before_consent if declared else name in ALLOWED_BEFORE_ONBOARDING


# What still works while a new privacy notice waits for an answer: nothing that
# uses personal data, and the rights to erase or withdraw.
BEFORE_RECONSENT = frozenset({"bahasa", "bantuan", "hapusdata", "tarikpersetujuan"})


def allowed_before_reconsent(name: str) -> bool:
    declared = REGISTRY.commands.get(name)
    return declared.before_reconsent if declared else name in BEFORE_RECONSENT


def run(ctx: Ctx, command: Command) -> None:
    declared = REGISTRY.commands.get(command.name)
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
    declared = REGISTRY.actions.get(name)
    if declared is not None:
        declared(ctx, args)
    elif name == "rate":
        rating.start(ctx, args.replace(":", " "))
    elif name == "rsvp":  # a forum reminder's Hadir / Tidak hadir / Mungkin
        forum.rsvp_action(ctx, args)
    else:
        ctx.invalid(ctx.t("engine.button_expired"))


def _start(ctx: Ctx, _args: str) -> None:
    if ctx.resident.has_consent:
        ctx.note(ctx.t("start.welcome_back"))
        ctx.goto("menu")
    else:
        ctx.goto("onboarding")


def _menu(ctx: Ctx, _args: str) -> None:
    ctx.goto("menu")


def _cancel(ctx: Ctx, _args: str) -> None:
    if ctx.conversation.flow == "menu":
        ctx.note(ctx.t("cancel.nothing"))
    elif ctx.conversation.flow == "onboarding" and not ctx.resident.has_consent:
        ctx.note(ctx.t("cancel.onboarding"))
        ctx.resident.onboarded_at = ctx.resident.onboarded_at or ctx.now
    else:
        ctx.note(ctx.t("cancel.done"))
    ctx.goto("menu")


def _help(ctx: Ctx, _args: str) -> None:
    ctx.say(help_text(ctx))


def _language(ctx: Ctx, _args: str) -> None:
    """Choose a language, then come back to the same step with nothing lost."""
    ctx.detour("language")


def _status(ctx: Ctx, args: str) -> None:
    if args:
        ctx.say(status.describe(ctx, args))
    else:
        ctx.goto("status")


def _my_data(ctx: Ctx, args: str) -> None:
    mydata.show(ctx, args)


def _delete_data(ctx: Ctx, _args: str) -> None:
    mydata.start_delete(ctx)


def _withdraw_consent(ctx: Ctx, _args: str) -> None:
    mydata.start_withdraw(ctx)


def _review(ctx: Ctx, args: str) -> None:
    review.start(ctx, args)


def _rate(ctx: Ctx, args: str) -> None:
    rating.start(ctx, args)


def _export(ctx: Ctx, _args: str) -> None:
    ctx.goto("export")


def _stats(ctx: Ctx, _args: str) -> None:
    ctx.goto("stats")


def _roles(ctx: Ctx, _args: str) -> None:
    ctx.goto("roles")


COMMANDS: dict[str, Callable[[Ctx, str], None]] = {
    "start": _start,
    "menu": _menu,
    "batal": _cancel,
    "bantuan": _help,
    "bahasa": _language,
    "status": _status,
    "datasaya": _my_data,
    "hapusdata": _delete_data,
    "tarikpersetujuan": _withdraw_consent,
    "profil": profile.start,
    "nilai": _rate,
    "aspirasi": _review,
    "ekspor": _export,
    "statistik": _stats,
    "peran": _roles,
    "pelatihan_baru": training_admin.start_new,
    "kehadiran": training_attendance.start_attendance,
    "forum_baru": forum_admin.start_new,
    "kelola_forum": forum_manage.start_manage,
}
