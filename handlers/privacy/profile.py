"""/profil: the resident corrects their name, home kelurahan or language at any time.

choose ──Nama──▶ name ──▶ choose
   ├──Tempat tinggal──▶ kecamatan ──▶ kelurahan ──▶ choose
   ├──Bahasa──▶ (the language detour) ──▶ choose
   └──Selesai──▶ menu
Name and home need consent; the language does not.
"""

from __future__ import annotations

from handlers.core.flow import HOME, Answer, Ctx, Flow, Language, Prompt, Step, Steps
from handlers.core.validation import Invalid
from handlers.privacy.onboarding import HomeDraft, home_picker, save_home
from handlers.widgets.area import Area
from handlers.widgets.places import place_name
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.limits import RESIDENT

PERSONAL = ("name", "home")


class Profile(Steps, flow="profile"):
    CHOOSE = "choose"
    NAME = "name"
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"


def start(ctx: Ctx, _args: str = "") -> None:
    ctx.goto(Profile.CHOOSE)


def ask_choose(ctx: Ctx) -> Prompt:
    """What is stored now, and which part to change."""
    resident, t = ctx.resident, ctx.t
    text = t(
        "profile.ask",
        name=resident.display_name or "-",
        place=place_name(ctx, resident.home_kelurahan_code),
        language=t(f"language.name_{resident.language}"),
    )
    parts = ("name", "home", "language", "done")
    return Prompt(
        text, tuple(option(t, part, f"profile.{part}", f"profile_{part}") for part in parts)
    )


def on_choose(ctx: Ctx, answer: Answer) -> None:
    if answer.option in PERSONAL and not ctx.resident.has_consent:
        ctx.invalid(ctx.t("profile.needs_consent"))
        return
    match answer.option:
        case "name":
            ctx.goto(Profile.NAME)
        case "home":
            ctx.goto(Profile.KECAMATAN)
        case "language":
            ctx.detour(Language.CHOOSE)
        case _:
            ctx.goto(HOME)


def check_profile_name(raw: str) -> str:
    """The name as typed, on one line, within ``RESIDENT.profile_name``."""
    name = " ".join(raw.split())
    if not RESIDENT.profile_name.minimum <= len(name) <= RESIDENT.profile_name.maximum:
        raise Invalid("profile.name_invalid")
    return name


def keep_name(ctx: Ctx, name: str) -> None:
    ctx.resident.display_name = name
    ctx.note(ctx.t("profile.name_saved", name=name))
    ctx.goto(Profile.CHOOSE)


def keep_home(ctx: Ctx, area: Area) -> None:
    ctx.draft(HomeDraft).kecamatan = None
    save_home(ctx, area)
    ctx.goto(Profile.CHOOSE)


AREA = home_picker(Profile.KECAMATAN, Profile.KELURAHAN, keep_home, (Profile.CHOOSE,))

FLOW = Flow(
    steps={
        Profile.CHOOSE: Step(
            ask_choose, on_choose, (Profile.NAME, Profile.KECAMATAN, Language.CHOOSE, HOME)
        ),
        Profile.NAME: text_step(
            ask=lambda ctx: ctx.t("profile.ask_name"),
            check=check_profile_name,
            keep=keep_name,
            to=(Profile.CHOOSE,),
        ),
        **AREA.steps(),
    }
)
