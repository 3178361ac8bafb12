"""A question answered in the resident's own words: check it, keep it, go on.

A value that fails its check is refused with the check's reason (``Invalid``), and
the same question is asked again with nothing lost.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from handlers.core.flow import Answer, Ctx, Prompt, Step, Steps
from handlers.core.types import Option
from handlers.core.validation import Invalid

V = TypeVar("V")


def text_step(
    *,
    ask: Callable[[Ctx], str],
    keep: Callable[[Ctx, V], None],
    to: tuple[Steps, ...],
    check: Callable[[str], V] | None = None,
    check_at: Callable[[str, datetime], V] | None = None,
    options: Callable[[Ctx], tuple[Option, ...]] = lambda ctx: (),
    on_option: Callable[[Ctx, str], None] | None = None,
) -> Step:
    """A step that asks ``ask``, checks the typed text with ``check`` and hands the
    clean value to ``keep`` (which stores it and moves on). A check that depends on
    the moment (a date that must lie ahead) is ``check_at(text, now)`` instead.
    ``options`` (a skip, a back) are handled by ``on_option``."""
    if (check is None) == (check_at is None):
        raise TypeError("text_step takes one of check and check_at")

    def read(text: str, now: datetime) -> V:
        if check is not None:
            return check(text)
        assert check_at is not None
        return check_at(text, now)

    def prompt(ctx: Ctx) -> Prompt:
        return Prompt(ask(ctx), options(ctx), accepts=frozenset({"text"}))

    def answer(ctx: Ctx, given: Answer) -> None:
        if given.option is not None and on_option is not None:
            on_option(ctx, given.option)
            return
        try:
            value = read(given.text or "", ctx.now)
        except Invalid as problem:
            ctx.refuse(problem)
            return
        keep(ctx, value)

    return Step(prompt, answer, to)
