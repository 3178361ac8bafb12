"""Yes or no, skip, back: the small answers every flow offers."""

from __future__ import annotations

from handlers.core.types import Option, Translator
from handlers.widgets.words import option


def yes_no(
    t: Translator, yes: str, no: str, *, values: tuple[str, str] = ("yes", "no")
) -> tuple[Option, Option]:
    """The two options of a yes/no question, labelled by the catalog keys ``yes``
    and ``no``. Their ``values`` ("yes" and "no" unless a flow keeps its own, such
    as "delete"/"keep") also name the words that pick them (``words.<value>``)."""
    return option(t, values[0], yes, values[0]), option(t, values[1], no, values[1])


def skip(t: Translator) -> Option:
    return option(t, "skip", "common.skip", "skip")


def back(t: Translator, label_key: str, value: str = "back") -> Option:
    return option(t, value, label_key, "back")


def menu(t: Translator) -> Option:
    """Back to the main menu."""
    return option(t, "menu", "common.back_to_menu", "menu")
