"""The main menu, and the language choice it leads to."""

from __future__ import annotations

from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.help import help_text
from handlers.core.types import Option
from handlers.privacy import mydata, profile
from handlers.widgets import choices

MENU_ITEMS = ("aspiration", "status", "training", "forum", "help", "language")


def ask_menu(ctx: Ctx) -> Prompt:
    """What would you like to do?"""
    return Prompt(
        ctx.t("menu.ask"), tuple(Option(item, ctx.t(f"menu.{item}")) for item in MENU_ITEMS)
    )


def on_menu(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "aspiration":
            ctx.goto("aspiration")
        case "status":
            ctx.goto("status")
        case "training":
            ctx.goto("training")
        case "forum":
            ctx.goto("forum")
        case "help":
            ctx.goto("menu", "help")
        case "language":
            ctx.goto("language")


HELP_ITEMS = ("mydata", "profile", "delete")


def ask_help(ctx: Ctx) -> Prompt:
    """The help text, and the resident's own data a press away."""
    options = [Option(item, ctx.t(f"menu.{item}")) for item in HELP_ITEMS]
    options.append(choices.back(ctx.t, "common.back_to_menu", "menu"))
    return Prompt(help_text(ctx), tuple(options))


def on_help(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "mydata":
            mydata.show(ctx, "")
            ctx.goto("menu")
        case "profile":
            profile.start(ctx)
        case "delete":
            mydata.start_delete(ctx)
        case _:
            ctx.goto("menu")


MENU = Flow(
    name="menu",
    start="main",
    steps={"main": Step(ask_menu, on_menu), "help": Step(ask_help, on_help)},
)

LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def ask_language(ctx: Ctx) -> Prompt:
    """Which language should the bot speak?"""
    return Prompt(
        ctx.t("language.ask"),
        tuple(Option(code, LANGUAGE_NAMES[code], (code,)) for code in ctx.settings.languages),
    )


def on_language(ctx: Ctx, answer: Answer) -> None:
    assert answer.option is not None
    ctx.set_language(answer.option)
    ctx.resident.language_chosen = True
    ctx.note(ctx.t("language.changed"))
    ctx.end_detour("menu" if ctx.resident.onboarded_at else "onboarding")


LANGUAGE = Flow(name="language", start="choose", steps={"choose": Step(ask_language, on_language)})
