"""Cek status: a resident follows their own aspiration by its tracking code.

Only the owner sees an aspiration; any other code gets the same "not found" as a
code that does not exist, so codes cannot be probed.
"""

from __future__ import annotations

from handlers.core.flow import HOME, Answer, Ctx, Flow, Prompt, Step, Steps
from handlers.core.types import Option
from handlers.widgets.places import place_name
from handlers.widgets.words import option
from storage.aspirations import (
    find_aspiration,
    find_owned_aspiration,
    normalise_tracking_code,
    recent_aspirations,
    status_history,
)
from storage.models import Aspiration


class Checking(Steps, flow="status"):
    CODE = "code"


def category_label(ctx: Ctx, key: str) -> str:
    for category in ctx.settings.categories:
        if category.key == key and ctx.t.language in category.labels:
            return category.labels[ctx.t.language]
    return ctx.t(f"category.{key}")


def category_options(ctx: Ctx) -> tuple[Option, ...]:
    """The categories, each picked also by typing its key."""
    return tuple(
        Option(c.key, category_label(ctx, c.key), (c.key,)) for c in ctx.settings.categories
    )


def code_option(ctx: Ctx, aspiration: Aspiration) -> Option:
    """ "ASP-7K2M9Q · Infrastruktur", picked also by typing the code."""
    label = f"{aspiration.code} · {category_label(ctx, aspiration.category)}"
    return Option(aspiration.code, label, (aspiration.code,))


def find(ctx: Ctx, raw: str) -> Aspiration | None:
    code = normalise_tracking_code(raw)
    if code is None or ctx.resident.id is None:
        return None
    return find_owned_aspiration(session=ctx.session, code=code, resident_id=ctx.resident.id)


def history(ctx: Ctx, aspiration: Aspiration) -> str:
    """Its status changes, oldest first, one line each (residents and staff alike)."""
    assert aspiration.id is not None
    return "\n".join(
        ctx.t(
            "status.history_line",
            when=ctx.t.datetime(change.at),
            status=ctx.t(f"status.{change.status}"),
            note=f" — {change.note}" if change.note else "",
        )
        for change in status_history(session=ctx.session, aspiration_id=aspiration.id)
    )


def describe(ctx: Ctx, raw: str) -> str:
    """The status and history of the resident's aspiration ``raw``, or why not."""
    code = normalise_tracking_code(raw)
    if code is None:
        return ctx.t("status.bad_format")
    aspiration = find(ctx, code)
    if aspiration is None:
        return ctx.t("status.not_found", code=code)
    text = ctx.t(
        "status.detail",
        code=aspiration.code,
        category=category_label(ctx, aspiration.category),
        place=place_name(ctx, aspiration.kelurahan_code),
        status=ctx.t(f"status.{aspiration.status}"),
        history=history(ctx, aspiration),
    )
    original = (
        find_aspiration(session=ctx.session, code=aspiration.duplicate_of)
        if aspiration.duplicate_of
        else None
    )
    if original is not None:  # followed up there: its status is this one's news
        text += "\n\n" + ctx.t(
            "status.followed_in", original=original.code, status=ctx.t(f"status.{original.status}")
        )
    return text


def ask_code(ctx: Ctx) -> Prompt:
    """Pick one of your recent aspirations or type its code."""
    recent = (
        recent_aspirations(session=ctx.session, resident_id=ctx.resident.id)
        if ctx.resident.id is not None
        else []
    )
    options = tuple(code_option(ctx, a) for a in recent)
    back = option(ctx.t, "back", "common.back_to_menu", "back")
    text = ctx.t("status.ask_recent") if options else ctx.t("status.ask")
    return Prompt(text, (*options, back), accepts=frozenset({"text"}))


def on_code(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(HOME)
        return
    raw = answer.option or answer.text or ""
    if find(ctx, raw) is None:
        ctx.invalid(describe(ctx, raw))  # the format or "not found" message
        return
    ctx.say(describe(ctx, raw))
    ctx.goto(HOME)


def run(ctx: Ctx, args: str) -> None:
    """``/status ASP-7K2M9Q`` answers at once; ``/status`` alone asks for the code."""
    if args:
        ctx.say(describe(ctx, args))
    else:
        ctx.goto(Checking.CODE)


FLOW = Flow(steps={Checking.CODE: Step(ask_code, on_code, (HOME,))})
