"""A database outage under the real ``siantar run``: a few lines, not a flood.

The process runs against a PostgreSQL database of its own (``<test database>_outage``,
created and dropped here). The outage is made by refusing new connections to that
database and ending the ones open (``ALLOW_CONNECTIONS false`` and
``pg_terminate_backend``), then allowing them again: the server itself, and every
other database on it, keep running. Needs ``TEST_DATABASE_URL``, like every
PostgreSQL leg.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import TEST_DATABASE_URL
from fake_telegram import TOKEN, FakeTelegram
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from test_telegram_process import POLLING_READY, RUNNING, SiantarRun, eventually, free_port, toml

from storage.db import make_engine

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="PostgreSQL leg skipped: TEST_DATABASE_URL is not set"
)

OUTAGE_SECONDS = 12.0  # six outbox ticks, two or three announcement ticks
RECORD = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ")  # a log line, not a traceback's


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def admin() -> Iterator[Engine]:
    """A connection to the server's maintenance database, outside any transaction."""
    url = make_url(TEST_DATABASE_URL).set(database="postgres")
    engine = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture
def outage_url(admin: Engine) -> Iterator[str]:
    url = make_url(TEST_DATABASE_URL)
    name = f"{url.database}_outage"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def set_reachable(admin: Engine, url: str, reachable: bool) -> None:
    name = make_url(url).database
    with admin.connect() as connection:
        connection.execute(
            text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(reachable).lower()}')
        )
        if not reachable:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )


def health(port: int) -> int | None:
    try:
        with httpx.Client(timeout=5, trust_env=False) as client:
            return client.get(f"http://127.0.0.1:{port}/healthz").status_code
    except httpx.TransportError:
        return None


def test_a_database_outage_is_logged_in_a_few_lines_and_its_end_too(
    tmp_path: Path, fake: FakeTelegram, admin: Engine, outage_url: str
) -> None:
    port = free_port()
    lines = [
        "[database]",
        f"url = {toml(outage_url)}",
        "[telegram]",
        "enabled = true",
        f"token = {toml(TOKEN)}",
        f"api_base_url = {toml(fake.base_url)}",
        "[server]",
        'host = "127.0.0.1"',
        f"port = {port}",
        "[media]",
        f"directory = {toml(str(tmp_path / 'media'))}",
    ]
    (tmp_path / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = SiantarRun(tmp_path, "run")
    try:
        run.wait_for_log(POLLING_READY)
        run.wait_for_log(RUNNING)
        assert eventually(lambda: health(port), "the health check") == 200
        before = len(run.stderr().splitlines())

        set_reachable(admin, outage_url, False)
        began = time.monotonic()
        probes = []
        while time.monotonic() - began < OUTAGE_SECONDS:
            probes.append(health(port))  # a monitor probing every second
            time.sleep(1)
        during = run.stderr().splitlines()[before:]
        set_reachable(admin, outage_url, True)

        run.wait_for_log("outbox works again after", timeout=30)
        run.wait_for_log("scheduler job 'broadcasts' works again after", timeout=30)
        assert eventually(lambda: health(port) == 200, "healthy again")
        assert run.stop() == 0
    finally:
        run.ensure_dead()

    assert set(probes) == {503}
    records = [line for line in during if RECORD.match(line)]
    logged_tracebacks = sum(
        1
        for line, after in zip(during, during[1:], strict=False)
        if RECORD.match(line) and after.startswith("Traceback")
    )
    first_failures = [line for line in records if "(further failures: one line a minute" in line]
    sources = sorted(
        line.split(" ERROR bot.outage: ")[1].split(" failed: ")[0] for line in first_failures
    )
    print(f"\n{len(records)} log records in a {OUTAGE_SECONDS:.0f} s outage: {sources}")
    # each repeating piece of work says once that it fails, with its traceback, and
    # nothing else is logged (before: a traceback every 2 s, 5 s and at every probe)
    assert "outbox" in sources and "scheduler job 'broadcasts'" in sources
    assert "healthz: the database check" in sources
    assert len(sources) == len(set(sources)) == len(records) == logged_tracebacks <= 5, records
    log = run.stderr()
    assert "healthz: the database check works again after" in log
