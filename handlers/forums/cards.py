"""How a forum reads in chat, the same for residents, facilitators and reminders:
its type, area and place in words, its card (what, when, where, for whom),
where it stands (ahead, or held and awaiting its result), and what a list of
forums to pick from keeps."""

from __future__ import annotations

from datetime import datetime

from handlers.core.flow import Ctx, Draft
from handlers.core.naming import forum_name
from handlers.core.types import Translator
from handlers.widgets.places import kecamatan_name, place_name
from storage.forums import UPCOMING, NewForum, rsvp_counts
from storage.models import ForumEvent


def type_label(t: Translator, forum_type: str) -> str:
    return t(f"forum.type_{forum_type}")


def answer_label(t: Translator, answer: str) -> str:
    return t(f"forum.rsvp_{answer}")


def area_label(ctx: Ctx, level: str, code: str | None) -> str:
    """Whose forum it is: the whole city, a kecamatan, or one kelurahan."""
    if level == "kecamatan":
        return ctx.t("forum.area_kecamatan", kecamatan=kecamatan_name(ctx, code))
    if level == "kelurahan":
        return place_name(ctx, code)
    return ctx.t("forum.area_city")


def place_of(ctx: Ctx, forum: NewForum | ForumEvent) -> str:
    return forum.place or ctx.t("forum.place_unknown")


def forum_card(ctx: Ctx, forum: NewForum | ForumEvent) -> str:
    """What, when, where, for whom, whether it moved, and the agenda; a forum not
    saved yet (the facilitator's preview) reads the same."""
    parts = [
        ctx.t(
            "forum.detail",
            name=forum_name(ctx.t, forum.forum_type, forum.title),
            when=ctx.t.datetime(forum.starts_at),
            place=place_of(ctx, forum),
            area=area_label(ctx, forum.area_level, forum.area_code),
        )
    ]
    if isinstance(forum, ForumEvent) and forum.status == "moved":
        parts.append(ctx.t("forum.was_moved"))
    if forum.agenda:
        parts.append(ctx.t("forum.agenda", agenda=forum.agenda))
    return "\n\n".join(parts)


def describe(ctx: Ctx, forum: ForumEvent) -> str:
    """A saved forum as residents see it: its card and the answers so far."""
    assert forum.id is not None
    counts = rsvp_counts(ctx.session, forum.id)
    line = ctx.t(
        "forum.counts", hadir=counts["hadir"], tidak=counts["tidak"], mungkin=counts["mungkin"]
    )
    return forum_card(ctx, forum) + "\n\n" + line


def is_upcoming(forum: ForumEvent, now: datetime) -> bool:
    return forum.status in UPCOMING and forum.starts_at > now


def awaits_summary(forum: ForumEvent, now: datetime) -> bool:
    """It took place and its result has not been sent yet."""
    return forum.status in UPCOMING and forum.starts_at <= now and forum.summary_at is None


class ForumList(Draft):
    """A page of forums on screen, and the forum picked from it."""

    page: int = 0
    forum: int | None = None
