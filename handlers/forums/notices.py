"""What the bot itself tells a forum's followers: reminders before it, a new time,
a cancellation, and the result afterwards.

Each is an announcement to the forum's segment, written from a catalog key and
its parameters, so every resident reads it in their own language; reminders and
the notice of a new time carry RSVP buttons that work from any step
(``!rsvp:<forum>:<answer>``): whoever said Tidak to the old time answers again
in one press.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from handlers.core.naming import forum_name
from handlers.core.types import ACTION_PROMPT, Option, Reply, Translator
from storage.announcements import Segment, cancel_announcement, create_announcement, payload_of
from storage.forums import forums_to_remind
from storage.models import RSVP_ANSWERS, Announcement, ForumEvent, ForumReminder
from storage.reminders import due_reminder

logger = logging.getLogger(__name__)

Translators = Callable[[str], Translator]
SYSTEM = "system"


def forum_params(forum: ForumEvent) -> dict[str, Any]:
    return {
        "forum_id": forum.id,
        "title": forum.title,
        "forum_type": forum.forum_type,
        "starts_at": forum.starts_at.isoformat(),
        "place": forum.place,
        "summary": forum.summary or "",
    }


def rsvp_options(t: Translator, forum_id: int) -> tuple[Option, ...]:
    return tuple(Option(f"!rsvp:{forum_id}:{a}", t(f"forum.rsvp_{a}")) for a in RSVP_ANSWERS)


def renderer(translators: Translators) -> Callable[[Announcement, str], dict[str, Any]]:
    """Put a bot-written announcement into one language (facilitators' own text
    goes out as written)."""

    def render(announcement: Announcement, language: str) -> dict[str, Any]:
        if not announcement.template:
            return payload_of(announcement, announcement.text)
        t = translators(language)
        params = dict(announcement.params)
        text = t(
            announcement.template,
            title=params.get("title", ""),
            type=t(f"forum.type_{params.get('forum_type', 'lainnya')}"),
            name=forum_name(t, params.get("forum_type", "lainnya"), params.get("title", "")),
            when=t.datetime(datetime.fromisoformat(params["starts_at"])),
            place=params.get("place") or t("forum.place_unknown"),
            summary=params.get("summary", ""),
        )
        asks = announcement.kind == "forum_reminder" or announcement.template == "forum.moved"
        if asks and params.get("forum_id"):
            options = rsvp_options(t, int(params["forum_id"]))
            return Reply(text=text, options=options, prompt_id=ACTION_PROMPT).to_payload()
        return payload_of(announcement, text)

    return render


def announce_to_followers(
    session: Session,
    translators: Translators,
    forum: ForumEvent,
    *,
    kind: str,
    template: str,
    now: datetime,
    segment_kind: str = "forum_subscribers",
    actor: str = SYSTEM,
) -> Announcement:
    assert forum.id is not None
    params = forum_params(forum)
    # The Indonesian text is kept for the sender's preview and status pages
    indonesian = renderer(translators)(
        Announcement(
            kind=kind, text="", template=template, params=params, segment_kind=segment_kind
        ),
        "id",
    )["text"]
    return create_announcement(
        session=session,
        text=indonesian,
        segment=Segment(segment_kind, str(forum.id)),
        send_at=now,
        actor=actor,
        now=now,
        kind=kind,
        template=template,
        params=params,
        forum_id=forum.id,
    )


def withdraw_reminders(session: Session, forum_id: int, now: datetime) -> int:
    """Stop the forum's reminders not sent yet (it moved or was cancelled)."""
    withdrawn = 0
    pending = session.exec(
        select(Announcement).where(
            Announcement.forum_id == forum_id,
            Announcement.kind == "forum_reminder",
            col(Announcement.status).in_(("scheduled", "fanning_out", "sent")),
        )
    ).all()
    for announcement in pending:
        assert announcement.id is not None
        withdrawn += cancel_announcement(
            session=session, announcement_id=announcement.id, now=now, force=True
        )
    return withdrawn


def _withdraw_and_tell(
    session: Session,
    translators: Translators,
    forum: ForumEvent,
    now: datetime,
    actor: str,
    template: str,
) -> Announcement:
    """The reminders not sent yet are withdrawn, and the followers hear the news."""
    assert forum.id is not None
    withdraw_reminders(session, forum.id, now)
    return announce_to_followers(
        session, translators, forum, kind="forum_notice", template=template, now=now, actor=actor
    )


def forum_moved(
    session: Session, translators: Translators, forum: ForumEvent, now: datetime, actor: str
) -> Announcement:
    """Withdraw the old reminders and tell the followers the new time."""
    return _withdraw_and_tell(session, translators, forum, now, actor, "forum.moved")


def forum_cancelled(
    session: Session, translators: Translators, forum: ForumEvent, now: datetime, actor: str
) -> Announcement:
    return _withdraw_and_tell(session, translators, forum, now, actor, "forum.cancelled")


def forum_summary(
    session: Session, translators: Translators, forum: ForumEvent, now: datetime, actor: str
) -> Announcement:
    """The result of the forum, to everyone who answered its RSVP."""
    return announce_to_followers(
        session,
        translators,
        forum,
        kind="forum_summary",
        template="forum.summary",
        now=now,
        segment_kind="forum_rsvp",
        actor=actor,
    )


def plan_forum_reminders(
    session: Session, translators: Translators, offsets: Sequence[timedelta], now: datetime
) -> int:
    """Create the forum reminders due at ``now`` (one announcement per forum,
    offset and start); returns how many were created. A reminder whose time
    came while the bot was down goes out late only while the forum is ahead."""
    if not offsets:
        return 0
    created = 0
    for forum in forums_to_remind(session, now=now, horizon=max(offsets)):
        due = due_reminder(
            starts_at=forum.starts_at, offsets=offsets, now=now, since=forum.updated_at
        )
        if due is None or _already(session, forum, due.offset_minutes):
            continue
        announcement = announce_to_followers(
            session, translators, forum, kind="forum_reminder", template="forum.reminder", now=now
        )
        assert forum.id is not None
        session.add(
            ForumReminder(
                forum_id=forum.id,
                offset_minutes=due.offset_minutes,
                starts_at=forum.starts_at,
                announcement_id=announcement.id,
                created_at=now,
            )
        )
        created += 1
    session.flush()
    if created:
        logger.info("forum reminders: %d planned", created)
    return created


def _already(session: Session, forum: ForumEvent, offset_minutes: int) -> bool:
    query = select(ForumReminder.id).where(
        ForumReminder.forum_id == forum.id,
        ForumReminder.offset_minutes == offset_minutes,
        ForumReminder.starts_at == forum.starts_at,
    )
    return session.exec(query).first() is not None
