"""Asking for consent before a flow stores personal data (a home area, a
registration): the privacy notice, Setuju or a way back."""

from __future__ import annotations

from collections.abc import Callable

from handlers.core.flow import Answer, Ctx, Prompt, Step, Steps
from handlers.core.types import Option, Translator
from handlers.privacy.onboarding import record_consent


def consent_step(
    *,
    needed: str,
    agree: Callable[[Translator], Option],
    decline: Callable[[Translator], Option],
    agreed: Steps,
    declined: Callable[[Ctx], None],
    to: tuple[Steps, ...],
) -> Step:
    """Why consent is ``needed`` (a catalog key) above the privacy notice, the
    ``agree`` button (value "agree") and the ``decline`` one. Agreeing records the
    consent and goes on to ``agreed``; anything else calls ``declined``, which goes
    to one of ``to``."""

    def ask(ctx: Ctx) -> Prompt:
        text = "\n\n".join([ctx.t(needed), ctx.t("onboarding.privacy")])
        return Prompt(text, (agree(ctx.t), decline(ctx.t)))

    def on_answer(ctx: Ctx, answer: Answer) -> None:
        if answer.option == "agree":
            record_consent(ctx)
            ctx.note(ctx.t("onboarding.thanks"))
            ctx.goto(agreed)
        else:
            declined(ctx)

    return Step(ask, on_answer, (agreed, *to))
