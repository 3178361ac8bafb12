"""One registration per feature: what it adds to the bot, declared in one place.

A feature module ends with ``FEATURE = Feature(...)``: its flows, its commands (with
their aliases, the words that count as the command when typed alone, the role they
need and their help line), the buttons that act from any step, and its main-menu
entry. ``handlers.registry`` collects the features; the engine, ``/bantuan`` and
Telegram's command menu are built from that collection, so adding a feature means
adding its module and one line to the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from handlers.core.flow import Ctx, Flow, Steps

Run = Callable[[Ctx, str], None]
# The sections of /bantuan, in order: everyone's commands and their own data,
# then each role's (a section named after a role is shown to its holders only).
SECTIONS = ("resident", "privacy", "facilitator", "staff", "petugas_opd", "admin")
ROLE_SECTIONS = frozenset({"facilitator", "staff", "petugas_opd", "admin"})


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
class Reader:
    """Free text that no step took, recognised by a feature wherever it is typed (a
    tracking code, a greeting, a complaint typed at the menu): ``read`` handles it
    and says so; readers are tried in ``rank`` order (lower first). Only those
    ``before_consent`` read what is typed before the consent question is answered."""

    rank: int
    read: Callable[[Ctx, str], bool]
    before_consent: bool = False


@dataclass(frozen=True)
class Feature:
    name: str
    flows: tuple[Flow, ...] = ()
    commands: tuple[Command, ...] = ()
    actions: Mapping[str, Run] = field(default_factory=dict)  # "!rate:ASP-…:5" → actions["rate"]
    menu: tuple[MenuEntry, ...] = ()
    help: tuple[HelpLine, ...] = ()  # help lines of no one command ("/datasaya json")
    readers: tuple[Reader, ...] = ()


@dataclass
class Registry:
    flows: dict[str, Flow] = field(default_factory=dict)
    commands: dict[str, Command] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # name or alias → command name
    words: dict[str, str] = field(default_factory=dict)  # word typed alone → command name
    actions: dict[str, Run] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)
    help: list[HelpLine] = field(default_factory=list)
    readers: list[Reader] = field(default_factory=list)

    @classmethod
    def collect(cls, features: Iterable[Feature]) -> Registry:
        """The features' parts, each name claimed once (a clash is a bug)."""
        registry = cls()
        for feature in features:
            for flow in feature.flows:
                registry._add_flow(flow)
            for command in feature.commands:
                registry._add_command(command)
            for name, run in feature.actions.items():
                _claim(registry.actions, name, run)
            registry.menu.extend(feature.menu)
            registry.help.extend(feature.help)
            registry.readers.extend(feature.readers)
        registry.menu.sort(key=lambda entry: entry.rank)
        registry.readers.sort(key=lambda reader: reader.rank)
        return registry

    def help_lines(self, section: str) -> list[HelpLine]:
        """The help lines of ``section``, in their order."""
        lines = [line for line in self.help if line.section == section]
        return sorted(lines, key=lambda line: line.rank)

    def command_menu(self, roles: frozenset[str]) -> list[Command]:
        """Telegram's command menu for someone holding ``roles``: the listed
        commands, then those of each role held (an admin holds every role), in
        the order of their help sections."""
        listed = sorted(
            (c for c in self.commands.values() if c.listed is not None),
            key=lambda c: c.listed or 0,
        )
        held = [
            c
            for c in self.commands.values()
            if c.role is not None and (c.role in roles or "admin" in roles)
        ]
        held.sort(
            key=lambda c: (SECTIONS.index(c.help.section), c.help.rank) if c.help else (99, 0)
        )
        return listed + held

    def _add_flow(self, flow: Flow) -> None:
        _claim(self.flows, flow.name, flow)

    def _add_command(self, command: Command) -> None:
        _claim(self.commands, command.name, command)
        for name in (command.name, *command.aliases):
            _claim(self.names, name, command.name)
        for word in command.words:
            _claim(self.words, word, command.name)
        if command.help is not None:
            self.help.append(command.help)


def _claim(table: dict, key: str, value: object) -> None:  # type: ignore[type-arg]
    if key in table:
        raise ValueError(f"{key!r} is registered twice")
    table[key] = value
