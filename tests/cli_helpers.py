"""Running ``siantar …`` for the command tests: in-process through ``bot.cli.main``
(a config file pointing at the test database, the command module's clock fixed,
and what it printed and returned), or the installed console script in a
subprocess, as an operator runs it (:func:`installed`)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Engine

from bot import cli

BIN = Path(sys.executable).parent / "siantar"
COMMAND = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "bot.cli"]


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
    language: str | None = None,
) -> Run:
    """``run(*args)`` runs the CLI on ``db``, from ``tmp_path``, with ``command.now``
    fixed at ``now`` (and ``--lang language`` when given; Indonesian otherwise); a
    traceback on stderr fails the test."""
    url = db.url.render_as_string(hide_password=False)
    (tmp_path / "config.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    monkeypatch.delenv("SIANTAR_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(command, "now", lambda: now)

    def run(*args: str) -> Result:
        capsys.readouterr()
        chosen = ["--lang", language] if language else []
        code = cli.main([*chosen, "--config", "config.toml", *args])
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


def installed_env(cwd: Path, env: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """A bare environment: PATH, HOME at ``cwd`` and the data folder
    (``SIANTAR_HOME``) at ``cwd/data``; ``env`` adds to it, a None value removes."""
    base: dict[str, str | None] = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(cwd),
        "SIANTAR_HOME": str(cwd / "data"),
        **(env or {}),
    }
    return {name: value for name, value in base.items() if value is not None}


def installed(
    *args: str, cwd: Path, stdin: str = "", env: Mapping[str, str | None] | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed ``siantar`` run from ``cwd`` (environment: :func:`installed_env`)."""
    return subprocess.run(
        [*COMMAND, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=installed_env(cwd, env),
    )
