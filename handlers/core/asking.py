"""Asking a step and reading the answer: the step a conversation is at, its
question drawn (only for someone who may see it), and the inbound read as an
answer to it — or refused with the reason, so the same question comes again."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from handlers.core import access, understanding
from handlers.core.flow import HOME, Answer, Ctx, Flow, Prompt, Step
from handlers.core.matching import guess_option, match_option
from handlers.core.types import Option, Reply

logger = logging.getLogger(__name__)


def step_of(flows: Mapping[str, Flow], ctx: Ctx) -> Step:
    """The step the conversation is at; a step name saved by an older version is
    read as the step that replaced it."""
    flow = flows[ctx.conversation.flow]
    step = flow.step_named(ctx.conversation.step)
    ctx.conversation.step = str(step)
    return flow.steps[step]


def role_gone(flows: Mapping[str, Flow], ctx: Ctx) -> bool:
    """Every screen of a role-bound flow is drawn only for someone who holds the
    role at that moment: a command (/bantuan, /bahasa, /status…) or a detour that
    comes back to such a step after the role was revoked lands on the menu."""
    flow = flows[ctx.conversation.flow]
    if flow.role is None or access.has_role(ctx, flow.role):
        return False
    logger.info("role %s is gone: %s is not drawn again", flow.role, flow.name)
    ctx.goto(HOME)
    return True


def answer_step(ctx: Ctx, step: Step) -> None:
    """Read the inbound as an answer to ``step`` and act on it. A question that
    moved on as it was asked again (what it showed is gone, or no longer the
    resident's to see) takes no answer: the next one is asked instead."""
    moved = ctx.moved
    prompt = _prompt(ctx, step)
    if ctx.moved and not moved:
        return
    guess = understanding.take(ctx)
    answer = understanding.confirmed(ctx, guess, prompt) if guess is not None else False
    if answer is False:  # no guess waited, or the resident answered something else
        answer = interpret(ctx, prompt)
    if isinstance(answer, Answer):
        ctx.at = step
        try:
            step.answer(ctx, answer)
        finally:
            ctx.at = None


def ask(ctx: Ctx, step: Step) -> Prompt:
    """Ask ``step`` (or whether a loosely typed answer to it meant the option
    guessed: ``understanding``); a prompt may itself move on, only where its ``to``
    says."""
    return understanding.shown(ctx, _prompt(ctx, step))


def _prompt(ctx: Ctx, step: Step) -> Prompt:
    ctx.at = step
    try:
        return step.prompt(ctx)
    finally:
        ctx.at = None


def render(prompt: Prompt, notes: list[str], prompt_id: int) -> Reply:
    text = "\n\n".join([*notes, prompt.text])
    return Reply(
        text=text,
        options=prompt.options,
        prompt_id=prompt_id if prompt.options else None,
        contact_button=prompt.contact_button,
    )


def interpret(ctx: Ctx, prompt: Prompt) -> Answer | None:
    """Turn the inbound into an answer to ``prompt``, or note why it is not one."""
    inbound, t = ctx.inbound, ctx.t
    if inbound.refused is not None:
        limits = ctx.settings.voice
        ctx.invalid(t(f"attachment.{inbound.refused}", mb=limits.mb, minutes=limits.minutes))
        return None
    if inbound.choice is not None:
        values = {option.value for option in prompt.options}
        if (
            inbound.choice.prompt_id != ctx.conversation.prompt_id
            or inbound.choice.value not in values
        ):
            ctx.invalid(t("engine.button_expired"))
            return None
        return Answer(option=inbound.choice.value)
    if inbound.photo is not None:
        if "photo" in prompt.accepts:
            return Answer(photo=inbound.photo)
        ctx.invalid(t("engine.photo_not_expected"))
        return None
    if inbound.voice is not None:
        if "voice" in prompt.accepts:
            return Answer(voice=inbound.voice)
        ctx.discard(inbound.voice.reference)
        ctx.invalid(t("engine.voice_not_expected"))
        return None
    if inbound.location is not None:
        if "location" in prompt.accepts:
            return Answer(location=inbound.location)
        ctx.invalid(t("engine.location_not_expected"))
        return None
    if inbound.contact is not None:
        if "contact" in prompt.accepts:
            return Answer(contact=inbound.contact)
        ctx.invalid(t("engine.contact_not_expected"))
        return None
    if inbound.unsupported is not None or inbound.text is None:
        ctx.invalid(t("engine.unsupported"))
        return None
    option = match_option(prompt.options, inbound.text)
    if option is not None:
        return Answer(option=option.value)
    if "text" in prompt.accepts:
        return Answer(text=inbound.text)
    return read_loosely(ctx, prompt, inbound.text)


def read_loosely(ctx: Ctx, prompt: Prompt, typed: str) -> Answer | None:
    """Typed text that is no option and no answer here (``understanding``): an
    option clearly meant, something a feature recognises, an option asked about,
    or refused with how to choose."""
    t = ctx.t
    guess = guess_option(prompt.options, typed)
    if guess is not None and guess.sure:
        return Answer(option=guess.option.value)
    if understanding.understood(ctx, typed):
        return None
    if guess is not None:
        understanding.propose(ctx, guess.option)
        return None
    if prompt.options:
        if typed.strip().isdigit():
            refuse_number(ctx, prompt.options)
        else:
            ctx.invalid(t("engine.choose_option", count=len(prompt.options)))
        return None
    ctx.invalid(t("engine.text_not_expected"))
    return None


def refuse_number(ctx: Ctx, options: tuple[Option, ...]) -> None:
    """A typed number that is none of the options: which numbers there are (also
    where words are taken too, so "7" is not read as text without words)."""
    if len(options) == 1:
        ctx.invalid(ctx.t("engine.number_single", label=options[0].label))
    else:
        ctx.invalid(ctx.t("engine.number_out_of_range", count=len(options)))
