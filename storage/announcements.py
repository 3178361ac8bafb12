"""Announcements to a segment of residents: who is in it, the fan-out into the
outbox in batches, cancelling, and the delivery figures.

A segment is resolved twice: its count for the sender's preview, and again
batch by batch at fan-out, so a resident who said BERHENTI (or blocked the bot)
in between is left out. Rows already written are checked once more when they
are claimed for sending (``storage.outbox.skip_opted_out``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, insert, or_, update
from sqlmodel import Session, col, func, select

from storage.limits import ANNOUNCEMENT
from storage.models import (
    SEGMENT_KINDS,
    Announcement,
    ForumEvent,
    ForumRsvp,
    ForumSubscription,
    OutboxMessage,
    Resident,
    TrainingProgram,
    TrainingRegistration,
)

# Kinds of outbox rows a resident stops with BERHENTI / STOP (never status
# notifications about their own aspirations, replies or training reminders).
BROADCAST_KINDS = ("announcement", "forum_reminder", "forum_notice", "forum_summary")
BROADCAST_CHANNELS = ("telegram", "whatsapp")  # console residents have no inbox to push to
BROADCAST_PRIORITY = 100  # behind replies (0) and personal notices (10)
FANOUT_BATCH = 1000


class AnnouncementError(Exception):
    """A refused action; ``reason`` is a short key the caller turns into words, with
    ``params`` (the CLI: ``cli.announcement.<reason>``). ``str()`` is one English line."""

    def __init__(self, reason: str, detail: str = "", **params: object) -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Segment:
    """Who an announcement goes to: ``everyone``, a ``kecamatan`` or ``kelurahan``
    (by code), the seated participants of a ``training`` (program id), a forum's
    ``forum_subscribers`` (subscribed to its area, or answered its RSVP) or only
    those who answered its RSVP, ``forum_rsvp`` (forum id)."""

    kind: str
    value: str | None = None


def check_segment(session: Session, segment: Segment) -> None:
    """Refuse a segment that names nothing (AnnouncementError)."""
    if segment.kind not in SEGMENT_KINDS:
        raise AnnouncementError("segment", f"segment must be one of {', '.join(SEGMENT_KINDS)}")
    if segment.kind == "everyone":
        return
    if not segment.value:
        raise AnnouncementError("segment", f"segment {segment.kind} needs a value")
    if segment.kind in ("training", "forum_subscribers", "forum_rsvp"):
        table = TrainingProgram if segment.kind == "training" else ForumEvent
        if not segment.value.isdecimal() or session.get(table, int(segment.value)) is None:
            raise AnnouncementError("segment", f"no {segment.kind} {segment.value}")


# Following a forum (a reminder subscription or an RSVP) is the resident's own
# request, kept with the chat account alone: that forum's reminders, moves,
# cancellation and result reach them whether or not they agreed to the privacy
# notice. Everything else is news chosen by the city for a place or a group, and
# reaches only residents who agreed to it.
FOLLOWING_KINDS = ("forum_subscribers", "forum_rsvp")


def _reachable(*, consent_needed: bool = True) -> list[Any]:
    """Who an announcement may go to: residents of a chat app who did not stop
    announcements and are reachable, and (``consent_needed``) agreed to the privacy
    notice: one who declined is only a chat identity, kept for answering them and
    for what they asked for themselves, not for telling them news."""
    rules = [
        col(Resident.channel).in_(BROADCAST_CHANNELS),
        col(Resident.unreachable_at).is_(None),
        col(Resident.announcements_off_at).is_(None),
    ]
    if consent_needed:
        rules.append(col(Resident.consent_at).is_not(None))
    return rules


def subscribed_to(level: str, area_code: str | None) -> ColumnElement[bool]:
    """Residents subscribed to reminders of forums at ``level`` (kota, kecamatan,
    kelurahan) who live in the forum's area (their home at send time)."""
    subscribed = select(ForumSubscription.resident_id).where(ForumSubscription.scope == level)
    in_area: ColumnElement[bool] = col(Resident.id).in_(subscribed)
    if level == "kecamatan":
        in_area = and_(in_area, col(Resident.home_kecamatan_code) == area_code)
    elif level == "kelurahan":
        in_area = and_(in_area, col(Resident.home_kelurahan_code) == area_code)
    return in_area


def forum_subscribers(level: str, area_code: str | None) -> Select[Any]:
    """``SELECT resident.id, …`` of those a new forum's reminders reach (nobody
    has answered its RSVP yet): the ``forum_subscribers`` rule of ``members``."""
    query = select(Resident.id, Resident.identity, Resident.language)
    return query.where(*_reachable(consent_needed=False), subscribed_to(level, area_code))  # type: ignore[return-value]


def members(session: Session, segment: Segment) -> Select[Any]:
    """``SELECT resident.id, resident.identity, resident.language`` of the segment,
    without the opted-out and the unreachable, and (but for a forum's followers)
    without those who declined consent."""
    consent_needed = segment.kind not in FOLLOWING_KINDS
    query = select(Resident.id, Resident.identity, Resident.language).where(
        *_reachable(consent_needed=consent_needed)
    )
    value = segment.value
    match segment.kind:
        case "everyone":
            pass
        case "kecamatan":
            query = query.where(Resident.home_kecamatan_code == value)
        case "kelurahan":
            query = query.where(Resident.home_kelurahan_code == value)
        case "training":
            seated = select(TrainingRegistration.resident_id).where(
                TrainingRegistration.program_id == int(value or 0),
                TrainingRegistration.status == "registered",
            )
            query = query.where(col(Resident.id).in_(seated))
        case "forum_rsvp":
            answered = select(ForumRsvp.resident_id).where(ForumRsvp.forum_id == int(value or 0))
            query = query.where(col(Resident.id).in_(answered))
        case "forum_subscribers":
            forum = session.get(ForumEvent, int(value or 0))
            level = forum.area_level if forum else "kota"
            in_area = subscribed_to(level, forum.area_code if forum else None)
            # and whoever answered its RSVP, subscribed or not: they follow this forum
            answered = select(ForumRsvp.resident_id).where(ForumRsvp.forum_id == int(value or 0))
            query = query.where(or_(in_area, col(Resident.id).in_(answered)))
        case _:
            raise AnnouncementError("segment", f"unknown segment {segment.kind}")
    return query  # type: ignore[return-value]


def count_members(session: Session, segment: Segment) -> int:
    """The exact number of recipients, as the preview shows it."""
    check_segment(session, segment)
    inner = members(session, segment).subquery()
    return int(session.exec(select(func.count()).select_from(inner)).one())


def create_announcement(
    *,
    session: Session,
    text: str,
    segment: Segment,
    send_at: datetime,
    actor: str,
    now: datetime,
    kind: str = "announcement",
    photo: str | None = None,
    document: str | None = None,
    template: str | None = None,
    params: Mapping[str, Any] | None = None,
    forum_id: int | None = None,
) -> Announcement:
    check_segment(session, segment)
    maximum = ANNOUNCEMENT.text.maximum
    if not text.strip():
        raise AnnouncementError("text", "the announcement has no text", maximum=maximum)
    if len(text) > maximum:
        raise AnnouncementError(
            "text", f"the text is longer than {maximum} characters", maximum=maximum
        )
    announcement = Announcement(
        kind=kind,
        text=text,
        photo=photo,
        document=document,
        template=template,
        params=dict(params or {}),
        segment_kind=segment.kind,
        segment_value=segment.value,
        send_at=max(send_at, now),
        forum_id=forum_id,
        created_by=actor,
        created_at=now,
    )
    session.add(announcement)
    session.flush()
    return announcement


def due_announcements(session: Session, now: datetime) -> list[int]:
    """Announcements whose time has come and whose fan-out is not finished."""
    query = (
        select(Announcement.id)
        .where(
            col(Announcement.status).in_(("scheduled", "fanning_out")),
            col(Announcement.send_at) <= now,
        )
        .order_by(col(Announcement.send_at), col(Announcement.id))
    )
    return [i for i in session.exec(query) if i is not None]


# (announcement, language) → the outbox payload (text, options…) in that language
Render = Callable[[Announcement, str], dict[str, Any]]


def fan_out_batch(
    *,
    session: Session,
    announcement_id: int,
    now: datetime,
    render: Render | None = None,
    batch: int = FANOUT_BATCH,
) -> int:
    """Write the next ``batch`` recipients' outbox rows; returns how many.

    Call in a fresh transaction each time until it returns 0: the cursor (the
    last resident id written) is saved with the rows, so a crash between batches
    neither skips nor repeats anyone. The announcement's row is locked, so two
    processes never write the same batch."""
    query = select(Announcement).where(Announcement.id == announcement_id).with_for_update()
    announcement = session.exec(query).first()
    if announcement is None or announcement.status not in ("scheduled", "fanning_out"):
        return 0
    segment = Segment(announcement.segment_kind, announcement.segment_value)
    rows = session.execute(
        members(session, segment)
        .where(col(Resident.id) > announcement.cursor)
        .order_by(col(Resident.id))
        .limit(batch)
    ).all()
    payloads: dict[str, dict[str, Any]] = {}
    values = []
    for _resident_id, identity, language in rows:
        if language not in payloads:
            payloads[language] = (render or _as_written)(announcement, language)
        channel, _, recipient = identity.partition(":")
        values.append(
            {
                "channel": channel,
                "recipient": recipient,
                "kind": announcement.kind,
                "priority": BROADCAST_PRIORITY,
                "payload": payloads[language],
                "status": "pending",
                "attempts": 0,
                "due_at": now,
                "created_at": now,
                "announcement_id": announcement.id,
            }
        )
    if values:
        session.execute(insert(OutboxMessage), values)
        announcement.cursor = rows[-1][0]
        announcement.recipients += len(values)
    if len(rows) < batch:
        announcement.status, announcement.fanned_out_at = "sent", now
    else:
        announcement.status = "fanning_out"
    session.add(announcement)
    session.flush()
    return len(values)


def _as_written(announcement: Announcement, _language: str) -> dict[str, Any]:
    return payload_of(announcement, announcement.text)


def payload_of(announcement: Announcement, text: str) -> dict[str, Any]:
    """The outbox payload: the text and the announcement's photo or document."""
    payload: dict[str, Any] = {"text": text}
    if announcement.photo:
        payload["photo"] = announcement.photo
    if announcement.document:
        payload["document"] = announcement.document
    return payload


def cancel_announcement(
    *, session: Session, announcement_id: int, now: datetime, force: bool = False
) -> int:
    """Cancel an announcement that has not started; with ``force`` (a moved or
    cancelled forum's reminders) also one being sent: its rows not yet sent are
    marked ``cancelled``. Returns how many rows were withdrawn."""
    announcement = session.get(Announcement, announcement_id)
    if announcement is None:
        raise AnnouncementError(
            "not_found", f"no announcement {announcement_id}", id=announcement_id
        )
    if announcement.status == "cancelled":
        raise AnnouncementError(
            "cancelled", f"announcement {announcement_id} is already cancelled", id=announcement_id
        )
    started = announcement.status != "scheduled" or announcement.send_at <= now
    if started and not force:
        raise AnnouncementError(
            "started", f"announcement {announcement_id} has already started", id=announcement_id
        )
    withdrawn = session.execute(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.announcement_id) == announcement_id,
            col(OutboxMessage.status) == "pending",
        )
        .values(status="cancelled", claimed_until=None, claim=None)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    announcement.status, announcement.cancelled_at = "cancelled", now
    session.add(announcement)
    session.flush()
    return int(withdrawn or 0)


@dataclass(frozen=True)
class DeliveryStats:
    announcement: Announcement
    by_status: dict[str, int]

    @property
    def written(self) -> int:
        return sum(self.by_status.values())

    def __getitem__(self, status: str) -> int:
        return self.by_status.get(status, 0)


def delivery_stats(session: Session, announcement_id: int) -> DeliveryStats:
    """How the announcement's rows stand: pending, sent, failed, unreachable, opted out."""
    announcement = session.get(Announcement, announcement_id)
    if announcement is None:
        raise AnnouncementError(
            "not_found", f"no announcement {announcement_id}", id=announcement_id
        )
    counts = session.exec(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.announcement_id == announcement_id)
        .group_by(col(OutboxMessage.status))
    ).all()
    return DeliveryStats(announcement, {status: int(n) for status, n in counts})


def set_opt_out(*, session: Session, resident: Resident, now: datetime | None) -> bool:
    """BERHENTI (``now``) or /langganan (None); False when nothing changed."""
    if (resident.announcements_off_at is None) == (now is None):
        return False
    resident.announcements_off_at = now
    session.add(resident)
    return True
