"""Facilitators schedule forums in chat (managing them: ``handlers/forum_manage``).

/forum_baru: title → type → starts → place → agenda → area [→ area_kelurahan]
  → preview (with the exact number of subscribers to remind)
      ──Simpan──▶ stored, menu
      ├─Ubah──▶ edit → the chosen step → back to preview
      └─Batal─▶ menu, nothing stored
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, func, select

from handlers.core.datetimes import example, parse_wib_datetime
from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.types import Option
from handlers.core.validation import Invalid, check_text
from handlers.forums.follow import area_label, type_label
from handlers.widgets import area_choice, choices
from handlers.widgets.words import words
from storage.announcements import Segment, count_members, forum_subscribers
from storage.forums import (
    ForumError,
    NewForum,
    create_forum,
)
from storage.limits import FORUM
from storage.models import FORUM_TYPES, ForumEvent

NEW_FLOW = "forum_new"
TEXT = frozenset({"text"})


# --- shared pieces ---------------------------------------------------------------


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
    ctx.goto(NEW_FLOW, "title")
    ctx.conversation.data = {}
    ctx.note(ctx.t("forum_admin.intro"))


def _next(ctx: Ctx, step: str) -> None:
    """Go on to ``step``, or straight back to the preview while editing."""
    ctx.goto(NEW_FLOW, "preview" if ctx.data.get("editing") else step)


def _draft(ctx: Ctx) -> NewForum:
    data = ctx.data
    return NewForum(
        title=data["title"],
        starts_at=datetime.fromisoformat(data["starts"]),
        forum_type=data["type"],
        place=data.get("place", ""),
        agenda=data["agenda"],
        area_level=data.get("area_level", "kota"),
        area_code=data.get("area_code"),
    )


def ask_title(ctx: Ctx) -> Prompt:
    """What the forum is called."""
    return Prompt(ctx.t("forum_admin.ask_title"), accepts=TEXT)


def on_title(ctx: Ctx, answer: Answer) -> None:
    try:
        ctx.data["title"] = check_text(answer.text or "", FORUM.title, one_line=True)
    except Invalid as problem:
        ctx.refuse(problem)
        return
    _next(ctx, "type")


def ask_type(ctx: Ctx) -> Prompt:
    """Musrenbang (kelurahan, kecamatan, kota), forum warga, sosialisasi or other."""
    options = tuple(Option(f, type_label(ctx.t, f), (f,)) for f in FORUM_TYPES)
    return Prompt(ctx.t("forum_admin.ask_type"), options)


def on_type(ctx: Ctx, answer: Answer) -> None:
    ctx.data["type"] = answer.option
    _next(ctx, "starts")


def ask_starts(ctx: Ctx) -> Prompt:
    """When it begins, typed as a date and a time (WIB)."""
    return Prompt(ctx.t("forum_admin.ask_starts", example=example(ctx.now)), accepts=TEXT)


def on_starts(ctx: Ctx, answer: Answer) -> None:
    try:
        starts = parse_wib_datetime(answer.text or "", ctx.now)
    except Invalid as problem:
        ctx.refuse(problem)
        return
    ctx.data["starts"] = starts.isoformat()
    _next(ctx, "place")


def ask_place(ctx: Ctx) -> Prompt:
    """Where: the building and its address, or later."""
    later = Option("skip", ctx.t("forum_admin.place_later"), words(ctx.t, "skip"))
    return Prompt(ctx.t("forum_admin.ask_place"), (later,), accepts=TEXT)


def on_place(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "skip":
        ctx.data["place"] = ""
    else:
        try:
            ctx.data["place"] = check_text(answer.text or "", FORUM.place, one_line=True)
        except Invalid as problem:
            ctx.refuse(problem)
            return
    _next(ctx, "agenda")


def ask_agenda(ctx: Ctx) -> Prompt:
    """What will be discussed."""
    return Prompt(ctx.t("forum_admin.ask_agenda"), accepts=TEXT)


def on_agenda(ctx: Ctx, answer: Answer) -> None:
    try:
        ctx.data["agenda"] = check_text(answer.text or "", FORUM.agenda)
    except Invalid as problem:
        ctx.refuse(problem)
        return
    _next(ctx, "area")


def ask_area(ctx: Ctx) -> Prompt:
    """For whom: the whole city or a kecamatan (then maybe one kelurahan)."""
    return area_choice.ask_area(
        ctx, ctx.t("forum_admin.ask_area"), ctx.t("forum_admin.area_city_option")
    )


def on_area(ctx: Ctx, answer: Answer) -> None:
    if area_choice.on_area(ctx, answer, NEW_FLOW):
        ctx.goto(NEW_FLOW, "preview")


def ask_area_kelurahan(ctx: Ctx) -> Prompt:
    """The whole kecamatan, or one kelurahan of it."""
    name = area_choice.chosen_kecamatan(ctx)
    return area_choice.ask_kelurahan(
        ctx,
        ctx.t("forum_admin.ask_area_kelurahan", kecamatan=name),
        ctx.t("forum_admin.area_whole_kecamatan", kecamatan=name),
    )


def on_area_kelurahan(ctx: Ctx, answer: Answer) -> None:
    if area_choice.on_kelurahan(ctx, answer, NEW_FLOW):
        ctx.goto(NEW_FLOW, "preview")


def forum_card(ctx: Ctx, forum: NewForum | ForumEvent) -> str:
    """The forum as residents will read it (before it has RSVPs)."""
    t = ctx.t
    lines = [
        t(
            "forum.detail",
            type=type_label(t, forum.forum_type),
            title=forum.title,
            when=t.datetime(forum.starts_at),
            place=forum.place or t("forum.place_unknown"),
            area=area_label(ctx, forum.area_level, forum.area_code),
        ),
        t("forum.agenda", agenda=forum.agenda),
    ]
    return "\n\n".join(lines)


def ask_preview(ctx: Ctx) -> Prompt:
    """The forum as residents will see it, and who will be reminded; save, change or drop."""
    draft = _draft(ctx)
    count = subscribers_to_remind(ctx.session, draft.area_level, draft.area_code)
    text = ctx.t("forum_admin.preview", card=forum_card(ctx, draft), count=count)
    return Prompt(
        text,
        (
            Option("save", ctx.t("forum_admin.save"), ("simpan", "save")),
            Option("edit", ctx.t("forum_admin.edit"), ("ubah", "edit")),
            Option("cancel", ctx.t("forum_admin.drop"), ("batal", "cancel")),
        ),
    )


def on_preview(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "edit":
            ctx.goto(NEW_FLOW, "edit")
        case "cancel":
            ctx.note(ctx.t("forum_admin.dropped"))
            ctx.goto("menu")
        case _:
            _save(ctx)


def _save(ctx: Ctx) -> None:
    draft = _draft(ctx)
    ctx.data["editing"] = True
    if draft.starts_at <= ctx.now:  # the preview sat on screen past the start
        ctx.invalid(ctx.t("forum_admin.start_passed"))
        ctx.goto(NEW_FLOW, "starts")
        return
    try:
        forum = create_forum(
            session=ctx.session, new=draft, actor=ctx.resident.identity, now=ctx.now
        )
    except ForumError:
        ctx.invalid(ctx.t("forum_admin.not_saved"))
        ctx.goto(NEW_FLOW, "edit")
        return
    assert forum.id is not None
    ctx.say(
        ctx.t(
            "forum_admin.saved",
            id=f"#{forum.id}",
            title=forum.title,
            count=followers(ctx.session, forum.id),
        )
    )
    ctx.goto("menu")


def _field_labels(ctx: Ctx) -> dict[str, str]:
    """Each part that can be changed from the preview (its step), in asking order."""
    t = ctx.t
    return {
        "title": t("forum_admin.field_title"),
        "type": t("forum_admin.field_type"),
        "starts": t("forum_admin.field_starts"),
        "place": t("forum_admin.field_place"),
        "agenda": t("forum_admin.field_agenda"),
        "area": t("forum_admin.field_area"),
    }


def ask_edit(ctx: Ctx) -> Prompt:
    """Which part to change."""
    options = tuple(Option(f, label) for f, label in _field_labels(ctx).items())
    back = choices.back(ctx.t, "forum_admin.back_to_preview", "preview")
    return Prompt(ctx.t("forum_admin.ask_edit"), (*options, back))


def on_edit(ctx: Ctx, answer: Answer) -> None:
    ctx.data["editing"] = True
    ctx.goto(NEW_FLOW, answer.option or "preview")


NEW_FORUM = Flow(
    name=NEW_FLOW,
    start="title",
    role="facilitator",
    steps={
        "title": Step(ask_title, on_title),
        "type": Step(ask_type, on_type),
        "starts": Step(ask_starts, on_starts),
        "place": Step(ask_place, on_place),
        "agenda": Step(ask_agenda, on_agenda),
        "area": Step(ask_area, on_area),
        "area_kelurahan": Step(ask_area_kelurahan, on_area_kelurahan),
        "preview": Step(ask_preview, on_preview),
        "edit": Step(ask_edit, on_edit),
    },
)
