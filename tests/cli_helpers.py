"""Running ``siantar …`` in-process through ``bot.cli.main`` for the command tests:
a config file pointing at the test database, the command module's clock fixed, and
what it printed and returned."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Engine

from bot import cli


@dataclass
class Result:
    code: int
    out: str
    err: str


Run = Callable[..., Result]


def cli_runner(
    db: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: ModuleType,
    now: datetime,
) -> Run:
    """``run(*args)`` runs the CLI on ``db``, from ``tmp_path``, with ``command.now``
    fixed at ``now``; a traceback on stderr fails the test."""
    url = db.url.render_as_string(hide_password=False)
    (tmp_path / "config.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    monkeypatch.delenv("SIANTAR_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(command, "now", lambda: now)

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = cli.main(["--config", "config.toml", *args])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return Result(code, captured.out, captured.err)

    return run


def ok(result: Result) -> str:
    assert result.code == 0, result.err
    return result.out


def refused(result: Result) -> str:
    """The single error line of a refused command (exit status 2, nothing on stdout)."""
    assert result.code == 2, result.out
    assert result.out == "" and result.err.count("\n") == 1, result.err
    return result.err.strip()
