"""Abuse limits: flood control across engines (state in the database), the daily
cap on new aspirations, blocked identities from the config and the CLI.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import NOW
from dialogue import ONBOARD, TO_SUMMARY, Chat, play
from sqlalchemy import Engine as Database
from sqlmodel import Session, col, select

from bot.cli import main
from handlers.core.engine import Engine
from handlers.core.settings import AbuseLimits
from handlers.registry import FLOWS
from storage.blocks import block
from storage.db import transaction
from storage.models import Aspiration, AuditEntry, Conversation, Resident

SLOW_DOWN = "pesan Anda datang terlalu cepat"
BLOCKED = "akun ini tidak dapat lagi memakai layanan"


def with_limits(engine: Engine, **limits: object) -> Engine:
    settings = replace(engine.settings, limits=replace(AbuseLimits(), **limits))  # type: ignore[arg-type]
    return Engine(engine.db, settings, FLOWS)


def test_a_flood_gets_one_slow_down_then_silence_then_normal_service(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    chat = Chat(with_limits(engine, flood_messages=20))
    play(chat, ONBOARD)
    chat.clock.advance(minutes=1)
    for _ in range(20):
        chat.send("halo")
        chat.clock.advance(seconds=0.4)
    assert SLOW_DOWN not in chat.said
    with caplog.at_level(logging.WARNING, "handlers.core.abuse"):
        replies = chat.send("halo")
    assert [r.text for r in replies] == [
        "Mohon maaf, pesan Anda datang terlalu cepat. Silakan tunggu sebentar, "
        "lalu kirim lagi pesan Anda satu per satu."
    ]
    assert "flood control" in caplog.text and "1001" not in caplog.text
    for _ in range(5):
        chat.clock.advance(seconds=5)
        assert chat.send("halo") == []  # dropped during the cool-down
    chat.clock.advance(seconds=40)
    play(chat, [("/menu", "Apa yang ingin Anda lakukan?")])


def test_a_message_held_back_by_flood_control_leaves_the_conversation_as_it_was(
    engine: Engine,
) -> None:
    chat = Chat(with_limits(engine, flood_messages=20))
    play(chat, ONBOARD)
    chat.clock.advance(minutes=1)
    play(chat, TO_SUMMARY[:4])  # at "Tuliskan aspirasi"
    for _ in range(16):
        chat.send("?")  # too short: the same question again
        chat.clock.advance(seconds=0.2)

    def step() -> tuple[str, str, dict[str, object]]:
        with Session(engine.db) as session:
            row = session.exec(select(Conversation)).one()
            return row.flow, row.step, dict(row.data)

    before = step()
    replies = chat.send("Jalan Sutomo di depan pasar berlubang besar sejak Oktober.")
    assert SLOW_DOWN in "".join(r.text for r in replies)
    assert step() == before
    with Session(engine.db) as session:
        assert session.exec(select(Aspiration)).all() == []
    chat.clock.advance(seconds=61)
    play(chat, [(TO_SUMMARY[4][0], TO_SUMMARY[4][1])])  # the step it was at, not the next one


def test_flood_state_is_shared_by_engines_on_one_database(engine: Engine) -> None:
    """Two processes (two engines) count the same resident's messages together."""
    first = Chat(with_limits(engine, flood_messages=20))
    second = Chat(with_limits(engine, flood_messages=20))
    play(first, ONBOARD)
    second.clock = first.clock
    first.clock.advance(minutes=1)
    for turn in range(20):
        (first if turn % 2 else second).send("halo")
    assert SLOW_DOWN in "".join(r.text for r in first.send("halo"))
    assert second.send("halo") == []


def test_messages_spread_out_are_never_limited(engine: Engine) -> None:
    chat = Chat(with_limits(engine, flood_messages=20))
    play(chat, ONBOARD)
    for _ in range(60):
        chat.clock.advance(seconds=1)
        chat.send("/menu")
        assert SLOW_DOWN not in chat.said


def test_the_daily_cap_on_new_aspirations(engine: Engine) -> None:
    chat = Chat(with_limits(engine, daily_aspirations=2))
    play(chat, ONBOARD)
    for _ in range(2):
        play(chat, [*TO_SUMMARY, (("press", "Kirim"), "Kode pelacakan")])
        chat.clock.advance(minutes=10)
    play(chat, [(("press", "Sampaikan aspirasi"), "Anda sudah mengirim 2 aspirasi hari ini")])
    assert "Apa yang ingin Anda lakukan?" in chat.last.text
    chat.clock.advance(hours=16)  # 02:00 UTC + 16h40 → the next day in WIB
    play(chat, TO_SUMMARY)


def test_the_cap_counts_in_the_residents_language(engine: Engine) -> None:
    """One aspiration a day: "1 aspiration today", never "1 aspirations"."""
    chat = Chat(with_limits(engine, daily_aspirations=1))
    play(chat, ONBOARD)
    play(chat, [*TO_SUMMARY, (("press", "Kirim"), "Kode pelacakan")])
    chat.send("/bahasa")
    play(chat, [(("press", "English"), "All right, I'll use English")])
    chat.send("/menu")
    chat.press("Send an aspiration")
    assert "You have already sent 1 aspiration today," in chat.said


def test_residents_without_consent_are_capped_too(engine: Engine) -> None:
    """Unlinked aspirations have no resident_id: the count is on the resident row."""
    chat = Chat(with_limits(engine, daily_aspirations=1))
    play(
        chat,
        [
            ("/start", "setuju"),
            (("press", "Tidak setuju"), "Kami tidak menyimpan data pribadi Anda"),
        ],
    )
    unlinked = [*TO_SUMMARY[:5], (("press", "Lewati"), "Periksa lagi aspirasi Anda")]
    play(chat, [*unlinked, (("press", "Kirim"), "Aspirasi anonim Anda sudah kami terima")])
    play(chat, [(("press", "Sampaikan aspirasi"), "Anda sudah mengirim 1 aspirasi hari ini")])
    with Session(engine.db) as session:
        assert len(session.exec(select(Aspiration)).all()) == 1


def test_the_cap_is_checked_again_at_submission(engine: Engine) -> None:
    """Two drafts started before the cap: only the first one goes in."""
    bot = with_limits(engine, daily_aspirations=1)
    chat = Chat(bot)
    play(chat, [*ONBOARD, *TO_SUMMARY])
    with transaction(engine.db) as session:
        person = session.exec(select(Resident)).one()
        person.aspirations_day, person.aspirations_count = "2026-11-28", 1
    play(chat, [(("press", "Kirim"), "Anda sudah mengirim 1 aspirasi hari ini")])
    with Session(engine.db) as session:
        assert session.exec(select(Aspiration)).first() is None


def test_a_config_block_gets_one_notice_then_nothing(engine: Engine) -> None:
    chat = Chat(with_limits(engine, blocked=frozenset({"console:1001"})))
    [notice] = chat.send("halo")
    assert BLOCKED in notice.text and notice.options == ()
    assert chat.send("halo") == [] and chat.send("/start") == []
    with Session(engine.db) as session:
        assert session.exec(select(Resident)).first() is None  # nothing of theirs stored
    assert Chat(engine, user_id="1002").send("halo")  # others are answered


def test_a_cli_block_and_unblock(engine: Engine, db: Database) -> None:
    chat = Chat(engine)
    play(chat, ONBOARD)
    with transaction(db) as session:
        assert block(session=session, identity="console:1001", reason="spam", actor="cli", now=NOW)
        assert not block(
            session=session, identity="console:1001", reason="again", actor="cli", now=NOW
        )
    assert BLOCKED in chat.send("/menu")[0].text
    assert chat.send("/menu") == []
    with Session(db) as session:
        entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
    assert [(e.actor, e.action, e.details) for e in entries] == [
        ("cli", "block", {"identity": "console:1001", "reason": "spam"})
    ]


def test_siantar_block_and_unblock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "siantar.db"}"\n')
    base = ["--config", str(config)]
    assert main([*base, "block", "telegram:42", "--reason", "banjir pesan"]) == 0
    assert main([*base, "block", "telegram:42", "--reason", "lagi"]) == 0
    assert main([*base, "unblock", "telegram:42"]) == 0
    assert main([*base, "unblock", "telegram:42"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "telegram:42: diblokir",
        "telegram:42: sudah diblokir",
        "telegram:42: blokir dicabut",
        "telegram:42: memang tidak diblokir",
    ]
    assert main([*base, "audit"]) == 0
    actions = [line.split("  ")[2] for line in capsys.readouterr().out.splitlines()]
    assert actions == ["block", "unblock"]
    assert main([*base, "block", "bob", "--reason", "x"]) == 2
    assert "identitas 'bob' tidak sah" in capsys.readouterr().err


def test_the_config_defaults_switch_the_limits_on() -> None:
    from datetime import timedelta

    from bot.app import abuse_limits
    from bot.config import Settings

    assert abuse_limits(Settings()) == AbuseLimits(
        flood_messages=20,
        flood_window=timedelta(seconds=10),
        flood_cooldown=timedelta(seconds=60),
        daily_aspirations=5,
        blocked=frozenset(),
    )
    custom = Settings.model_validate(
        {"privacy": {"daily_aspirations": 3, "blocked": ["telegram:42"]}}
    )
    assert abuse_limits(custom).daily_aspirations == 3
    assert abuse_limits(custom).blocked == frozenset({"telegram:42"})
