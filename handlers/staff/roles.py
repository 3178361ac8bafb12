"""/peran: admins grant and revoke roles in chat (config-file roles are read-only)."""

from __future__ import annotations

import re

from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.types import Option
from handlers.widgets import choices
from storage.models import ROLES
from storage.roles import all_grants, grant_role, revoke_role

FLOW_NAME = "roles"
IDENTITY = re.compile(r"^(telegram:\d{1,20}|whatsapp:\d{8,15}|console:[A-Za-z0-9_.-]{1,64})$")


def describe(ctx: Ctx) -> str:
    lines = [
        ctx.t(
            "roles.line",
            identity=identity,
            role=ctx.t(f"roles.{role}"),
            source=ctx.t("roles.from_config"),
        )
        for identity, roles in sorted(ctx.settings.config_roles.items())
        for role in sorted(roles)
    ]
    lines += [
        ctx.t("roles.line", identity=g.identity, role=ctx.t(f"roles.{g.role}"), source=g.granted_by)
        for g in all_grants(session=ctx.session)
    ]
    return ctx.t("roles.list") + "\n" + ("\n".join(lines) or "-")


def ask_action(ctx: Ctx) -> Prompt:
    """Grant, revoke or list."""
    return Prompt(
        ctx.t("roles.ask_action"),
        (
            Option("grant", ctx.t("roles.grant")),
            Option("revoke", ctx.t("roles.revoke")),
            Option("list", ctx.t("roles.show")),
            Option("menu", ctx.t("common.back_to_menu"), ("menu",)),
        ),
    )


def on_action(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "grant":
            ctx.goto(FLOW_NAME, "grant_identity", keep_data=True)
        case "revoke":
            ctx.goto(FLOW_NAME, "revoke", keep_data=True)
        case "list":
            ctx.say(describe(ctx))
        case _:
            ctx.goto("menu")


def ask_identity(ctx: Ctx) -> Prompt:
    return Prompt(
        ctx.t("roles.ask_identity"),
        (choices.back(ctx.t, "roles.back"),),
        accepts=frozenset({"text"}),
    )


def on_identity(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(FLOW_NAME, "action", keep_data=True)
        return
    identity = (answer.text or "").strip()
    if not IDENTITY.match(identity):
        ctx.invalid(ctx.t("roles.bad_identity"))
        return
    ctx.data["identity"] = identity
    ctx.goto(FLOW_NAME, "grant_role", keep_data=True)


def ask_role(ctx: Ctx) -> Prompt:
    options = tuple(Option(role, ctx.t(f"roles.{role}"), (role,)) for role in ROLES)
    return Prompt(ctx.t("roles.ask_role", identity=ctx.data.get("identity", "")), options)


def on_role(ctx: Ctx, answer: Answer) -> None:
    identity, role = ctx.data.pop("identity", ""), answer.option or ""
    granted = grant_role(
        session=ctx.session,
        identity=identity,
        role=role,
        granted_by=ctx.resident.identity,
        now=ctx.now,
    )
    key = "roles.granted" if granted else "roles.already"
    ctx.note(ctx.t(key, identity=identity, role=ctx.t(f"roles.{role}")))
    ctx.goto(FLOW_NAME, "action", keep_data=True)


def ask_revoke(ctx: Ctx) -> Prompt:
    grants = all_grants(session=ctx.session)
    options = tuple(
        Option(f"{g.identity} {g.role}", f"{g.identity} · {ctx.t(f'roles.{g.role}')}")
        for g in grants
    )
    text = ctx.t("roles.ask_revoke") if options else ctx.t("roles.none_to_revoke")
    return Prompt(text, (*options, choices.back(ctx.t, "roles.back")))


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
    ctx.goto(FLOW_NAME, "action", keep_data=True)


FLOW = Flow(
    name=FLOW_NAME,
    start="action",
    role="admin",
    steps={
        "action": Step(ask_action, on_action),
        "grant_identity": Step(ask_identity, on_identity),
        "grant_role": Step(ask_role, on_role),
        "revoke": Step(ask_revoke, on_revoke),
    },
)
