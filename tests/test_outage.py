"""Repeated failures are logged once in full, then once a minute, then "works again"."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.exc import OperationalError

from bot.outage import Outage, summary, watched

DOWN = OperationalError(
    "SELECT outbox_message.id FROM outbox_message WHERE ...",
    {"now": "2026-11-28"},
    Exception(
        'connection to server at "127.0.0.1", port 5432 failed: Connection refused\nIs it up?'
    ),
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.outage"]


def test_an_outage_is_logged_once_in_full_then_once_a_minute_then_its_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock()
    outage = Outage("outbox", clock)
    for _ in range(100):  # a failure every 2 s for 200 s
        outage.failed(DOWN)
        clock.now += 2
    outage.succeeded()
    logged = records(caplog)
    with_traceback = [r for r in logged if r.exc_info]
    assert len(with_traceback) == 1
    assert with_traceback[0].exc_info is not None and with_traceback[0].exc_info[1] is DOWN
    lines = [r.getMessage() for r in logged]
    # the first, one at 60, 120 and 180 s, and the end: five lines for 100 failures
    assert len(lines) == 5, lines
    assert lines[0].startswith("outbox failed: OperationalError: connection to server")
    assert "SELECT" not in lines[0] and "Is it up" not in lines[0]
    assert lines[1] == (
        "outbox still failing after 60 s: 30 failure(s) in the last 60 s, the last: "
        'OperationalError: connection to server at "127.0.0.1", port 5432 failed: '
        "Connection refused"
    )
    assert lines[2].startswith("outbox still failing after 120 s: 30 failure(s)")
    assert lines[3].startswith("outbox still failing after 180 s: 30 failure(s)")
    assert lines[4] == "outbox works again after 200 s (100 failure(s))"
    assert [r.levelno for r in logged] == [logging.ERROR] * 4 + [logging.WARNING]


def test_success_without_a_failure_says_nothing_and_a_new_outage_starts_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock()
    outage = Outage("trainings", clock)
    outage.succeeded()
    assert records(caplog) == [] and not outage.ongoing
    outage.failed(RuntimeError("first"))
    clock.now += 5
    outage.succeeded()
    clock.now += 600
    outage.failed(RuntimeError("second"))  # a new outage: in full again
    assert outage.ongoing
    with_traceback = [r for r in records(caplog) if r.exc_info]
    assert [str(r.exc_info[1]) for r in with_traceback if r.exc_info] == ["first", "second"]
    assert "trainings works again after 5 s (1 failure(s))" in [
        r.getMessage() for r in records(caplog)
    ]


def test_a_summary_is_one_line_without_the_statement() -> None:
    assert summary(DOWN).count("\n") == 0
    assert summary(RuntimeError()) == "RuntimeError"
    assert summary(ValueError("x" * 500)) == "ValueError: " + "x" * 200


def test_a_watched_job_never_raises_and_reports_to_its_outage(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    clock = Clock()
    outage = Outage("broadcasts", clock)
    failing = True

    async def work() -> None:
        if failing:
            raise DOWN

    job = watched(work, outage)
    for _ in range(10):
        asyncio.run(job())  # raises nothing: the scheduler would log each traceback
        clock.now += 5
    assert outage.ongoing and len([r for r in records(caplog) if r.exc_info]) == 1
    failing = False
    asyncio.run(job())
    assert not outage.ongoing
    assert records(caplog)[-1].getMessage() == "broadcasts works again after 50 s (10 failure(s))"


def test_a_watched_job_cancelled_at_shutdown_ends_quietly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """APScheduler cancels the jobs still running when it shuts down (a second poller
    stopping right after start-up, SIGTERM during a run) and logs whatever they
    raise as a failure with its traceback: a cancelled job raises nothing."""
    caplog.set_level(logging.INFO)
    outage = Outage("trainings", Clock())

    async def slow() -> None:
        await asyncio.sleep(3600)

    async def scenario() -> None:
        running = asyncio.create_task(watched(slow, outage)())
        await asyncio.sleep(0)
        running.cancel()
        await running  # no CancelledError for the scheduler to log

    asyncio.run(scenario())
    assert records(caplog) == [] and not outage.ongoing
