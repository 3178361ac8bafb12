"""Registering for a training (or its waitlist), from a training's page.

detail ──Daftar──▶ [consent] → name → phone → kelurahan [→ kelurahan_pick]
  → business [→ business_other] → motivation
  → summary ──Daftar──▶ seat / waitlist, menu
            ├─Ubah──▶ edit → the chosen step → back to summary
            └─Batal─▶ list
"""

from __future__ import annotations

from handlers.core.flow import HOME, Ctx, Flow, Step, Steps
from handlers.core.naming import training_name
from handlers.core.types import Option
from handlers.core.validation import (
    Invalid,
    check_comment,
    check_name,
    check_phone,
    clean_text,
    local_phone,
)
from handlers.trainings import browse
from handlers.trainings.browse import Training, TrainingDraft, draft_of, program_of
from handlers.trainings.notices import describe_place
from handlers.widgets.area import Area, AreaPicker
from handlers.widgets.choices import back, skip
from handlers.widgets.consent import consent_step
from handlers.widgets.form import Field, Form, FormTexts
from handlers.widgets.places import place_name
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.limits import REGISTRATION
from storage.trainings import RegistrationDetails, TrainingError, register

BUSINESS_TYPES = (
    "kuliner",
    "kerajinan",
    "pertanian",
    "perdagangan",
    "jasa",
    "fesyen",
    "belum",
)


def _consent_declined(ctx: Ctx) -> None:
    ctx.note(ctx.t("training.consent_declined"))
    ctx.goto(Training.LIST)


def _use(ctx: Ctx, known: str | None) -> tuple[Option, ...]:
    """A button that takes ``known`` (given before, or from the profile)."""
    return (Option("keep", ctx.t("training.use_value", value=known)),) if known else ()


def _shown(phone: str | None) -> str | None:
    return local_phone(phone) if phone else None


def keep_name(ctx: Ctx, name: str) -> None:
    draft_of(ctx).name = name
    FORM.next(ctx, Training.PHONE)


def on_known_name(ctx: Ctx, _choice: str) -> None:
    draft = draft_of(ctx)
    draft.name = draft.name or ctx.resident.display_name
    FORM.next(ctx, Training.PHONE)


def known_phone(ctx: Ctx) -> str | None:
    """A number to offer: the one given before, or the WhatsApp sender's own."""
    known = draft_of(ctx).phone or ctx.resident.phone
    if known:
        return known
    if ctx.inbound.channel == "whatsapp":
        try:
            return check_phone("+" + ctx.inbound.user_id)
        except Invalid:
            return None
    return None


def keep_phone(ctx: Ctx, phone: str | None) -> None:
    draft_of(ctx).phone = phone
    FORM.next(ctx, Training.KELURAHAN)


def on_area(ctx: Ctx, area: Area) -> None:
    draft_of(ctx).kelurahan = area.kelurahan
    FORM.next(ctx, Training.BUSINESS)


def business_label(ctx: Ctx, value: str | None) -> str:
    if value in BUSINESS_TYPES:
        return ctx.t(f"training.business_{value}")
    return value or "-"


def _business_for_staff(ctx: Ctx, value: str | None) -> str | None:
    """Stored in Indonesian whatever the resident's language: staff read it."""
    if value in BUSINESS_TYPES:
        return ctx.settings.translators("id")(f"training.business_{value}")
    return value


def business_options(ctx: Ctx) -> tuple[Option, ...]:
    """The usual lines of business, or the resident's own words for theirs."""
    usual = (Option(b, ctx.t(f"training.business_{b}")) for b in BUSINESS_TYPES)
    return (*usual, option(ctx.t, "other", "training.business_other", "training_other"))


def check_business(raw: str) -> str:
    text = " ".join(clean_text(raw).split())
    if sum(ch.isalpha() for ch in text) < REGISTRATION.business_type.letters:
        raise Invalid("training.business_too_short")
    if len(text) > REGISTRATION.business_type.maximum:
        raise Invalid("training.business_too_long", {"maximum": REGISTRATION.business_type.maximum})
    return text


def keep_business(ctx: Ctx, business: str | None) -> None:
    draft_of(ctx).business = business
    FORM.next(ctx, Training.MOTIVATION)


def on_business(ctx: Ctx, choice: str) -> None:
    if choice == "other":
        ctx.goto(Training.BUSINESS_OTHER)
    else:
        keep_business(ctx, choice)


def check_motivation(raw: str) -> str:
    """An optional sentence or two for the organiser."""
    text = check_comment(raw)
    if len(text) > REGISTRATION.motivation.maximum:
        raise Invalid("training.motivation_too_long", {"maximum": REGISTRATION.motivation.maximum})
    return text


def keep_motivation(ctx: Ctx, motivation: str | None) -> None:
    draft_of(ctx).motivation = motivation
    ctx.goto(Training.SUMMARY)


def summary_text(ctx: Ctx, draft: TrainingDraft) -> str:
    """The form as filled in, to send, change or drop."""
    program = program_of(ctx)
    return ctx.t(
        "training.summary",
        title=program.title if program else "-",
        when=ctx.t.datetime(program.starts_at) if program else "-",
        name=draft.name or "-",
        phone=local_phone(draft.phone),
        place=place_name(ctx, draft.kelurahan),
        business=business_label(ctx, draft.business),
        motivation=draft.motivation or "-",
    )


def submit(ctx: Ctx, draft: TrainingDraft) -> None:
    resident = ctx.resident
    ctx.session.flush()  # the resident's id, for a resident first seen just now
    assert resident.id is not None and draft.name and draft.phone
    try:
        done = register(
            session=ctx.session,
            program_id=draft.program or 0,
            resident_id=resident.id,
            details=RegistrationDetails(
                full_name=draft.name,
                phone=draft.phone,
                kelurahan_code=draft.kelurahan,
                business_type=_business_for_staff(ctx, draft.business),
                motivation=draft.motivation,
            ),
            now=ctx.now,
        )
    except TrainingError as refused:
        key = "training.already" if refused.reason == "already" else "training.no_longer_open"
        ctx.note(ctx.t(key))
        ctx.goto(Training.DETAIL)
        return
    resident.phone = draft.phone
    resident.display_name = resident.display_name or draft.name
    program = done.program
    name = training_name(ctx.t, program.title)
    if done.waitlist_rank:
        ctx.say(ctx.t("training.waitlisted", name=name, rank=done.waitlist_rank))
    else:
        when, place = ctx.t.datetime(program.starts_at), describe_place(ctx.t, program)
        ctx.say(ctx.t("training.registered", name=name, when=when, place=place))
    ctx.goto(HOME)


def cancel(ctx: Ctx, _draft: TrainingDraft) -> None:
    ctx.note(ctx.t("training.form_cancelled"))
    ctx.goto(Training.LIST)


FORM = Form(
    draft=TrainingDraft,
    summary=Training.SUMMARY,
    edit=Training.EDIT,
    fields=(
        Field("name", Training.NAME),
        Field("phone", Training.PHONE),
        Field("kelurahan", Training.KELURAHAN),
        Field("business", Training.BUSINESS),
        Field("motivation", Training.MOTIVATION),
    ),
    text=summary_text,
    send=submit,
    cancel=cancel,
    to=(Training.DETAIL, Training.LIST, HOME),
    texts=FormTexts(send="training.send", send_words="training_send", field="training.edit_{name}"),
)
EDITABLE = tuple(part.name for part in FORM.fields)

AREA = AreaPicker(
    kecamatan=Training.KELURAHAN,
    kelurahan=Training.KELURAHAN_PICK,
    draft=TrainingDraft,
    holding="kecamatan",
    ask_kecamatan=lambda ctx: ctx.t("training.ask_kecamatan"),
    ask_kelurahan=lambda ctx, _kecamatan: ctx.t("training.ask_kelurahan"),
    chosen=on_area,
    to=(Training.BUSINESS, Training.SUMMARY),
    home=True,
)

STEPS: dict[Steps, Step] = {
    Training.CONSENT: consent_step(  # registering stores personal data
        needed="training.consent_needed",
        agree=lambda t: option(t, "agree", "training.consent_agree", "training_agree"),
        decline=lambda t: option(t, "back", "training.back_to_list", "training_decline"),
        agreed=Training.NAME,
        declined=_consent_declined,
        to=(Training.LIST,),
    ),
    Training.NAME: text_step(
        ask=lambda ctx: ctx.t("training.ask_name"),
        options=lambda ctx: _use(ctx, draft_of(ctx).name or ctx.resident.display_name),
        on_option=on_known_name,
        check=check_name,
        keep=keep_name,
        to=(Training.PHONE, Training.SUMMARY),
    ),
    Training.PHONE: text_step(
        ask=lambda ctx: ctx.t("training.ask_phone"),
        options=lambda ctx: _use(ctx, _shown(known_phone(ctx))),
        on_option=lambda ctx, _choice: keep_phone(ctx, known_phone(ctx)),
        check=check_phone,
        keep=keep_phone,
        contact_button=lambda ctx: ctx.t("training.share_contact"),
        to=(Training.KELURAHAN, Training.SUMMARY),
    ),
    **AREA.steps(),
    Training.BUSINESS: text_step(
        ask=lambda ctx: ctx.t("training.ask_business"),
        options=business_options,
        on_option=on_business,
        check=check_business,
        keep=keep_business,
        to=(Training.BUSINESS_OTHER, Training.MOTIVATION, Training.SUMMARY),
    ),
    Training.BUSINESS_OTHER: text_step(
        ask=lambda ctx: ctx.t("training.ask_business_other"),
        options=lambda ctx: (back(ctx.t, "training.back_to_business"),),
        on_option=lambda ctx, _choice: ctx.goto(Training.BUSINESS),
        check=check_business,
        keep=keep_business,
        to=(Training.BUSINESS, Training.MOTIVATION, Training.SUMMARY),
    ),
    Training.MOTIVATION: text_step(
        ask=lambda ctx: ctx.t("training.ask_motivation"),
        options=lambda ctx: (skip(ctx.t),),
        on_option=lambda ctx, _choice: keep_motivation(ctx, None),
        check=check_motivation,
        keep=keep_motivation,
        to=(Training.SUMMARY,),
    ),
    **FORM.steps(),
}

FLOW = Flow(steps={**browse.STEPS, **STEPS})
