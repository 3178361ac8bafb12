"""What Konsol's Pengumuman page reads: the recent announcements with their
delivery figures, and the trainings and forums a segment may name.

Nothing here changes an announcement: composing and cancelling go through
``storage.announcements`` (``create_announcement``, ``cancel_announcement``), as
in chat and the CLI. The programs and forums offered are the ones the chat's
/umumkan offers (``handlers.announcements.compose``), so both list the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from storage.announcements import DeliveryStats, delivery_stats
from storage.forums import upcoming_forums
from storage.models import Announcement, ForumEvent, TrainingProgram
from storage.trainings import list_programs

# A facilitator's own messages; forum reminders and notices are written by the bot.
COMPOSED_KIND = "announcement"
PROGRAMS_SINCE = timedelta(days=30)  # finished programs this recent may still be told
PROGRAM_STATUSES = ("open", "closed", "finished")


def recent_announcements(*, session: Session, limit: int) -> list[DeliveryStats]:
    """The ``limit`` newest composed announcements, newest first, each with how
    its outbox rows stand (pending, sent, failed, …)."""
    query = (
        select(Announcement.id)
        .where(Announcement.kind == COMPOSED_KIND)
        .order_by(col(Announcement.id).desc())
        .limit(limit)
    )
    return [delivery_stats(session, number) for number in session.exec(query) if number]


def composed(*, session: Session, announcement_id: int) -> Announcement | None:
    """A composed announcement by its number (None for a bot-written one)."""
    announcement = session.get(Announcement, announcement_id)
    if announcement is None or announcement.kind != COMPOSED_KIND:
        return None
    return announcement


def segment_programs(*, session: Session, now: datetime) -> Sequence[TrainingProgram]:
    """Programs whose participants may be told: those not yet over (soonest first),
    then those over in the last 30 days (latest first), as in chat."""
    programs = list_programs(
        session, statuses=PROGRAM_STATUSES, upcoming_after=now - PROGRAMS_SINCE
    )
    ahead = [p for p in programs if p.ends_at > now]
    over = sorted((p for p in programs if p.ends_at <= now), key=lambda p: p.ends_at)
    return ahead + over[::-1]


def segment_forums(*, session: Session, now: datetime) -> Sequence[ForumEvent]:
    """Upcoming forums, whose followers or RSVPs may be told."""
    return upcoming_forums(session, now=now, everywhere=True)


REPEAT_WINDOW = timedelta(minutes=10)


def just_composed(
    *,
    session: Session,
    actor: str,
    text: str,
    segment: tuple[str, str | None],
    photo: str | None,
    now: datetime,
) -> Announcement | None:
    """The same announcement ``actor`` composed in the last ten minutes and did not
    cancel: a "Kirim" pressed twice, or the confirm form sent again with the
    browser's back button, must not reach residents twice."""
    kind, value = segment
    return session.exec(
        select(Announcement)
        .where(
            Announcement.kind == COMPOSED_KIND,
            Announcement.created_by == actor,
            Announcement.text == text,
            Announcement.segment_kind == kind,
            Announcement.segment_value == value
            if value is not None
            else col(Announcement.segment_value).is_(None),
            Announcement.photo == photo if photo else col(Announcement.photo).is_(None),
            col(Announcement.cancelled_at).is_(None),
            Announcement.created_at >= now - REPEAT_WINDOW,
        )
        .order_by(col(Announcement.id).desc())
    ).first()
