"""Help: a short menu (Cara kerja, Data saya, Kontak petugas, Perintah lengkap)
shared by ``/bantuan`` and the menu's Bantuan, and what each entry says. The full
command list ("Perintah lengkap") is built from the help lines the features
declare (``HelpLine``), a section at a time."""

from __future__ import annotations

from handlers.core import access, service_info
from handlers.core.feature import ROLE_SECTIONS, SECTIONS
from handlers.core.flow import Ctx
from handlers.core.types import Option

# The help menu's entries, in order (labels: ``help.menu.<entry>``).
HELP_ENTRIES = ("how", "data", "contact", "commands")
# "Data saya": the commands of the resident's data rights.
PRIVACY_LINES = (
    "help.line.datasaya",
    "help.line.datasaya_json",
    "help.line.profil",
    "help.line.hapusdata",
    "help.line.tarikpersetujuan",
)


def help_menu_text(ctx: Ctx) -> str:
    """The menu's heading, then the emergency line."""
    emergency = service_info.emergency_line(ctx)
    return "\n\n".join(p for p in (ctx.t("help.menu.ask"), emergency) if p)


def help_options(ctx: Ctx, prefix: str = "") -> list[Option]:
    """The entries as options; ``prefix`` makes them buttons that act anywhere."""
    return [Option(f"{prefix}{entry}", ctx.t(f"help.menu.{entry}")) for entry in HELP_ENTRIES]


def privacy_text(ctx: Ctx) -> str:
    """The resident's data rights: the privacy section of the command list."""
    return "\n".join([ctx.t("help.section.privacy"), *(ctx.t(key) for key in PRIVACY_LINES)])


def entry_text(ctx: Ctx, entry: str) -> str:
    """What a help entry says ("data" here: the rights; the menu's step offers
    the buttons to act on them)."""
    match entry:
        case "how":
            return service_info.how_it_works(ctx)
        case "data":
            return privacy_text(ctx)
        case "contact":
            return service_info.contact_card(ctx)
        case _:
            return help_text(ctx)


def help_text(ctx: Ctx) -> str:
    """Every command: everyone's, then those of the roles the reader holds."""
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
