"""Pelatihan: find a training, register (or join the waitlist), cancel.

list ──▶ detail ──Daftar──▶ [consent] → name → phone → kelurahan → business
  │                              → motivation → summary ──Daftar──▶ seat / waitlist
  │                                                   ├─Ubah──▶ edit → step → summary
  │                                                   └─Batal─▶ list
  └─Pelatihan saya──▶ mine ──▶ registration ──Batalkan──▶ confirm_cancel ──▶ mine
"""

from __future__ import annotations

from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.types import Option
from handlers.core.validation import Invalid, check_comment, check_name, check_phone, clean_text
from handlers.privacy.onboarding import record_consent
from handlers.trainings.notices import describe_place, notify_promoted
from handlers.widgets import choices
from handlers.widgets.places import kecamatan_options, kelurahan_options, place_name
from handlers.widgets.words import words
from storage.limits import REGISTRATION
from storage.models import TrainingProgram, TrainingRegistration
from storage.trainings import (
    RegistrationDetails,
    TrainingError,
    cancel_registration,
    get_program,
    programs_for,
    register,
    registration_state,
    registrations_of,
    seats_left,
    waitlist_rank,
)

FLOW_NAME = "training"
PAGE = 5
TITLE_IN_BUTTON = 40
BUSINESS_TYPES = (
    "kuliner",
    "kerajinan",
    "pertanian",
    "perdagangan",
    "jasa",
    "fesyen",
    "belum",
)


def _go(ctx: Ctx, step: str) -> None:
    ctx.goto(FLOW_NAME, step, keep_data=True)


def _next(ctx: Ctx, step: str) -> None:
    """Go on to ``step``, or straight back to the summary while editing."""
    _go(ctx, "summary" if ctx.data.get("editing") else step)


def _program(ctx: Ctx) -> TrainingProgram | None:
    try:
        return get_program(ctx.session, int(ctx.data.get("program", 0)))
    except (TrainingError, ValueError):
        return None


def _short(title: str) -> str:
    return title if len(title) <= TITLE_IN_BUTTON else title[: TITLE_IN_BUTTON - 1] + "…"


def _seats_line(ctx: Ctx, program: TrainingProgram) -> str:
    left = seats_left(ctx.session, program)
    if left:
        return ctx.t("training.seats_left", seats=left, quota=program.quota)
    return ctx.t("training.seats_full")


# --- the list of open trainings ---------------------------------------------


def ask_list(ctx: Ctx) -> Prompt:
    """Open trainings for the resident's area, a page at a time."""
    programs = programs_for(
        ctx.session,
        now=ctx.now,
        kecamatan_code=ctx.resident.home_kecamatan_code,
        kelurahan_code=ctx.resident.home_kelurahan_code,
    )
    pages = max(1, -(-len(programs) // PAGE))
    page = min(int(ctx.data.get("page", 0)), pages - 1)
    ctx.data["page"] = page
    shown = programs[page * PAGE : (page + 1) * PAGE]
    lines = [
        ctx.t(
            "training.list_line",
            number=page * PAGE + i,
            title=p.title,
            when=ctx.t.datetime(p.starts_at),
            seats=_seats_line(ctx, p),
        )
        for i, p in enumerate(shown, start=1)
    ]
    options = [Option(str(p.id), _short(p.title)) for p in shown]
    if (page + 1) * PAGE < len(programs):
        options.append(Option("next", ctx.t("common.next_page"), ("berikutnya", "next")))
    if page > 0:
        options.append(Option("prev", ctx.t("common.prev_page"), ("sebelumnya", "prev")))
    options.append(Option("mine", ctx.t("training.mine"), ("pelatihan saya", "my trainings")))
    options.append(Option("menu", ctx.t("common.back_to_menu"), ("menu",)))
    if not programs:
        return Prompt(ctx.t("training.list_empty"), tuple(options))
    text = ctx.t("training.list", lines="\n\n".join(lines), page=page + 1, pages=pages)
    return Prompt(text, tuple(options))


def on_list(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "next" | "prev":
            step = 1 if answer.option == "next" else -1
            ctx.data["page"] = max(0, int(ctx.data.get("page", 0)) + step)
            _go(ctx, "list")
        case "mine":
            _go(ctx, "mine")
        case "menu":
            ctx.goto("menu")
        case program_id:
            ctx.data["program"] = int(program_id or 0)
            _go(ctx, "detail")


# --- one training -------------------------------------------------------------


def describe(ctx: Ctx, program: TrainingProgram) -> str:
    """Everything a resident needs to decide, as shown on the detail page."""
    parts = [
        ctx.t(
            "training.detail",
            title=program.title,
            organiser=program.organiser or "-",
            when=ctx.t.datetime(program.starts_at),
            until=ctx.t.datetime(program.ends_at),
            place=describe_place(ctx.t, program),
            seats=_seats_line(ctx, program),
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
    program = _program(ctx)
    back = choices.back(ctx.t, "training.back_to_list")
    if program is None:
        return Prompt(ctx.t("training.gone"), (back,))
    text = describe(ctx, program)
    state = registration_state(program, ctx.now)
    own = _own_registration(ctx, program)
    if own is not None:
        text += "\n\n" + _registration_status(ctx, own)
        mine = Option("mine", ctx.t("training.mine"), ("pelatihan saya", "my trainings"))
        return Prompt(text, (mine, back))
    if state != "open":
        text += "\n\n" + ctx.t(f"training.state_{state}")
        return Prompt(text, (back,))
    full = seats_left(ctx.session, program) == 0
    label = ctx.t("training.join_waitlist") if full else ctx.t("training.register")
    register_option = Option("register", label, ("daftar", "register"))
    return Prompt(text, (register_option, back))


def on_detail(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "register":
        for key in ("name", "phone", "kelurahan", "business", "motivation", "editing"):
            ctx.data.pop(key, None)
        _go(ctx, "name" if ctx.resident.has_consent else "consent")
    elif answer.option == "mine":
        _go(ctx, "mine")
    else:
        _go(ctx, "list")


def ask_consent(ctx: Ctx) -> Prompt:
    """Registering stores personal data: only with the resident's consent."""
    text = "\n\n".join([ctx.t("training.consent_needed"), ctx.t("onboarding.privacy")])
    return Prompt(
        text,
        (
            Option("agree", ctx.t("training.consent_agree"), words(ctx.t, "agree")),
            Option("back", ctx.t("training.back_to_list"), (*words(ctx.t, "back"), "tidak", "no")),
        ),
    )


def on_consent(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "agree":
        record_consent(ctx)
        ctx.note(ctx.t("onboarding.thanks"))
        _go(ctx, "name")
    else:
        ctx.note(ctx.t("training.consent_declined"))
        _go(ctx, "list")


# --- the registration form ----------------------------------------------------


def ask_name(ctx: Ctx) -> Prompt:
    """Full name for the attendance list, prefilled from the profile."""
    known = ctx.data.get("name") or ctx.resident.display_name
    options = (Option("keep", ctx.t("training.use_value", value=known)),) if known else ()
    return Prompt(ctx.t("training.ask_name"), options, accepts=frozenset({"text"}))


def on_name(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "keep":
        ctx.data["name"] = ctx.data.get("name") or ctx.resident.display_name
    else:
        try:
            ctx.data["name"] = check_name(answer.text or "")
        except Invalid as problem:
            ctx.refuse(problem)
            return
    _next(ctx, "phone")


def _known_phone(ctx: Ctx) -> str | None:
    """A number to offer: the one given before, or the WhatsApp sender's own."""
    if ctx.data.get("phone") or ctx.resident.phone:
        return str(ctx.data.get("phone") or ctx.resident.phone)
    if ctx.inbound.channel == "whatsapp":
        try:
            return check_phone("+" + ctx.inbound.user_id)
        except Invalid:
            return None
    return None


def ask_phone(ctx: Ctx) -> Prompt:
    """A phone number the organiser can call: shared, confirmed or typed."""
    known = _known_phone(ctx)
    options = (Option("keep", ctx.t("training.use_value", value=known)),) if known else ()
    return Prompt(
        ctx.t("training.ask_phone"),
        options,
        accepts=frozenset({"text", "contact"}),
        contact_button=ctx.t("training.share_contact"),
    )


def on_phone(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "keep":
        ctx.data["phone"] = _known_phone(ctx)
    else:
        try:
            ctx.data["phone"] = check_phone(answer.contact or answer.text or "")
        except Invalid as problem:
            ctx.refuse(problem)
            return
    _next(ctx, "kelurahan")


def ask_kelurahan(ctx: Ctx) -> Prompt:
    """Where the resident lives: their home kelurahan, or a kecamatan first."""
    options = kecamatan_options(ctx)
    home = ctx.wilayah.find_kelurahan(ctx.resident.home_kelurahan_code)
    if home is not None:
        options = (Option("home", ctx.t("aspiration.use_home", kelurahan=home.name)), *options)
    return Prompt(ctx.t("training.ask_kecamatan"), options)


def on_kelurahan(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "home":
        ctx.data["kelurahan"] = ctx.resident.home_kelurahan_code
        _next(ctx, "business")
    else:
        ctx.data["kecamatan"] = answer.option
        _go(ctx, "kelurahan_pick")


def ask_kelurahan_pick(ctx: Ctx) -> Prompt:
    options = (
        *kelurahan_options(ctx, ctx.data.get("kecamatan") or ""),
        choices.back(ctx.t, "common.other_kecamatan"),
    )
    return Prompt(ctx.t("training.ask_kelurahan"), options)


def on_kelurahan_pick(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        _go(ctx, "kelurahan")
        return
    ctx.data["kelurahan"] = answer.option
    _next(ctx, "business")


def business_label(ctx: Ctx, value: str | None) -> str:
    if value in BUSINESS_TYPES:
        return ctx.t(f"training.business_{value}")
    return value or "-"


def _business_for_staff(ctx: Ctx, value: str | None) -> str | None:
    """Stored in Indonesian whatever the resident's language: staff read it."""
    if value in BUSINESS_TYPES:
        return ctx.settings.translators("id")(f"training.business_{value}")
    return value


def ask_business(ctx: Ctx) -> Prompt:
    """The resident's line of business, or their own words for it."""
    options = tuple(Option(b, ctx.t(f"training.business_{b}")) for b in BUSINESS_TYPES)
    other = Option("other", ctx.t("training.business_other"), ("lainnya", "other"))
    return Prompt(ctx.t("training.ask_business"), (*options, other), accepts=frozenset({"text"}))


def _check_business(raw: str) -> str:
    text = " ".join(clean_text(raw).split())
    if sum(ch.isalpha() for ch in text) < REGISTRATION.business_type.letters:
        raise Invalid("training.business_too_short")
    if len(text) > REGISTRATION.business_type.maximum:
        raise Invalid("training.business_too_long", {"maximum": REGISTRATION.business_type.maximum})
    return text


def on_business(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "other":
        _go(ctx, "business_other")
        return
    if answer.option:
        ctx.data["business"] = answer.option
    else:
        try:
            ctx.data["business"] = _check_business(answer.text or "")
        except Invalid as problem:
            ctx.refuse(problem)
            return
    _next(ctx, "motivation")


def ask_business_other(ctx: Ctx) -> Prompt:
    back = choices.back(ctx.t, "training.back_to_business")
    return Prompt(ctx.t("training.ask_business_other"), (back,), accepts=frozenset({"text"}))


def on_business_other(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        _go(ctx, "business")
        return
    try:
        ctx.data["business"] = _check_business(answer.text or "")
    except Invalid as problem:
        ctx.refuse(problem)
        return
    _next(ctx, "motivation")


def ask_motivation(ctx: Ctx) -> Prompt:
    """An optional sentence or two for the organiser."""
    skip = choices.skip(ctx.t)
    return Prompt(ctx.t("training.ask_motivation"), (skip,), accepts=frozenset({"text"}))


def on_motivation(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "skip":
        ctx.data["motivation"] = None
    else:
        try:
            text = check_comment(answer.text or "")
        except Invalid as problem:
            ctx.refuse(problem)
            return
        maximum = REGISTRATION.motivation.maximum
        if len(text) > maximum:
            ctx.invalid(ctx.t("training.motivation_too_long", maximum=maximum))
            return
        ctx.data["motivation"] = text
    _go(ctx, "summary")


def ask_summary(ctx: Ctx) -> Prompt:
    """The form as filled in, to send, change or drop."""
    program = _program(ctx)
    data = ctx.data
    text = ctx.t(
        "training.summary",
        title=program.title if program else "-",
        when=ctx.t.datetime(program.starts_at) if program else "-",
        name=data.get("name", "-"),
        phone=data.get("phone", "-"),
        place=place_name(ctx, data.get("kelurahan")),
        business=business_label(ctx, data.get("business")),
        motivation=data.get("motivation") or "-",
    )
    return Prompt(
        text,
        (
            Option("send", ctx.t("training.send"), ("daftar", "kirim", "send")),
            Option("edit", ctx.t("aspiration.edit"), ("ubah", "edit")),
            Option("cancel", ctx.t("aspiration.cancel"), ("batal", "cancel")),
        ),
    )


def on_summary(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "edit":
        _go(ctx, "edit")
    elif answer.option == "cancel":
        ctx.note(ctx.t("training.form_cancelled"))
        _go(ctx, "list")
    else:
        _submit(ctx)


def _submit(ctx: Ctx) -> None:
    data, resident = ctx.data, ctx.resident
    ctx.session.flush()  # the resident's id, for a resident first seen just now
    assert resident.id is not None
    try:
        done = register(
            session=ctx.session,
            program_id=int(data.get("program", 0)),
            resident_id=resident.id,
            details=RegistrationDetails(
                full_name=data["name"],
                phone=data["phone"],
                kelurahan_code=data.get("kelurahan"),
                business_type=_business_for_staff(ctx, data.get("business")),
                motivation=data.get("motivation"),
            ),
            now=ctx.now,
        )
    except TrainingError as refused:
        key = "training.already" if refused.reason == "already" else "training.no_longer_open"
        ctx.note(ctx.t(key))
        _go(ctx, "detail")
        return
    resident.phone = data["phone"]
    resident.display_name = resident.display_name or data["name"]
    program = done.program
    if done.waitlist_rank:
        ctx.say(ctx.t("training.waitlisted", title=program.title, rank=done.waitlist_rank))
    else:
        ctx.say(
            ctx.t(
                "training.registered",
                title=program.title,
                when=ctx.t.datetime(program.starts_at),
                place=describe_place(ctx.t, program),
            )
        )
    ctx.goto("menu")


EDITABLE = ("name", "phone", "kelurahan", "business", "motivation")


def ask_edit(ctx: Ctx) -> Prompt:
    options = tuple(Option(f, ctx.t(f"training.edit_{f}")) for f in EDITABLE)
    back = choices.back(ctx.t, "aspiration.back_to_summary", "summary")
    return Prompt(ctx.t("aspiration.ask_edit"), (*options, back))


def on_edit(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "summary":
        _go(ctx, "summary")
        return
    ctx.data["editing"] = True
    _go(ctx, answer.option or "summary")


# --- my trainings ---------------------------------------------------------------


def _registration_status(ctx: Ctx, registration: TrainingRegistration) -> str:
    if registration.status == "waitlisted":
        return ctx.t("training.status_waitlisted", rank=waitlist_rank(ctx.session, registration))
    return ctx.t("training.status_registered")


def ask_mine(ctx: Ctx) -> Prompt:
    """The resident's registrations that still count."""
    mine = registrations_of(ctx.session, ctx.resident.id) if ctx.resident.id else []
    back = choices.back(ctx.t, "training.back_to_list")
    menu = Option("menu", ctx.t("common.back_to_menu"), ("menu",))
    if not mine:
        return Prompt(ctx.t("training.mine_empty"), (back, menu))
    lines = [
        ctx.t(
            "training.mine_line",
            number=i,
            title=p.title,
            when=ctx.t.datetime(p.starts_at),
            status=_registration_status(ctx, r),
        )
        for i, (r, p) in enumerate(mine, start=1)
    ]
    options = [Option(str(r.id), _short(p.title)) for r, p in mine]
    text = ctx.t("training.mine_list", lines="\n\n".join(lines))
    return Prompt(text, (*options, back, menu))


def on_mine(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "back":
            _go(ctx, "list")
        case "menu":
            ctx.goto("menu")
        case registration_id:
            ctx.data["registration"] = int(registration_id or 0)
            _go(ctx, "registration")


def _own(ctx: Ctx) -> tuple[TrainingRegistration, TrainingProgram] | None:
    wanted = ctx.data.get("registration")
    mine = registrations_of(ctx.session, ctx.resident.id) if ctx.resident.id else []
    return next(((r, p) for r, p in mine if r.id == wanted), None)


def ask_registration(ctx: Ctx) -> Prompt:
    own = _own(ctx)
    back = choices.back(ctx.t, "training.back_to_mine")
    if own is None:
        return Prompt(ctx.t("training.gone"), (back,))
    registration, program = own
    text = describe(ctx, program) + "\n\n" + _registration_status(ctx, registration)
    cancel = Option("cancel", ctx.t("training.cancel_registration"), ("batalkan",))
    return Prompt(text, (cancel, back))


def on_registration(ctx: Ctx, answer: Answer) -> None:
    _go(ctx, "confirm_cancel" if answer.option == "cancel" and _own(ctx) else "mine")


def ask_confirm_cancel(ctx: Ctx) -> Prompt:
    own = _own(ctx)
    title = own[1].title if own else "-"
    return Prompt(
        ctx.t("training.confirm_cancel", title=title),
        (
            Option("yes", ctx.t("training.cancel_yes"), ("ya", "yes")),
            Option("no", ctx.t("training.cancel_no"), ("tidak", "no")),
        ),
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
            ctx.note(ctx.t("training.cancelled", title=done.program.title))
    _go(ctx, "mine")


FLOW = Flow(
    name=FLOW_NAME,
    start="list",
    steps={
        "list": Step(ask_list, on_list),
        "detail": Step(ask_detail, on_detail),
        "consent": Step(ask_consent, on_consent),
        "name": Step(ask_name, on_name),
        "phone": Step(ask_phone, on_phone),
        "kelurahan": Step(ask_kelurahan, on_kelurahan),
        "kelurahan_pick": Step(ask_kelurahan_pick, on_kelurahan_pick),
        "business": Step(ask_business, on_business),
        "business_other": Step(ask_business_other, on_business_other),
        "motivation": Step(ask_motivation, on_motivation),
        "summary": Step(ask_summary, on_summary),
        "edit": Step(ask_edit, on_edit),
        "mine": Step(ask_mine, on_mine),
        "registration": Step(ask_registration, on_registration),
        "confirm_cancel": Step(ask_confirm_cancel, on_confirm_cancel),
    },
)
