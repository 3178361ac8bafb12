"""The training and forum forms of Konsol, read with the chat's own checks.

Each field is checked by the function the chat's question uses
(``check_text`` with the limits of ``storage.limits``, ``parse_wib_datetime``,
``parse_end``, ``check_quota``, ``check_url``), so a title or a date refused in
chat is refused here with the same words. A form with problems comes back as
``Checked.errors`` (field → message in the visitor's language) beside the
values as typed, so the page is drawn again with nothing lost.

Dates are typed in WIB: a browser's ``datetime-local`` field sends
``2026-12-12T09:00``, and a typed ``12-12-2026 09.00`` is read as in chat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from handlers.core.datetimes import parse_end, parse_wib_datetime, read_datetime
from handlers.core.types import Translator
from handlers.core.validation import Invalid, check_text
from handlers.trainings.card import check_quota, check_url
from storage.clock import WIB
from storage.limits import FORUM, TRAINING
from storage.models import FORUM_TYPES, PROGRAM_CATEGORIES, ForumEvent, TrainingProgram
from storage.wilayah import Wilayah

_LOCAL = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2})?$")
TRAINING_FIELDS = (
    "title",
    "description",
    "category",
    "starts",
    "ends",
    "place",
    "map_url",
    "quota",
    "area",
    "closes",
    "requirements",
    "organiser",
)
FORUM_FIELDS = ("title", "forum_type", "starts", "place", "agenda", "area")


@dataclass
class Checked:
    """What a form said: the values to store, or the problems per field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def local_value(moment: datetime | None) -> str:
    """A stored time as a ``datetime-local`` field shows it, in WIB."""
    return "" if moment is None else f"{moment.astimezone(WIB):%Y-%m-%dT%H:%M}"


def typed(raw: str) -> str:
    """``2026-12-12T09:00`` (a browser's field) as the chat reads it: ``2026-12-12 09:00``."""
    found = _LOCAL.match(raw.strip())
    return f"{found.group(1)} {found.group(2)}" if found else raw


def area_value(level: str, code: str | None) -> str:
    return "kota" if level == "kota" or code is None else f"{level}:{code}"


def read_area(raw: str, wilayah: Wilayah) -> tuple[str, str | None]:
    """``kota``, ``kecamatan:<code>`` or ``kelurahan:<code>`` from the area list."""
    if raw == "kota":
        return "kota", None
    level, _, code = raw.partition(":")
    kelurahan = {kel.code for k in wilayah.kecamatan for kel in k.kelurahan}
    if level == "kecamatan" and wilayah.find_kecamatan(code) is not None:
        return level, code
    if level == "kelurahan" and code in kelurahan:
        return level, code
    raise Invalid("konsol.events.pick_one")


class Reader:
    """Reads one form's fields, keeping the first problem of each."""

    def __init__(self, form: Mapping[str, str], t: Translator) -> None:
        self.form, self.t, self.checked = form, t, Checked()

    def raw(self, name: str) -> str:
        return self.form.get(name, "").strip()

    def take(self, name: str, check: Callable[[str], Any], *, optional: bool = False) -> Any:
        raw = self.raw(name)
        if optional and not raw:
            self.checked.values[name] = None
            return None
        try:
            value = check(raw)
        except Invalid as problem:
            params = {
                key: self.t.datetime(v) if isinstance(v, datetime) else v
                for key, v in problem.params.items()
            }
            self.checked.errors[name] = self.t(problem.key, **params)
            return None
        self.checked.values[name] = value
        return value


def _choice(values: tuple[str, ...]) -> Callable[[str], str]:
    def check(raw: str) -> str:
        if raw not in values:
            raise Invalid("konsol.events.pick_one")
        return raw

    return check


def _moment(now: datetime, kept: datetime | None) -> Callable[[str], datetime]:
    """A time ahead of ``now``; the time already stored (``kept``) may stay as it is."""

    def check(raw: str) -> datetime:
        if kept is not None and read_datetime(typed(raw), now) == kept:
            return kept
        return parse_wib_datetime(typed(raw), now)

    return check


def read_training(
    form: Mapping[str, str],
    t: Translator,
    *,
    now: datetime,
    wilayah: Wilayah,
    stored: TrainingProgram | None = None,
) -> Checked:
    """The fields of a new or changed program, checked as the chat checks them."""
    read = Reader(form, t)
    read.take("title", lambda raw: check_text(raw, TRAINING.title, one_line=True))
    read.take("description", lambda raw: check_text(raw, TRAINING.description))
    read.take("category", _choice(PROGRAM_CATEGORIES))
    starts = read.take("starts", _moment(now, stored.starts_at if stored else None))
    if starts is not None:
        read.take("ends", lambda raw: parse_end(typed(raw), start=starts, now=now))
    read.take("place", lambda raw: check_text(raw, TRAINING.place, one_line=True))
    read.take("map_url", check_url, optional=True)
    read.take("quota", check_quota)
    read.take("area", lambda raw: read_area(raw, wilayah))
    kept_closes = stored.registration_closes_at if stored else None

    def closes(raw: str) -> datetime:
        moment = _moment(now, kept_closes)(raw)
        if starts is not None and moment > starts:
            raise Invalid("training_admin.closes_after_start", {"start": starts})
        return moment

    read.take("closes", closes, optional=True)
    requirements = read.take(
        "requirements", lambda raw: check_text(raw, TRAINING.requirements), optional=True
    )
    read.checked.values["requirements"] = requirements or ""
    read.take("organiser", lambda raw: check_text(raw, TRAINING.organiser, one_line=True))
    return read.checked


def training_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Checked values as ``TrainingProgram`` fields (``NewProgram``, ``update_program``)."""
    level, code = values["area"]
    return {
        "title": values["title"],
        "description": values["description"],
        "category": values["category"],
        "starts_at": values["starts"],
        "ends_at": values["ends"],
        "place": values["place"],
        "map_url": values["map_url"],
        "quota": values["quota"],
        "area_level": level,
        "area_code": code,
        "registration_closes_at": values["closes"],
        "requirements": values["requirements"],
        "organiser": values["organiser"],
    }


def training_form(program: TrainingProgram) -> dict[str, str]:
    """A stored program as its form shows it."""
    return {
        "title": program.title,
        "description": program.description,
        "category": program.category,
        "starts": local_value(program.starts_at),
        "ends": local_value(program.ends_at),
        "place": program.place,
        "map_url": program.map_url or "",
        "quota": str(program.quota),
        "area": area_value(program.area_level, program.area_code),
        "closes": local_value(program.registration_closes_at),
        "requirements": program.requirements,
        "organiser": program.organiser,
    }


def read_forum(
    form: Mapping[str, str], t: Translator, *, now: datetime, wilayah: Wilayah
) -> Checked:
    """A new forum's fields, checked as ``/forum_baru`` checks them."""
    read = Reader(form, t)
    read.take("title", lambda raw: check_text(raw, FORUM.title, one_line=True))
    read.take("forum_type", _choice(FORUM_TYPES))
    read.take("starts", _moment(now, None))
    place = read.take(
        "place", lambda raw: check_text(raw, FORUM.place, one_line=True), optional=True
    )
    read.checked.values["place"] = place or ""
    read.take("agenda", lambda raw: check_text(raw, FORUM.agenda))
    read.take("area", lambda raw: read_area(raw, wilayah))
    return read.checked


def read_move(
    form: Mapping[str, str], t: Translator, *, now: datetime, forum: ForumEvent
) -> Checked:
    """A new time and/or place for a forum (an empty field keeps what it was); the
    same time and place again is refused as in chat."""
    read = Reader(form, t)
    starts = read.take("starts", _moment(now, forum.starts_at), optional=True)
    place = read.take(
        "place", lambda raw: check_text(raw, FORUM.place, one_line=True), optional=True
    )
    if read.checked.ok and (starts in (None, forum.starts_at)) and place in (None, forum.place):
        read.checked.errors["starts"] = t("forum_admin.move_unchanged")
    return read.checked


def read_summary(form: Mapping[str, str], t: Translator) -> Checked:
    read = Reader(form, t)
    read.take("summary", lambda raw: check_text(raw, FORUM.summary))
    return read.checked
