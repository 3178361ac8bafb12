"""A question answered in the resident's own words: check it, keep it, go on.

A value that fails its check is refused with the check's reason (``Invalid``), and
the same question is asked again with nothing lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from handlers.core.flow import Answer, Ctx, Prompt, Step, Steps
from handlers.core.types import Option
from handlers.core.validation import Invalid

V = TypeVar("V")


def text_step(
    *,
    ask: Callable[[Ctx], str],
    check: Callable[[str], V] | None = None,
    keep: Callable[[Ctx, V], None],
    to: tuple[Steps, ...],
    options: Callable[[Ctx], tuple[Option, ...]] = lambda ctx: (),
    on_option: Callable[[Ctx, str], None] | None = None,
    check_in: Callable[[Ctx, str], V] | None = None,
) -> Step:
    """A step that asks ``ask``, checks the typed text with ``check`` and hands the
    clean value to ``keep`` (which stores it and moves on). ``options`` (a skip, a
    back) are handled by ``on_option``. A check that depends on the answers so far
    or on the time (a shorter limit with a photo, a date after now) is given as
    ``check_in(ctx, text)`` instead of ``check``."""
    if check_in is None:
        if check is None:
            raise TypeError("text_step needs check or check_in")
        plain = check
        check_in = lambda ctx, text: plain(text)  # noqa: E731

    def prompt(ctx: Ctx) -> Prompt:
        return Prompt(ask(ctx), options(ctx), accepts=frozenset({"text"}))

    def answer(ctx: Ctx, given: Answer) -> None:
        if given.option is not None and on_option is not None:
            on_option(ctx, given.option)
            return
        try:
            value = check_in(ctx, given.text or "")
        except Invalid as problem:
            ctx.refuse(problem)
            return
        keep(ctx, value)

    return Step(prompt, answer, to)
