"""Chat jobs (exports, statistics) built in a process of their own.

A thread is not enough: building a 100,000-row XLSX is pure Python work, and a
thread doing it holds the GIL in turns with the database thread, each of whose
SQLite calls then waits up to the 5 ms switch interval to get it back. Measured
with ``bench/export_latency.py``: residents' p99 reply latency rose tenfold with
the build on a thread, and stays within the target with it in a child process.
The child is spawned (not forked: the parent runs threads and an event loop),
runs at a lower CPU priority (``NICENESS``: on a busy machine the residents'
messages go first), opens its own connection pool, and logs as the parent does.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine as Database

from handlers.core.chat_jobs import run_due
from handlers.core.settings import EngineSettings

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

_databases: dict[str, Database] = {}


def utc_now() -> datetime:
    return datetime.now(UTC)


NICENESS = 10  # background work: the scheduler lets the bot's own process go first


def _start(secrets: list[str], level: int) -> None:
    from bot.logs import setup_logging

    os.nice(NICENESS)
    setup_logging(secrets, level)


def _run_due(url: str, settings: EngineSettings) -> int:
    """In the child: build what is due, on the child's own engine for ``url``."""
    from storage.db import make_engine

    db = _databases.get(url)
    if db is None:
        db = _databases[url] = make_engine(url)
    return run_due(db, settings, utc_now)


class JobProcess:
    """One child process that builds the due chat jobs when ``tick`` is awaited.
    Nothing is started before the first tick (``siantar run`` ticks only when a
    job is due): a bot nobody asks for an export runs no child at all."""

    def __init__(self, url: str, settings: EngineSettings, secrets: Iterable[str], level: int):
        self.url = url
        self.settings = settings
        self.initargs = (list(secrets), level)
        self.executor: ProcessPoolExecutor | None = None
        self._others: set[Any] = set()  # multiprocessing processes, imported at the first tick
        self._children: set[Any] = set()

    async def tick(self) -> int:
        """Build what is due in the child (spawned at the first tick)."""
        import multiprocessing  # here: siantar run imports it only once a job is due
        from concurrent.futures import ProcessPoolExecutor

        if self.executor is None:
            self._others = set(multiprocessing.active_children())
            self.executor = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=self.initargs,
            )
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.executor, _run_due, self.url, self.settings)
        self._children |= set(multiprocessing.active_children()) - self._others
        return await future

    def close(self) -> None:
        """Stop at once: a job being built is left to its lease, and built again by
        the next process (``storage.jobs``)."""
        if self.executor is None:
            return
        self.executor.shutdown(wait=False, cancel_futures=True)
        for child in self._children:
            child.terminate()
            child.join(5)
