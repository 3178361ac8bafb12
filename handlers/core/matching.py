"""Matching what a resident typed to the options offered."""

from __future__ import annotations

import unicodedata

from handlers.core.types import Option


def fold(text: str) -> str:
    """Case-, width- and accent-insensitive form for comparing typed labels."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split()).strip(" .!?")


def match_option(options: tuple[Option, ...], typed: str) -> Option | None:
    """The option a typed answer means: its number, its label or an alias."""
    wanted = fold(typed)
    if not wanted:
        return None
    if wanted.isdigit():
        number = int(wanted)
        return options[number - 1] if 1 <= number <= len(options) else None
    for option in options:
        if wanted == fold(option.label) or wanted in (fold(a) for a in option.aliases):
            return option
    return None
