"""What the command line prints, in one language: Indonesian unless ``siantar --lang en``.

Every sentence is a catalog entry (``cli.*`` in bot/locales), counts through the
catalog's plural forms (``t.plural``). ``t`` follows the language chosen for this
run (``use_language``, called by bot.cli before the command runs), so a module may
import it once. argparse's own usage and help texts stay English. The catalogs (and
Babel) are read at the first sentence, not at import: ``siantar --version`` and a
mistyped command do not wait for them.
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


t = CliText()


def use_language(language: str | None) -> None:
    t.language = language or SOURCE_LANGUAGE
