"""Facilitators run the forums they scheduled, in chat.

/kelola_forum: pick (paged) → forum
  ├─Pindahkan jadwal──▶ move_when → move_place → move_confirm ──▶ moved, followers told
  ├─Batalkan forum────▶ cancel_confirm ──▶ cancelled, followers told
  └─Kirim hasil forum─▶ summary_text → summary_confirm ──▶ held, those who answered told
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.core.datetimes import example, parse_wib_datetime, short_date
from handlers.core.flow import HOME, Answer, Ctx, Flow, Prompt, Step, Steps
from handlers.core.naming import forum_name
from handlers.core.types import Option, Translator
from handlers.core.validation import check_text
from handlers.forums.cards import (
    ForumList,
    awaits_summary,
    describe,
    is_upcoming,
    place_of,
)
from handlers.forums.new import answered, followers
from handlers.forums.notices import forum_cancelled, forum_moved, forum_summary
from handlers.widgets.choices import back, menu, yes_no
from handlers.widgets.paging import Pager
from handlers.widgets.picker import Picker
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.forums import (
    ForumError,
    cancel_forum,
    get_forum,
    list_forums,
    move_forum,
    post_summary,
)
from storage.limits import FORUM
from storage.models import ForumEvent

SUMMARY_WINDOW = timedelta(days=30)  # forums that took place this long ago still show


class Manage(Steps, flow="forum_manage"):
    PICK = "pick"
    FORUM = "forum"
    MOVE_WHEN = "move_when"
    MOVE_PLACE = "move_place"
    MOVE_CONFIRM = "move_confirm"
    CANCEL_CONFIRM = "cancel_confirm"
    SUMMARY_TEXT = "summary_text"
    SUMMARY_CONFIRM = "summary_confirm"


class ManageDraft(ForumList):
    new_starts: datetime | None = None  # None: the time stays
    new_place: str | None = None  # None: the place stays
    summary: str | None = None


def _draft(ctx: Ctx) -> ManageDraft:
    return ctx.draft(ManageDraft)


def start_manage(ctx: Ctx, _args: str) -> None:
    """``/kelola_forum``: choose a forum to move, cancel, or report on."""
    ctx.goto(Manage.PICK, fresh=True)


def manageable(ctx: Ctx) -> list[ForumEvent]:
    """Forums still ahead, and those held in the last 30 days awaiting their result."""
    forums = list_forums(ctx.session, since=ctx.now - SUMMARY_WINDOW)
    return [f for f in forums if is_upcoming(f, ctx.now) or awaits_summary(f, ctx.now)]


def _pick_label(ctx: Ctx, forum: ForumEvent) -> str:
    mark = "📝 " if awaits_summary(forum, ctx.now) else ""  # its result is awaited
    return f"{mark}{forum.title} · {short_date(forum.starts_at)}"


PICK = Picker[ForumEvent](
    draft=ManageDraft,
    key=lambda forum: forum.id,
    label=_pick_label,
    holding="forum",
    prefix="f:",
    pager=Pager(6),
)


def ask_pick(ctx: Ctx) -> Prompt:
    """One page of forums to manage."""
    forums = manageable(ctx)
    awaiting = any(awaits_summary(f, ctx.now) for f in forums)
    return PICK.prompt(
        ctx,
        forums,
        text="forum_admin.ask_pick",
        empty="forum_admin.no_forums",
        tail=("\n\n" + ctx.t("forum_admin.pick_hint")) if awaiting else "",
        after=(menu(ctx.t),),
    )


def on_pick(ctx: Ctx, answer: Answer) -> None:
    draft = _draft(ctx)
    draft.new_starts = draft.new_place = draft.summary = None  # nothing typed yet
    if not PICK.answer(ctx, answer.option, again=Manage.PICK, then=Manage.FORUM):
        ctx.goto(HOME)


def _chosen(ctx: Ctx) -> ForumEvent | None:
    try:
        return get_forum(ctx.session, _draft(ctx).forum or 0)
    except ForumError:
        return None


def ask_forum(ctx: Ctx) -> Prompt:
    """The forum with its answers and followers, and what can be done with it now."""
    t, forum = ctx.t, _chosen(ctx)
    leave = (back(t, "forum_admin.other_forum", "pick"), menu(t))
    if forum is None or forum.id is None:
        return Prompt(t("forum.gone"), leave)
    parts = [describe(ctx, forum)]
    options: list[Option] = []
    if is_upcoming(forum, ctx.now):
        parts.append(t("forum_admin.followers", count=followers(ctx.session, forum.id)))
        options += [
            option(t, "move", "forum_admin.move", "forum_move"),
            option(t, "cancel", "forum_admin.cancel_forum", "forum_cancel"),
        ]
    elif awaits_summary(forum, ctx.now):
        parts.append(t("forum_admin.took_place", count=answered(ctx.session, forum.id)))
        options.append(option(t, "summary", "forum_admin.post_summary", "forum_result"))
    elif forum.status == "cancelled":
        parts.append(t("forum_admin.status_cancelled"))
    else:
        parts.append(t("forum_admin.status_held", summary=forum.summary or "-"))
    return Prompt("\n\n".join(parts), (*options, *leave))


def on_forum(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "move":
            draft = _draft(ctx)
            draft.new_starts = draft.new_place = None
            ctx.goto(Manage.MOVE_WHEN)
        case "cancel":
            ctx.goto(Manage.CANCEL_CONFIRM)
        case "summary":
            ctx.goto(Manage.SUMMARY_TEXT)
        case "pick":
            ctx.goto(Manage.PICK)
        case _:
            ctx.goto(HOME)


def _gone(ctx: Ctx) -> None:
    """The forum changed under us (another facilitator, the CLI): show it again."""
    ctx.note(ctx.t("forum_admin.changed_meanwhile"))
    ctx.goto(Manage.FORUM)


def _keep(t: Translator, label: str) -> Option:
    """The time or the place stays as it is."""
    return option(t, "keep", label, "keep_same")


def ask_move_when(ctx: Ctx) -> str:
    """The new date and time, or the same time (only the place changes)."""
    forum = _chosen(ctx)
    when = ctx.t.datetime(forum.starts_at) if forum else "-"
    return ctx.t("forum_admin.ask_move_when", when=when, example=example(ctx.now))


def keep_starts(ctx: Ctx, starts: datetime | None) -> None:
    _draft(ctx).new_starts = starts
    ctx.goto(Manage.MOVE_PLACE)


def ask_move_place(ctx: Ctx) -> str:
    """A new place, or the same one."""
    forum = _chosen(ctx)
    place = place_of(ctx, forum) if forum else "-"
    return ctx.t("forum_admin.ask_move_place", place=place)


def keep_place(ctx: Ctx, place: str | None) -> None:
    forum = _chosen(ctx)
    if forum is None:
        _gone(ctx)
        return
    if not _new_starts(ctx, forum) and place in (None, forum.place):
        ctx.invalid(ctx.t("forum_admin.move_unchanged"))
        return
    _draft(ctx).new_place = place
    ctx.goto(Manage.MOVE_CONFIRM)


def _new_starts(ctx: Ctx, forum: ForumEvent) -> datetime | None:
    """The new start typed, when it differs from the forum's."""
    starts = _draft(ctx).new_starts
    return starts if starts is not None and starts != forum.starts_at else None


def _confirm(t: Translator, value: str, label: str, words_name: str) -> tuple[Option, ...]:
    """Go ahead (``value``), change what was typed, or drop it."""
    return (
        option(t, value, label, words_name),
        option(t, "edit", "forum_admin.edit", "edit"),
        option(t, "cancel", "forum_admin.drop", "cancel"),
    )


def _gone_prompt(ctx: Ctx) -> Prompt:
    return Prompt(ctx.t("forum.gone"), (Option("pick", ctx.t("forum_admin.other_forum")),))


def ask_move_confirm(ctx: Ctx) -> Prompt:
    """The new time and place, and how many followers will be told."""
    forum = _chosen(ctx)
    if forum is None or forum.id is None:
        return _gone_prompt(ctx)
    text = ctx.t(
        "forum_admin.confirm_move",
        title=forum.title,
        when=ctx.t.datetime(_new_starts(ctx, forum) or forum.starts_at),
        place=_draft(ctx).new_place or place_of(ctx, forum),
        count=followers(ctx.session, forum.id),
    )
    return Prompt(text, _confirm(ctx.t, "save", "forum_admin.save_and_tell", "forum_save"))


def _confirmed(ctx: Ctx, answer: Answer, edit: Manage, dropped: str) -> ForumEvent | None:
    """The forum to act on once the facilitator goes ahead; None when they did not
    (another forum, change what was typed, or drop it)."""
    forum = _chosen(ctx)
    if answer.option == "pick" or forum is None or forum.id is None:
        ctx.goto(Manage.PICK)
    elif answer.option == "edit":
        ctx.goto(edit)
    elif answer.option == "cancel":
        ctx.note(ctx.t(dropped))
        ctx.goto(Manage.FORUM)
    else:
        return forum
    return None


def on_move_confirm(ctx: Ctx, answer: Answer) -> None:
    forum = _confirmed(ctx, answer, Manage.MOVE_WHEN, "forum_admin.move_dropped")
    if forum is None or forum.id is None:
        return
    starts, place = _new_starts(ctx, forum) or forum.starts_at, _draft(ctx).new_place
    try:
        moved = move_forum(
            session=ctx.session, forum_id=forum.id, starts_at=starts, place=place, now=ctx.now
        )
    except ForumError as refused:
        if refused.reason not in ("starts_at", "unchanged"):
            _gone(ctx)
            return
        # the new time passed while on screen, or someone else moved it just so meanwhile
        key = "start_passed" if refused.reason == "starts_at" else "move_unchanged"
        ctx.invalid(ctx.t(f"forum_admin.{key}"))
        ctx.goto(Manage.MOVE_WHEN)
        return
    forum_moved(ctx.session, ctx.settings.translators, moved, ctx.now, ctx.resident.identity)
    ctx.say(ctx.t("forum_admin.moved", title=moved.title, count=followers(ctx.session, forum.id)))
    ctx.goto(Manage.FORUM)


def ask_cancel_confirm(ctx: Ctx) -> Prompt:
    forum, t = _chosen(ctx), ctx.t
    if forum is None or forum.id is None:
        text = t("forum_admin.confirm_cancel", title="-", when="-", count=0)
    else:
        count = followers(ctx.session, forum.id)
        when = t.datetime(forum.starts_at)
        text = t("forum_admin.confirm_cancel", title=forum.title, when=when, count=count)
    return Prompt(text, yes_no(t, "forum_admin.cancel_yes", "forum_admin.cancel_no"))


def on_cancel_confirm(ctx: Ctx, answer: Answer) -> None:
    forum = _chosen(ctx)
    if answer.option != "yes" or forum is None or forum.id is None:
        ctx.goto(Manage.FORUM)
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
    _draft(ctx).page = 0
    ctx.goto(Manage.PICK)


def keep_summary(ctx: Ctx, summary: str) -> None:
    _draft(ctx).summary = summary
    ctx.goto(Manage.SUMMARY_CONFIRM)


def ask_summary_confirm(ctx: Ctx) -> Prompt:
    """The result exactly as residents will read it, and how many will."""
    forum = _chosen(ctx)
    if forum is None or forum.id is None:
        return _gone_prompt(ctx)
    message = ctx.t(
        "forum.summary",
        name=forum_name(ctx.t, forum.forum_type, forum.title),
        when=ctx.t.datetime(forum.starts_at),
        summary=_draft(ctx).summary or "",
    )
    count = answered(ctx.session, forum.id)
    text = ctx.t("forum_admin.confirm_summary", message=message, count=count)
    return Prompt(text, _confirm(ctx.t, "send", "forum_admin.send", "send"))


def on_summary_confirm(ctx: Ctx, answer: Answer) -> None:
    forum = _confirmed(ctx, answer, Manage.SUMMARY_TEXT, "forum_admin.summary_dropped")
    if forum is None or forum.id is None:
        return
    summary = _draft(ctx).summary or ""
    try:
        held = post_summary(session=ctx.session, forum_id=forum.id, summary=summary, now=ctx.now)
    except ForumError:
        _gone(ctx)
        return
    forum_summary(ctx.session, ctx.settings.translators, held, ctx.now, ctx.resident.identity)
    count = answered(ctx.session, forum.id)
    ctx.say(ctx.t("forum_admin.summary_sent", title=held.title, count=count))
    _draft(ctx).page = 0
    ctx.goto(Manage.PICK)


def on_move_when_option(ctx: Ctx, choice: str) -> None:
    if choice == "keep":
        keep_starts(ctx, None)
    else:
        ctx.goto(Manage.FORUM)


MANAGE_FORUMS = Flow(
    role="facilitator",
    steps={
        Manage.PICK: Step(ask_pick, on_pick, (Manage.PICK, Manage.FORUM, HOME)),
        Manage.FORUM: Step(
            ask_forum,
            on_forum,
            (Manage.MOVE_WHEN, Manage.CANCEL_CONFIRM, Manage.SUMMARY_TEXT, Manage.PICK, HOME),
        ),
        Manage.MOVE_WHEN: text_step(
            ask=ask_move_when,
            check_in=lambda ctx, text: parse_wib_datetime(text, ctx.now),
            keep=keep_starts,
            to=(Manage.MOVE_PLACE, Manage.FORUM),
            options=lambda ctx: (
                _keep(ctx.t, "forum_admin.keep_time"),
                back(ctx.t, "forum_admin.back_to_forum"),
            ),
            on_option=on_move_when_option,
        ),
        Manage.MOVE_PLACE: text_step(
            ask=ask_move_place,
            check=lambda text: check_text(text, FORUM.place, one_line=True),
            keep=keep_place,
            to=(Manage.MOVE_CONFIRM, Manage.FORUM),
            options=lambda ctx: (_keep(ctx.t, "forum_admin.keep_place"),),
            on_option=lambda ctx, _choice: keep_place(ctx, None),
        ),
        Manage.MOVE_CONFIRM: Step(
            ask_move_confirm, on_move_confirm, (Manage.PICK, Manage.MOVE_WHEN, Manage.FORUM)
        ),
        Manage.CANCEL_CONFIRM: Step(
            ask_cancel_confirm, on_cancel_confirm, (Manage.FORUM, Manage.PICK)
        ),
        Manage.SUMMARY_TEXT: text_step(
            ask=lambda ctx: ctx.t("forum_admin.ask_summary"),
            check=lambda text: check_text(text, FORUM.summary),
            keep=keep_summary,
            to=(Manage.SUMMARY_CONFIRM, Manage.FORUM),
            options=lambda ctx: (back(ctx.t, "forum_admin.back_to_forum"),),
            on_option=lambda ctx, _choice: ctx.goto(Manage.FORUM),
        ),
        Manage.SUMMARY_CONFIRM: Step(
            ask_summary_confirm,
            on_summary_confirm,
            (Manage.PICK, Manage.SUMMARY_TEXT, Manage.FORUM),
        ),
    },
)
