"""Facilitators create trainings in chat (attendance: ``handlers.trainings.attendance``).

/pelatihan_baru: title → description → category → starts → ends → place → map
  → quota → area [→ area_kelurahan] → closes → requirements → organiser
  → preview ──Buka pendaftaran / Simpan sebagai draf──▶ stored, menu
            ├─Ubah──▶ edit → the chosen step → back to preview
            └─Batal─▶ menu, nothing stored
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from handlers.core.datetimes import clock, end_examples, parse_end, parse_wib_datetime, short_date
from handlers.core.flow import HOME, Ctx, Flow, Steps
from handlers.core.types import Option
from handlers.core.validation import Invalid, check_text
from handlers.trainings.card import category_label, check_quota, check_url, preview
from handlers.widgets.choices import skip
from handlers.widgets.fields import AreaDraft, Questions, afresh, dropped, passed
from handlers.widgets.form import Also, Field, Form, FormTexts
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.clock import WIB
from storage.limits import TRAINING
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


class NewTrainingDraft(AreaDraft):
    title: str | None = None
    description: str | None = None
    category: str | None = None
    starts: datetime | None = None
    ends: datetime | None = None
    place: str | None = None
    map_url: str | None = None
    quota: int | None = None
    closes: datetime | None = None
    requirements: str | None = None
    organiser: str | None = None


def _draft(ctx: Ctx) -> NewTrainingDraft:
    return ctx.draft(NewTrainingDraft)


start_new = afresh(NewTraining.TITLE, "training_admin.intro")  # /pelatihan_baru


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
    if passed(ctx, new.starts_at, "training_admin.start_passed", NewTraining.STARTS):
        return
    if passed(ctx, new.registration_closes_at, "training_admin.closes_passed", NewTraining.CLOSES):
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
    cancel=dropped("training_admin.cancelled"),
    to=(NewTraining.STARTS, NewTraining.CLOSES, HOME),
    texts=FormTexts.preview(
        "training_admin",
        send="publish",
        send_words="training_publish",
        send_value="open",
        back_value="preview",
    ),
)
ASK = Questions(FORM, "training_admin")

NEW_TRAINING = Flow(
    role="facilitator",
    steps={
        NewTraining.TITLE: ASK.text(
            "title", NewTraining.DESCRIPTION, TRAINING.title, one_line=True
        ),
        NewTraining.DESCRIPTION: ASK.text(
            "description", NewTraining.CATEGORY, TRAINING.description
        ),
        NewTraining.CATEGORY: ASK.choice(
            "category", NewTraining.STARTS, PROGRAM_CATEGORIES, category_label
        ),
        NewTraining.STARTS: ASK.when("starts", NewTraining.ENDS, keep=keep_starts),
        NewTraining.ENDS: ASK.text(
            "ends",
            NewTraining.PLACE,
            ask=lambda ctx: ctx.t("training_admin.ask_ends", **end_examples(_starts(ctx))),
            check_in=lambda ctx, raw: parse_end(raw, start=_starts(ctx), now=ctx.now),
        ),
        NewTraining.PLACE: ASK.text("place", NewTraining.MAP, TRAINING.place, one_line=True),
        NewTraining.MAP: ASK.text(
            "map_url",
            NewTraining.QUOTA,
            check=check_url,
            ask=lambda ctx: ctx.t("training_admin.ask_map"),
            instead=skip,
        ),
        NewTraining.QUOTA: ASK.text("quota", NewTraining.AREA, check=check_quota),
        **ASK.area(NewTraining.AREA, NewTraining.AREA_KELURAHAN, NewTraining.CLOSES).steps(),
        NewTraining.CLOSES: ASK.text(
            "closes",
            NewTraining.REQUIREMENTS,
            ask=ask_closes,
            check_in=check_closes,
            instead=lambda t: option(
                t, "start", "training_admin.closes_at_start", "training_until_start"
            ),
        ),
        NewTraining.REQUIREMENTS: ASK.text(
            "requirements",
            NewTraining.ORGANISER,
            TRAINING.requirements,
            instead=skip,
            kept="",
        ),
        NewTraining.ORGANISER: text_step(
            ask=lambda ctx: ctx.t("training_admin.ask_organiser"),
            options=organiser_options,
            on_option=lambda ctx, _choice: ctx.resident.display_name or "",
            check=lambda raw: check_text(raw, TRAINING.organiser, one_line=True),
            keep=ASK.keep("organiser", NewTraining.PREVIEW),
            to=(NewTraining.PREVIEW,),
        ),
        **FORM.steps(),
    },
)
