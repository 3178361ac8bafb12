"""One registration per feature: what it adds to the bot, declared in one place.

A feature module ends with ``FEATURE = Feature(...)``: its flows, its commands (with
their aliases, the words that count as the command when typed alone, the role they
need and their help line), the buttons that act from any step, and its main-menu
entry. ``handlers.core.registry`` collects the features; the engine, ``/bantuan`` and
Telegram's command menu are built from that collection, so adding a feature means
adding its module and one line to the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from handlers.core.flow import Ctx, Flow, Steps

Run = Callable[[Ctx, str], None]


@dataclass(frozen=True)
class HelpLine:
    """A command's line in ``/bantuan``: its catalog key, the help section it is in
    (``help.section.<section>``; "resident" is the first, for everyone) and its
    place there (lower first)."""

    key: str
    rank: int
    section: str = "resident"


@dataclass(frozen=True)
class Command:
    """A slash command that works from any step.

    ``aliases`` are other names (English ones); ``words`` count as the command when
    typed alone without the slash (``menu``, ``BERHENTI``); ``role`` is needed to run
    it; ``before_consent`` lets it run before the privacy notice is answered (the
    first time) and ``before_reconsent`` while a new notice waits; ``listed`` is its
    place in Telegram's command menu (lower first; its description is
    ``commands.<name>``), None to leave it out."""

    name: str
    run: Run
    aliases: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    role: str | None = None
    help: HelpLine | None = None
    before_consent: bool = False
    before_reconsent: bool = False
    listed: int | None = None


@dataclass(frozen=True)
class MenuEntry:
    """An item of the main menu: its value and label (``menu.<value>``), where it
    leads, and its place (lower first)."""

    value: str
    rank: int
    run: Callable[[Ctx], None]
    to: tuple[Steps, ...]


@dataclass(frozen=True)
class Feature:
    name: str
    flows: tuple[Flow, ...] = ()
    commands: tuple[Command, ...] = ()
    actions: Mapping[str, Run] = field(default_factory=dict)  # "!rate:ASP-…:5" → actions["rate"]
    menu: tuple[MenuEntry, ...] = ()
