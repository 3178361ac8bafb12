"""The registry of features: each feature folder declares its flows, commands,
menu entries and help lines once, and the bot is built from what it finds."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from dialogue import Chat

import handlers
from handlers.core import menu
from handlers.core.engine import Engine
from handlers.core.feature import Command, Feature, Registry
from handlers.core.flow import HOME
from handlers.registry import FEATURES, REGISTRY, discover

# A whole new feature, one question long, in one module of its own folder.
SUGGESTIONS = '''
"""Saran: a resident sends one suggestion for the city."""

from handlers.core.feature import Command, Feature, HelpLine
from handlers.core.flow import HOME, Ctx, Flow, Steps
from handlers.core.validation import check_comment
from handlers.widgets.text_field import text_step


class Suggesting(Steps, flow="saran"):
    IDEA = "idea"


def thank(ctx: Ctx, idea: str) -> None:
    ctx.note(f"Terima kasih, saran Anda kami catat: {idea}")
    ctx.goto(HOME)


FEATURE = Feature(
    name="saran",
    flows=(
        Flow(
            {
                Suggesting.IDEA: text_step(
                    ask=lambda ctx: "Apa saran Anda untuk Kota Pematangsiantar?",
                    check=check_comment,
                    keep=thank,
                    to=(HOME,),
                )
            }
        ),
    ),
    commands=(
        Command(
            "saran",
            lambda ctx, _args: ctx.goto(Suggesting.IDEA),
            help=HelpLine("help.line.saran", 95),
        ),
    ),
)
'''


def test_every_feature_folder_is_found() -> None:
    assert [feature.name for feature in FEATURES] == [
        "menu",
        "announcements",
        "aspirations",
        "desk",
        "forums",
        "konsol",
        "privacy",
        "staff",
        "trainings",
        "units",
    ]


def test_a_name_is_claimed_once() -> None:
    def run(_ctx: object, _args: str) -> None: ...

    twice = Feature("twice", commands=(Command("status", run),))
    with pytest.raises(ValueError, match="'status' is registered twice"):
        Registry.collect([*FEATURES, twice])
    alias = Feature("alias", commands=(Command("laporan", run, aliases=("menu",)),))
    with pytest.raises(ValueError, match="'menu' is registered twice"):
        Registry.collect([*FEATURES, alias])


def test_help_lines_and_menus_keep_their_declared_order() -> None:
    assert [line.key for line in REGISTRY.help_lines("resident")] == [
        f"help.line.{name}"
        for name in (
            "menu",
            "batal",
            "status",
            "bahasa",
            "datasaya",
            "hapusdata",
            "nilai",
            "jawab",
            "berhenti",
            "langganan",
            "bantuan",
        )
    ]
    staff = [c.name for c in REGISTRY.command_menu(frozenset({"staff"}))]
    assert staff[-3:] == ["aspirasi", "ekspor", "statistik"]
    assert "peran" not in staff and "umumkan" not in staff


def test_a_one_module_feature_dropped_into_a_folder_is_part_of_the_bot(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "saran"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "feature.py").write_text(textwrap.dedent(SUGGESTIONS))
    monkeypatch.setattr(handlers, "__path__", [*handlers.__path__, str(tmp_path)])

    features = (menu.FEATURE, *discover())
    assert "saran" in [feature.name for feature in features]
    registry = Registry.collect(features)
    registry.flows[HOME.flow] = menu.home_flow(registry.menu)
    chat = Chat(Engine(engine.db, engine.settings, registry=registry))
    chat.send("/start")
    chat.press("Setuju")
    chat.press("Lewati")

    assert chat.send("/saran")[-1].text == "Apa saran Anda untuk Kota Pematangsiantar?"
    replies = chat.send("Tolong tambah lampu jalan di taman Merdeka")
    assert replies[-1].text.startswith(
        "Terima kasih, saran Anda kami catat: Tolong tambah lampu jalan di taman Merdeka"
    )
    assert "Apa yang ingin Anda lakukan" in replies[-1].text  # back at the menu
    assert "saran" not in REGISTRY.commands  # the bot's own registry is untouched
