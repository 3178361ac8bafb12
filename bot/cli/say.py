"""What the command line prints, in one language: Indonesian unless ``siantar --lang en``.

Every sentence is a catalog entry (``cli.*`` in bot/locales), counts through the
catalog's plural forms (``t.plural``). ``t`` follows the language chosen for this
run (``use_language``, called by bot.cli before argparse reads the command line),
so a module may import it once. That covers all of it:

- what the commands print, and their refusals (``CommandError``);
- the storage layer's refusals (``ExportError``, ``UnitError``, ``TrainingError`` …),
  worded from their ``reason`` and ``params`` by ``bot.cli.refusals``;
- the frame of a failure (``siantar: gagal: …``, ``bot.cli.errors``);
- argparse's usage, help and complaints (``bot.cli.usage``): our help texts are
  ``cli.help.*`` entries, argparse's own words ``cli.argparse.*``.

Left in English, inside a translated frame: a config value refused by pydantic
(``bot.config``, in many variants), the database driver's own message, tomllib's
description of a TOML syntax error, and an unusual system error's own words.
Option names, choices and metavars are the contract and never translated.

The catalogs (and Babel) are read at the first sentence, not at import:
``siantar --version`` and a mistyped command read them only to say what they say.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.i18n import Translator

SOURCE_LANGUAGE = "id"


class CliText:
    """``t(key, …)`` and ``t.plural(key, count, …)`` in the run's language."""

    def __init__(self) -> None:
        self.language = SOURCE_LANGUAGE

    @property
    def translator(self) -> Translator:
        from bot.i18n import translator

        return translator(self.language)

    def __call__(self, key: str, /, **params: object) -> str:
        return self.translator(key, **params)

    def plural(self, key: str, count: int, /, **params: object) -> str:
        return self.translator.plural(key, count, **params)

    def has(self, key: str) -> bool:
        """Is ``key`` a sentence of the catalogs (without a count)?"""
        from bot.i18n import load_catalog

        return key in load_catalog(self.language) or key in load_catalog(SOURCE_LANGUAGE)


t = CliText()


def use_language(language: str | None) -> None:
    t.language = language or SOURCE_LANGUAGE
