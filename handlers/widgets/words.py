"""Words a resident may type instead of pressing a button, kept in the catalogs.

``words.send`` holds ``kirim|send``: every word that picks the option, in any of
the bot's languages (residents mix them), separated by ``|``.
"""

from __future__ import annotations

from handlers.core.types import Option, Translator


def words(t: Translator, name: str) -> tuple[str, ...]:
    """The words of ``words.<name>`` in the catalog."""
    return tuple(word.strip() for word in t(f"words.{name}").split("|") if word.strip())


def option(t: Translator, value: str, label_key: str, words_name: str | None = None) -> Option:
    """An option labelled from the catalog, picked also by ``words.<words_name>``."""
    return Option(value, t(label_key), words(t, words_name) if words_name else ())
