"""Forums (musrenbang, forum warga, sosialisasi): schedule, subscriptions, RSVPs.

A forum's ``updated_at`` changes only when its schedule does (created, moved,
cancelled, held): reminders whose time passed before that are not sent late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from storage.limits import FORUM
from storage.models import (
    AREA_LEVELS,
    FORUM_TYPES,
    RSVP_ANSWERS,
    ForumEvent,
    ForumRsvp,
    ForumSubscription,
)

UPCOMING = ("scheduled", "moved")


class ForumError(Exception):
    """A refused action; ``reason`` is a short key the caller turns into words, with
    ``params`` (the CLI: ``cli.forum.<reason>``). ``str()`` is one English line."""

    def __init__(self, reason: str, detail: str = "", **params: object) -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class NewForum:
    title: str
    starts_at: datetime
    forum_type: str = "forum_warga"
    place: str = ""
    agenda: str = ""
    area_level: str = "kota"
    area_code: str | None = None


def check_forum(forum: NewForum | ForumEvent) -> None:
    if not forum.title.strip() or len(forum.title) > FORUM.title.maximum:
        raise ForumError(
            "title",
            f"title must be 1–{FORUM.title.maximum} characters",
            maximum=FORUM.title.maximum,
        )
    if forum.forum_type not in FORUM_TYPES:
        types = ", ".join(FORUM_TYPES)
        raise ForumError("forum_type", f"type must be one of {types}", types=types)
    if forum.area_level not in AREA_LEVELS:
        levels = ", ".join(AREA_LEVELS)
        raise ForumError("area_level", f"area must be one of {levels}", levels=levels)
    if (forum.area_level == "kota") != (forum.area_code is None):
        raise ForumError("area_code", "a kecamatan or kelurahan area needs its code")


def create_forum(*, session: Session, new: NewForum, actor: str, now: datetime) -> ForumEvent:
    check_forum(new)
    if new.starts_at <= now:
        raise ForumError("starts_at", "the forum must start in the future")
    forum = ForumEvent(
        **{f.name: getattr(new, f.name) for f in fields(NewForum)},
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    session.add(forum)
    session.flush()
    return forum


def get_forum(session: Session, forum_id: int) -> ForumEvent:
    forum = session.get(ForumEvent, forum_id)
    if forum is None:
        raise ForumError("not_found", f"no forum {forum_id}", id=forum_id)
    return forum


def move_forum(
    *, session: Session, forum_id: int, starts_at: datetime, now: datetime, place: str | None = None
) -> ForumEvent:
    """A new time (and place): status ``moved``; the caller re-plans and announces."""
    forum = get_forum(session, forum_id)
    if forum.status not in UPCOMING:
        raise ForumError(forum.status, f"a {forum.status} forum cannot be moved")
    if starts_at <= now:
        raise ForumError("starts_at", "the new time must be in the future")
    if starts_at == forum.starts_at and (place is None or place == forum.place):
        raise ForumError("unchanged", "the forum already is at that time and place")
    forum.starts_at, forum.status, forum.updated_at = starts_at, "moved", now
    if place is not None:
        forum.place = place
    session.add(forum)
    session.flush()
    return forum


def cancel_forum(*, session: Session, forum_id: int, now: datetime) -> ForumEvent:
    forum = get_forum(session, forum_id)
    if forum.status not in UPCOMING:
        raise ForumError(forum.status, f"a {forum.status} forum cannot be cancelled")
    forum.status, forum.updated_at = "cancelled", now
    session.add(forum)
    session.flush()
    return forum


def post_summary(*, session: Session, forum_id: int, summary: str, now: datetime) -> ForumEvent:
    """The forum took place: its short result ("hasil forum") for those who RSVP'd."""
    forum = get_forum(session, forum_id)
    if forum.status == "cancelled":
        raise ForumError("cancelled", "a cancelled forum has no result")
    if forum.starts_at > now:
        raise ForumError("not_yet", "the forum has not taken place yet")
    if forum.summary_at is not None:
        raise ForumError("already", "the result of this forum was already sent")
    text = summary.strip()
    if not text or len(text) > FORUM.summary.maximum:
        maximum = FORUM.summary.maximum
        raise ForumError("summary", f"the result must be 1–{maximum} characters", maximum=maximum)
    forum.summary, forum.summary_at, forum.status = text, now, "held"
    forum.updated_at = now
    session.add(forum)
    session.flush()
    return forum


def in_area(forum: ForumEvent, kecamatan_code: str | None, kelurahan_code: str | None) -> bool:
    return (
        forum.area_level == "kota"
        or (forum.area_level == "kecamatan" and forum.area_code == kecamatan_code)
        or (forum.area_level == "kelurahan" and forum.area_code == kelurahan_code)
    )


def upcoming_forums(
    session: Session,
    *,
    now: datetime,
    kecamatan_code: str | None = None,
    kelurahan_code: str | None = None,
    everywhere: bool = False,
) -> list[ForumEvent]:
    """Forums still ahead, soonest first: for the resident's area (city-wide ones
    and those of their kecamatan and kelurahan), or all with ``everywhere``."""
    query = (
        select(ForumEvent)
        .where(col(ForumEvent.status).in_(UPCOMING), col(ForumEvent.starts_at) > now)
        .order_by(col(ForumEvent.starts_at), col(ForumEvent.id))
    )
    forums = list(session.exec(query))
    if everywhere:
        return forums
    return [f for f in forums if in_area(f, kecamatan_code, kelurahan_code)]


def list_forums(session: Session, *, since: datetime | None = None) -> list[ForumEvent]:
    query = select(ForumEvent).order_by(col(ForumEvent.starts_at), col(ForumEvent.id))
    if since is not None:
        query = query.where(col(ForumEvent.starts_at) >= since)
    return list(session.exec(query))


def subscriptions_of(session: Session, resident_id: int) -> set[str]:
    query = select(ForumSubscription.scope).where(ForumSubscription.resident_id == resident_id)
    return set(session.exec(query))


def set_subscription(
    *, session: Session, resident_id: int, scope: str, on: bool, now: datetime
) -> bool:
    """Subscribe to (or leave) the forums of one scope; False when nothing changed."""
    if scope not in AREA_LEVELS:
        raise ForumError("scope", f"scope must be one of {', '.join(AREA_LEVELS)}")
    existing = session.exec(
        select(ForumSubscription).where(
            ForumSubscription.resident_id == resident_id, ForumSubscription.scope == scope
        )
    ).first()
    if on and existing is None:
        session.add(ForumSubscription(resident_id=resident_id, scope=scope, created_at=now))
    elif not on and existing is not None:
        session.delete(existing)
    else:
        return False
    session.flush()
    return True


def rsvp_of(session: Session, forum_id: int, resident_id: int) -> ForumRsvp | None:
    return session.exec(
        select(ForumRsvp).where(
            ForumRsvp.forum_id == forum_id, ForumRsvp.resident_id == resident_id
        )
    ).first()


def set_rsvp(
    *, session: Session, forum_id: int, resident_id: int, answer: str, now: datetime
) -> ForumRsvp:
    """Hadir / tidak / mungkin; answering again changes the answer."""
    if answer not in RSVP_ANSWERS:
        raise ForumError("answer", f"answer must be one of {', '.join(RSVP_ANSWERS)}")
    forum = get_forum(session, forum_id)
    if forum.status not in UPCOMING or forum.starts_at <= now:
        raise ForumError("closed", "this forum no longer takes answers")
    rsvp = rsvp_of(session, forum_id, resident_id) or ForumRsvp(
        forum_id=forum_id, resident_id=resident_id, answer=answer, answered_at=now
    )
    rsvp.answer, rsvp.answered_at = answer, now
    session.add(rsvp)
    session.flush()
    return rsvp


def rsvp_counts(session: Session, forum_id: int) -> dict[str, int]:
    rows = session.exec(
        select(ForumRsvp.answer, func.count())
        .where(ForumRsvp.forum_id == forum_id)
        .group_by(col(ForumRsvp.answer))
    ).all()
    counts = {answer: 0 for answer in RSVP_ANSWERS}
    counts.update({answer: int(n) for answer, n in rows})
    return counts


def forums_to_remind(
    session: Session, *, now: datetime, horizon: timedelta
) -> Sequence[ForumEvent]:
    """Forums starting within ``horizon`` that may have a reminder due."""
    query = select(ForumEvent).where(
        col(ForumEvent.status).in_(UPCOMING),
        col(ForumEvent.starts_at) > now,
        col(ForumEvent.starts_at) <= now + horizon,
    )
    return session.exec(query).all()
