"""Facilitators schedule forums in chat (managing them: ``handlers.forums.manage``).

/forum_baru: title → type → starts → place → agenda → area [→ area_kelurahan]
  → preview (with the exact number of subscribers to remind)
      ──Simpan──▶ stored, menu
      ├─Ubah──▶ edit → the chosen step → back to preview
      └─Batal─▶ menu, nothing stored
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session, func, select

from handlers.core.datetimes import example, parse_wib_datetime
from handlers.core.flow import HOME, Answer, Ctx, Flow, Prompt, Step, Steps
from handlers.core.types import Option
from handlers.core.validation import check_text
from handlers.forums.cards import forum_card, type_label
from handlers.widgets.area import Area, AreaPicker
from handlers.widgets.form import Field, Form, FormDraft, FormTexts
from handlers.widgets.places import kecamatan_name
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.announcements import Segment, count_members, forum_subscribers
from storage.forums import ForumError, NewForum, create_forum
from storage.limits import FORUM
from storage.models import FORUM_TYPES


class Plan(Steps, flow="forum_new"):
    TITLE = "title"
    TYPE = "type"
    STARTS = "starts"
    PLACE = "place"
    AGENDA = "agenda"
    AREA = "area"
    AREA_KELURAHAN = "area_kelurahan"
    PREVIEW = "preview"
    EDIT = "edit"


class NewForumDraft(FormDraft):
    title: str | None = None
    type: str | None = None
    starts: datetime | None = None
    place: str | None = None
    agenda: str | None = None
    area_level: str | None = None
    area_code: str | None = None
    area_kecamatan: str | None = None  # chosen in ``area``, its kelurahan not yet


def _draft(ctx: Ctx) -> NewForumDraft:
    return ctx.draft(NewForumDraft)


# --- who hears of a forum ---------------------------------------------------------


def subscribers_to_remind(session: Session, area_level: str, area_code: str | None) -> int:
    """How many residents a new forum's reminders reach: the ``forum_subscribers``
    rule of storage.announcements (subscribed to the forum's level, living in its
    area, reachable, not opted out) for a forum that nobody has answered yet."""
    query = forum_subscribers(area_level, area_code).subquery()
    return int(session.exec(select(func.count()).select_from(query)).one())


def followers(session: Session, forum_id: int) -> int:
    """Who hears of a move or cancellation: subscribers of its area and everyone who answered."""
    return count_members(session, Segment("forum_subscribers", str(forum_id)))


def answered(session: Session, forum_id: int) -> int:
    """Who receives the result: everyone who answered its RSVP."""
    return count_members(session, Segment("forum_rsvp", str(forum_id)))


# --- /forum_baru -------------------------------------------------------------------


def start_new(ctx: Ctx, _args: str) -> None:
    """``/forum_baru``: a fresh forum, from its title."""
    ctx.goto(Plan.TITLE, fresh=True)
    ctx.note(ctx.t("forum_admin.intro"))


def new_forum(draft: NewForumDraft) -> NewForum:
    """The forum the draft describes (every question answered)."""
    assert draft.title and draft.type and draft.starts and draft.agenda
    return NewForum(
        title=draft.title,
        starts_at=draft.starts,
        forum_type=draft.type,
        place=draft.place or "",
        agenda=draft.agenda,
        area_level=draft.area_level or "kota",
        area_code=draft.area_code,
    )


def _keeper(name: str, then: Plan) -> Callable[[Ctx, Any], None]:
    """Store a checked answer as the draft's ``name`` and go on to ``then``."""

    def keep(ctx: Ctx, value: Any) -> None:
        setattr(_draft(ctx), name, value)
        FORM.next(ctx, then)

    return keep


def ask_type(ctx: Ctx) -> Prompt:
    """Musrenbang (kelurahan, kecamatan, kota), forum warga, sosialisasi or other."""
    options = tuple(Option(f, type_label(ctx.t, f), (f,)) for f in FORUM_TYPES)
    return Prompt(ctx.t("forum_admin.ask_type"), options)


def on_type(ctx: Ctx, answer: Answer) -> None:
    _draft(ctx).type = answer.option
    FORM.next(ctx, Plan.STARTS)


def _place_later(ctx: Ctx, _choice: str) -> None:
    _draft(ctx).place = ""
    FORM.next(ctx, Plan.AGENDA)


def _area_chosen(ctx: Ctx, area: Area) -> None:
    draft = _draft(ctx)
    draft.area_level = area.level
    draft.area_code = area.kelurahan or area.kecamatan
    draft.area_kecamatan = None
    ctx.goto(Plan.PREVIEW)


def preview_text(ctx: Ctx, draft: NewForumDraft) -> str:
    """The forum as residents will see it, and who will be reminded."""
    forum = new_forum(draft)
    count = subscribers_to_remind(ctx.session, forum.area_level, forum.area_code)
    return ctx.t("forum_admin.preview", card=forum_card(ctx, forum), count=count)


def save(ctx: Ctx, draft: NewForumDraft) -> None:
    forum = new_forum(draft)
    draft.editing = True
    if forum.starts_at <= ctx.now:  # the preview sat on screen past the start
        ctx.invalid(ctx.t("forum_admin.start_passed"))
        ctx.goto(Plan.STARTS)
        return
    try:
        saved = create_forum(
            session=ctx.session, new=forum, actor=ctx.resident.identity, now=ctx.now
        )
    except ForumError:
        ctx.invalid(ctx.t("forum_admin.not_saved"))
        ctx.goto(Plan.EDIT)
        return
    assert saved.id is not None
    count = followers(ctx.session, saved.id)
    ctx.say(ctx.t("forum_admin.saved", id=f"#{saved.id}", title=saved.title, count=count))
    ctx.goto(HOME)


def drop(ctx: Ctx, _draft: NewForumDraft) -> None:
    ctx.note(ctx.t("forum_admin.dropped"))
    ctx.goto(HOME)


# The parts Ubah offers, each named (and labelled ``forum_admin.field_<name>``) after its step
EDITABLE = (Plan.TITLE, Plan.TYPE, Plan.STARTS, Plan.PLACE, Plan.AGENDA, Plan.AREA)
FORM = Form(
    draft=NewForumDraft,
    summary=Plan.PREVIEW,
    edit=Plan.EDIT,
    fields=tuple(Field(step.value, step) for step in EDITABLE),
    text=preview_text,
    send=save,
    cancel=drop,
    to=(HOME, Plan.STARTS),
    texts=FormTexts(
        send="forum_admin.save",
        edit="forum_admin.edit",
        cancel="forum_admin.drop",
        ask_edit="forum_admin.ask_edit",
        back="forum_admin.back_to_preview",
        field="forum_admin.field_{name}",
        send_words="forum_save",
    ),
)

AREA = AreaPicker(
    kecamatan=Plan.AREA,
    kelurahan=Plan.AREA_KELURAHAN,
    draft=NewForumDraft,
    holding="area_kecamatan",
    ask_kecamatan=lambda ctx: ctx.t("forum_admin.ask_area"),
    ask_kelurahan=lambda ctx, name: ctx.t("forum_admin.ask_area_kelurahan", kecamatan=name),
    chosen=_area_chosen,
    to=(Plan.PREVIEW,),
    whole_city=lambda ctx: ctx.t("forum_admin.area_city_option"),
    whole_kecamatan=lambda ctx: ctx.t(
        "forum_admin.area_whole_kecamatan",
        kecamatan=kecamatan_name(ctx, _draft(ctx).area_kecamatan),
    ),
)


def _then(step: Plan) -> tuple[Plan, ...]:
    return (step, Plan.PREVIEW)


NEW_FORUM = Flow(
    role="facilitator",
    steps={
        Plan.TITLE: text_step(
            ask=lambda ctx: ctx.t("forum_admin.ask_title"),
            check=lambda text: check_text(text, FORUM.title, one_line=True),
            keep=_keeper("title", Plan.TYPE),
            to=_then(Plan.TYPE),
        ),
        Plan.TYPE: Step(ask_type, on_type, _then(Plan.STARTS)),
        Plan.STARTS: text_step(
            ask=lambda ctx: ctx.t("forum_admin.ask_starts", example=example(ctx.now)),
            check_in=lambda ctx, text: parse_wib_datetime(text, ctx.now),
            keep=_keeper("starts", Plan.PLACE),
            to=_then(Plan.PLACE),
        ),
        Plan.PLACE: text_step(
            ask=lambda ctx: ctx.t("forum_admin.ask_place"),
            check=lambda text: check_text(text, FORUM.place, one_line=True),
            keep=_keeper("place", Plan.AGENDA),
            to=_then(Plan.AGENDA),
            options=lambda ctx: (option(ctx.t, "skip", "forum_admin.place_later", "skip"),),
            on_option=_place_later,
        ),
        Plan.AGENDA: text_step(
            ask=lambda ctx: ctx.t("forum_admin.ask_agenda"),
            check=lambda text: check_text(text, FORUM.agenda),
            keep=_keeper("agenda", Plan.AREA),
            to=_then(Plan.AREA),
        ),
        **AREA.steps(),
        **FORM.steps(),
    },
)
