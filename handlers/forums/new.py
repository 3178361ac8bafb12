"""Facilitators schedule forums in chat (managing them: ``handlers.forums.manage``).

/forum_baru: title → type → starts → place → agenda → area [→ area_kelurahan]
  → preview (with the exact number of subscribers to remind)
      ──Simpan──▶ stored, menu
      ├─Ubah──▶ edit → the chosen step → back to preview
      └─Batal─▶ menu, nothing stored
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, func, select

from handlers.core.flow import HOME, Ctx, Flow, Steps
from handlers.forums.cards import forum_card, type_label
from handlers.widgets.fields import AreaDraft, Questions, afresh, dropped, passed
from handlers.widgets.form import Field, Form, FormTexts
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


class NewForumDraft(AreaDraft):
    title: str | None = None
    type: str | None = None
    starts: datetime | None = None
    place: str | None = None
    agenda: str | None = None


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

start_new = afresh(Plan.TITLE, "forum_admin.intro")  # /forum_baru


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


def preview_text(ctx: Ctx, draft: NewForumDraft) -> str:
    """The forum as residents will see it, and who will be reminded."""
    forum = new_forum(draft)
    count = subscribers_to_remind(ctx.session, forum.area_level, forum.area_code)
    return ctx.t("forum_admin.preview", card=forum_card(ctx, forum), count=count)


def save(ctx: Ctx, draft: NewForumDraft) -> None:
    forum = new_forum(draft)
    draft.editing = True
    if passed(ctx, forum.starts_at, "forum_admin.start_passed", Plan.STARTS):
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


# The parts Ubah offers, each named (and labelled ``forum_admin.field_<name>``) after its step
EDITABLE = (Plan.TITLE, Plan.TYPE, Plan.STARTS, Plan.PLACE, Plan.AGENDA, Plan.AREA)
FORM = Form(
    draft=NewForumDraft,
    summary=Plan.PREVIEW,
    edit=Plan.EDIT,
    fields=tuple(Field(step.value, step) for step in EDITABLE),
    text=preview_text,
    send=save,
    cancel=dropped("forum_admin.dropped"),
    to=(HOME, Plan.STARTS),
    texts=FormTexts.preview("forum_admin", send="save", cancel="drop", send_words="forum_save"),
)
ASK = Questions(FORM, "forum_admin")

NEW_FORUM = Flow(
    role="facilitator",
    steps={
        Plan.TITLE: ASK.text("title", Plan.TYPE, FORUM.title, one_line=True),
        Plan.TYPE: ASK.choice("type", Plan.STARTS, FORUM_TYPES, type_label),
        Plan.STARTS: ASK.when("starts", Plan.PLACE),
        Plan.PLACE: ASK.text(
            "place",
            Plan.AGENDA,
            FORUM.place,
            one_line=True,
            instead=lambda t: option(t, "skip", "forum_admin.place_later", "skip"),
            kept="",
        ),
        Plan.AGENDA: ASK.text("agenda", Plan.AREA, FORUM.agenda),
        **ASK.area(Plan.AREA, Plan.AREA_KELURAHAN, Plan.PREVIEW).steps(),
        **FORM.steps(),
    },
)
