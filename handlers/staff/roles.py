"""/peran: admins grant and revoke roles in chat (config-file roles are read-only)."""

from __future__ import annotations

import re

from handlers.core.flow import HOME, Answer, Ctx, Draft, Flow, Prompt, Step, Steps
from handlers.core.types import Option
from handlers.core.validation import Invalid
from handlers.widgets.choices import back
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.models import ROLES
from storage.roles import all_grants, grant_role, revoke_role

IDENTITY = re.compile(r"^(telegram:\d{1,20}|whatsapp:\d{8,15}|console:[A-Za-z0-9_.-]{1,64})$")


class Granting(Steps, flow="roles"):
    ACTION = "action"
    GRANT_IDENTITY = "grant_identity"
    GRANT_ROLE = "grant_role"
    REVOKE = "revoke"


class RolesDraft(Draft):
    identity: str | None = None  # whom a role is being granted


def describe(ctx: Ctx) -> str:
    t = ctx.t
    configured = [
        (identity, role, t("roles.from_config"))
        for identity, roles in sorted(ctx.settings.config_roles.items())
        for role in sorted(roles)
    ]
    granted = [(g.identity, g.role, g.granted_by) for g in all_grants(session=ctx.session)]
    lines = [
        t("roles.line", identity=identity, role=t(f"roles.{role}"), source=source)
        for identity, role, source in configured + granted
    ]
    return t("roles.list") + "\n" + ("\n".join(lines) or "-")


def ask_action(ctx: Ctx) -> Prompt:
    """Grant, revoke or list."""
    t = ctx.t
    return Prompt(
        t("roles.ask_action"),
        (
            Option("grant", t("roles.grant")),
            Option("revoke", t("roles.revoke")),
            Option("list", t("roles.show")),
            option(t, "menu", "common.back_to_menu", "menu"),
        ),
    )


def on_action(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "grant":
            ctx.goto(Granting.GRANT_IDENTITY)
        case "revoke":
            ctx.goto(Granting.REVOKE)
        case "list":
            ctx.say(describe(ctx))
        case _:
            ctx.goto(HOME)


def check_identity(text: str) -> str:
    """``telegram:…``, ``whatsapp:…`` or ``console:…``, as the CLI takes it."""
    identity = text.strip()
    if not IDENTITY.match(identity):
        raise Invalid("roles.bad_identity")
    return identity


def keep_identity(ctx: Ctx, identity: str) -> None:
    ctx.draft(RolesDraft).identity = identity
    ctx.goto(Granting.GRANT_ROLE)


def ask_role(ctx: Ctx) -> Prompt:
    options = tuple(Option(role, ctx.t(f"roles.{role}"), (role,)) for role in ROLES)
    identity = ctx.draft(RolesDraft).identity or ""
    return Prompt(ctx.t("roles.ask_role", identity=identity), options)


def on_role(ctx: Ctx, answer: Answer) -> None:
    draft, role = ctx.draft(RolesDraft), answer.option or ""
    identity, draft.identity = draft.identity or "", None
    granted = grant_role(
        session=ctx.session,
        identity=identity,
        role=role,
        granted_by=ctx.resident.identity,
        now=ctx.now,
    )
    key = "roles.granted" if granted else "roles.already"
    ctx.note(ctx.t(key, identity=identity, role=ctx.t(f"roles.{role}")))
    ctx.goto(Granting.ACTION)


def ask_revoke(ctx: Ctx) -> Prompt:
    options = tuple(
        Option(f"{g.identity} {g.role}", f"{g.identity} · {ctx.t(f'roles.{g.role}')}")
        for g in all_grants(session=ctx.session)
    )
    text = ctx.t("roles.ask_revoke") if options else ctx.t("roles.none_to_revoke")
    return Prompt(text, (*options, back(ctx.t, "roles.back")))


def on_revoke(ctx: Ctx, answer: Answer) -> None:
    if answer.option != "back":
        identity, _, role = (answer.option or "").rpartition(" ")
        revoke_role(
            session=ctx.session,
            identity=identity,
            role=role,
            actor=ctx.resident.identity,
            now=ctx.now,
        )
        ctx.note(ctx.t("roles.revoked", identity=identity, role=ctx.t(f"roles.{role}")))
    ctx.goto(Granting.ACTION)


FLOW = Flow(
    role="admin",
    steps={
        Granting.ACTION: Step(
            ask_action, on_action, (Granting.GRANT_IDENTITY, Granting.REVOKE, HOME)
        ),
        Granting.GRANT_IDENTITY: text_step(
            ask=lambda ctx: ctx.t("roles.ask_identity"),
            check=check_identity,
            keep=keep_identity,
            to=(Granting.GRANT_ROLE, Granting.ACTION),
            options=lambda ctx: (back(ctx.t, "roles.back"),),
            on_option=lambda ctx, _back: ctx.goto(Granting.ACTION),
        ),
        Granting.GRANT_ROLE: Step(ask_role, on_role, (Granting.ACTION,)),
        Granting.REVOKE: Step(ask_revoke, on_revoke, (Granting.ACTION,)),
    },
)
