"""Every feature the bot has, collected once at start-up.

Each feature module declares what it adds (``handlers.core.feature.Feature``); the
``Registry`` gathers them into what the engine looks up: flows by name, commands by
name, alias and lone word, button actions, main-menu entries and help lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from handlers.announcements.feature import FEATURE as ANNOUNCEMENTS
from handlers.aspirations import rating, review, status
from handlers.aspirations import submit as aspiration
from handlers.core import menu
from handlers.core.feature import Command, Feature, MenuEntry, Run
from handlers.core.flow import Flow
from handlers.forums import follow as forum
from handlers.forums import manage as forum_manage
from handlers.forums import new as forum_admin
from handlers.privacy import mydata, onboarding, profile
from handlers.staff import exports as export_chat
from handlers.staff import roles as roles_admin
from handlers.staff import stats as stats_chat
from handlers.trainings import attendance as training_attendance
from handlers.trainings import new as training_admin
from handlers.trainings import register as training


@dataclass
class Registry:
    flows: dict[str, Flow] = field(default_factory=dict)
    commands: dict[str, Command] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # name or alias → command name
    words: dict[str, str] = field(default_factory=dict)  # word typed alone → command name
    actions: dict[str, Run] = field(default_factory=dict)
    menu: list[MenuEntry] = field(default_factory=list)

    @classmethod
    def collect(cls, features: Iterable[Feature], flows: Iterable[Flow] = ()) -> Registry:
        """The features' parts, each name claimed once (a clash is a bug)."""
        registry = cls()
        for flow in flows:
            registry._add_flow(flow)
        for feature in features:
            for flow in feature.flows:
                registry._add_flow(flow)
            for command in feature.commands:
                registry._add_command(command)
            for name, run in feature.actions.items():
                _claim(registry.actions, name, run)
            registry.menu.extend(feature.menu)
        registry.menu.sort(key=lambda entry: entry.rank)
        return registry

    def _add_flow(self, flow: Flow) -> None:
        _claim(self.flows, flow.name, flow)

    def _add_command(self, command: Command) -> None:
        _claim(self.commands, command.name, command)
        for name in (command.name, *command.aliases):
            _claim(self.names, name, command.name)
        for word in command.words:
            _claim(self.words, word, command.name)


def _claim(table: dict, key: str, value: object) -> None:  # type: ignore[type-arg]
    if key in table:
        raise ValueError(f"{key!r} is registered twice")
    table[key] = value


FEATURES: tuple[Feature, ...] = (ANNOUNCEMENTS,)

# Flows of features not yet declared as a Feature.
LEGACY_FLOWS: tuple[Flow, ...] = (
    onboarding.FLOW,
    menu.MENU,
    menu.LANGUAGE,
    aspiration.FLOW,
    status.FLOW,
    mydata.FLOW,
    profile.FLOW,
    rating.FLOW,
    review.FLOW,
    export_chat.FLOW,
    stats_chat.FLOW,
    roles_admin.FLOW,
    training_admin.NEW_TRAINING,
    training_attendance.ATTENDANCE,
    training.FLOW,
    forum.FLOW,
    forum_admin.NEW_FORUM,
    forum_manage.MANAGE_FORUMS,
)

REGISTRY = Registry.collect(FEATURES, LEGACY_FLOWS)
FLOWS: tuple[Flow, ...] = tuple(REGISTRY.flows.values())
