"""First contact: welcome, privacy notice, consent, then an optional home area.

consent ──Setuju──▶ home_kecamatan ──▶ home_kelurahan ──▶ menu
   │                     └──Lewati──────────┴──Lewati──▶ menu
   └──Tidak setuju──▶ menu (anonymous aspirations only)

reconsent (a new privacy notice, reached by the engine's detour) ──Setuju──▶ back
   └──Tidak setuju──▶ consent withdrawn, menu
"""

from __future__ import annotations

from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.types import Option
from handlers.core.validation import clean_profile_name
from handlers.privacy import mydata
from handlers.widgets.places import kecamatan_name, kecamatan_options, kelurahan_options, place_name

AGREE_WORDS = ("setuju", "ya", "iya", "yes", "agree", "i agree", "ok", "oke")
DISAGREE_WORDS = ("tidak", "tidak setuju", "no", "disagree", "i disagree")
SKIP_WORDS = ("lewati", "skip")
BACK_WORDS = ("kembali", "back")


def skip_option(ctx: Ctx) -> Option:
    return Option("skip", ctx.t("common.skip"), SKIP_WORDS)


def ask_consent(ctx: Ctx) -> Prompt:
    """Welcome, what we store and why, and the consent question."""
    text = "\n\n".join(
        [ctx.t("onboarding.welcome"), ctx.t("onboarding.privacy"), ctx.t("onboarding.ask_consent")]
    )
    return Prompt(
        text,
        (
            Option("agree", ctx.t("onboarding.agree"), AGREE_WORDS),
            Option("disagree", ctx.t("onboarding.disagree"), DISAGREE_WORDS),
        ),
    )


def record_consent(ctx: Ctx) -> None:
    """The resident agreed to the privacy notice shown to them just now."""
    resident = ctx.resident
    resident.onboarded_at = resident.onboarded_at or ctx.now
    resident.consent_at = ctx.now
    resident.consent_version = ctx.settings.consent_version
    if not resident.display_name:
        resident.display_name = clean_profile_name(ctx.inbound.display_name)


def on_consent(ctx: Ctx, answer: Answer) -> None:
    ctx.resident.onboarded_at = ctx.now
    if answer.option == "agree":
        record_consent(ctx)
        ctx.note(ctx.t("onboarding.thanks"))
        ctx.goto("onboarding", "home_kecamatan")
    else:
        ctx.note(ctx.t("onboarding.declined"))
        ctx.goto("menu")


def consent_is_current(ctx: Ctx) -> bool:
    """False when the resident agreed to an older privacy notice than today's."""
    resident = ctx.resident
    return not resident.has_consent or resident.consent_version == ctx.settings.consent_version


def ask_reconsent(ctx: Ctx) -> Prompt:
    """The privacy notice changed: show it and ask again."""
    text = "\n\n".join(
        [
            ctx.t("privacy.notice_changed"),
            ctx.t("onboarding.privacy"),
            ctx.t("privacy.ask_reconsent"),
        ]
    )
    return Prompt(
        text,
        (
            Option("agree", ctx.t("onboarding.agree"), AGREE_WORDS),
            Option("disagree", ctx.t("onboarding.disagree"), DISAGREE_WORDS),
        ),
    )


def on_reconsent(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "agree":
        record_consent(ctx)
        ctx.note(ctx.t("privacy.reconsent_thanks"))
        ctx.end_detour()
        return
    ctx.data.pop("_return", None)
    mydata.withdraw(ctx)
    ctx.note(ctx.t("privacy.reconsent_declined"))
    ctx.goto("menu")


def ask_home_kecamatan(ctx: Ctx) -> Prompt:
    """Where the resident lives, so later questions can offer it first."""
    return Prompt(ctx.t("onboarding.ask_kecamatan"), (*kecamatan_options(ctx), skip_option(ctx)))


def on_home_kecamatan(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "skip":
        ctx.note(ctx.t("onboarding.home_skipped"))
        ctx.goto("menu")
        return
    ctx.data["kecamatan"] = answer.option
    ctx.goto("onboarding", "home_kelurahan")


def ask_home_kelurahan(ctx: Ctx) -> Prompt:
    kecamatan = ctx.data.get("kecamatan")
    return Prompt(
        ctx.t("onboarding.ask_kelurahan", kecamatan=kecamatan_name(ctx, kecamatan)),
        (
            *kelurahan_options(ctx, kecamatan or ""),
            Option("back", ctx.t("common.other_kecamatan"), BACK_WORDS),
            skip_option(ctx),
        ),
    )


def on_home_kelurahan(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto("onboarding", "home_kecamatan")
        return
    if answer.option == "skip":
        ctx.note(ctx.t("onboarding.home_skipped"))
        ctx.goto("menu")
        return
    ctx.resident.home_kecamatan_code = ctx.data.get("kecamatan")
    ctx.resident.home_kelurahan_code = answer.option
    ctx.note(ctx.t("onboarding.home_saved", place=place_name(ctx, answer.option)))
    ctx.goto("menu")


FLOW = Flow(
    name="onboarding",
    start="consent",
    steps={
        "consent": Step(ask_consent, on_consent),
        "home_kecamatan": Step(ask_home_kecamatan, on_home_kecamatan),
        "home_kelurahan": Step(ask_home_kelurahan, on_home_kelurahan),
        "reconsent": Step(ask_reconsent, on_reconsent),
    },
)
