"""What happens to an inbound once its resident and conversation are read.

A short chain of rules, tried in order; each either handles the inbound (and the
chain stops) or passes it on:

    consent gate → first contact → expired → button action → command → role → step

(Dedupe, blocked and flood come before, in the engine: they decide whether
anything of the inbound is read or kept at all.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from handlers.aspirations import offer as first_message
from handlers.core import access, commands, understanding
from handlers.core.asking import answer_step, step_of
from handlers.core.commands import Called
from handlers.core.flow import HOME, Ctx, Flow
from handlers.core.types import ACTION_PROMPT
from handlers.privacy import onboarding
from handlers.privacy.mydata import Rights
from handlers.privacy.onboarding import Onboarding

RECONSENT = (Onboarding.RECONSENT.flow, Onboarding.RECONSENT.value)
RIGHTS_FLOW = Rights.CONFIRM_DELETE.flow  # erase? withdraw? are answered meanwhile too


@dataclass(frozen=True)
class Turn:
    """What the rules know of this inbound beyond the context."""

    flows: Mapping[str, Flow]
    command: Called | None  # a slash command (or a word that counts as one)
    action: str | None  # a button that acts from any step ("!rate:…")
    is_new: bool  # no conversation was saved for this resident yet

    @classmethod
    def of(cls, ctx: Ctx, flows: Mapping[str, Flow], *, is_new: bool) -> Turn:
        choice = ctx.inbound.choice
        action = choice.value if choice and choice.prompt_id == ACTION_PROMPT else None
        return cls(flows, commands.parse(ctx.inbound.text, ctx.features), action, is_new)


Rule = Callable[[Ctx, Turn], bool]  # True: handled, the chain stops


def consent_gate(ctx: Ctx, turn: Turn) -> bool:
    """A new privacy notice: nothing else happens until it is answered, except the
    commands that use no personal data and the rights to erase or withdraw."""
    if onboarding.consent_is_current(ctx):
        return False
    conversation = ctx.conversation
    at = (conversation.flow, conversation.step)
    command = turn.command
    if command is not None and commands.allowed_before_reconsent(ctx, command.name):
        commands.run(ctx, command)
        if ctx.moved or at == RECONSENT:
            return True  # on to the language, erasure or withdrawal; or asked again
        # help given, announcements stopped: the new notice still waits
    elif not turn.is_new and (at == RECONSENT or conversation.flow == RIGHTS_FLOW):
        return role_check(ctx, turn) or step(ctx, turn)
    if turn.is_new or conversation.expires_at <= ctx.now:
        ctx.goto(HOME)
    ctx.detour(Onboarding.RECONSENT)
    return True


def first_contact(ctx: Ctx, turn: Turn) -> bool:
    """A resident with no conversation yet starts at the consent question (or the
    menu, after answering it once); only a few commands act before that."""
    if not turn.is_new:
        return False
    ctx.goto(Onboarding.CONSENT if ctx.resident.onboarded_at is None else HOME)
    if turn.command is None:
        read_first_message(ctx)
        return True
    return not commands.allowed_before_consent(ctx, turn.command.name)


def read_first_message(ctx: Ctx) -> None:
    """A first message with content: held through the consent question (to offer
    back as an aspiration), or, from someone who answered it before, read as if
    typed at the menu (a code, a greeting, a complaint)."""
    if ctx.conversation.flow == Onboarding.CONSENT.flow:
        first_message.hold_first_message(ctx)
    elif ctx.inbound.text is not None:
        understanding.understood(ctx, ctx.inbound.text)


def expired(ctx: Ctx, turn: Turn) -> bool:
    """A conversation left for longer than the expiry starts again at the menu; a
    command or a button that acts anywhere still acts."""
    conversation = ctx.conversation
    if turn.is_new or conversation.expires_at > ctx.now or conversation.flow == HOME.flow:
        return False
    if ctx.resident.onboarded_at is None:
        ctx.goto(Onboarding.CONSENT)  # never answered the consent question: ask again
    else:
        ctx.note(ctx.t("engine.expired"))
        ctx.goto(HOME)
    if turn.command is not None or turn.action is not None:
        return False
    read_first_message(ctx)  # as if it came first: held, or read as at the menu
    return True


def button_action(ctx: Ctx, turn: Turn) -> bool:
    if turn.action is None:
        return False
    commands.run_action(ctx, turn.action)
    return True


def command(ctx: Ctx, turn: Turn) -> bool:
    if turn.command is None:
        return False
    commands.run(ctx, turn.command)
    return True


def role_check(ctx: Ctx, turn: Turn) -> bool:
    """A step of a role-bound flow answered by someone without the role (revoked
    meanwhile): refused, and back to the menu."""
    flow = turn.flows[ctx.conversation.flow]
    if flow.role is None or access.allow(ctx, flow.role, f"flow {flow.name}"):
        return False
    ctx.goto(HOME)
    return True


def step(ctx: Ctx, turn: Turn) -> bool:
    answer_step(ctx, step_of(turn.flows, ctx))
    return True


CHAIN: tuple[Rule, ...] = (
    consent_gate,
    first_contact,
    expired,
    button_action,
    command,
    role_check,
    step,
)


def dispatch(ctx: Ctx, turn: Turn, chain: tuple[Rule, ...] = CHAIN) -> None:
    for rule in chain:
        if rule(ctx, turn):
            return
