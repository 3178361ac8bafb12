"""Flow control for the outbox dispatcher: how many sends may be on their way at
once, and marking sent rows in few transactions."""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable

from bot.dbthreads import DatabaseThreads

MAX_IN_FLIGHT = 32  # sends at once, per channel and process
NAP = 0.25  # seconds: the longest sleep between looks at "stop"
MARK_LINGER = 0.05  # seconds a sent row may wait to be marked with others
LATENCY_SAMPLES = 64
HEADROOM = 3  # in flight: this many times what the pace needs at the usual latency,
SPARE = 3  # and this many more (a send that is retried after a 5xx holds its place)


class InFlight:
    """The sends of one channel on their way, and how many may be: what the pace
    needs at the latency of the recent sends (their median, times ``HEADROOM``, plus
    ``SPARE``), at most ``ceiling``. A platform or adapter that stalls (python-telegram-bot
    waits out a 429 by holding every request back) then gathers a few sends, not
    ``ceiling`` of them that would all go at once when it resumes."""

    def __init__(self, per_second: float | None, ceiling: int = MAX_IN_FLIGHT) -> None:
        self.per_second = per_second
        self.ceiling = ceiling
        self.count = 0
        self.latencies: deque[float] = deque(maxlen=LATENCY_SAMPLES)
        self.changed = asyncio.Condition()

    def allowance(self) -> int:
        if self.per_second is None or len(self.latencies) < LATENCY_SAMPLES // 8:
            return self.ceiling
        usual = statistics.median(self.latencies)
        return min(self.ceiling, math.ceil(self.per_second * usual * HEADROOM) + SPARE)

    @contextlib.asynccontextmanager
    async def place(self, stopping: Callable[[], bool]) -> AsyncIterator[None]:
        """Wait for room (not once ``stopping()``), and hold it."""
        if self.count >= self.allowance():
            async with self.changed:
                while self.count >= self.allowance() and not stopping():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.changed.wait(), NAP)
        self.count += 1
        try:
            yield
        finally:
            self.count -= 1
            async with self.changed:
                self.changed.notify_all()

    def took(self, seconds: float) -> None:
        self.latencies.append(seconds)


Mark = tuple[int, str | None, str | None]  # outbox id, the platform's message id, claim


class SentMarks:
    """Marks sent rows in few transactions: a write takes every send that finished
    in the ``linger`` before it (or while the previous write went on). Each caller
    waits for its own mark, so a row counts as in flight until it is marked.

    With ``linger`` 0 nothing waits on purpose: a mark is written at once when the
    database thread is free, and when it is busy the marks that come meanwhile
    share the next write (a group commit)."""

    def __init__(
        self,
        threads: DatabaseThreads,
        write: Callable[[list[Mark]], None],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        linger: float = MARK_LINGER,
        enough: int = MAX_IN_FLIGHT // 2,
    ) -> None:
        self.threads = threads
        self.write = write
        self.sleep = sleep
        self.linger = linger
        self.enough = enough
        self.waiting: list[tuple[list[Mark], asyncio.Future[None]]] = []
        self.count = 0  # marks waiting
        self.writer: asyncio.Task[None] | None = None

    async def mark(self, message_id: int, external_id: str | None, claim: str | None) -> None:
        await self.mark_all([(message_id, external_id, claim)])

    async def mark_all(self, marks: list[Mark]) -> None:
        """Mark these rows (in one write, maybe with others'); returns once written."""
        done = asyncio.get_running_loop().create_future()
        self.waiting.append((marks, done))
        self.count += len(marks)
        if self.writer is None or self.writer.done():
            self.writer = asyncio.create_task(self._write())
        await done

    async def _write(self) -> None:
        while self.waiting:
            if self.linger and self.count < self.enough:
                await self.sleep(self.linger)
            batch, self.waiting, self.count = self.waiting, [], 0
            try:
                await self.threads.run(self.write, [mark for marks, _ in batch for mark in marks])
            except BaseException as error:  # the rows stay claimed: sent again after the lease
                for _, done in batch:
                    if done.done():
                        continue
                    if isinstance(error, Exception):
                        done.set_exception(error)
                    else:  # cancelled (shutting down): so are its callers
                        done.cancel()
                if not isinstance(error, Exception):
                    for _, done in self.waiting:  # and those who came meanwhile
                        done.cancel()
                    self.waiting, self.count = [], 0
                    raise
            else:
                for _, done in batch:
                    if not done.done():
                        done.set_result(None)
