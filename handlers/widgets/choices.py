"""Yes or no, skip, back: the small answers every flow offers."""

from __future__ import annotations

from handlers.core.types import Option, Translator
from handlers.widgets.words import option


def yes_no(t: Translator, yes: str, no: str) -> tuple[Option, Option]:
    """ "yes" and "no" options labelled by the catalog keys ``yes`` and ``no``."""
    return option(t, "yes", yes, "yes"), option(t, "no", no, "no")


def skip(t: Translator) -> Option:
    return option(t, "skip", "common.skip", "skip")


def back(t: Translator, label_key: str, value: str = "back") -> Option:
    return option(t, value, label_key, "back")


def menu(t: Translator) -> Option:
    """Back to the main menu."""
    return option(t, "menu", "common.back_to_menu", "menu")
