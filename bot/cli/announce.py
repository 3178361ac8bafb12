"""Facilitators' announcements from the command line: ``siantar announce …``.

    siantar announce send (--text TEXT | --file PATH) --segment SEGMENT [--at WHEN] [--yes]
    siantar announce (--text TEXT | --file PATH) --segment SEGMENT …   (the same as send)
    siantar announce status ID | list [--limit N] | cancel ID

SEGMENT is ``everyone``, ``kecamatan:NAME``, ``kelurahan:NAME`` (official names,
any case, or Kemendagri codes), ``training:ID``, ``forum:ID`` (the forum's
followers) or ``rsvp:ID`` (those who answered its RSVP). WHEN is a WIB date and
time (``12-12-2026 09.00``, ``2026-12-12 09:00``), in the future.

Sending prints the exact recipient count and asks before it stores anything; without
a terminal to ask on, ``--yes`` is needed. The running bot (``siantar run``) fans the
announcement out and sends it. Everything it prints is in the run's language
(``cli.announce.*``; the segment and state words are the chat's). Heavy modules are
imported by the commands only, so ``siantar --help`` stays quick.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.cli.common import now, table
from bot.cli.errors import CommandError
from bot.cli.say import t

if TYPE_CHECKING:
    from sqlalchemy import Engine as Database
    from sqlmodel import Session

    from bot.config import Settings
    from storage.announcements import Segment
    from storage.models import Announcement

ACTOR = "cli"
SNIPPET = 48
KINDS = {"forum": "forum_subscribers", "rsvp": "forum_rsvp"}  # CLI word → segment kind
STAT_NAMES = ("sent", "failed", "unreachable", "opted_out", "pending", "cancelled")
WORDS = {kind: word for word, kind in KINDS.items()}  # segment kind → CLI word


def interactive() -> bool:
    """Is there a person at a terminal to answer the confirmation?"""
    return sys.stdin.isatty()


def ask(question: str) -> str:
    return input(question)


def add_parser(commands: Any) -> None:
    """``siantar announce …``; without an action, the send options mean ``send``."""
    message = argparse.ArgumentParser(add_help=False)
    source = message.add_mutually_exclusive_group()
    source.add_argument("--text", help="cli.help.announce_text")
    source.add_argument("--file", metavar="PATH", help="cli.help.announce_file")
    message.add_argument("--segment", metavar="SEGMENT", help="cli.announce.segment_forms")
    message.add_argument("--at", metavar="DATETIME", help="cli.help.announce_at")
    message.add_argument("--yes", action="store_true", help="cli.help.announce_yes")
    announce = commands.add_parser(
        "announce",
        parents=[message],
        help="cli.help.announce",
        description="cli.help.announce_description",
    )
    actions = announce.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("send", parents=[message], help="cli.help.announce_send")
    status = actions.add_parser("status", help="cli.help.announce_status")
    status.add_argument("id", type=int, metavar="ID")
    listing = actions.add_parser("list", help="cli.help.announce_list")
    listing.add_argument(
        "--limit", type=int, default=20, metavar="N", help="cli.help.announce_limit"
    )
    cancel = actions.add_parser("cancel", help="cli.help.announce_cancel")
    cancel.add_argument("id", type=int, metavar="ID")


def announce_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run one ``siantar announce`` action; a refusal raises CommandError (one line)."""
    from bot.database import open_database, open_existing_database
    from storage.announcements import AnnouncementError
    from storage.db import transaction

    action = args.action or "send"
    moment = now()
    message = _message(args, moment) if action == "send" else None
    # status and list never create or migrate a database (bot/database.py)
    read_only = action in ("status", "list")
    db = (open_existing_database if read_only else open_database)(settings)
    try:
        if message is not None:
            lines = _send(db, *message, moment, confirm=not args.yes)
        else:
            with transaction(db) as session:
                if action == "status":
                    lines = _status(session, args.id, moment)
                elif action == "list":
                    lines = _list(session, args.limit, moment)
                else:
                    lines = _cancel(session, args.id, moment)
    except AnnouncementError as problem:
        from bot.cli.refusals import refusal

        raise CommandError(refusal(problem)) from None
    finally:
        db.dispose()
    for line in lines:
        print(line)
    return 0


# --- reading the arguments ---------------------------------------------------------


def _message(args: argparse.Namespace, moment: datetime) -> tuple[str, Segment, datetime | None]:
    """The checked text, segment and time of ``send``; CommandError names what is wrong."""
    from bot.cli.common import read_text
    from handlers.announcements.compose import check_text
    from handlers.core.validation import Invalid

    if args.text is None and args.file is None:
        raise CommandError(t("cli.announce.no_text"))
    if not args.segment:
        raise CommandError(
            t("cli.announce.segment_required", forms=t("cli.announce.segment_forms"))
        )
    raw, where = (args.text, "--text") if args.file is None else (read_text(args.file), args.file)
    try:
        text = check_text(raw)
    except Invalid as problem:  # the chat's own sentence, in the run's language
        raise CommandError(f"{where}: {t(problem.key, **problem.params)}") from None
    segment = parse_segment(args.segment)
    send_at = parse_at(args.at, moment) if args.at else None
    return text, segment, send_at


def parse_segment(raw: str) -> Segment:
    """``kelurahan:bantan`` → Segment("kelurahan", "12.72.02.1003"), any case."""
    from storage.announcements import Segment
    from storage.wilayah import load_wilayah

    word, _, value = raw.partition(":")
    word, value = word.strip().casefold(), " ".join(value.split())
    if word == "everyone" and not value:
        return Segment("everyone")
    if word in ("kecamatan", "kelurahan") and value:
        wilayah = load_wilayah()
        places = [
            (k.code, k.name)
            for kecamatan in wilayah.kecamatan
            for k in ((kecamatan,) if word == "kecamatan" else kecamatan.kelurahan)
        ]
        for code, name in places:
            if value.casefold() in (code.casefold(), name.casefold()):
                return Segment(word, code)
        raise CommandError(t(f"cli.announce.no_{word}", name=repr(value)))
    if word in ("training", *KINDS) and value:
        if not value.isdecimal():
            raise CommandError(t("cli.announce.segment_number", word=word, value=repr(value)))
        return Segment(KINDS.get(word, word), value)
    forms = t("cli.announce.segment_forms")
    raise CommandError(t("cli.announce.segment_bad", forms=forms, value=repr(raw)))


def parse_at(raw: str, moment: datetime) -> datetime:
    """A future WIB moment, typed as in chat (``12-12-2026 09.00``) or ISO 8601."""
    from handlers.core.datetimes import MAX_AHEAD, parse_wib_datetime
    from handlers.core.validation import Invalid
    from storage.clock import WIB

    try:
        return parse_wib_datetime(raw, moment)
    except Invalid as problem:
        refusal = problem
    try:  # 2026-12-12T09:00 or with an offset
        typed = datetime.fromisoformat(raw.strip())
    except ValueError:  # the chat's own sentence, in the run's language
        raise CommandError(f"--at: {t(refusal.key, **refusal.params)}") from None
    at = typed if typed.tzinfo else typed.replace(tzinfo=WIB)
    if at <= moment:
        raise CommandError(t("cli.announce.at_past", at=raw))
    if at > moment + MAX_AHEAD:
        raise CommandError(t("cli.announce.at_far", at=raw))
    return at


# --- the actions ---------------------------------------------------------------------


def wib(moment: datetime) -> str:
    from storage.clock import WIB

    return f"{moment.astimezone(WIB):%Y-%m-%d %H:%M} WIB"


def short_segment(kind: str, value: str | None) -> str:
    """``kelurahan:Bantan``, ``rsvp:3``, ``everyone``: the form --segment takes."""
    from storage.wilayah import load_wilayah

    wilayah = load_wilayah()
    place = wilayah.find_kelurahan(value) or wilayah.find_kecamatan(value)
    shown = place.name if place and kind in ("kecamatan", "kelurahan") else value
    word = WORDS.get(kind, kind)
    return f"{word}:{shown}" if value else word


def describe_segment(session: Session, segment: Segment) -> str:
    from handlers.announcements.compose import segment_label
    from storage.wilayah import load_wilayah

    label = segment_label(t.translator, session, load_wilayah(), segment)
    word = WORDS.get(segment.kind, segment.kind)
    return label if segment.value is None else f"{label} ({word}:{segment.value})"


def _send(
    db: Database,
    text: str,
    segment: Segment,
    send_at: datetime | None,
    moment: datetime,
    *,
    confirm: bool,
) -> list[str]:
    """Count, confirm (no transaction stays open while a person reads), then store."""
    from storage.announcements import AnnouncementError, count_members, create_announcement
    from storage.db import transaction

    with transaction(db) as session:
        try:
            count = count_members(session, segment)
        except AnnouncementError:  # a training or forum that does not exist
            word = WORDS.get(segment.kind, segment.kind)
            noun = "training" if word == "training" else "forum"
            segment_text = f"{word}:{segment.value}"
            raise CommandError(t(f"cli.announce.no_such_{noun}", segment=segment_text)) from None
        what = describe_segment(session, segment)
    if count == 0 and send_at is None:
        raise CommandError(t("cli.announce.nobody", what=what))
    if confirm:
        if not interactive():
            raise CommandError(t.plural("cli.announce.no_terminal", count, what=what))
        when = wib(send_at) if send_at else t("cli.announce.now")
        preview = [
            t("cli.announce.preview"),
            "────────",
            text,
            "────────",
            t("cli.announce.recipients", what=what),
            t("cli.announce.recipient_count", count=count),
            t("cli.announce.sending_time", when=when),
        ]
        print("\n".join(preview))
        if ask(t("cli.announce.ask_send")).strip().casefold() not in ("y", "yes", "ya"):
            return [t("cli.announce.not_sent")]
    with transaction(db) as session:
        announcement = create_announcement(
            session=session,
            text=text,
            segment=segment,
            send_at=send_at or moment,
            actor=ACTOR,
            now=moment,
        )
        number = announcement.id
    shown = str(number)
    if send_at is None:
        return [
            t.plural("cli.announce.created", count, id=shown, what=what),
            t("cli.announce.follow_now", id=shown),
        ]
    return [
        t.plural("cli.announce.scheduled", count, id=shown, when=wib(send_at), what=what),
        t("cli.announce.follow_scheduled", id=shown),
    ]


def _get(session: Session, number: int) -> Announcement:
    from storage.announcements import AnnouncementError
    from storage.models import Announcement

    announcement = session.get(Announcement, number)
    if announcement is None:
        raise AnnouncementError("not_found", f"no announcement {number}", id=number)
    return announcement


def _status(session: Session, number: int, moment: datetime) -> list[str]:
    from handlers.announcements.delivery import state_label
    from storage.announcements import Segment, count_members, delivery_stats

    announcement = _get(session, number)
    stats = delivery_stats(session, number)
    segment = Segment(announcement.segment_kind, announcement.segment_value)
    state = state_label(t.translator, announcement, stats, moment)
    shown = str(number)
    lines = [
        t("cli.announce.status_head", id=shown, state=state, kind=announcement.kind),
        t("cli.announce.status_recipients", what=describe_segment(session, segment)),
        t("cli.announce.status_sending", when=wib(announcement.send_at)),
        t(
            "cli.announce.status_created",
            when=wib(announcement.created_at),
            actor=announcement.created_by or "-",
        ),
    ]
    if announcement.status == "scheduled" and announcement.send_at > moment:
        lines.append(t("cli.announce.status_now", count=count_members(session, segment)))
    lines += [
        t("cli.announce.status_prepared", count=announcement.recipients),
        t(
            "cli.announce.status_counts",
            **{name: stats[name] for name in STAT_NAMES},
        ),
    ]
    if announcement.cancelled_at is not None:
        lines.append(t("cli.announce.status_cancelled", when=wib(announcement.cancelled_at)))
    if announcement.photo:
        lines.append(t("cli.announce.status_photo", photo=announcement.photo))
    lines.append(t("cli.announce.status_text", text=announcement.text))
    return lines


def _list(session: Session, limit: int, moment: datetime) -> list[str]:
    from sqlmodel import col, select

    from handlers.announcements.delivery import state_label
    from storage.announcements import delivery_stats
    from storage.models import Announcement

    query = select(Announcement).order_by(col(Announcement.id).desc()).limit(max(limit, 1))
    rows = list(session.exec(query))
    if not rows:
        return [t("cli.announce.none")]
    lines = [tuple(t("cli.announce.columns").split("|"))]
    for a in rows:
        assert a.id is not None
        state = state_label(t.translator, a, delivery_stats(session, a.id), moment)
        segment = short_segment(a.segment_kind, a.segment_value)
        one_line = " ".join(a.text.split())
        snippet = one_line if len(one_line) <= SNIPPET else one_line[: SNIPPET - 1] + "…"
        lines.append((str(a.id), state, wib(a.send_at), str(a.recipients), segment, snippet))
    return table(lines, right=(0, 3))


def _cancel(session: Session, number: int, moment: datetime) -> list[str]:
    from storage.announcements import cancel_announcement

    _get(session, number)
    cancel_announcement(session=session, announcement_id=number, now=moment)
    return [t("cli.announce.cancelled", id=str(number))]
