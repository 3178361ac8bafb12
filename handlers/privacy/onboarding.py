"""First contact: welcome, privacy notice, consent, then an optional home area.

consent ──Setuju──▶ home_kecamatan ──▶ home_kelurahan ──▶ menu
   │ │                   └──Lewati──────────┴──Lewati──▶ menu
   │ └──Baca selengkapnya──▶ the full notice, then the question again (short)
   └──Tidak setuju──▶ menu (anonymous aspirations only)
(a first message that already was a complaint is offered back instead:
``handlers.aspirations.offer``)

The first screen is short (one paragraph of who, what and why, then the
question; the full notice is a press away); a wrong reply gets only the question
again, under the reason, never the whole screen.

reconsent (a new privacy notice, reached by the engine's detour) ──Setuju──▶ back
   └──Tidak setuju──▶ consent withdrawn, menu
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.aspirations import offer as first_message
from handlers.aspirations.offer import Offering
from handlers.core.flow import HOME, Answer, Ctx, Draft, Flow, Prompt, Step, Steps
from handlers.core.types import Option
from handlers.core.validation import clean_profile_name
from handlers.privacy import mydata
from handlers.widgets.area import Area, AreaPicker
from handlers.widgets.choices import yes_no
from handlers.widgets.places import place_name


class Onboarding(Steps, flow="onboarding"):
    CONSENT = "consent"
    HOME_KECAMATAN = "home_kecamatan"
    HOME_KELURAHAN = "home_kelurahan"
    RECONSENT = "reconsent"  # the engine detours here when the notice changed


class HomeDraft(Draft):
    """The kecamatan chosen while the kelurahan is asked (here and in /profil)."""

    kecamatan: str | None = None


def _consent_prompt(ctx: Ctx, *keys: str) -> Prompt:
    """The notice's paragraphs (``keys``), then Setuju / Tidak setuju."""
    options = yes_no(ctx.t, "onboarding.agree", "onboarding.disagree", values=("agree", "disagree"))
    return Prompt("\n\n".join(ctx.t(key) for key in keys), options)


class ConsentDraft(Draft):
    """The prompt id the first screen was shown with: asked again at the same
    prompt, only the question comes back."""

    screen_shown: int | None = None


def consent_options(ctx: Ctx) -> tuple[Option, ...]:
    agree, disagree = yes_no(
        ctx.t, "onboarding.agree", "onboarding.disagree", values=("agree", "disagree")
    )
    return agree, disagree, Option("more", ctx.t("onboarding.read_more"))


def first_screen(ctx: Ctx) -> str:
    """Who runs the service, what is kept and why, where reports go, the rights."""
    return ctx.t("onboarding.welcome", name=ctx.settings.service.name)


def ask_consent(ctx: Ctx) -> Prompt:
    """The short first screen and the consent question. Asked again at the same
    prompt (a wrong reply, a command, under the full notice): the question alone,
    its buttons still those of the first screen."""
    draft = ctx.draft(ConsentDraft)
    prompt_id = ctx.conversation.prompt_id
    question = ctx.t("onboarding.ask_consent")
    if draft.screen_shown != prompt_id:
        question = f"{first_screen(ctx)}\n\n{question}"
        draft.screen_shown = prompt_id
    return Prompt(question, consent_options(ctx))


def record_consent(ctx: Ctx) -> None:
    """The resident agreed to the privacy notice shown to them just now."""
    resident = ctx.resident
    resident.onboarded_at = resident.onboarded_at or ctx.now
    resident.consent_at = ctx.now
    resident.consent_version = ctx.settings.consent_version
    if not resident.display_name:
        resident.display_name = clean_profile_name(ctx.inbound.display_name)


def on_consent(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "more":  # the full notice, then the same question again
        ctx.note(ctx.t("onboarding.privacy"))
        return
    ctx.resident.onboarded_at = ctx.now
    if answer.option == "agree":
        record_consent(ctx)
        ctx.note(ctx.t("onboarding.thanks"))
        ctx.goto(Onboarding.HOME_KECAMATAN)
    else:
        ctx.note(ctx.t("onboarding.declined"))
        ctx.goto(HOME)


def consent_is_current(ctx: Ctx) -> bool:
    """False when the resident agreed to an older privacy notice than today's."""
    resident = ctx.resident
    return not resident.has_consent or resident.consent_version == ctx.settings.consent_version


def ask_reconsent(ctx: Ctx) -> Prompt:
    """The privacy notice changed: show it and ask again."""
    return _consent_prompt(
        ctx, "privacy.notice_changed", "onboarding.privacy", "privacy.ask_reconsent"
    )


def on_reconsent(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "agree":
        record_consent(ctx)
        ctx.note(ctx.t("privacy.reconsent_thanks"))
        ctx.end_detour()
        return
    ctx.drop_detour()
    mydata.withdraw(ctx)
    ctx.note(ctx.t("privacy.reconsent_declined"))
    ctx.goto(HOME)


def save_home(ctx: Ctx, area: Area) -> None:
    """Keep the kelurahan chosen as the resident's home (onboarding and /profil)."""
    ctx.resident.home_kecamatan_code = area.kecamatan
    ctx.resident.home_kelurahan_code = area.kelurahan
    ctx.note(ctx.t("onboarding.home_saved", place=place_name(ctx, area.kelurahan)))


def _home_chosen(ctx: Ctx, area: Area) -> None:
    save_home(ctx, area)
    ctx.goto(HOME)


def _home_skipped(ctx: Ctx) -> None:
    ctx.note(ctx.t("onboarding.home_skipped"))
    ctx.goto(HOME)


def home_picker(
    kecamatan: Steps,
    kelurahan: Steps,
    chosen: Callable[[Ctx, Area], None],
    to: tuple[Steps, ...],
    skipped: Callable[[Ctx], None] | None = None,
) -> AreaPicker:
    """Where the resident lives (here and in /profil), so later questions can
    offer it first."""
    return AreaPicker(
        kecamatan=kecamatan,
        kelurahan=kelurahan,
        draft=HomeDraft,
        holding="kecamatan",
        ask_kecamatan=lambda ctx: ctx.t("onboarding.ask_kecamatan"),
        ask_kelurahan=lambda ctx, name: ctx.t("onboarding.ask_kelurahan", kecamatan=name),
        chosen=chosen,
        skipped=skipped,
        to=to,
    )


HOME_AREA = home_picker(
    Onboarding.HOME_KECAMATAN, Onboarding.HOME_KELURAHAN, _home_chosen, (HOME,), _home_skipped
)

FLOW = Flow(
    steps={
        Onboarding.CONSENT: Step(
            ask_consent,
            first_message.kept_through(on_consent),
            (Onboarding.HOME_KECAMATAN, HOME, Offering.OFFER),
        ),
        **HOME_AREA.steps(),
        Onboarding.RECONSENT: Step(ask_reconsent, on_reconsent, (HOME,)),
    },
    entries=(Onboarding.RECONSENT,),
)
