"""The category an aspiration's text most likely belongs to, from the words each
category is picked by (``words.category_<key>`` in the catalogs: "jalan",
"drainase", "lampu jalan", "sampah" …) — the same words that pick the category
when typed at its question, kept in one place."""

from __future__ import annotations

from rapidfuzz import utils

from handlers.core.flow import Ctx
from handlers.core.matching import fold
from handlers.widgets.words import words

OTHER = "lainnya"  # never suggested: it is what the resident picks when nothing fits


def category_words(ctx: Ctx, key: str) -> tuple[str, ...]:
    """The words that pick category ``key``: its key and the catalog's words."""
    return (key, *words(ctx.t, f"category_{key}"))


def suggest_category(ctx: Ctx, text: str) -> str | None:
    """The category whose words the text uses most (a longer phrase weighs more:
    "lampu jalan" is Perhubungan though "jalan" alone is Infrastruktur), or None
    when no word is used or two categories are used alike."""
    padded = f" {utils.default_process(fold(text))} "
    scores: dict[str, int] = {}
    for category in ctx.settings.categories:
        if category.key == OTHER:
            continue
        for word in category_words(ctx, category.key):
            phrase = utils.default_process(fold(word))
            if phrase and f" {phrase} " in padded:
                weight = len(phrase.split())
                scores[category.key] = max(scores.get(category.key, 0), weight)
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]
