"""/profil: the resident corrects their name, home kelurahan or language at any time.

choose ──Nama──▶ name ──▶ choose
   ├──Tempat tinggal──▶ kecamatan ──▶ kelurahan ──▶ choose
   ├──Bahasa──▶ (the language detour) ──▶ choose
   └──Selesai──▶ menu
Name and home need consent; the language does not.
"""

from __future__ import annotations

from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.types import Option
from handlers.privacy.onboarding import BACK_WORDS
from handlers.widgets.places import kecamatan_name, kecamatan_options, kelurahan_options, place_name
from storage.limits import RESIDENT

FLOW_NAME = "profile"
PERSONAL = ("name", "home")


def start(ctx: Ctx, _args: str = "") -> None:
    ctx.goto(FLOW_NAME)


def ask_choose(ctx: Ctx) -> Prompt:
    """What is stored now, and which part to change."""
    resident, t = ctx.resident, ctx.t
    text = t(
        "profile.ask",
        name=resident.display_name or "-",
        place=place_name(ctx, resident.home_kelurahan_code),
        language=t(f"language.name_{resident.language}"),
    )
    return Prompt(
        text,
        (
            Option("name", t("profile.name"), ("nama", "name")),
            Option("home", t("profile.home"), ("tempat tinggal", "alamat", "home")),
            Option("language", t("profile.language"), ("bahasa", "language")),
            Option("done", t("profile.done"), ("selesai", "done")),
        ),
    )


def on_choose(ctx: Ctx, answer: Answer) -> None:
    if answer.option in PERSONAL and not ctx.resident.has_consent:
        ctx.invalid(ctx.t("profile.needs_consent"))
        return
    match answer.option:
        case "name":
            ctx.goto(FLOW_NAME, "name")
        case "home":
            ctx.goto(FLOW_NAME, "kecamatan")
        case "language":
            ctx.detour("language")
        case _:
            ctx.goto("menu")


def ask_name(ctx: Ctx) -> Prompt:
    return Prompt(ctx.t("profile.ask_name"), accepts=frozenset({"text"}))


def on_name(ctx: Ctx, answer: Answer) -> None:
    name = " ".join((answer.text or "").split())
    if not RESIDENT.profile_name.minimum <= len(name) <= RESIDENT.profile_name.maximum:
        ctx.invalid(ctx.t("profile.name_invalid"))
        return
    ctx.resident.display_name = name
    ctx.note(ctx.t("profile.name_saved", name=name))
    ctx.goto(FLOW_NAME, "choose")


def ask_kecamatan(ctx: Ctx) -> Prompt:
    return Prompt(ctx.t("onboarding.ask_kecamatan"), kecamatan_options(ctx))


def on_kecamatan(ctx: Ctx, answer: Answer) -> None:
    ctx.data["kecamatan"] = answer.option
    ctx.goto(FLOW_NAME, "kelurahan", keep_data=True)


def ask_kelurahan(ctx: Ctx) -> Prompt:
    kecamatan = ctx.data.get("kecamatan")
    return Prompt(
        ctx.t("onboarding.ask_kelurahan", kecamatan=kecamatan_name(ctx, kecamatan)),
        (
            *kelurahan_options(ctx, kecamatan or ""),
            Option("back", ctx.t("common.other_kecamatan"), BACK_WORDS),
        ),
    )


def on_kelurahan(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(FLOW_NAME, "kecamatan")
        return
    ctx.resident.home_kecamatan_code = ctx.data.pop("kecamatan", None)
    ctx.resident.home_kelurahan_code = answer.option
    ctx.note(ctx.t("onboarding.home_saved", place=place_name(ctx, answer.option)))
    ctx.goto(FLOW_NAME, "choose")


FLOW = Flow(
    name=FLOW_NAME,
    start="choose",
    steps={
        "choose": Step(ask_choose, on_choose),
        "name": Step(ask_name, on_name),
        "kecamatan": Step(ask_kecamatan, on_kecamatan),
        "kelurahan": Step(ask_kelurahan, on_kelurahan),
    },
)
