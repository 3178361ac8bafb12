"""Facilitators create trainings in chat (attendance: ``handlers.trainings.attendance``).

/pelatihan_baru: title → description → category → starts → ends → place → map
  → quota → area [→ area_kelurahan] → closes → requirements → organiser
  → preview ──Buka pendaftaran / Simpan sebagai draf──▶ stored, menu
            ├─Ubah──▶ edit → the chosen step → back to preview
            └─Batal─▶ menu, nothing stored
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from handlers.core.datetimes import (
    clock,
    end_examples,
    example,
    parse_end,
    parse_wib_datetime,
    short_date,
)
from handlers.core.flow import HOME, Answer, Ctx, Flow, Prompt, Step, Steps
from handlers.core.types import Option
from handlers.core.validation import Invalid, check_text
from handlers.trainings.card import category_label, check_quota, check_url, preview
from handlers.widgets.area import Area, AreaPicker
from handlers.widgets.choices import skip
from handlers.widgets.form import Also, Field, Form, FormDraft, FormTexts
from handlers.widgets.places import kecamatan_name
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.clock import WIB
from storage.limits import TRAINING, Length
from storage.models import PROGRAM_CATEGORIES
from storage.trainings import NewProgram, TrainingError, create_program


class NewTraining(Steps, flow="training_new"):
    TITLE = "title"
    DESCRIPTION = "description"
    CATEGORY = "category"
    STARTS = "starts"
    ENDS = "ends"
    PLACE = "place"
    MAP = "map"
    QUOTA = "quota"
    AREA = "area"
    AREA_KELURAHAN = "area_kelurahan"
    CLOSES = "closes"
    REQUIREMENTS = "requirements"
    ORGANISER = "organiser"
    PREVIEW = "preview"
    EDIT = "edit"


class NewTrainingDraft(FormDraft):
    title: str | None = None
    description: str | None = None
    category: str | None = None
    starts: datetime | None = None
    ends: datetime | None = None
    place: str | None = None
    map_url: str | None = None
    quota: int | None = None
    area_kecamatan: str | None = None  # while its kelurahan is asked
    area_level: str | None = None
    area_code: str | None = None
    closes: datetime | None = None
    requirements: str | None = None
    organiser: str | None = None


def _draft(ctx: Ctx) -> NewTrainingDraft:
    return ctx.draft(NewTrainingDraft)


def start_new(ctx: Ctx, _args: str) -> None:
    """``/pelatihan_baru``: a fresh program, from its title."""
    ctx.goto(NewTraining.TITLE, fresh=True)
    ctx.note(ctx.t("training_admin.intro"))


def _starts(ctx: Ctx) -> datetime:
    starts = _draft(ctx).starts
    assert starts is not None  # asked before anything that needs it
    return starts


def program(draft: NewTrainingDraft) -> NewProgram:
    """The program as entered so far (every part is asked before the preview)."""
    assert draft.title and draft.description and draft.category and draft.place
    assert draft.starts and draft.ends and draft.quota and draft.organiser
    return NewProgram(
        title=draft.title,
        description=draft.description,
        category=draft.category,
        starts_at=draft.starts,
        ends_at=draft.ends,
        place=draft.place,
        map_url=draft.map_url,
        quota=draft.quota,
        area_level=draft.area_level or "kota",
        area_code=draft.area_code,
        registration_closes_at=draft.closes,
        requirements=draft.requirements or "",
        organiser=draft.organiser,
    )


def _keep(field: str, then: NewTraining) -> Callable[[Ctx, Any], None]:
    """Keep an answer in the draft's ``field``, then ask ``then`` (or, while a part
    is being changed, show the preview again)."""
    if field not in NewTrainingDraft.model_fields:  # a typo fails at import
        raise AttributeError(f"NewTrainingDraft has no field {field!r}")

    def keep(ctx: Ctx, value: Any) -> None:
        setattr(_draft(ctx), field, value)
        FORM.next(ctx, then)

    return keep


def _typed(field: str, length: Length, then: NewTraining, *, one_line: bool = False) -> Step:
    """A plain text part of the program, asked by ``training_admin.ask_<field>``."""
    return text_step(
        ask=lambda ctx: ctx.t(f"training_admin.ask_{field}"),
        check=lambda raw: check_text(raw, length, one_line=one_line),
        keep=_keep(field, then),
        to=(then, NewTraining.PREVIEW),
    )


def ask_category(ctx: Ctx) -> Prompt:
    """The kind of training."""
    options = tuple(Option(c, category_label(ctx.t, c), (c,)) for c in PROGRAM_CATEGORIES)
    return Prompt(ctx.t("training_admin.ask_category"), options)


def on_category(ctx: Ctx, answer: Answer) -> None:
    _keep("category", NewTraining.STARTS)(ctx, answer.option)


def keep_starts(ctx: Ctx, starts: datetime) -> None:
    """A moved start keeps the training's length, and drops a closing now too late."""
    draft = _draft(ctx)
    old, draft.starts = draft.starts, starts
    if not draft.editing:
        ctx.goto(NewTraining.ENDS)
        return
    if old is not None and draft.ends is not None:
        draft.ends = draft.ends + (starts - old)
        ctx.note(ctx.t("training_admin.end_moved", when=ctx.t.datetime(draft.ends)))
    closes = draft.closes
    if closes is not None and (closes > starts or closes <= ctx.now):
        draft.closes = None
        ctx.note(ctx.t("training_admin.closes_reset"))
    ctx.goto(NewTraining.PREVIEW)


def on_area(ctx: Ctx, area: Area) -> None:
    draft = _draft(ctx)
    draft.area_level = area.level
    draft.area_code = area.kelurahan if area.level == "kelurahan" else area.kecamatan
    draft.area_kecamatan = None
    FORM.next(ctx, NewTraining.CLOSES)


def _chosen_kecamatan(ctx: Ctx) -> str:
    return kecamatan_name(ctx, _draft(ctx).area_kecamatan)


def _closes_example(ctx: Ctx) -> str:
    """The day before the start at 17.00, or an hour before when that has passed."""
    starts = _starts(ctx)
    candidate = (starts - timedelta(days=1)).astimezone(WIB).replace(hour=17, minute=0)
    if candidate <= ctx.now:
        candidate = starts - timedelta(hours=1)
    return f"{short_date(candidate)} {clock(candidate)}"


def ask_closes(ctx: Ctx) -> str:
    """Until when residents may register."""
    start, sample = ctx.t.datetime(_starts(ctx)), _closes_example(ctx)
    return ctx.t("training_admin.ask_closes", start=start, example=sample)


def check_closes(ctx: Ctx, raw: str) -> datetime:
    closes = parse_wib_datetime(raw, ctx.now)
    if closes > _starts(ctx):
        raise Invalid("training_admin.closes_after_start", {"start": _starts(ctx)})
    return closes


def organiser_options(ctx: Ctx) -> tuple[Option, ...]:
    """Who runs it: typed, or the facilitator's own name."""
    name = ctx.resident.display_name
    return (Option("me", ctx.t("training_admin.organiser_me", name=name)),) if name else ()


def _save(ctx: Ctx, draft: NewTrainingDraft, status: str) -> None:
    new = program(draft)
    draft.editing = True
    if new.starts_at <= ctx.now:  # the preview sat on screen past the start
        ctx.invalid(ctx.t("training_admin.start_passed"))
        ctx.goto(NewTraining.STARTS)
        return
    closes = new.registration_closes_at
    if closes is not None and closes <= ctx.now:
        ctx.invalid(ctx.t("training_admin.closes_passed"))
        ctx.goto(NewTraining.CLOSES)
        return
    try:
        saved = create_program(
            session=ctx.session,
            new=replace(new, status=status),
            actor=ctx.resident.identity,
            now=ctx.now,
        )
    except TrainingError:
        ctx.invalid(ctx.t("training_admin.not_saved"))
        ctx.goto(NewTraining.EDIT)
        return
    key = "training_admin.saved_open" if status == "open" else "training_admin.saved_draft"
    ctx.say(ctx.t(key, id=f"#{saved.id}", title=saved.title))
    ctx.goto(HOME)


def cancel(ctx: Ctx, _draft: NewTrainingDraft) -> None:
    ctx.note(ctx.t("training_admin.cancelled"))
    ctx.goto(HOME)


FORM = Form(
    draft=NewTrainingDraft,
    summary=NewTraining.PREVIEW,
    edit=NewTraining.EDIT,
    fields=tuple(
        Field(step.value, step)
        for step in NewTraining
        if step not in (NewTraining.AREA_KELURAHAN, NewTraining.PREVIEW, NewTraining.EDIT)
    ),
    text=lambda ctx, draft: preview(ctx, program(draft)),
    send=lambda ctx, draft: _save(ctx, draft, "open"),
    also=(
        Also(
            "draft",
            "training_admin.save_draft",
            "training_draft",
            lambda c, d: _save(c, d, "draft"),
        ),
    ),
    cancel=cancel,
    to=(NewTraining.STARTS, NewTraining.CLOSES, HOME),
    texts=FormTexts(
        send="training_admin.publish",
        edit="training_admin.edit",
        cancel="training_admin.cancel",
        ask_edit="training_admin.ask_edit",
        back="training_admin.back_to_preview",
        field="training_admin.field_{name}",
        send_words="training_publish",
        send_value="open",
        back_value="preview",
    ),
)

AREA = AreaPicker(
    kecamatan=NewTraining.AREA,
    kelurahan=NewTraining.AREA_KELURAHAN,
    draft=NewTrainingDraft,
    holding="area_kecamatan",
    ask_kecamatan=lambda ctx: ctx.t("training_admin.ask_area"),
    ask_kelurahan=lambda ctx, name: ctx.t("training_admin.ask_area_kelurahan", kecamatan=name),
    chosen=on_area,
    to=(NewTraining.CLOSES, NewTraining.PREVIEW),
    whole_city=lambda ctx: ctx.t("training_admin.area_city_option"),
    whole_kecamatan=lambda ctx: ctx.t(
        "training_admin.area_whole_kecamatan", kecamatan=_chosen_kecamatan(ctx)
    ),
)

NEW_TRAINING = Flow(
    role="facilitator",
    steps={
        NewTraining.TITLE: _typed("title", TRAINING.title, NewTraining.DESCRIPTION, one_line=True),
        NewTraining.DESCRIPTION: _typed("description", TRAINING.description, NewTraining.CATEGORY),
        NewTraining.CATEGORY: Step(
            ask_category, on_category, (NewTraining.STARTS, NewTraining.PREVIEW)
        ),
        NewTraining.STARTS: text_step(
            ask=lambda ctx: ctx.t("training_admin.ask_starts", example=example(ctx.now)),
            check_in=lambda ctx, raw: parse_wib_datetime(raw, ctx.now),
            keep=keep_starts,
            to=(NewTraining.ENDS, NewTraining.PREVIEW),
        ),
        NewTraining.ENDS: text_step(
            ask=lambda ctx: ctx.t("training_admin.ask_ends", **end_examples(_starts(ctx))),
            check_in=lambda ctx, raw: parse_end(raw, start=_starts(ctx), now=ctx.now),
            keep=_keep("ends", NewTraining.PLACE),
            to=(NewTraining.PLACE, NewTraining.PREVIEW),
        ),
        NewTraining.PLACE: _typed("place", TRAINING.place, NewTraining.MAP, one_line=True),
        NewTraining.MAP: text_step(
            ask=lambda ctx: ctx.t("training_admin.ask_map"),
            options=lambda ctx: (skip(ctx.t),),
            on_option=lambda ctx, _choice: _keep("map_url", NewTraining.QUOTA)(ctx, None),
            check=check_url,
            keep=_keep("map_url", NewTraining.QUOTA),
            to=(NewTraining.QUOTA, NewTraining.PREVIEW),
        ),
        NewTraining.QUOTA: text_step(
            ask=lambda ctx: ctx.t("training_admin.ask_quota"),
            check=check_quota,
            keep=_keep("quota", NewTraining.AREA),
            to=(NewTraining.AREA, NewTraining.PREVIEW),
        ),
        **AREA.steps(),
        NewTraining.CLOSES: text_step(
            ask=ask_closes,
            options=lambda ctx: (
                option(ctx.t, "start", "training_admin.closes_at_start", "training_until_start"),
            ),
            on_option=lambda ctx, _choice: _keep("closes", NewTraining.REQUIREMENTS)(ctx, None),
            check_in=check_closes,
            keep=_keep("closes", NewTraining.REQUIREMENTS),
            to=(NewTraining.REQUIREMENTS, NewTraining.PREVIEW),
        ),
        NewTraining.REQUIREMENTS: text_step(
            ask=lambda ctx: ctx.t("training_admin.ask_requirements"),
            options=lambda ctx: (skip(ctx.t),),
            on_option=lambda ctx, _choice: _keep("requirements", NewTraining.ORGANISER)(ctx, ""),
            check=lambda raw: check_text(raw, TRAINING.requirements),
            keep=_keep("requirements", NewTraining.ORGANISER),
            to=(NewTraining.ORGANISER, NewTraining.PREVIEW),
        ),
        NewTraining.ORGANISER: text_step(
            ask=lambda ctx: ctx.t("training_admin.ask_organiser"),
            options=organiser_options,
            on_option=lambda ctx, _choice: ctx.resident.display_name or "",
            check=lambda raw: check_text(raw, TRAINING.organiser, one_line=True),
            keep=_keep("organiser", NewTraining.PREVIEW),
            to=(NewTraining.PREVIEW,),
        ),
        **FORM.steps(),
    },
)
