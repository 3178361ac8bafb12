"""Blocking database work, off the event loop.

SQLite has a single writer: several threads writing at once spend their time in
SQLite's busy handler, which sleeps in steps of up to 100 ms. One thread for
SQLite keeps every transaction short and in turn; PostgreSQL gets a few.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import ParamSpec, TypeVar

from sqlalchemy import Engine as Database

P = ParamSpec("P")
T = TypeVar("T")

POSTGRES_THREADS = 4


class DatabaseThreads:
    def __init__(self, db: Database) -> None:
        workers = 1 if db.dialect.name == "sqlite" else POSTGRES_THREADS
        self.executor = ThreadPoolExecutor(workers, thread_name_prefix="db")

    async def run(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(function, *args, **kwargs))

    def close(self) -> None:
        self.executor.shutdown(wait=True)
