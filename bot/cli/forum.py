"""Facilitators' commands: ``siantar forum add|list|move|cancel|summary``.

A forum is described in a TOML file (README, "Forums"); a bad file is refused
with one line naming the file and the key, before the database is touched.
Every command runs in one transaction and prints only once it has committed;
the forum's followers are told of a move, a cancellation or the result by an
announcement written in that same transaction (handlers.forum_notices), and
the command says how many will be told.
"""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bot.cli.common import (
    area_text,
    check_length,
    parse_moment,
    plural_s,
    resolve_area,
    short,
    table,
    wib,
)
from bot.cli.errors import CommandError
from bot.config import Settings
from bot.database import open_database, open_existing_database
from bot.i18n import translator
from handlers.forum_admin import answered, followers
from handlers.forum_notices import forum_cancelled, forum_moved, forum_summary
from storage.db import transaction
from storage.forums import (
    UPCOMING,
    ForumError,
    NewForum,
    cancel_forum,
    create_forum,
    list_forums,
    move_forum,
    post_summary,
    rsvp_counts,
)
from storage.limits import FORUM
from storage.models import FORUM_TYPES, ForumEvent

ACTOR = "cli"
KEYS = ("title", "type", "starts_at", "place", "agenda", "area")
REQUIRED = ("title", "type", "starts_at", "area")
TEXT_KEYS = {"title": FORUM.title, "place": FORUM.place, "agenda": FORUM.agenda}
DONE = {"move": "moved", "cancel": "cancelled"}


def now() -> datetime:
    """The one clock of the CLI, read once per command (tests replace it)."""
    return datetime.now(UTC)


def forum_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run one ``siantar forum`` action; a refusal raises CommandError (one line)."""
    moment = now()
    new = read_forum_file(args.file) if args.action == "add" else None
    try:
        at = parse_moment("--at", args.at) if args.action == "move" else None
    except ValueError as problem:
        raise CommandError(str(problem)) from None
    text = summary_text(args) if args.action == "summary" else None
    # a list never creates or migrates a database (bot/database.py)
    db = (open_existing_database if args.action == "list" else open_database)(settings)
    try:
        with transaction(db) as session:
            lines = ACTIONS[args.action](args, session, moment, new, at, text)
    except ForumError as problem:
        raise CommandError(_refusal(problem, args)) from None
    finally:
        db.dispose()
    for line in lines:
        print(line)
    return 0


# --- reading the inputs -------------------------------------------------------------


def read_forum_file(path: str) -> NewForum:
    """The forum a TOML file describes, checked key by key; CommandError names the
    file and the first bad key."""
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except OSError as problem:
        raise CommandError(f"cannot read {path}: {problem.strerror}") from None
    except tomllib.TOMLDecodeError as problem:
        raise CommandError(f"{path}: not valid TOML: {problem}") from None
    unknown = [key for key in raw if key not in KEYS]
    if unknown:
        listed = ", ".join(repr(key) for key in unknown)
        raise CommandError(f"{path}: unknown key {listed}; the keys are: {', '.join(KEYS)}")
    missing = [key for key in REQUIRED if key not in raw]
    if missing:
        raise CommandError(f"{path}: missing key {', '.join(missing)}")
    try:
        level, code = resolve_area(_text("area", raw["area"]))
        forum_type = _text("type", raw["type"]).lower()
        if forum_type not in FORUM_TYPES:
            raise ValueError(f"type must be one of {', '.join(FORUM_TYPES)}, not {forum_type!r}")
        return NewForum(
            title=_text("title", raw["title"], required=True),
            starts_at=parse_moment("starts_at", raw["starts_at"]),
            forum_type=forum_type,
            place=_text("place", raw.get("place", "")),
            agenda=_text("agenda", raw.get("agenda", "")),
            area_level=level,
            area_code=code,
        )
    except ValueError as problem:
        raise CommandError(f"{path}: {problem}") from None


def _text(key: str, value: Any, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text in quotes, not {value!r}")
    text = value.strip()
    if required and not text:
        raise ValueError(f"{key} must not be empty")
    return check_length(key, text, TEXT_KEYS[key]) if key in TEXT_KEYS else text


def summary_text(args: argparse.Namespace) -> str:
    """The result from ``--text`` or the UTF-8 file ``--file``."""
    if args.text is not None:
        text = str(args.text)
    else:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except OSError as problem:
            raise CommandError(f"cannot read {args.file}: {problem.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{args.file}: not UTF-8 text") from None
    if not text.strip():
        raise CommandError("the result is empty")
    return text


# --- the actions --------------------------------------------------------------------

Action = Callable[
    [argparse.Namespace, Session, datetime, NewForum | None, datetime | None, str | None],
    list[str],
]


def _add(
    args: argparse.Namespace,
    session: Session,
    now: datetime,
    new: NewForum | None,
    _at: datetime | None,
    _body: str | None,
) -> list[str]:
    assert new is not None
    if new.starts_at <= now:
        raise CommandError(f"{args.file}: starts_at is in the past")
    forum = create_forum(session=session, new=new, actor=ACTOR, now=now)
    assert forum.id is not None
    told = followers(session, forum.id)
    return [
        f"forum {forum.id} created: {_summary(forum)}",
        f"{told} subscriber{plural_s(told)} will be reminded before it starts",
    ]


def _list(
    args: argparse.Namespace,
    session: Session,
    now: datetime,
    _new: NewForum | None,
    _at: datetime | None,
    _body: str | None,
) -> list[str]:
    forums = list_forums(session)
    if not args.all:
        forums = [f for f in forums if f.status in UPCOMING]
    if not forums:
        return ["no forums" + ("" if args.all else " (see --all for past ones)")]
    rows = [("ID", "STATUS", "START (WIB)", "TYPE", "TITLE", "AREA", "REMIND", "RSVP H/T/M")]
    for f in forums:
        assert f.id is not None
        ahead = f.status in UPCOMING and f.starts_at > now
        counts = rsvp_counts(session, f.id)
        rows.append((
            str(f.id), _status(f, now), wib(f.starts_at), f.forum_type, short(f.title),
            area_text(f.area_level, f.area_code),
            str(followers(session, f.id)) if ahead else "-",
            f"{counts['hadir']}/{counts['tidak']}/{counts['mungkin']}",
        ))  # fmt: skip
    return table(rows, right=(0, 6))


def _move(
    args: argparse.Namespace,
    session: Session,
    now: datetime,
    _new: NewForum | None,
    at: datetime | None,
    _body: str | None,
) -> list[str]:
    assert at is not None
    place = _one_line("--place", args.place) if args.place is not None else None
    forum = move_forum(session=session, forum_id=args.id, starts_at=at, place=place, now=now)
    forum_moved(session, translator, forum, now, ACTOR)
    assert forum.id is not None
    told = followers(session, forum.id)
    return [
        f"forum {args.id} moved: {_summary(forum)}",
        f"{told} follower{plural_s(told)} will be told; reminders follow the new time",
    ]


def _cancel(
    args: argparse.Namespace,
    session: Session,
    now: datetime,
    _new: NewForum | None,
    _at: datetime | None,
    _body: str | None,
) -> list[str]:
    forum = cancel_forum(session=session, forum_id=args.id, now=now)
    forum_cancelled(session, translator, forum, now, ACTOR)
    told = followers(session, args.id)
    return [f"forum {args.id} cancelled; {told} follower{plural_s(told)} will be told"]


def _summary_action(
    args: argparse.Namespace,
    session: Session,
    now: datetime,
    _new: NewForum | None,
    _at: datetime | None,
    text: str | None,
) -> list[str]:
    assert text is not None
    forum = post_summary(session=session, forum_id=args.id, summary=text, now=now)
    forum_summary(session, translator, forum, now, ACTOR)
    told = answered(session, args.id)
    return [
        f"forum {args.id}: result saved; {told} resident{plural_s(told)} who answered will get it"
    ]


ACTIONS: dict[str, Action] = {
    "add": _add,
    "list": _list,
    "move": _move,
    "cancel": _cancel,
    "summary": _summary_action,
}


# --- output -------------------------------------------------------------------------


def _one_line(key: str, value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise CommandError(f"{key} must not be empty")
    try:
        return check_length(key, text, FORUM.place)
    except ValueError as problem:
        raise CommandError(str(problem)) from None


def _refusal(problem: ForumError, args: argparse.Namespace) -> str:
    forum = f"forum {getattr(args, 'id', '')}".strip()
    if problem.reason == "not_found":
        return f"no {forum}"
    if problem.reason in ("cancelled", "held") and args.action in DONE:
        return f"{forum} is {problem.reason}: it can no longer be {DONE[args.action]}"
    return f"{forum}: {problem}"


def _status(forum: ForumEvent, now: datetime) -> str:
    if forum.status in UPCOMING and forum.starts_at <= now:
        return "awaiting result"  # it took place; `forum summary ID` closes it
    return forum.status


def _summary(forum: ForumEvent) -> str:
    place = forum.place or "place to be announced"
    area = area_text(forum.area_level, forum.area_code)
    return f"{forum.title} [{forum.forum_type}], {wib(forum.starts_at)} WIB, {place}, {area}"
