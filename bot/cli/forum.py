"""Facilitators' commands: ``siantar forum add|list|move|cancel|summary``.

A forum is described in a TOML file (README, "Forums"); a bad file is refused
with one line naming the file and the key, before the database is touched.
Every command runs in one transaction and prints only once it has committed;
the forum's followers are told of a move, a cancellation or the result by an
announcement written in that same transaction (handlers.forums.notices), and
the command says how many will be told.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.cli.common import (
    area_text,
    check_length,
    in_transaction,
    now,
    parse_moment,
    read_text,
    read_toml,
    resolve_area,
    short,
    table,
    text_value,
    wib,
)
from bot.cli.errors import CommandError
from bot.cli.refusals import refusal
from bot.cli.say import t
from bot.config import Settings
from bot.i18n import translator
from handlers.forums.new import answered, followers
from handlers.forums.notices import forum_cancelled, forum_moved, forum_summary
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


def forum_command(args: argparse.Namespace, settings: Settings) -> int:
    """Run one ``siantar forum`` action; a refusal raises CommandError (one line)."""
    moment = now()
    new = read_forum_file(args.file) if args.action == "add" else None
    try:
        at = parse_moment("--at", args.at) if args.action == "move" else None
    except ValueError as problem:
        raise CommandError(str(problem)) from None
    text = summary_text(args) if args.action == "summary" else None
    return in_transaction(
        settings,
        lambda session: ACTIONS[args.action](Request(args, session, moment, new, at, text)),
        read_only=args.action == "list",
        refused=ForumError,
        refusal=lambda problem: _refusal(problem, args),
    )


# --- reading the inputs -------------------------------------------------------------


def read_forum_file(path: str) -> NewForum:
    """The forum a TOML file describes, checked key by key; CommandError names the
    file and the first bad key."""
    raw = read_toml(path, KEYS)
    missing = [key for key in REQUIRED if key not in raw]
    if missing:
        raise CommandError(t("cli.toml_missing", path=path, keys=", ".join(missing)))
    try:
        level, code = resolve_area(_text("area", raw["area"]))
        forum_type = _text("type", raw["type"]).lower()
        if forum_type not in FORUM_TYPES:
            values, value = ", ".join(FORUM_TYPES), repr(forum_type)
            raise ValueError(t("cli.toml_one_of", key="type", values=values, value=value))
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
    text = text_value(key, value)
    if required and not text:
        raise ValueError(t("cli.must_not_be_empty", key=key))
    return check_length(key, text, TEXT_KEYS[key]) if key in TEXT_KEYS else text


def summary_text(args: argparse.Namespace) -> str:
    """The result from ``--text`` or the UTF-8 file ``--file``."""
    text = str(args.text) if args.text is not None else read_text(args.file)
    if not text.strip():
        raise CommandError(t("cli.forum_result_empty"))
    return text


# --- the actions --------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """One action's inputs: the arguments, read and checked before the database
    was opened, and the transaction it runs in."""

    args: argparse.Namespace
    session: Session
    now: datetime
    new: NewForum | None
    at: datetime | None
    text: str | None


Action = Callable[[Request], list[str]]


def _add(request: Request) -> list[str]:
    args, session, now, new = request.args, request.session, request.now, request.new
    assert new is not None
    if new.starts_at <= now:
        raise CommandError(t("cli.starts_in_past", path=args.file))
    forum = create_forum(session=session, new=new, actor=ACTOR, now=now)
    return _told(session, forum, "created")


def _list(request: Request) -> list[str]:
    args, session, now = request.args, request.session, request.now
    forums = list_forums(session)
    if not args.all:
        forums = [f for f in forums if f.status in UPCOMING]
    if not forums:
        return [t("cli.forums_none_at_all" if args.all else "cli.forums_none_current")]
    rows = [tuple(t("cli.forum_columns").split("|"))]
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


def _move(request: Request) -> list[str]:
    args, session, now, at = request.args, request.session, request.now, request.at
    assert at is not None
    place = _one_line("--place", args.place) if args.place is not None else None
    forum = move_forum(session=session, forum_id=args.id, starts_at=at, place=place, now=now)
    forum_moved(session, translator, forum, now, ACTOR)
    return _told(session, forum, "moved")


def _cancel(request: Request) -> list[str]:
    args, session, now = request.args, request.session, request.now
    forum = cancel_forum(session=session, forum_id=args.id, now=now)
    forum_cancelled(session, translator, forum, now, ACTOR)
    return [t.plural("cli.forum_cancelled", followers(session, args.id), id=str(args.id))]


def _summary_action(request: Request) -> list[str]:
    args, session, now, text = request.args, request.session, request.now, request.text
    assert text is not None
    forum = post_summary(session=session, forum_id=args.id, summary=text, now=now)
    forum_summary(session, translator, forum, now, ACTOR)
    return [t.plural("cli.forum_result_saved", answered(session, args.id), id=str(args.id))]


ACTIONS: dict[str, Action] = {
    "add": _add,
    "list": _list,
    "move": _move,
    "cancel": _cancel,
    "summary": _summary_action,
}


# --- output -------------------------------------------------------------------------


def _told(session: Session, forum: ForumEvent, done: str) -> list[str]:
    """What an action that its followers hear of prints: the forum as it now is,
    and how many will hear (``cli.forum_told_<done>``, counted in plural forms)."""
    assert forum.id is not None
    told = followers(session, forum.id)
    return [
        t(f"cli.forum_{done}", id=str(forum.id), summary=_summary(forum)),
        t.plural(f"cli.forum_told_{done}", told),
    ]


def _one_line(key: str, value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise CommandError(t("cli.must_not_be_empty", key=key))
    try:
        return check_length(key, text, FORUM.place)
    except ValueError as problem:
        raise CommandError(str(problem)) from None


def _refusal(problem: ForumError, args: argparse.Namespace) -> str:
    forum = f"forum {getattr(args, 'id', '')}".strip()
    if problem.reason == "not_found":
        return t("cli.forum_not_found", forum=forum)
    if problem.reason in ("cancelled", "held") and args.action in DONE:
        key = f"cli.forum_closed_for_{args.action}"
        return t(key, forum=forum, status=t(f"cli.forum_is_{problem.reason}"))
    return f"{forum}: {refusal(problem)}"  # cli.forum.<reason>


def _status(forum: ForumEvent, now: datetime) -> str:
    if forum.status in UPCOMING and forum.starts_at <= now:
        return t("cli.forum_awaiting_result")  # it took place; `forum summary ID` closes it
    return forum.status


def _summary(forum: ForumEvent) -> str:
    place = forum.place or t("cli.place_unknown")
    area = area_text(forum.area_level, forum.area_code)
    return f"{forum.title} [{forum.forum_type}], {wib(forum.starts_at)} WIB, {place}, {area}"
