"""Every feature the bot has, collected once at start-up.

Each feature module declares what it adds (``handlers.core.feature.Feature``); the
``Registry`` gathers them into what the engine looks up: flows by name, commands by
name, alias and lone word, button actions, main-menu entries and help lines.
"""

from __future__ import annotations

from handlers.announcements.feature import FEATURE as ANNOUNCEMENTS
from handlers.aspirations.feature import FEATURE as ASPIRATIONS
from handlers.core import menu
from handlers.core.feature import Feature, Registry
from handlers.core.flow import HOME, Flow
from handlers.forums.feature import FEATURE as FORUMS
from handlers.privacy.feature import FEATURE as PRIVACY
from handlers.staff.feature import FEATURE as STAFF
from handlers.trainings.feature import FEATURE as TRAININGS

FEATURES: tuple[Feature, ...] = (
    menu.FEATURE,
    PRIVACY,
    ASPIRATIONS,
    STAFF,
    TRAININGS,
    FORUMS,
    ANNOUNCEMENTS,
)

REGISTRY = Registry.collect(FEATURES)
REGISTRY.flows[HOME.flow] = menu.home_flow(REGISTRY.menu)
FLOWS: tuple[Flow, ...] = tuple(REGISTRY.flows.values())
