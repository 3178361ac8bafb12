"""Pelatihan: the open trainings, one training's page, and the resident's own.

list ──▶ detail ──Daftar──▶ the registration form (``handlers.trainings.register``)
  └─Pelatihan saya──▶ mine ──▶ registration ──Batalkan──▶ confirm_cancel ──▶ mine
"""

from __future__ import annotations

from handlers.core.flow import HOME, Answer, Ctx, Prompt, Step, Steps
from handlers.core.naming import training_name
from handlers.core.types import Option
from handlers.trainings.notices import describe_place, notify_promoted
from handlers.widgets.choices import menu, yes_no
from handlers.widgets.form import FormDraft
from handlers.widgets.paging import Pager
from handlers.widgets.picker import Picker, short
from handlers.widgets.words import option, words
from storage.models import TrainingProgram, TrainingRegistration
from storage.trainings import (
    TrainingError,
    cancel_registration,
    get_program,
    programs_for,
    registration_state,
    registrations_of,
    seats_left,
    waitlist_rank,
)


class Training(Steps, flow="training"):
    LIST = "list"
    DETAIL = "detail"
    CONSENT = "consent"
    NAME = "name"
    PHONE = "phone"
    KELURAHAN = "kelurahan"
    KELURAHAN_PICK = "kelurahan_pick"
    BUSINESS = "business"
    BUSINESS_OTHER = "business_other"
    MOTIVATION = "motivation"
    SUMMARY = "summary"
    EDIT = "edit"
    MINE = "mine"
    REGISTRATION = "registration"
    CONFIRM_CANCEL = "confirm_cancel"


class TrainingDraft(FormDraft):
    page: int = 0
    program: int | None = None  # the training looked at
    registration: int | None = None  # the resident's registration looked at
    name: str | None = None
    phone: str | None = None
    kecamatan: str | None = None
    kelurahan: str | None = None
    business: str | None = None
    motivation: str | None = None


def draft_of(ctx: Ctx) -> TrainingDraft:
    return ctx.draft(TrainingDraft)


def program_of(ctx: Ctx) -> TrainingProgram | None:
    """The training the resident is looking at, unless it is gone."""
    try:
        return get_program(ctx.session, draft_of(ctx).program or 0)
    except TrainingError:
        return None


def _seats_line(ctx: Ctx, program: TrainingProgram, own: TrainingRegistration | None = None) -> str:
    """How many seats are left, for a newcomer; a resident who already holds a
    seat (or waits for one) reads their own place instead."""
    if own is not None and own.status != "waitlisted":
        return ctx.t("training.seats_yours")
    left = seats_left(ctx.session, program)
    if left:
        return ctx.t("training.seats_left", seats=left, quota=program.quota)
    return ctx.t("training.seats_full_waiting" if own is not None else "training.seats_full")


def _mine_option(ctx: Ctx) -> Option:
    return option(ctx.t, "mine", "training.mine", "training_mine")


LIST = Picker[TrainingProgram](
    draft=TrainingDraft,
    key=lambda program: program.id,
    label=lambda _ctx, program: short(program.title),
    holding="program",
    pager=Pager(5),
)
MINE = Picker[tuple[TrainingRegistration, TrainingProgram]](
    draft=TrainingDraft,
    key=lambda own: own[0].id,
    label=lambda _ctx, own: short(own[1].title),
    holding="registration",
)


# --- the list of open trainings ---------------------------------------------


def ask_list(ctx: Ctx) -> Prompt:
    """Open trainings for the resident's area, a page at a time."""
    programs = programs_for(
        ctx.session,
        now=ctx.now,
        kecamatan_code=ctx.resident.home_kecamatan_code,
        kelurahan_code=ctx.resident.home_kelurahan_code,
    )
    return LIST.prompt(
        ctx,
        programs,
        text="training.list",
        empty="training.list_empty",
        line=_list_line,
        after=(_mine_option(ctx), menu(ctx.t)),
    )


def _list_line(ctx: Ctx, number: int, program: TrainingProgram) -> str:
    when, seats = ctx.t.datetime(program.starts_at), _seats_line(ctx, program)
    return ctx.t("training.list_line", number=number, title=program.title, when=when, seats=seats)


def on_list(ctx: Ctx, answer: Answer) -> None:
    if LIST.answer(ctx, answer.option, again=Training.LIST, then=Training.DETAIL):
        return
    ctx.goto(Training.MINE if answer.option == "mine" else HOME)


# --- one training -------------------------------------------------------------


def describe(ctx: Ctx, program: TrainingProgram, own: TrainingRegistration | None = None) -> str:
    """Everything a resident needs to decide, as shown on the detail page
    (``own``: the resident's registration in it, if any)."""
    parts = [
        ctx.t(
            "training.detail",
            title=program.title,
            organiser=program.organiser or "-",
            when=ctx.t.span(program.starts_at, program.ends_at),
            place=describe_place(ctx.t, program),
            seats=_seats_line(ctx, program, own),
        )
    ]
    if program.description:
        parts.append(program.description)
    if program.requirements:
        parts.append(ctx.t("training.requirements", requirements=program.requirements))
    if program.registration_closes_at:
        parts.append(ctx.t("training.closes", when=ctx.t.datetime(program.registration_closes_at)))
    return "\n\n".join(parts)


def _own_registration(ctx: Ctx, program: TrainingProgram) -> TrainingRegistration | None:
    if ctx.resident.id is None:
        return None
    for registration, other in registrations_of(ctx.session, ctx.resident.id):
        if other.id == program.id:
            return registration
    return None


def ask_detail(ctx: Ctx) -> Prompt:
    program = program_of(ctx)
    back = option(ctx.t, "back", "training.back_to_list", "back")
    if program is None:
        return Prompt(ctx.t("training.gone"), (back,))
    own = _own_registration(ctx, program)
    text = describe(ctx, program, own)
    state = registration_state(program, ctx.now)
    if own is not None:
        text += "\n\n" + _registration_status(ctx, own)
        return Prompt(text, (_mine_option(ctx), back))
    if state != "open":
        text += "\n\n" + ctx.t(f"training.state_{state}")
        return Prompt(text, (back,))
    full = seats_left(ctx.session, program) == 0
    label = ctx.t("training.join_waitlist") if full else ctx.t("training.register")
    register_option = Option("register", label, words(ctx.t, "training_register"))
    return Prompt(text, (register_option, back))


def on_detail(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "register":
        draft = draft_of(ctx)  # a fresh form
        draft.name = draft.phone = draft.kelurahan = draft.business = draft.motivation = None
        draft.editing = False
        ctx.goto(Training.NAME if ctx.resident.has_consent else Training.CONSENT)
    elif answer.option == "mine":
        ctx.goto(Training.MINE)
    else:
        ctx.goto(Training.LIST)


# --- my trainings ---------------------------------------------------------------


def _registration_status(ctx: Ctx, registration: TrainingRegistration) -> str:
    if registration.status == "waitlisted":
        return ctx.t("training.status_waitlisted", rank=waitlist_rank(ctx.session, registration))
    return ctx.t("training.status_registered")


def _registrations(ctx: Ctx) -> list[tuple[TrainingRegistration, TrainingProgram]]:
    return registrations_of(ctx.session, ctx.resident.id) if ctx.resident.id else []


def ask_mine(ctx: Ctx) -> Prompt:
    """The resident's registrations that still count."""
    back = option(ctx.t, "back", "training.back_to_list", "back")
    return MINE.prompt(
        ctx,
        _registrations(ctx),
        text="training.mine_list",
        empty="training.mine_empty",
        line=_mine_line,
        after=(back, menu(ctx.t)),
    )


def _mine_line(ctx: Ctx, number: int, own: tuple[TrainingRegistration, TrainingProgram]) -> str:
    registration, program = own
    when, status = ctx.t.datetime(program.starts_at), _registration_status(ctx, registration)
    return ctx.t("training.mine_line", number=number, title=program.title, when=when, status=status)


def on_mine(ctx: Ctx, answer: Answer) -> None:
    if not MINE.answer(ctx, answer.option, again=Training.MINE, then=Training.REGISTRATION):
        ctx.goto(Training.LIST if answer.option == "back" else HOME)


def _own(ctx: Ctx) -> tuple[TrainingRegistration, TrainingProgram] | None:
    wanted = draft_of(ctx).registration
    return next(((r, p) for r, p in _registrations(ctx) if r.id == wanted), None)


def ask_registration(ctx: Ctx) -> Prompt:
    own = _own(ctx)
    back = option(ctx.t, "back", "training.back_to_mine", "back")
    if own is None:
        return Prompt(ctx.t("training.gone"), (back,))
    registration, program = own
    text = describe(ctx, program, registration) + "\n\n" + _registration_status(ctx, registration)
    cancel = option(ctx.t, "cancel", "training.cancel_registration", "training_cancel")
    return Prompt(text, (cancel, back))


def on_registration(ctx: Ctx, answer: Answer) -> None:
    wants = answer.option == "cancel" and _own(ctx)
    ctx.goto(Training.CONFIRM_CANCEL if wants else Training.MINE)


def ask_confirm_cancel(ctx: Ctx) -> Prompt:
    own = _own(ctx)
    title = own[1].title if own else "-"
    return Prompt(
        ctx.t("training.confirm_cancel", name=training_name(ctx.t, title)),
        yes_no(ctx.t, "training.cancel_yes", "training.cancel_no"),
    )


def on_confirm_cancel(ctx: Ctx, answer: Answer) -> None:
    own = _own(ctx)
    if answer.option == "yes" and own is not None:
        registration, _program = own
        assert registration.id is not None
        try:
            done = cancel_registration(
                session=ctx.session,
                registration_id=registration.id,
                resident_id=ctx.resident.id,
                now=ctx.now,
            )
        except TrainingError:
            ctx.note(ctx.t("training.gone"))
        else:
            notify_promoted(
                ctx.session, ctx.settings.translators, done.program, done.promoted, ctx.now
            )
            name = training_name(ctx.t, done.program.title)
            ctx.note(ctx.t("training.cancelled", name=name))
    ctx.goto(Training.MINE)


STEPS: dict[Steps, Step] = {
    Training.LIST: Step(ask_list, on_list, (Training.LIST, Training.MINE, Training.DETAIL, HOME)),
    Training.DETAIL: Step(
        ask_detail,
        on_detail,
        (Training.NAME, Training.CONSENT, Training.MINE, Training.LIST),
    ),
    Training.MINE: Step(ask_mine, on_mine, (Training.LIST, Training.REGISTRATION, HOME)),
    Training.REGISTRATION: Step(
        ask_registration, on_registration, (Training.CONFIRM_CANCEL, Training.MINE)
    ),
    Training.CONFIRM_CANCEL: Step(ask_confirm_cancel, on_confirm_cancel, (Training.MINE,)),
}
