"""A question answered in the resident's own words: check it, keep it, go on.

A value that fails its check is refused with the check's reason (``Invalid``), and
the same question is asked again with nothing lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from handlers.core.asking import refuse_number
from handlers.core.flow import Answer, Ctx, Prompt, Step, Steps
from handlers.core.types import Option, Voice
from handlers.core.validation import Invalid

V = TypeVar("V")


def text_step(
    *,
    ask: Callable[[Ctx], str],
    check: Callable[[str], V] | None = None,
    keep: Callable[[Ctx, V], None],
    to: tuple[Steps, ...],
    options: Callable[[Ctx], tuple[Option, ...]] = lambda ctx: (),
    on_option: Callable[[Ctx, str], str | None] | None = None,
    check_in: Callable[[Ctx, str], V] | None = None,
    contact_button: Callable[[Ctx], str] | None = None,
    voice: Callable[[Ctx, Voice], None] | None = None,
) -> Step:
    """A step that asks ``ask``, checks the typed text with ``check`` and hands the
    clean value to ``keep`` (which stores it and moves on). ``options`` (a skip, a
    back) are handled by ``on_option``; one that stands for a text (the reader's own
    name) returns it, to be checked and kept as if typed.

    A check that needs the conversation (the time now, an earlier answer) is given
    as ``check_in`` instead. With ``contact_button`` (its label) the step also takes
    a shared contact, checked like typed text. With ``voice`` it also takes a voice
    note in place of the text, handed to ``voice`` unchecked."""
    if check is None and check_in is None:
        raise TypeError("text_step needs check or check_in")

    def checked(ctx: Ctx, text: str) -> V:
        if check_in is not None:
            return check_in(ctx, text)
        assert check is not None
        return check(text)

    spoken = frozenset({"voice"}) if voice is not None else frozenset()

    def prompt(ctx: Ctx) -> Prompt:
        if contact_button is None:
            return Prompt(ask(ctx), options(ctx), accepts=frozenset({"text"}) | spoken)
        accepts = frozenset({"text", "contact"}) | spoken
        return Prompt(ask(ctx), options(ctx), accepts, contact_button(ctx))

    def answer(ctx: Ctx, given: Answer) -> None:
        if given.voice is not None and voice is not None:
            voice(ctx, given.voice)
            return
        text = given.contact or given.text or ""
        if given.option is not None and on_option is not None:
            stands_for = on_option(ctx, given.option)
            if stands_for is None:
                return
            text = stands_for
        try:
            value = checked(ctx, text)
        except Invalid as problem:
            offered = options(ctx)
            typed = (given.text or "").strip()
            if typed.isdigit() and len(typed) <= 2 and offered:
                refuse_number(ctx, offered)  # "7" where buttons are offered: no option
            else:
                ctx.refuse(problem)
            return
        keep(ctx, value)

    return Step(prompt, answer, to)
