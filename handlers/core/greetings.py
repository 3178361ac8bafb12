"""Greetings and thanks typed where a choice is asked ("halo min", "makasih ya
kak", "pagi pak"): a short friendly answer, then the question again (at the menu,
the menu). The words are in the catalogs (``words.greeting``, ``words.thanks`` and
``words.greeting_extra``, the words that may go around them: "min", "kak", "ya")."""

from __future__ import annotations

from rapidfuzz import utils

from handlers.core.feature import Reader
from handlers.core.flow import HOME, Ctx
from handlers.core.matching import fold
from handlers.widgets.words import words


def _phrases(ctx: Ctx, name: str) -> list[list[str]]:
    """The catalog's phrases as word lists, longest first (so "selamat pagi" is
    taken whole before "pagi")."""
    found = {tuple(utils.default_process(fold(p)).split()) for p in words(ctx.t, name)}
    return sorted((list(p) for p in found if p), key=len, reverse=True)


def kind_of(ctx: Ctx, text: str) -> str | None:
    """Its kind, "thanks" or "hello"; None when ``text`` says more than a greeting."""
    left = utils.default_process(fold(text)).split()
    extra = {word for phrase in _phrases(ctx, "greeting_extra") for word in phrase}
    thanks, hello = _phrases(ctx, "thanks"), _phrases(ctx, "greeting")
    found: set[str] = set()
    n = 0
    while n < len(left):
        for kind, phrases in (("thanks", thanks), ("hello", hello)):
            phrase = next((p for p in phrases if left[n : n + len(p)] == p), None)
            if phrase is not None:
                found.add(kind)
                n += len(phrase)
                break
        else:
            if left[n] not in extra:
                return None  # a word of its own: more than a greeting
            n += 1
    if "thanks" in found:
        return "thanks"
    return "hello" if found else None


def answer(ctx: Ctx, text: str) -> bool:
    """A friendly word back, and the question again."""
    kind = kind_of(ctx, text)
    if kind is None:
        return False
    at_menu = (ctx.conversation.flow, ctx.conversation.step) == (HOME.flow, HOME.value)
    if kind == "thanks":
        ctx.note(ctx.t("greet.thanks"))
    else:
        ctx.note(ctx.t("greet.hello" if at_menu else "greet.hello_continue"))
    return True


READER = Reader(20, answer)
