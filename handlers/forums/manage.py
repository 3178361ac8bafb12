"""Facilitators run the forums they scheduled, in chat.

/kelola_forum: pick (paged) → forum
  ├─Pindahkan jadwal──▶ move_when → move_place → move_confirm ──▶ moved, followers told
  ├─Batalkan forum────▶ cancel_confirm ──▶ cancelled, followers told
  └─Kirim hasil forum─▶ summary_text → summary_confirm ──▶ held, those who answered told
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.core.datetimes import example, parse_wib_datetime, short_date
from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.types import Option
from handlers.core.validation import Invalid, check_text
from handlers.forums.follow import describe, place_of, type_label
from handlers.forums.new import TEXT, answered, followers
from handlers.forums.notices import forum_cancelled, forum_moved, forum_summary
from handlers.widgets import choices
from storage.forums import (
    UPCOMING,
    ForumError,
    cancel_forum,
    get_forum,
    list_forums,
    move_forum,
    post_summary,
)
from storage.limits import FORUM
from storage.models import ForumEvent

MANAGE_FLOW = "forum_manage"
SUMMARY_WINDOW = timedelta(days=30)  # forums that took place this long ago still show
PAGE = 6
MENU_WORDS = ("menu",)


def start_manage(ctx: Ctx, _args: str) -> None:
    """``/kelola_forum``: choose a forum to move, cancel, or report on."""
    ctx.goto(MANAGE_FLOW, "pick")
    ctx.conversation.data = {"page": 0}


def is_upcoming(forum: ForumEvent, now: datetime) -> bool:
    return forum.status in UPCOMING and forum.starts_at > now


def awaits_summary(forum: ForumEvent, now: datetime) -> bool:
    """It took place and its result has not been sent yet."""
    return forum.status in UPCOMING and forum.starts_at <= now and forum.summary_at is None


def manageable(ctx: Ctx) -> list[ForumEvent]:
    """Forums still ahead, and those held in the last 30 days awaiting their result."""
    forums = list_forums(ctx.session, since=ctx.now - SUMMARY_WINDOW)
    return [f for f in forums if is_upcoming(f, ctx.now) or awaits_summary(f, ctx.now)]


def ask_pick(ctx: Ctx) -> Prompt:
    """One page of forums to manage."""
    forums = manageable(ctx)
    pages = max(1, -(-len(forums) // PAGE))
    page = ctx.data["page"] = min(int(ctx.data.get("page", 0)), pages - 1)
    shown = forums[page * PAGE : (page + 1) * PAGE]
    options = [
        Option(
            f"f:{f.id}",
            ("📝 " if awaits_summary(f, ctx.now) else "")
            + f"{f.title} · {short_date(f.starts_at)}",
        )
        for f in shown
    ]
    if page + 1 < pages:
        options.append(Option("next", ctx.t("common.next_page"), ("berikutnya", "next")))
    if page > 0:
        options.append(Option("prev", ctx.t("common.prev_page"), ("sebelumnya", "prev")))
    options.append(Option("menu", ctx.t("common.back_to_menu"), MENU_WORDS))
    if not forums:
        return Prompt(ctx.t("forum_admin.no_forums"), tuple(options))
    text = ctx.t("forum_admin.ask_pick", page=page + 1, pages=pages)
    if any(awaits_summary(f, ctx.now) for f in forums):
        text += "\n\n" + ctx.t("forum_admin.pick_hint")
    return Prompt(text, tuple(options))


def on_pick(ctx: Ctx, answer: Answer) -> None:
    option = answer.option or ""
    if option in ("next", "prev"):
        ctx.data["page"] = max(0, int(ctx.data.get("page", 0)) + (1 if option == "next" else -1))
        ctx.goto(MANAGE_FLOW, "pick")
    elif option.startswith("f:"):
        ctx.conversation.data = {"page": ctx.data.get("page", 0), "forum": int(option[2:])}
        ctx.goto(MANAGE_FLOW, "forum")
    else:
        ctx.goto("menu")


def _chosen(ctx: Ctx) -> ForumEvent | None:
    try:
        return get_forum(ctx.session, int(ctx.data.get("forum", 0)))
    except (ForumError, ValueError):
        return None


def ask_forum(ctx: Ctx) -> Prompt:
    """The forum with its answers and followers, and what can be done with it now."""
    forum = _chosen(ctx)
    other = choices.back(ctx.t, "forum_admin.other_forum", "pick")
    menu = Option("menu", ctx.t("common.back_to_menu"), MENU_WORDS)
    if forum is None or forum.id is None:
        return Prompt(ctx.t("forum.gone"), (other, menu))
    parts = [describe(ctx, forum)]
    options: list[Option] = []
    if is_upcoming(forum, ctx.now):
        parts.append(ctx.t("forum_admin.followers", count=followers(ctx.session, forum.id)))
        options += [
            Option("move", ctx.t("forum_admin.move"), ("pindahkan", "move")),
            Option("cancel", ctx.t("forum_admin.cancel_forum"), ("batalkan", "cancel")),
        ]
    elif awaits_summary(forum, ctx.now):
        parts.append(ctx.t("forum_admin.took_place", count=answered(ctx.session, forum.id)))
        options.append(Option("summary", ctx.t("forum_admin.post_summary"), ("hasil", "result")))
    elif forum.status == "cancelled":
        parts.append(ctx.t("forum_admin.status_cancelled"))
    else:
        parts.append(ctx.t("forum_admin.status_held", summary=forum.summary or "-"))
    return Prompt("\n\n".join(parts), (*options, other, menu))


def on_forum(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "move":
            for key in ("new_starts", "new_place"):
                ctx.data.pop(key, None)
            ctx.goto(MANAGE_FLOW, "move_when")
        case "cancel":
            ctx.goto(MANAGE_FLOW, "cancel_confirm")
        case "summary":
            ctx.goto(MANAGE_FLOW, "summary_text")
        case "pick":
            ctx.goto(MANAGE_FLOW, "pick")
        case _:
            ctx.goto("menu")


def _gone(ctx: Ctx) -> None:
    """The forum changed under us (another facilitator, the CLI): show it again."""
    ctx.note(ctx.t("forum_admin.changed_meanwhile"))
    ctx.goto(MANAGE_FLOW, "forum")


def ask_move_when(ctx: Ctx) -> Prompt:
    """The new date and time, or the same time (only the place changes)."""
    forum = _chosen(ctx)
    when = ctx.t.datetime(forum.starts_at) if forum else "-"
    keep = Option("keep", ctx.t("forum_admin.keep_time"), ("tetap", "same"))
    back = choices.back(ctx.t, "forum_admin.back_to_forum")
    text = ctx.t("forum_admin.ask_move_when", when=when, example=example(ctx.now))
    return Prompt(text, (keep, back), accepts=TEXT)


def on_move_when(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(MANAGE_FLOW, "forum")
        return
    if answer.option == "keep":
        ctx.data["new_starts"] = None
    else:
        try:
            starts = parse_wib_datetime(answer.text or "", ctx.now)
        except Invalid as problem:
            ctx.refuse(problem)
            return
        ctx.data["new_starts"] = starts.isoformat()
    ctx.goto(MANAGE_FLOW, "move_place")


def ask_move_place(ctx: Ctx) -> Prompt:
    """A new place, or the same one."""
    forum = _chosen(ctx)
    place = place_of(ctx, forum) if forum else "-"
    keep = Option("keep", ctx.t("forum_admin.keep_place"), ("tetap", "same"))
    return Prompt(ctx.t("forum_admin.ask_move_place", place=place), (keep,), accepts=TEXT)


def on_move_place(ctx: Ctx, answer: Answer) -> None:
    forum = _chosen(ctx)
    if forum is None:
        _gone(ctx)
        return
    place = None
    if answer.option != "keep":
        try:
            place = check_text(answer.text or "", FORUM.place, one_line=True)
        except Invalid as problem:
            ctx.refuse(problem)
            return
    if not _new_starts(ctx, forum) and place in (None, forum.place):
        ctx.invalid(ctx.t("forum_admin.move_unchanged"))
        return
    ctx.data["new_place"] = place
    ctx.goto(MANAGE_FLOW, "move_confirm")


def _new_starts(ctx: Ctx, forum: ForumEvent) -> datetime | None:
    """The new start typed, when it differs from the forum's."""
    value = ctx.data.get("new_starts")
    starts = datetime.fromisoformat(value) if value else None
    return starts if starts is not None and starts != forum.starts_at else None


def ask_move_confirm(ctx: Ctx) -> Prompt:
    """The new time and place, and how many followers will be told."""
    forum = _chosen(ctx)
    if forum is None or forum.id is None:
        return Prompt(ctx.t("forum.gone"), (Option("pick", ctx.t("forum_admin.other_forum")),))
    starts = _new_starts(ctx, forum) or forum.starts_at
    place = ctx.data.get("new_place") or place_of(ctx, forum)
    text = ctx.t(
        "forum_admin.confirm_move",
        title=forum.title,
        when=ctx.t.datetime(starts),
        place=place,
        count=followers(ctx.session, forum.id),
    )
    return Prompt(
        text,
        (
            Option("save", ctx.t("forum_admin.save_and_tell"), ("simpan", "save")),
            Option("edit", ctx.t("forum_admin.edit"), ("ubah", "edit")),
            Option("cancel", ctx.t("forum_admin.drop"), ("batal", "cancel")),
        ),
    )


def on_move_confirm(ctx: Ctx, answer: Answer) -> None:
    forum = _chosen(ctx)
    if answer.option == "pick" or forum is None or forum.id is None:
        ctx.goto(MANAGE_FLOW, "pick")
        return
    if answer.option == "edit":
        ctx.goto(MANAGE_FLOW, "move_when")
        return
    if answer.option == "cancel":
        ctx.note(ctx.t("forum_admin.move_dropped"))
        ctx.goto(MANAGE_FLOW, "forum")
        return
    try:
        moved = move_forum(
            session=ctx.session,
            forum_id=forum.id,
            starts_at=_new_starts(ctx, forum) or forum.starts_at,
            place=ctx.data.get("new_place"),
            now=ctx.now,
        )
    except ForumError as refused:
        if refused.reason == "starts_at":  # the new time passed while on screen
            ctx.invalid(ctx.t("forum_admin.start_passed"))
            ctx.goto(MANAGE_FLOW, "move_when")
            return
        if refused.reason == "unchanged":  # moved to just this by someone else meanwhile
            ctx.invalid(ctx.t("forum_admin.move_unchanged"))
            ctx.goto(MANAGE_FLOW, "move_when")
            return
        _gone(ctx)
        return
    forum_moved(ctx.session, ctx.settings.translators, moved, ctx.now, ctx.resident.identity)
    ctx.say(ctx.t("forum_admin.moved", title=moved.title, count=followers(ctx.session, forum.id)))
    ctx.goto(MANAGE_FLOW, "forum")


def ask_cancel_confirm(ctx: Ctx) -> Prompt:
    forum = _chosen(ctx)
    title = forum.title if forum else "-"
    when = ctx.t.datetime(forum.starts_at) if forum else "-"
    count = followers(ctx.session, forum.id) if forum and forum.id else 0
    return Prompt(
        ctx.t("forum_admin.confirm_cancel", title=title, when=when, count=count),
        (
            Option("yes", ctx.t("forum_admin.cancel_yes"), ("ya", "yes")),
            Option("no", ctx.t("forum_admin.cancel_no"), ("tidak", "no")),
        ),
    )


def on_cancel_confirm(ctx: Ctx, answer: Answer) -> None:
    forum = _chosen(ctx)
    if answer.option != "yes" or forum is None or forum.id is None:
        ctx.goto(MANAGE_FLOW, "forum")
        return
    count = followers(ctx.session, forum.id)
    try:
        cancelled = cancel_forum(session=ctx.session, forum_id=forum.id, now=ctx.now)
    except ForumError:
        _gone(ctx)
        return
    forum_cancelled(
        ctx.session, ctx.settings.translators, cancelled, ctx.now, ctx.resident.identity
    )
    ctx.say(ctx.t("forum_admin.cancelled", title=cancelled.title, count=count))
    ctx.data["page"] = 0
    ctx.goto(MANAGE_FLOW, "pick")


def ask_summary_text(ctx: Ctx) -> Prompt:
    """The result in a few sentences: decisions, proposals chosen, next steps."""
    back = choices.back(ctx.t, "forum_admin.back_to_forum")
    return Prompt(ctx.t("forum_admin.ask_summary"), (back,), accepts=TEXT)


def on_summary_text(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(MANAGE_FLOW, "forum")
        return
    try:
        ctx.data["summary"] = check_text(answer.text or "", FORUM.summary)
    except Invalid as problem:
        ctx.refuse(problem)
        return
    ctx.goto(MANAGE_FLOW, "summary_confirm")


def ask_summary_confirm(ctx: Ctx) -> Prompt:
    """The result exactly as residents will read it, and how many will."""
    forum = _chosen(ctx)
    if forum is None or forum.id is None:
        return Prompt(ctx.t("forum.gone"), (Option("pick", ctx.t("forum_admin.other_forum")),))
    message = ctx.t(
        "forum.summary",
        type=type_label(ctx.t, forum.forum_type),
        title=forum.title,
        when=ctx.t.datetime(forum.starts_at),
        summary=ctx.data.get("summary", ""),
    )
    text = ctx.t(
        "forum_admin.confirm_summary", message=message, count=answered(ctx.session, forum.id)
    )
    return Prompt(
        text,
        (
            Option("send", ctx.t("forum_admin.send"), ("kirim", "send")),
            Option("edit", ctx.t("forum_admin.edit"), ("ubah", "edit")),
            Option("cancel", ctx.t("forum_admin.drop"), ("batal", "cancel")),
        ),
    )


def on_summary_confirm(ctx: Ctx, answer: Answer) -> None:
    forum = _chosen(ctx)
    if answer.option == "pick" or forum is None or forum.id is None:
        ctx.goto(MANAGE_FLOW, "pick")
        return
    if answer.option == "edit":
        ctx.goto(MANAGE_FLOW, "summary_text")
        return
    if answer.option == "cancel":
        ctx.note(ctx.t("forum_admin.summary_dropped"))
        ctx.goto(MANAGE_FLOW, "forum")
        return
    try:
        held = post_summary(
            session=ctx.session,
            forum_id=forum.id,
            summary=ctx.data.get("summary", ""),
            now=ctx.now,
        )
    except ForumError:
        _gone(ctx)
        return
    forum_summary(ctx.session, ctx.settings.translators, held, ctx.now, ctx.resident.identity)
    ctx.say(
        ctx.t("forum_admin.summary_sent", title=held.title, count=answered(ctx.session, forum.id))
    )
    ctx.data["page"] = 0
    ctx.goto(MANAGE_FLOW, "pick")


MANAGE_FORUMS = Flow(
    name=MANAGE_FLOW,
    start="pick",
    role="facilitator",
    steps={
        "pick": Step(ask_pick, on_pick),
        "forum": Step(ask_forum, on_forum),
        "move_when": Step(ask_move_when, on_move_when),
        "move_place": Step(ask_move_place, on_move_place),
        "move_confirm": Step(ask_move_confirm, on_move_confirm),
        "cancel_confirm": Step(ask_cancel_confirm, on_cancel_confirm),
        "summary_text": Step(ask_summary_text, on_summary_text),
        "summary_confirm": Step(ask_summary_confirm, on_summary_confirm),
    },
)
