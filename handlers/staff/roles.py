"""/peran: admins grant and revoke roles in chat (config-file roles are read-only).

``petugas_opd`` is always granted for a unit (asked after the role; grant it again
for another unit) and revoked unit by unit: the role goes with its last unit."""

from __future__ import annotations

import re

from handlers.core.flow import HOME, Answer, Ctx, Draft, Flow, Prompt, Step, Steps
from handlers.core.types import Option
from handlers.core.validation import Invalid
from handlers.widgets.choices import back
from handlers.widgets.paging import Pager
from handlers.widgets.picker import Picker
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.models import ROLES, Opd, OpdOfficer, RoleGrant
from storage.opd import (
    OFFICER,
    UnitError,
    find_unit,
    grant_officer,
    officer_rows,
    revoke_officer,
    units,
    units_of,
)
from storage.roles import all_grants, grant_role, revoke_role

IDENTITY = re.compile(r"^(telegram:\d{1,20}|whatsapp:\d{8,15}|console:[A-Za-z0-9_.-]{1,64})$")


class Granting(Steps, flow="roles"):
    ACTION = "action"
    GRANT_IDENTITY = "grant_identity"
    GRANT_ROLE = "grant_role"
    GRANT_UNIT = "grant_unit"
    REVOKE = "revoke"


class RolesDraft(Draft):
    identity: str | None = None  # whom a role is being granted
    unit: str | None = None  # the unit picked for petugas_opd
    page: int = 0


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
        + _units_text(ctx, identity, role)
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


def _units_text(ctx: Ctx, identity: str, role: str) -> str:
    """`` — PUPR, DLH``: the units of an officer (nothing for other roles)."""
    if role != OFFICER:
        return ""
    held = sorted(units_of(session=ctx.session, identity=identity))
    return ctx.t("roles.units", units=", ".join(held) or "-")


def on_role(ctx: Ctx, answer: Answer) -> None:
    draft, role = ctx.draft(RolesDraft), answer.option or ""
    if role == OFFICER:
        draft.page = 0
        ctx.goto(Granting.GRANT_UNIT)
        return
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


UNIT = Picker[Opd](
    draft=RolesDraft,
    key=lambda unit: unit.code,
    label=lambda _ctx, unit: f"{unit.short_name} ({unit.code})",
    holding="unit",
    prefix="u:",
    pager=Pager(8),
)


def ask_unit(ctx: Ctx) -> Prompt:
    """Which unit the new officer acts for (active units only)."""
    identity = ctx.draft(RolesDraft).identity or ""
    return UNIT.prompt(
        ctx,
        units(session=ctx.session),
        text="roles.ask_unit",
        empty="roles.no_units",
        after=(back(ctx.t, "roles.back"),),
        identity=identity,
    )


def on_unit(ctx: Ctx, answer: Answer) -> None:
    if UNIT.turned(ctx, answer.option, Granting.GRANT_UNIT):
        return
    draft = ctx.draft(RolesDraft)
    code, identity = UNIT.item(answer.option), draft.identity or ""
    draft.identity = draft.unit = None
    if code is not None:
        try:
            _, added = grant_officer(
                session=ctx.session,
                identity=identity,
                codes=[code],
                actor=ctx.resident.identity,
                now=ctx.now,
            )
        except UnitError:  # deactivated meanwhile
            ctx.note(ctx.t("roles.unit_gone", code=code))
        else:
            unit = find_unit(session=ctx.session, code=code)
            name = f"{unit.short_name} ({unit.code})" if unit else code
            key = "roles.granted_unit" if added else "roles.already_unit"
            ctx.note(ctx.t(key, identity=identity, unit=name))
    ctx.goto(Granting.ACTION)


def _revocable(ctx: Ctx) -> list[Option]:
    """A button per grant (``g:<id>``); an officer's, one per unit (``o:<id>``): ids
    keep the buttons' data short enough for every chat app."""
    options = []
    for g in all_grants(session=ctx.session):
        label = f"{g.identity} · {ctx.t(f'roles.{g.role}')}"
        held = officer_rows(session=ctx.session, identity=g.identity) if g.role == OFFICER else []
        options += [Option(f"o:{row.id}", f"{label} · {row.opd_code}") for row in held]
        if not held:
            options.append(Option(f"g:{g.id}", label))
    return options


def ask_revoke(ctx: Ctx) -> Prompt:
    options = tuple(_revocable(ctx))
    text = ctx.t("roles.ask_revoke") if options else ctx.t("roles.none_to_revoke")
    return Prompt(text, (*options, back(ctx.t, "roles.back")))


def on_revoke(ctx: Ctx, answer: Answer) -> None:
    kind, _, number = (answer.option or "").partition(":")
    if kind in ("g", "o") and number.isdecimal():
        row: RoleGrant | OpdOfficer | None = (
            ctx.session.get(RoleGrant, int(number))
            if kind == "g"
            else ctx.session.get(OpdOfficer, int(number))
        )
        if row is None:  # revoked meanwhile (another admin, the CLI)
            ctx.note(ctx.t("roles.revoke_gone"))
        elif isinstance(row, OpdOfficer):
            _, role_gone = revoke_officer(
                session=ctx.session,
                identity=row.identity,
                codes=[row.opd_code],
                actor=ctx.resident.identity,
                now=ctx.now,
            )
            ctx.note(ctx.t("roles.revoked_unit", identity=row.identity, unit=row.opd_code))
            if role_gone:
                ctx.note(
                    ctx.t("roles.revoked", identity=row.identity, role=ctx.t(f"roles.{OFFICER}"))
                )
        else:
            identity, role = row.identity, row.role  # a RoleGrant
            if role == OFFICER:
                revoke_officer(
                    session=ctx.session, identity=identity, actor=ctx.resident.identity, now=ctx.now
                )
            else:
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
        Granting.GRANT_ROLE: Step(ask_role, on_role, (Granting.ACTION, Granting.GRANT_UNIT)),
        Granting.GRANT_UNIT: Step(ask_unit, on_unit, (Granting.ACTION,)),
        Granting.REVOKE: Step(ask_revoke, on_revoke, (Granting.ACTION,)),
    },
)
