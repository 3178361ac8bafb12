"""The main menu, the language choice, and the commands that work from anywhere:
/start, /menu, /batal, /bantuan, /bahasa.

The menu's items come from the features (``MenuEntry``), in their rank order; the
menu's flow is built by the registry once every feature is known.
"""

from __future__ import annotations

from collections.abc import Sequence

from handlers.core import greetings
from handlers.core.feature import Command, Feature, HelpLine, MenuEntry
from handlers.core.flow import HOME, Answer, Ctx, Flow, Home, Language, Prompt, Step
from handlers.core.help import entry_text, help_menu_text, help_options, privacy_text
from handlers.core.types import ACTION_PROMPT, Option, Reply
from handlers.privacy import mydata, profile
from handlers.privacy.mydata import Rights
from handlers.privacy.onboarding import Onboarding
from handlers.privacy.profile import Profile
from handlers.widgets import choices
from handlers.widgets.words import words

HELP_ITEMS = ("mydata", "profile", "delete")
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def ask_menu(ctx: Ctx) -> Prompt:
    """What would you like to do?"""
    entries = ctx.features.menu
    return Prompt(
        ctx.t("menu.ask"), tuple(Option(e.value, ctx.t(f"menu.{e.value}")) for e in entries)
    )


def on_menu(ctx: Ctx, answer: Answer) -> None:
    for entry in ctx.features.menu:
        if entry.value == answer.option:
            entry.run(ctx)
            return


def ask_help(ctx: Ctx) -> Prompt:
    """The help menu: how it works, my data, contact, every command."""
    options = [*help_options(ctx), choices.back(ctx.t, "common.back_to_menu", "menu")]
    return Prompt(help_menu_text(ctx), tuple(options))


def on_help(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "data":
            ctx.goto(Home.HELP_DATA)
        case "how" | "contact" | "commands":
            ctx.note(entry_text(ctx, answer.option))
            ctx.goto(Home.HELP)
        case _:
            ctx.goto(HOME)


def ask_help_data(ctx: Ctx) -> Prompt:
    """The resident's data rights, and their own data a press away."""
    options = [Option(item, ctx.t(f"menu.{item}")) for item in HELP_ITEMS]
    options.append(choices.back(ctx.t, "help.menu.back", "help"))
    return Prompt(privacy_text(ctx), tuple(options))


def on_help_data(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "mydata":
            mydata.show(ctx, "")
            ctx.goto(HOME)
        case "profile":
            profile.start(ctx)
        case "delete":
            mydata.start_delete(ctx)
        case _:
            ctx.goto(Home.HELP)


def home_flow(entries: Sequence[MenuEntry]) -> Flow:
    """The menu, going wherever its entries lead."""
    leads = tuple(target for entry in entries for target in entry.to)
    return Flow(
        steps={
            Home.MAIN: Step(ask_menu, on_menu, leads),
            Home.HELP: Step(ask_help, on_help, (HOME, Home.HELP_DATA)),
            Home.HELP_DATA: Step(
                ask_help_data,
                on_help_data,
                (HOME, Home.HELP, Profile.CHOOSE, Rights.CONFIRM_DELETE),
            ),
        }
    )


def ask_language(ctx: Ctx) -> Prompt:
    """Which language should the bot speak?"""
    return Prompt(
        ctx.t("language.ask"),
        tuple(
            Option(code, LANGUAGE_NAMES[code], (code, *words(ctx.t, f"language_{code}")))
            for code in ctx.settings.languages
        ),
    )


def on_language(ctx: Ctx, answer: Answer) -> None:
    assert answer.option is not None
    ctx.set_language(answer.option)
    ctx.resident.language_chosen = True
    ctx.note(ctx.t("language.changed"))
    ctx.end_detour(HOME if ctx.resident.onboarded_at else Onboarding.CONSENT)


LANGUAGE = Flow(steps={Language.CHOOSE: Step(ask_language, on_language, (HOME,))})


def start(ctx: Ctx, _args: str) -> None:
    if ctx.resident.has_consent:
        ctx.note(ctx.t("start.welcome_back"))
        ctx.goto(HOME)
    else:
        ctx.goto(Onboarding.CONSENT)


def go_home(ctx: Ctx, _args: str = "") -> None:
    ctx.goto(HOME)


def cancel(ctx: Ctx, _args: str) -> None:
    """Drop what is under way; say what that meant."""
    flow = ctx.conversation.flow
    if flow == HOME.flow:
        ctx.note(ctx.t("cancel.nothing"))
    elif flow == Onboarding.CONSENT.flow and not ctx.resident.has_consent:
        ctx.note(ctx.t("cancel.onboarding"))
        ctx.resident.onboarded_at = ctx.resident.onboarded_at or ctx.now
    else:
        ctx.note(ctx.t("cancel.done"))
    ctx.goto(HOME)


def show_help(ctx: Ctx, _args: str = "") -> None:
    """At the main menu: the help menu, as the question (a typed "4" is its fourth
    entry, not the main menu's). Anywhere else: the help menu as its own message,
    its buttons acting from any step; the question the resident was at comes again
    below it, nothing lost."""
    conversation = ctx.conversation
    if (conversation.flow, conversation.step) == (HOME.flow, HOME.value):
        ctx.goto(Home.HELP)
        return
    options = tuple(help_options(ctx, prefix="!help:"))
    ctx.replies.append(Reply(text=help_menu_text(ctx), options=options, prompt_id=ACTION_PROMPT))


def help_entry(ctx: Ctx, entry: str) -> None:
    """A help menu button pressed (from /bantuan's message): what it says, then
    the same question again."""
    ctx.say(entry_text(ctx, entry))


def choose_language(ctx: Ctx, _args: str = "") -> None:
    """Choose a language, then come back to the same step with nothing lost."""
    ctx.detour(Language.CHOOSE)


FEATURE = Feature(
    name="menu",
    flows=(LANGUAGE,),
    commands=(
        Command("start", start, listed=10),
        Command("menu", go_home, words=("menu",), help=HelpLine("help.line.menu", 10), listed=20),
        Command(
            "batal",
            cancel,
            aliases=("cancel",),
            words=("batal",),
            help=HelpLine("help.line.batal", 20),
            listed=40,
        ),
        Command(
            "bantuan",
            show_help,
            aliases=("help",),
            words=("bantuan", "help"),
            help=HelpLine("help.line.bantuan", 100),
            before_consent=True,
            before_reconsent=True,
            listed=50,
        ),
        Command(
            "bahasa",
            choose_language,
            aliases=("language",),
            help=HelpLine("help.line.bahasa", 40),
            before_consent=True,
            before_reconsent=True,
            listed=60,
        ),
    ),
    actions={"help": help_entry},
    menu=(
        MenuEntry("help", 50, lambda ctx: ctx.goto(Home.HELP), (Home.HELP,)),
        MenuEntry("language", 60, lambda ctx: ctx.goto(Language.CHOOSE), (Language.CHOOSE,)),
    ),
    readers=(greetings.READER,),
)
