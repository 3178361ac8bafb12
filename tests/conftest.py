"""Shared fixtures: a migrated database on SQLite always, on PostgreSQL when
``TEST_DATABASE_URL`` is set (CI sets it); and a data folder of the test session's
own (``SIANTAR_HOME``), so no test ever writes into the real user data folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Connection, Engine, insert, text
from sqlmodel import SQLModel

from storage.db import make_engine, migrate
from storage.models import Opd
from storage.opd import default_units

if TYPE_CHECKING:
    from dialogue import Chat

    from handlers.core.engine import Engine as SiantarEngine
    from handlers.core.settings import EngineSettings

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not TEST_DATABASE_URL, reason="PostgreSQL leg skipped: TEST_DATABASE_URL is not set"
        ),
    ),
]

# Fixtures shared by several modules that live beside their helpers: the staff
# tests' ``media`` and ``desk`` (tests/staff_helpers.py).
pytest_plugins = ["staff_helpers"]

# A fixed, timezone-aware "now": Saturday 28 November 2026, 09:00 WIB.
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def _no_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests talk to servers on 127.0.0.1: a proxy set on the developer's machine
    must not carry their calls (the proxy tests set these variables themselves)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture(scope="session", autouse=True)
def _siantar_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Without a config file siantar keeps its data in ``$SIANTAR_HOME``: a
    temporary folder here, for every test and every ``siantar`` it starts."""
    home = tmp_path_factory.mktemp("siantar-home")
    previous = os.environ.get("SIANTAR_HOME")
    os.environ["SIANTAR_HOME"] = str(home)
    yield home
    if previous is None:
        os.environ.pop("SIANTAR_HOME", None)
    else:
        os.environ["SIANTAR_HOME"] = previous


@pytest.fixture(scope="session")
def _postgres_engine() -> Iterator[Engine]:
    engine = make_engine(TEST_DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated once per run; each test gets a copy of it, which
    is what running every migration again would give, in a hundredth of the time."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
        return
    engine = request.getfixturevalue("_postgres_engine")
    tables = ", ".join(f'"{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        _seed_units(connection)  # what migration 0012 seeds, as on a fresh SQLite copy
    yield engine


def _seed_units(connection: Connection) -> None:
    """The default units (``storage/data/opd_default.csv``) a migrated database holds."""
    rows = [unit | {"active": True} for unit in default_units()]
    connection.execute(insert(Opd), rows)


def engine_settings() -> EngineSettings:
    """The engine's settings as a default install has them (the test's own)."""
    from bot.app import categories
    from bot.config import Settings
    from bot.i18n import translator
    from handlers.core.settings import EngineSettings
    from storage.wilayah import load_wilayah

    return EngineSettings(
        translators=translator, wilayah=load_wilayah(), categories=categories(Settings())
    )


@pytest.fixture
def engine(db: Engine) -> SiantarEngine:
    """The conversation engine with the real flows and catalogs on ``db``."""
    from handlers.core.engine import Engine as SiantarEngine
    from handlers.registry import FLOWS

    return SiantarEngine(db, engine_settings(), FLOWS)


@pytest.fixture
def chat(engine: SiantarEngine) -> Chat:
    from dialogue import Chat

    return Chat(engine)


@pytest.fixture(scope="module")
def _chromium() -> Iterator[Any]:
    """One Chromium per test module (``tests/browser_helpers.py``). Not per session:
    Playwright's sync API keeps an event loop running on the main thread while it is
    started, which the asyncio tests of other modules could not then run beside."""
    from browser_helpers import launch

    yield from launch()


@pytest.fixture
def site(db: Engine, _chromium: Any) -> Iterator[Any]:
    """Konsol served on a free port over ``db``, with the staff roles of
    ``staff_helpers.CONFIG_ROLES`` and a clock the test moves; ``site.staff()``
    opens a browser for one person."""
    from dataclasses import replace

    from browser_helpers import Site, free_port, serve
    from konsol_helpers import Clock
    from staff_helpers import CONFIG_ROLES

    from bot.config import WebSettings
    from bot.konsol.app import Konsol

    clock = Clock()
    port = free_port()
    web = WebSettings(enabled=True, public_url=f"http://127.0.0.1:{port}", session_hours=12)
    settings = replace(engine_settings(), config_roles=CONFIG_ROLES)
    konsol = Konsol(db=db, web=web, settings=settings, now=lambda: clock.now)
    for url in serve(konsol, db, port):
        yield Site(url, db, clock, konsol, _chromium)
