"""Konsol's announcement form as typed, and its check (the chat's rules for
/umumkan: ``handlers.announcements.compose``), apart from the page's routes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from handlers.announcements.compose import KINDS, check_text
from handlers.core.types import Translator
from handlers.core.validation import Invalid
from storage.announcements import AnnouncementError, Segment, check_segment
from storage.clock import WIB
from storage.wilayah import Wilayah

MAX_AHEAD = timedelta(days=366)  # as in chat: further is almost surely a typo in the year


@dataclass(frozen=True)
class Draft:
    """The compose form as typed (strings, kept as they are for a redraw)."""

    text: str = ""
    segment: str = "everyone"
    kecamatan: str = ""
    kelurahan: str = ""
    training: str = ""
    forum: str = ""
    when: str = "now"  # or "later": at ``date`` ``time`` (WIB)
    date: str = ""
    time: str = ""
    photo: str = ""  # a stored photo's reference, once uploaded
    photo_sig: str = ""

    @classmethod
    def of(cls, fields: dict[str, str]) -> Draft:
        names = cls.__dataclass_fields__
        return cls(**{n: fields.get(n, "").strip() for n in names if n != "text"}).with_text(
            fields.get("text", "")
        )

    def with_text(self, text: str) -> Draft:
        return replace(self, text=text.replace("\r\n", "\n"))

    def segment_value(self) -> str | None:
        """The value the chosen kind of segment reads."""
        return {
            "kecamatan": self.kecamatan,
            "kelurahan": self.kelurahan,
            "training": self.training,
            "forum_subscribers": self.forum,
            "forum_rsvp": self.forum,
        }.get(self.segment) or None

    def as_segment(self) -> Segment:
        return Segment(self.segment, self.segment_value())


@dataclass(frozen=True)
class Checked:
    """A draft that passed: the text cleaned, the segment and the time."""

    text: str
    segment: Segment
    send_at: datetime | None  # None: now


def scheduled_at(draft: Draft, now: datetime) -> datetime:
    """The WIB date and time typed; Invalid when missing, past or too far."""
    try:
        day = date.fromisoformat(draft.date)
        at = time.fromisoformat(draft.time)
    except ValueError:
        raise Invalid("konsol.pengumuman.when_missing") from None
    moment = datetime.combine(day, at.replace(second=0, microsecond=0), tzinfo=WIB)
    if moment <= now:
        raise Invalid("konsol.pengumuman.when_past")
    if moment > now + MAX_AHEAD:
        raise Invalid("konsol.pengumuman.when_far")
    return moment


def check_draft(
    session: Session, draft: Draft, *, t: Translator, wilayah: Wilayah, now: datetime
) -> tuple[Checked | None, dict[str, str]]:
    """The draft checked as chat checks each answer: the text (shorter with a
    photo), a segment that names something, a time ahead; problems by field name,
    in the visitor's words."""
    problems: dict[str, str] = {}
    text, send_at = "", None
    try:
        text = check_text(draft.text, caption=bool(draft.photo))
    except Invalid as invalid:
        problems["text"] = t(invalid.key, **invalid.params)
    segment = draft.as_segment()
    try:
        if segment.kind not in KINDS:
            raise AnnouncementError("segment")
        if segment.kind == "kecamatan" and wilayah.find_kecamatan(segment.value) is None:
            raise AnnouncementError("segment")
        if segment.kind == "kelurahan" and wilayah.find_kelurahan(segment.value) is None:
            raise AnnouncementError("segment")
        check_segment(session, segment)
    except AnnouncementError:
        problems["segment"] = t("konsol.pengumuman.segment_missing")
    if draft.when == "later":
        try:
            send_at = scheduled_at(draft, now)
        except Invalid as invalid:
            problems["when"] = t(invalid.key)
    elif draft.when != "now":
        problems["when"] = t("konsol.pengumuman.when_missing")
    if problems:
        return None, problems
    return Checked(text, segment, send_at), {}
