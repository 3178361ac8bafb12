"""Logging a failure that repeats: the first in full, then one line a minute.

Work that runs again and again on the database — the outbox dispatcher every 2 s,
the announcement fan-out every 5 s, the reminders every minute, the health
check at each probe — fails at every run while the database is down. Logged
each time with its traceback, a 20-second outage wrote 1,800 lines. An
``Outage`` keeps one piece of work's failures: the first is logged with its
traceback, then at most one line every ``every`` seconds with the number of
failures since, and one line when the work succeeds again, saying for how long
it failed.

Time is passed in (``clock``, seconds on any monotonic scale), so the logging is
tested without sleeping.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

REPORT_EVERY = 60.0  # seconds between two lines about the same outage
SUMMARY_LENGTH = 200


def summary(error: BaseException) -> str:
    """The error's type and the first line of its message (a database error's
    statement and parameters, on later lines, are left out)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    text = lines[0] if lines else ""
    name = type(error).__name__
    return f"{name}: {text[:SUMMARY_LENGTH]}" if text else name


class Outage:
    """The failures of one piece of work that repeats (``name`` says which)."""

    def __init__(
        self,
        name: str,
        clock: Callable[[], float],
        *,
        every: float = REPORT_EVERY,
        log: logging.Logger = logger,
    ) -> None:
        self.name = name
        self.clock = clock
        self.every = every
        self.log = log
        self.since: float | None = None  # when the first failure came; None: working
        self.failures = 0
        self.reported_at = 0.0
        self.unreported = 0

    @property
    def ongoing(self) -> bool:
        return self.since is not None

    def failed(self, error: BaseException) -> None:
        now = self.clock()
        self.failures += 1
        if self.since is None:
            self.since = self.reported_at = now
            self.log.error(
                "%s failed: %s (further failures: one line a minute until it works again)",
                self.name,
                summary(error),
                exc_info=error,
            )
            return
        self.unreported += 1
        if now - self.reported_at >= self.every:
            self.log.error(
                "%s still failing after %d s: %d failure(s) in the last %d s, the last: %s",
                self.name,
                round(now - self.since),
                self.unreported,
                round(now - self.reported_at),
                summary(error),
            )
            self.reported_at, self.unreported = now, 0

    def succeeded(self) -> None:
        if self.since is None:
            return
        self.log.warning(
            "%s works again after %d s (%d failure(s))",
            self.name,
            round(self.clock() - self.since),
            self.failures,
        )
        self.since, self.failures, self.unreported = None, 0, 0


def watched(work: Callable[[], Awaitable[object]], outage: Outage) -> Callable[[], Awaitable[None]]:
    """``work`` as a scheduler job whose failures go to ``outage`` (the scheduler
    would log each one with its traceback). A run cut short by shutting down ends
    quietly: APScheduler cancels the jobs still running when it shuts down, and
    would log each cancellation as a failure, traceback and all."""

    async def job() -> None:
        try:
            await work()
        except asyncio.CancelledError:
            return  # stopping; the job's database work is in a transaction of its own
        except Exception as error:  # noqa: BLE001 - logged by the outage, tried at the next run
            outage.failed(error)
        else:
            outage.succeeded()

    return job
