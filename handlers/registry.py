"""Every feature the bot has, collected once at start-up.

Each feature folder declares what it adds in ``handlers/<folder>/feature.py``
(``FEATURE = Feature(...)``, see ``handlers.core.feature``); ``REGISTRY`` gathers
them, with the core's menu and language, into what the engine looks up: flows by
name, commands by name, alias and lone word, button actions, main-menu entries
and help lines. Adding a feature is adding its folder: nothing here changes.
"""

from __future__ import annotations

import importlib
import pkgutil

import handlers
from handlers.core import menu
from handlers.core.feature import Feature, Registry
from handlers.core.flow import HOME, Flow

NOT_FEATURES = frozenset({"core", "widgets"})  # the kit the features are built with


def discover() -> list[Feature]:
    """The ``FEATURE`` of every ``handlers/<folder>/feature.py``, by folder name."""
    found = []
    for folder in sorted(pkgutil.iter_modules(handlers.__path__), key=lambda m: m.name):
        if not folder.ispkg or folder.name in NOT_FEATURES:
            continue
        try:
            module = importlib.import_module(f"handlers.{folder.name}.feature")
        except ModuleNotFoundError as missing:
            if missing.name != f"handlers.{folder.name}.feature":
                raise  # a feature module that fails to import is a bug, not "no feature"
            continue
        found.append(module.FEATURE)
    return found


FEATURES: tuple[Feature, ...] = (menu.FEATURE, *discover())
REGISTRY = Registry.collect(FEATURES)
REGISTRY.flows[HOME.flow] = menu.home_flow(REGISTRY.menu)
FLOWS: tuple[Flow, ...] = tuple(REGISTRY.flows.values())
