"""Who receives an announcement, in words and in number: for the preview in chat,
/status_umum and the CLI."""

from __future__ import annotations

from sqlmodel import Session

from handlers.core.datetimes import short_date
from handlers.core.types import Translator
from storage.announcements import AnnouncementError, Segment, count_members
from storage.models import ForumEvent, TrainingProgram
from storage.wilayah import Wilayah


def segment_label(t: Translator, session: Session, wilayah: Wilayah, segment: Segment) -> str:
    """Who receives it, in words: "Warga Kelurahan Bantan, Kecamatan Siantar Barat"."""
    kind, value = segment.kind, segment.value
    if kind == "everyone":
        return t("announce.segment_everyone")
    if kind == "kecamatan":
        kecamatan = wilayah.find_kecamatan(value)
        return t("announce.segment_kecamatan", kecamatan=kecamatan.name if kecamatan else value)
    if kind == "kelurahan":
        kelurahan, home = wilayah.find_kelurahan(value), wilayah.kecamatan_of(value or "")
        name, of = kelurahan.name if kelurahan else value, home.name if home else "-"
        return t("announce.segment_kelurahan", kelurahan=name, kecamatan=of)
    row: TrainingProgram | ForumEvent | None = None
    if value and value.isdecimal():
        number = int(value)
        training = kind == "training"
        row = session.get(TrainingProgram, number) if training else session.get(ForumEvent, number)
    title, date = (row.title, short_date(row.starts_at)) if row else (f"#{value}", "-")
    if kind == "training":
        return t("announce.segment_training", title=title, date=date)
    if kind == "forum_subscribers":
        return t("announce.segment_forum_subscribers", title=title, date=date)
    return t("announce.segment_forum_rsvp", title=title, date=date)


def recipients(session: Session, segment: Segment) -> int:
    """The exact number of recipients today; 0 when the segment names nothing any more."""
    try:
        return count_members(session, segment)
    except AnnouncementError:
        return 0
