"""One set of field limits (storage/limits.py) for chat and CLI alike: a value one
character too long is refused by the chat step and by the facilitator's file
alike, and the longest allowed value is taken by both."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from dialogue import Chat, play
from test_training_admin import ADMIN, CONFIG_ROLES, TO_PREVIEW, force, person, state

from bot.cli.errors import CommandError
from bot.cli.forum import read_forum_file
from bot.cli.training import read_program_file
from handlers.core.engine import Engine
from handlers.registry import FLOWS
from storage.limits import FORUM, TRAINING, Length

FACILITATOR = "console:7001"  # a facilitator by the config (test_training_admin)
FORUM_FILE = """\
title = "Musrenbang Kelurahan Bantan 2027"
type = "musrenbang_kelurahan"
starts_at = 2026-12-12T09:00:00
area = "bantan"
"""

# (chat flow, its step, the file's key, the limit)
TEXT_FIELDS = [
    ("training_new", "title", "title", TRAINING.title),
    ("training_new", "description", "description", TRAINING.description),
    ("training_new", "place", "place", TRAINING.place),
    ("training_new", "requirements", "requirements", TRAINING.requirements),
    ("training_new", "organiser", "organiser", TRAINING.organiser),
    ("forum_new", "title", "title", FORUM.title),
    ("forum_new", "place", "place", FORUM.place),
    ("forum_new", "agenda", "agenda", FORUM.agenda),
]


def words(length: int) -> str:
    """Plain words on one line, exactly ``length`` characters long."""
    text = ("Kata " * length)[:length]
    return text[:-1] + "a" if text.endswith(" ") else text


def chat_takes(chat: Chat, flow: str, step: str, text: str) -> bool:
    """Whether the chat step accepts ``text`` (moves on) rather than asking again.
    The training's other answers are filled in, as the last steps need them."""
    force(chat, flow, step, DRAFTS[flow])
    chat.send(text)
    return state(chat)[:2] != (flow, step)


DRAFTS: dict[str, dict[str, Any]] = {"forum_new": {}}


@pytest.fixture
def desk(engine: Engine) -> Engine:
    """The engine with test_training_admin's facilitator and admin roles."""
    return Engine(engine.db, replace(engine.settings, config_roles=CONFIG_ROLES), FLOWS)


@pytest.fixture(autouse=True)
def training_draft(desk: Engine) -> None:
    """A whole training as chat collects it (from test_training_admin's dialogue)."""
    holder = person(desk, ADMIN)
    play(holder, TO_PREVIEW)
    DRAFTS["training_new"] = state(holder)[2]


def cli_takes(tmp_path: Path, flow: str, key: str, text: str) -> bool:
    """Whether the facilitator's program or forum file accepts ``text`` for ``key``."""
    path = tmp_path / "file.toml"
    if flow == "training_new":
        path.write_text(f'{key} = "{text}"\n', encoding="utf-8")
        read = read_program_file
    else:
        lines = [line for line in FORUM_FILE.splitlines() if not line.startswith(f"{key} =")]
        path.write_text("\n".join([*lines, f'{key} = "{text}"', ""]), encoding="utf-8")
        read = read_forum_file
    try:
        read(str(path))
    except CommandError as refusal:
        assert f"{key} paling " in str(refusal)  # paling banyak / paling sedikit … karakter
        return False
    return True


@pytest.mark.parametrize(("flow", "step", "key", "length"), TEXT_FIELDS)
def test_chat_and_cli_refuse_the_same_over_long_text(
    desk: Engine, tmp_path: Path, flow: str, step: str, key: str, length: Length
) -> None:
    chat = person(desk, FACILITATOR)
    longest, too_long = words(length.maximum), words(length.maximum + 1)
    assert len(longest) == length.maximum and len(too_long) == length.maximum + 1
    assert not chat_takes(chat, flow, step, too_long)
    assert "terlalu panjang" in chat.said
    assert not cli_takes(tmp_path, flow, key, too_long)
    assert chat_takes(chat, flow, step, longest)
    assert cli_takes(tmp_path, flow, key, longest)


@pytest.mark.parametrize(("flow", "step", "key", "length"), TEXT_FIELDS)
def test_chat_and_cli_refuse_the_same_too_short_text(
    desk: Engine, tmp_path: Path, flow: str, step: str, key: str, length: Length
) -> None:
    chat = person(desk, FACILITATOR)
    too_short = "Ab cd efgh ijk"[: length.minimum - 1]
    assert not chat_takes(chat, flow, step, too_short)
    assert not cli_takes(tmp_path, flow, key, too_short)


def test_a_training_description_of_2001_characters_is_refused_by_both(
    desk: Engine, tmp_path: Path
) -> None:
    """The case that disagreed: 2,000 characters in chat, 3,000 in the CLI."""
    chat = person(desk, FACILITATOR)
    text = words(2001)
    assert not chat_takes(chat, "training_new", "description", text)
    assert not cli_takes(tmp_path, "training_new", "description", text)


def test_chat_and_cli_refuse_the_same_over_long_map_link(desk: Engine, tmp_path: Path) -> None:
    chat = person(desk, FACILITATOR)
    base = "https://maps.app.goo.gl/"
    longest = base + "a" * (TRAINING.map_url - len(base))
    too_long = longest + "b"
    assert not chat_takes(chat, "training_new", "map", too_long)
    path = tmp_path / "file.toml"
    path.write_text(f'map_url = "{too_long}"\n', encoding="utf-8")
    with pytest.raises(CommandError, match=f"paling banyak {TRAINING.map_url} karakter"):
        read_program_file(str(path))
    assert chat_takes(chat, "training_new", "map", longest)
    path.write_text(f'map_url = "{longest}"\n', encoding="utf-8")
    assert read_program_file(str(path))["map_url"] == longest


def test_every_typed_field_fits_the_column_that_keeps_it() -> None:
    """A limit raised in storage/limits.py without its column would fail on
    PostgreSQL only (SQLite ignores VARCHAR lengths): the columns follow the limits."""
    from storage.limits import FORUM, REGISTRATION, RESIDENT, TRAINING
    from storage.models import ForumEvent, Resident, TrainingProgram, TrainingRegistration

    def width(model: type, column: str) -> int:
        return int(model.__table__.c[column].type.length)  # type: ignore[attr-defined]

    assert RESIDENT.profile_name.maximum <= width(Resident, "display_name")
    assert RESIDENT.name.maximum <= width(Resident, "display_name")
    assert RESIDENT.name.maximum <= width(TrainingRegistration, "full_name")
    assert REGISTRATION.business_type.maximum <= width(TrainingRegistration, "business_type")
    assert TRAINING.title.maximum <= width(TrainingProgram, "title")
    assert TRAINING.organiser.maximum <= width(TrainingProgram, "organiser")
    assert TRAINING.place.maximum <= width(TrainingProgram, "place")
    assert TRAINING.map_url <= width(TrainingProgram, "map_url")
    assert FORUM.title.maximum <= width(ForumEvent, "title")
    assert FORUM.place.maximum <= width(ForumEvent, "place")
