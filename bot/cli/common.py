"""What ``siantar forum`` and ``siantar training`` share: reading moments and areas
from a facilitator's TOML file or the command line, and printing plain tables.

What is wrong with a file or a value is said in the run's language (``t``); the
ValueErrors raised here carry that sentence, for the caller to prefix with the file."""

from __future__ import annotations

import argparse
import tomllib
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from bot.cli.errors import CommandError
from bot.cli.refusals import os_problem
from bot.cli.refusals import refusal as storage_refusal
from bot.cli.say import t
from storage.clock import WIB
from storage.limits import Length
from storage.wilayah import load_wilayah

if TYPE_CHECKING:  # heavy modules are imported by the commands only
    from sqlmodel import Session

    from bot.config import Settings

TITLE_WIDTH = 40  # characters of a title shown in a list


def now() -> datetime:
    """The one clock of the CLI, read once per command; each command module imports
    it, so a test replaces it there (``monkeypatch.setattr(command, "now", …)``)."""
    return datetime.now(UTC)


def in_transaction(
    settings: Settings,
    action: Callable[[Session], list[str]],
    *,
    read_only: bool,
    refused: type[Exception],
    refusal: Callable[[Any], str] | None = None,
) -> int:
    """Run ``action`` in one transaction and print its lines once it has committed;
    a ``refused`` error becomes a CommandError saying ``refusal(error)`` (by default
    ``bot.cli.refusals.refusal``: the storage's reason in the run's language). A
    read-only action never creates or migrates a database (bot/database.py)."""
    from bot.database import open_database, open_existing_database
    from storage.db import transaction

    db = (open_existing_database if read_only else open_database)(settings)
    try:
        with transaction(db) as session:
            lines = action(session)
    except refused as problem:
        raise CommandError((refusal or storage_refusal)(problem)) from None
    finally:
        db.dispose()
    for line in lines:
        print(line)
    return 0


def parse_date(text: str) -> date:
    """An argparse type: a day as YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(t("cli.invalid_date", text=repr(text))) from None


def read_toml(path: str, keys: Sequence[str]) -> dict[str, Any]:
    """The keys of a facilitator's TOML file, each one of ``keys``; CommandError
    names the file and what is wrong with it."""
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except OSError as problem:
        raise CommandError(t("cli.cannot_read", path=path, problem=os_problem(problem))) from None
    except tomllib.TOMLDecodeError as problem:  # tomllib's own (English) words
        raise CommandError(t("cli.not_toml", path=path, problem=str(problem))) from None
    unknown = [key for key in raw if key not in keys]
    if unknown:
        listed = ", ".join(repr(key) for key in unknown)
        raise CommandError(t("cli.toml_unknown", path=path, keys=listed, known=", ".join(keys)))
    return raw


def read_text(path: str) -> str:
    """A UTF-8 text file (an announcement, a forum's result)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as problem:
        raise CommandError(t("cli.cannot_read", path=path, problem=os_problem(problem))) from None
    except UnicodeDecodeError:
        raise CommandError(t("cli.not_utf8", path=path)) from None


def text_value(key: str, value: Any) -> str:
    """A TOML value that must be text, stripped; else ValueError naming ``key``."""
    if not isinstance(value, str):
        raise ValueError(t("cli.toml_not_text", key=key, value=repr(value)))
    return value.strip()


def parse_moment(key: str, value: Any) -> datetime:
    """A TOML date-time or ISO 8601 text; without an offset it is WIB wall time."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(t("cli.moment_not", key=key, value=repr(text))) from None
        if len(text) <= len("2026-12-12"):
            raise ValueError(t("cli.moment_no_time", key=key))
    elif type(value) is date:
        raise ValueError(t("cli.moment_no_time", key=key))
    if not isinstance(value, datetime):
        raise ValueError(t("cli.moment_not", key=key, value=repr(value)))
    return value.replace(tzinfo=WIB) if value.tzinfo is None else value


def check_length(key: str, text: str, length: Length) -> str:
    """``text`` if its length is within ``length``, the limit chat applies to the
    same field (storage/limits.py); else ValueError naming ``key``. Empty text is
    left to the caller (an optional key may be empty)."""
    if len(text) > length.maximum:
        raise ValueError(t("cli.too_long", key=key, maximum=length.maximum))
    if text and len(text) < length.minimum:
        raise ValueError(t("cli.too_short", key=key, minimum=length.minimum))
    return text


def resolve_area(name: str) -> tuple[str, str | None]:
    """``kota``, or the level and Kemendagri code of the kecamatan or kelurahan
    named (or coded) ``name``, any case."""
    wanted = " ".join(name.split()).casefold()
    if wanted == "kota":
        return "kota", None
    found = [
        (level, code)
        for kecamatan in load_wilayah().kecamatan
        for level, code, official in (
            ("kecamatan", kecamatan.code, kecamatan.name),
            *(("kelurahan", k.code, k.name) for k in kecamatan.kelurahan),
        )
        if wanted in (code.casefold(), official.casefold())
    ]
    if len(found) == 1:
        return found[0]
    if found:
        codes = ", ".join(code or "" for _, code in found)
        raise ValueError(t("cli.area_ambiguous", name=repr(name), codes=codes))
    raise ValueError(t("cli.area_unknown", name=repr(name)))


def area_text(level: str, code: str | None) -> str:
    """``kota``, ``kec. <name>`` or ``kel. <name>`` (the code when it is unknown)."""
    wilayah = load_wilayah()
    if level == "kecamatan":
        kecamatan = wilayah.find_kecamatan(code)
        return f"kec. {kecamatan.name if kecamatan else code}"
    if level == "kelurahan":
        kelurahan = wilayah.find_kelurahan(code)
        return f"kel. {kelurahan.name if kelurahan else code}"
    return "kota"


def wib(moment: datetime) -> str:
    return f"{moment.astimezone(WIB):%Y-%m-%d %H:%M}"


def short(title: str) -> str:
    return title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…"


def table(rows: Sequence[Sequence[str]], *, right: Sequence[int] = ()) -> list[str]:
    """``rows`` in columns two spaces apart; the columns in ``right`` right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]
