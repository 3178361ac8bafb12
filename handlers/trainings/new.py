"""Facilitators create trainings in chat (attendance: ``handlers/training_attendance``).

/pelatihan_baru: title → description → category → starts → ends → place → map
  → quota → area [→ area_kelurahan] → closes → requirements → organiser
  → preview ──Buka pendaftaran / Simpan sebagai draf──▶ stored, menu
            ├─Ubah──▶ edit → the chosen step → back to preview
            └─Batal─▶ menu, nothing stored
"""

from __future__ import annotations

import re
from dataclasses import fields, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from handlers.core.datetimes import (
    clock,
    end_examples,
    example,
    parse_end,
    parse_wib_datetime,
    short_date,
)
from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.matching import fold
from handlers.core.types import Option, Translator
from handlers.core.validation import Invalid, check_text
from handlers.trainings import register as training
from handlers.widgets import area_choice, choices
from handlers.widgets.places import kecamatan_name, place_name
from storage.clock import WIB
from storage.limits import TRAINING
from storage.models import PROGRAM_CATEGORIES, TrainingProgram
from storage.trainings import (
    NewProgram,
    TrainingError,
    create_program,
)

NEW_FLOW = "training_new"
TEXT = frozenset({"text"})
_QUOTA = re.compile(
    r"^(?P<number>\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:orang|peserta|kursi|people|seats|participants)?$"
)


# --- shared pieces ---------------------------------------------------------------


def check_url(raw: str) -> str:
    """A map link: an http(s) address with a host name, no spaces."""
    url = raw.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        raise Invalid("training_admin.bad_url") from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or "." not in host or re.search(r"\s", url):
        raise Invalid("training_admin.bad_url")
    if len(url) > TRAINING.map_url:
        raise Invalid("training_admin.url_too_long", {"maximum": TRAINING.map_url})
    return url


def check_quota(raw: str) -> int:
    """A whole number of seats, 1–``TRAINING.quota`` (``1.000`` is a thousand)."""
    match = _QUOTA.match(fold(raw))
    if match is None:
        raise Invalid("training_admin.quota_not_number")
    quota = int(re.sub(r"[.,]", "", match["number"]))
    if not 1 <= quota <= TRAINING.quota:
        raise Invalid("training_admin.quota_range", {"maximum": TRAINING.quota})
    return quota


def category_label(t: Translator, category: str) -> str:
    labels = {
        "usaha": t("training_admin.category_usaha"),
        "produksi": t("training_admin.category_produksi"),
        "pemasaran": t("training_admin.category_pemasaran"),
        "pembukuan": t("training_admin.category_pembukuan"),
        "lainnya": t("training_admin.category_lainnya"),
    }
    return labels.get(category, labels["lainnya"])


def area_label(ctx: Ctx, level: str, code: str | None) -> str:
    """Who a program is for: the whole city, a kecamatan, or one kelurahan."""
    if level == "kecamatan":
        return ctx.t("training_admin.area_kecamatan", kecamatan=kecamatan_name(ctx, code))
    if level == "kelurahan":
        return place_name(ctx, code)
    return ctx.t("training_admin.area_city")


def resident_view(ctx: Ctx, draft: NewProgram) -> str:
    """The program exactly as residents will see it in the trainings flow."""
    # Not stored yet: id 0 names no program, so nobody holds a seat in it.
    unsaved = TrainingProgram(id=0, **{f.name: getattr(draft, f.name) for f in fields(draft)})
    return training.describe(ctx, unsaved)


def checklist(ctx: Ctx, draft: NewProgram) -> str:
    """What the residents' page does not spell out: category, area, and the
    closing and requirements when there are none."""
    t = ctx.t
    lines = [
        t("training_admin.card_category", category=category_label(t, draft.category)),
        t("training_admin.card_area", area=area_label(ctx, draft.area_level, draft.area_code)),
    ]
    if draft.registration_closes_at is None:
        lines.append(t("training_admin.card_closes_at_start"))
    if not draft.requirements:
        lines.append(t("training_admin.card_no_requirements"))
    return "\n".join(lines)


# --- /pelatihan_baru ---------------------------------------------------------------


def start_new(ctx: Ctx, _args: str) -> None:
    """``/pelatihan_baru``: a fresh program, from its title."""
    ctx.goto(NEW_FLOW, "title")
    ctx.conversation.data = {}
    ctx.note(ctx.t("training_admin.intro"))


def _next(ctx: Ctx, step: str) -> None:
    """Go on to ``step``, or straight back to the preview while editing."""
    ctx.goto(NEW_FLOW, "preview" if ctx.data.get("editing") else step)


def _moment(ctx: Ctx, key: str) -> datetime | None:
    value = ctx.data.get(key)
    return datetime.fromisoformat(value) if value else None


def _starts(ctx: Ctx) -> datetime:
    starts = _moment(ctx, "starts")
    assert starts is not None  # asked before anything that needs it
    return starts


def _draft(ctx: Ctx) -> NewProgram:
    data = ctx.data
    ends = _moment(ctx, "ends")
    assert ends is not None
    return NewProgram(
        title=data["title"],
        description=data["description"],
        category=data["category"],
        starts_at=_starts(ctx),
        ends_at=ends,
        place=data["place"],
        map_url=data.get("map_url"),
        quota=int(data["quota"]),
        area_level=data.get("area_level", "kota"),
        area_code=data.get("area_code"),
        registration_closes_at=_moment(ctx, "closes"),
        requirements=data.get("requirements", ""),
        organiser=data["organiser"],
    )


def ask_title(ctx: Ctx) -> Prompt:
    """What the training is called."""
    return Prompt(ctx.t("training_admin.ask_title"), accepts=TEXT)


def on_title(ctx: Ctx, answer: Answer) -> None:
    try:
        ctx.data["title"] = check_text(answer.text or "", TRAINING.title, one_line=True)
    except Invalid as problem:
        ctx.refuse(problem)
        return
    _next(ctx, "description")


def ask_description(ctx: Ctx) -> Prompt:
    """What participants will learn, and for whom it is."""
    return Prompt(ctx.t("training_admin.ask_description"), accepts=TEXT)


def on_description(ctx: Ctx, answer: Answer) -> None:
    try:
        ctx.data["description"] = check_text(answer.text or "", TRAINING.description)
    except Invalid as problem:
        ctx.refuse(problem)
        return
    _next(ctx, "category")


def ask_category(ctx: Ctx) -> Prompt:
    """The kind of training."""
    options = tuple(Option(c, category_label(ctx.t, c), (c,)) for c in PROGRAM_CATEGORIES)
    return Prompt(ctx.t("training_admin.ask_category"), options)


def on_category(ctx: Ctx, answer: Answer) -> None:
    ctx.data["category"] = answer.option
    _next(ctx, "starts")


def ask_starts(ctx: Ctx) -> Prompt:
    """When it begins, typed as a date and a time (WIB)."""
    return Prompt(ctx.t("training_admin.ask_starts", example=example(ctx.now)), accepts=TEXT)


def on_starts(ctx: Ctx, answer: Answer) -> None:
    try:
        starts = parse_wib_datetime(answer.text or "", ctx.now)
    except Invalid as problem:
        ctx.refuse(problem)
        return
    old = _moment(ctx, "starts")
    ctx.data["starts"] = starts.isoformat()
    if not ctx.data.get("editing"):
        ctx.goto(NEW_FLOW, "ends")
        return
    ends = _moment(ctx, "ends")
    if old is not None and ends is not None:  # a moved start keeps the same length
        moved = ends + (starts - old)
        ctx.data["ends"] = moved.isoformat()
        ctx.note(ctx.t("training_admin.end_moved", when=ctx.t.datetime(moved)))
    closes = _moment(ctx, "closes")
    if closes is not None and (closes > starts or closes <= ctx.now):
        ctx.data["closes"] = None
        ctx.note(ctx.t("training_admin.closes_reset"))
    ctx.goto(NEW_FLOW, "preview")


def ask_ends(ctx: Ctx) -> Prompt:
    """When it ends: a time on the same day, or a full date and time."""
    hints = end_examples(_starts(ctx))
    return Prompt(ctx.t("training_admin.ask_ends", **hints), accepts=TEXT)


def on_ends(ctx: Ctx, answer: Answer) -> None:
    try:
        ends = parse_end(answer.text or "", start=_starts(ctx), now=ctx.now)
    except Invalid as problem:
        ctx.refuse(problem)
        return
    ctx.data["ends"] = ends.isoformat()
    _next(ctx, "place")


def ask_place(ctx: Ctx) -> Prompt:
    """Where: the building and its address."""
    return Prompt(ctx.t("training_admin.ask_place"), accepts=TEXT)


def on_place(ctx: Ctx, answer: Answer) -> None:
    try:
        ctx.data["place"] = check_text(answer.text or "", TRAINING.place, one_line=True)
    except Invalid as problem:
        ctx.refuse(problem)
        return
    _next(ctx, "map")


def ask_map(ctx: Ctx) -> Prompt:
    """A map link, if there is one."""
    skip = choices.skip(ctx.t)
    return Prompt(ctx.t("training_admin.ask_map"), (skip,), accepts=TEXT)


def on_map(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "skip":
        ctx.data["map_url"] = None
    else:
        try:
            ctx.data["map_url"] = check_url(answer.text or "")
        except Invalid as problem:
            ctx.refuse(problem)
            return
    _next(ctx, "quota")


def ask_quota(ctx: Ctx) -> Prompt:
    """How many seats."""
    return Prompt(ctx.t("training_admin.ask_quota"), accepts=TEXT)


def on_quota(ctx: Ctx, answer: Answer) -> None:
    try:
        ctx.data["quota"] = check_quota(answer.text or "")
    except Invalid as problem:
        ctx.refuse(problem)
        return
    _next(ctx, "area")


def ask_area(ctx: Ctx) -> Prompt:
    """Who may register: the whole city or the residents of one kecamatan."""
    return area_choice.ask_area(
        ctx, ctx.t("training_admin.ask_area"), ctx.t("training_admin.area_city_option")
    )


def on_area(ctx: Ctx, answer: Answer) -> None:
    if area_choice.on_area(ctx, answer, NEW_FLOW):
        _next(ctx, "closes")


def ask_area_kelurahan(ctx: Ctx) -> Prompt:
    """The whole kecamatan, or one kelurahan of it."""
    name = area_choice.chosen_kecamatan(ctx)
    return area_choice.ask_kelurahan(
        ctx,
        ctx.t("training_admin.ask_area_kelurahan", kecamatan=name),
        ctx.t("training_admin.area_whole_kecamatan", kecamatan=name),
    )


def on_area_kelurahan(ctx: Ctx, answer: Answer) -> None:
    if area_choice.on_kelurahan(ctx, answer, NEW_FLOW):
        _next(ctx, "closes")


def _closes_example(ctx: Ctx) -> str:
    """The day before the start at 17.00, or an hour before when that has passed."""
    starts = _starts(ctx)
    candidate = (starts - timedelta(days=1)).astimezone(WIB).replace(hour=17, minute=0)
    if candidate <= ctx.now:
        candidate = starts - timedelta(hours=1)
    return f"{short_date(candidate)} {clock(candidate)}"


def ask_closes(ctx: Ctx) -> Prompt:
    """Until when residents may register."""
    until_start = Option(
        "start", ctx.t("training_admin.closes_at_start"), ("sampai mulai", "until start")
    )
    text = ctx.t(
        "training_admin.ask_closes",
        start=ctx.t.datetime(_starts(ctx)),
        example=_closes_example(ctx),
    )
    return Prompt(text, (until_start,), accepts=TEXT)


def on_closes(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "start":
        ctx.data["closes"] = None
        _next(ctx, "requirements")
        return
    try:
        closes = parse_wib_datetime(answer.text or "", ctx.now)
        if closes > _starts(ctx):
            raise Invalid("training_admin.closes_after_start", {"start": _starts(ctx)})
    except Invalid as problem:
        ctx.refuse(problem)
        return
    ctx.data["closes"] = closes.isoformat()
    _next(ctx, "requirements")


def ask_requirements(ctx: Ctx) -> Prompt:
    """What participants need to bring or have, if anything."""
    skip = choices.skip(ctx.t)
    return Prompt(ctx.t("training_admin.ask_requirements"), (skip,), accepts=TEXT)


def on_requirements(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "skip":
        ctx.data["requirements"] = ""
    else:
        try:
            ctx.data["requirements"] = check_text(answer.text or "", TRAINING.requirements)
        except Invalid as problem:
            ctx.refuse(problem)
            return
    _next(ctx, "organiser")


def ask_organiser(ctx: Ctx) -> Prompt:
    """Who runs it: typed, or the facilitator's own name."""
    name = ctx.resident.display_name
    options: tuple[Option, ...] = ()
    if name:
        options = (Option("me", ctx.t("training_admin.organiser_me", name=name)),)
    return Prompt(ctx.t("training_admin.ask_organiser"), options, accepts=TEXT)


def on_organiser(ctx: Ctx, answer: Answer) -> None:
    raw = ctx.resident.display_name if answer.option == "me" else answer.text
    try:
        ctx.data["organiser"] = check_text(raw or "", TRAINING.organiser, one_line=True)
    except Invalid as problem:
        ctx.refuse(problem)
        return
    ctx.goto(NEW_FLOW, "preview")


def ask_preview(ctx: Ctx) -> Prompt:
    """The program as residents will see it; open it, keep it as a draft, change or drop."""
    draft = _draft(ctx)
    text = ctx.t(
        "training_admin.preview", card=resident_view(ctx, draft), details=checklist(ctx, draft)
    )
    return Prompt(
        text,
        (
            Option("open", ctx.t("training_admin.publish"), ("buka", "open", "publish")),
            Option("draft", ctx.t("training_admin.save_draft"), ("draf", "draft")),
            Option("edit", ctx.t("training_admin.edit"), ("ubah", "edit")),
            Option("cancel", ctx.t("training_admin.cancel"), ("batal", "cancel")),
        ),
    )


def on_preview(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "edit":
            ctx.goto(NEW_FLOW, "edit")
        case "cancel":
            ctx.note(ctx.t("training_admin.cancelled"))
            ctx.goto("menu")
        case status:
            _save(ctx, status or "draft")


def _save(ctx: Ctx, status: str) -> None:
    draft = _draft(ctx)
    ctx.data["editing"] = True
    if draft.starts_at <= ctx.now:  # the preview sat on screen past the start
        ctx.invalid(ctx.t("training_admin.start_passed"))
        ctx.goto(NEW_FLOW, "starts")
        return
    closes = draft.registration_closes_at
    if closes is not None and closes <= ctx.now:
        ctx.invalid(ctx.t("training_admin.closes_passed"))
        ctx.goto(NEW_FLOW, "closes")
        return
    try:
        program = create_program(
            session=ctx.session,
            new=replace(draft, status=status),
            actor=ctx.resident.identity,
            now=ctx.now,
        )
    except TrainingError:
        ctx.invalid(ctx.t("training_admin.not_saved"))
        ctx.goto(NEW_FLOW, "edit")
        return
    key = "training_admin.saved_open" if status == "open" else "training_admin.saved_draft"
    ctx.say(ctx.t(key, id=f"#{program.id}", title=program.title))
    ctx.goto("menu")


def _field_labels(t: Translator) -> dict[str, str]:
    """Each part that can be changed from the preview (its step), in asking order."""
    return {
        "title": t("training_admin.field_title"),
        "description": t("training_admin.field_description"),
        "category": t("training_admin.field_category"),
        "starts": t("training_admin.field_starts"),
        "ends": t("training_admin.field_ends"),
        "place": t("training_admin.field_place"),
        "map": t("training_admin.field_map"),
        "quota": t("training_admin.field_quota"),
        "area": t("training_admin.field_area"),
        "closes": t("training_admin.field_closes"),
        "requirements": t("training_admin.field_requirements"),
        "organiser": t("training_admin.field_organiser"),
    }


def ask_edit(ctx: Ctx) -> Prompt:
    """Which part to change."""
    options = tuple(Option(f, label) for f, label in _field_labels(ctx.t).items())
    back = choices.back(ctx.t, "training_admin.back_to_preview", "preview")
    return Prompt(ctx.t("training_admin.ask_edit"), (*options, back))


def on_edit(ctx: Ctx, answer: Answer) -> None:
    ctx.data["editing"] = True
    ctx.goto(NEW_FLOW, answer.option or "preview")


NEW_TRAINING = Flow(
    name=NEW_FLOW,
    start="title",
    role="facilitator",
    steps={
        "title": Step(ask_title, on_title),
        "description": Step(ask_description, on_description),
        "category": Step(ask_category, on_category),
        "starts": Step(ask_starts, on_starts),
        "ends": Step(ask_ends, on_ends),
        "place": Step(ask_place, on_place),
        "map": Step(ask_map, on_map),
        "quota": Step(ask_quota, on_quota),
        "area": Step(ask_area, on_area),
        "area_kelurahan": Step(ask_area_kelurahan, on_area_kelurahan),
        "closes": Step(ask_closes, on_closes),
        "requirements": Step(ask_requirements, on_requirements),
        "organiser": Step(ask_organiser, on_organiser),
        "preview": Step(ask_preview, on_preview),
        "edit": Step(ask_edit, on_edit),
    },
)
