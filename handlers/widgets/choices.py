"""Yes or no, skip, back: the small answers every flow offers."""

from __future__ import annotations

from handlers.core.types import Option, Translator
from handlers.widgets.words import option


def yes_no(
    t: Translator, yes: str, no: str, yes_words: str = "yes", no_words: str = "no"
) -> tuple[Option, Option]:
    """ "yes" and "no" options labelled by the catalog keys ``yes`` and ``no``, picked
    also by the words ``words.<yes_words>`` and ``words.<no_words>``."""
    return option(t, "yes", yes, yes_words), option(t, "no", no, no_words)


def skip(t: Translator) -> Option:
    return option(t, "skip", "common.skip", "skip")


def back(t: Translator, label_key: str, value: str = "back") -> Option:
    return option(t, value, label_key, "back")
