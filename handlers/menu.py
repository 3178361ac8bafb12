"""The main menu, and the language choice it leads to."""

from __future__ import annotations

from handlers.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.help import help_text
from handlers.types import Option

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
            ctx.say(help_text(ctx))
        case "language":
            ctx.goto("language")


MENU = Flow(name="menu", start="main", steps={"main": Step(ask_menu, on_menu)})

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
