"""Keeping the outbox rows a dispatcher holds claimed, for as long as it lives.

A claim (``claimed_until``) is short: ``LEASE``, 15 s. While a dispatcher holds
rows — waiting for their send slot, on their way, waiting to be marked, or the
direct replies its handler is sending — it renews their claims every third of
the lease, in one small UPDATE by primary key. A process that dies renews
nothing more, so its rows are due again at most ``LEASE`` after its last
renewal, and the next claim by any process sends them (the outbox job runs every
2 s, and at once when a process starts). Before, a claim lasted 60 s and was
never renewed: after a crash, the rows in flight waited out the minute.

A dispatcher that cannot renew (its database is unreachable) keeps to what it
last renewed: a row is not sent once its claim may lapse within ``margin`` (a
quarter of the lease), so no other process takes over a row it is still sending.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

from bot.dbthreads import DatabaseThreads
from storage.outbox import LEASE

Renew = Callable[[list[str], list[int], list[int], datetime], None]


class Leases:
    """The rows one dispatcher holds: row id → its claim token (None: a direct
    reply its handler holds), and until when each claim surely lasts."""

    def __init__(
        self,
        threads: DatabaseThreads,
        renew: Renew,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Awaitable[None]],
        *,
        lease: timedelta = LEASE,
        failed: Callable[[BaseException], None],
    ) -> None:
        self.threads = threads
        self.renew = renew
        self.clock = clock
        self.sleep = sleep
        self.lease = lease
        self.every = lease / 3
        self.margin = lease / 4
        self.failed = failed
        self._claims: dict[int, str | None] = {}
        self._until: dict[int, datetime] = {}
        self._heartbeat: asyncio.Task[None] | None = None

    def hold(self, rows: Iterable[tuple[int, str | None, datetime]]) -> None:
        """Keep these rows (id, claim, claimed until) claimed until they are dropped."""
        for row_id, claim, until in rows:
            self._claims[row_id] = claim
            self._until[row_id] = until
        if self._claims and (self._heartbeat is None or self._heartbeat.done()):
            self._heartbeat = asyncio.create_task(self._beat(), name="outbox-leases")

    def drop(self, row_id: int) -> None:
        """The row is sent, given back or failed: no longer ours to renew."""
        self._claims.pop(row_id, None)
        self._until.pop(row_id, None)
        if not self._claims and self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None

    def usable_until(self, row_id: int, claimed_until: datetime) -> datetime:
        """Until when a send of this row may start: its claim surely lasts ``margin``
        longer (as last renewed, else as claimed)."""
        return max(self._until.get(row_id, claimed_until), claimed_until) - self.margin

    def held(self) -> int:
        return len(self._claims)

    async def _beat(self) -> None:
        while True:
            await self.sleep(self.every.total_seconds())
            await self.renew_now()
            if not self._claims:
                return

    async def renew_now(self) -> None:
        """Extend every held claim to a lease from now (failures are reported, the
        next beat tries again)."""
        held = dict(self._claims)
        if not held:
            return
        until = self.clock() + self.lease
        claims = sorted({claim for claim in held.values() if claim is not None})
        replies = [row_id for row_id, claim in held.items() if claim is None]
        try:
            await self.threads.run(self.renew, claims, list(held), replies, until)
        except Exception as error:  # noqa: BLE001 - reported; the claims keep their old end
            self.failed(error)
            return
        for row_id in held:
            if row_id in self._until:
                self._until[row_id] = max(self._until[row_id], until)
