"""Typed text that is none of the options offered, read for what it likely means.

At a question with options (and no typed answer of its own), text that matches
no option exactly is, in this order:

1. close to one option and clearly so (``matching.guess_option``): taken;
2. something a feature recognises wherever it is typed (its ``Reader``s: a
   tracking code, a greeting, a complaint typed at the menu): handled there;
3. close to one option, but not clearly: asked about ("Maksud Anda: Siantar
   Barat?" Ya / Bukan). The guess waits in the conversation (``_guess``) and is
   shown in place of the question until it is answered; any other answer drops it
   and is read as an answer to the question itself;
4. otherwise refused, with how to choose (``asking.interpret``).
"""

from __future__ import annotations

from typing import Any

from handlers.core.flow import Answer, Ctx, Prompt
from handlers.core.matching import match_option
from handlers.core.types import Option
from handlers.widgets.words import option as worded

GUESS = "_guess"  # conversation data: the option asked about, and at which step
YES, NO = "guess:yes", "guess:no"


def readable(ctx: Ctx) -> bool:
    """Readers speak for residents who answered the consent question (and no new
    notice waits), outside a role's flows: staff's questions keep their answers."""
    resident = ctx.resident
    if resident.onboarded_at is None:
        return False
    if resident.has_consent and resident.consent_version != ctx.settings.consent_version:
        return False
    flow = ctx.features.flows.get(ctx.conversation.flow)
    return flow is None or flow.role is None


def understood(ctx: Ctx, text: str) -> bool:
    """A feature recognised ``text`` and handled it (the question is asked again
    unless it moved on). Before the consent question is answered, only the readers
    meant for that time read it."""
    readers = ctx.features.readers
    if ctx.resident.onboarded_at is None:
        readers = [reader for reader in readers if reader.before_consent]
    elif not readable(ctx):
        return False
    return any(reader.read(ctx, text) for reader in readers)


def propose(ctx: Ctx, option: Option) -> None:
    """Ask whether ``option`` is what the resident meant."""
    conversation = ctx.conversation
    guess = {"at": [conversation.flow, conversation.step], "value": option.value}
    conversation.data = {**conversation.data, GUESS: {**guess, "label": option.label}}


def _pending(ctx: Ctx) -> dict[str, Any] | None:
    conversation = ctx.conversation
    guess = conversation.data.get(GUESS)
    if isinstance(guess, dict) and guess.get("at") == [conversation.flow, conversation.step]:
        return guess
    return None


def take(ctx: Ctx) -> dict[str, Any] | None:
    """The guess waiting at this step, forgotten as it is answered."""
    guess = _pending(ctx)
    if GUESS in ctx.conversation.data:
        ctx.conversation.data = {k: v for k, v in ctx.conversation.data.items() if k != GUESS}
    return guess


def _options(ctx: Ctx) -> tuple[Option, Option]:
    return worded(ctx.t, YES, "match.yes", "yes"), worded(ctx.t, NO, "match.no", "no")


def shown(ctx: Ctx, prompt: Prompt) -> Prompt:
    """The "Maksud Anda …?" question in place of ``prompt`` while a guess waits."""
    guess = _pending(ctx)
    if guess is None:
        return prompt
    return Prompt(ctx.t("match.did_you_mean", label=guess["label"]), _options(ctx))


def confirmed(ctx: Ctx, guess: dict[str, Any], prompt: Prompt) -> Answer | None | bool:
    """The answer to "Maksud Anda …?": Ya is the option asked about (still one of
    ``prompt``'s), Bukan asks the question again (None); False when the resident
    answered something else, to be read as an answer to the question itself."""
    inbound = ctx.inbound
    said: str | None = None
    if inbound.choice is not None and inbound.choice.prompt_id == ctx.conversation.prompt_id:
        said = inbound.choice.value
    elif inbound.text is not None:
        chosen = match_option(_options(ctx), inbound.text)
        said = chosen.value if chosen is not None else None
    if said == YES and guess["value"] in {o.value for o in prompt.options}:
        return Answer(option=guess["value"])
    if said in (YES, NO):
        ctx.note(ctx.t("match.not_meant"))
        return None
    return False
