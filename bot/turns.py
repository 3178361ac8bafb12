"""One resident's updates one at a time within this process, in arrival order.

The database already gives every conversation one turn at a time across
processes (``storage.conversations.take_turn``). Queueing here as well, on the
event loop, means a burst from one resident waits as cheap coroutines instead of
filling every database thread with transactions that wait for the same lock
(other residents' updates stay free to run), and that each update's replies are
sent before the next update of the same resident is handled, so they reach the
resident in order.

Hand-written: a keyed ``asyncio.Lock`` (FIFO, so arrival order holds) whose
entries go away when nobody holds or waits for them; no library for these few
lines is worth a dependency.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Turns:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}  # holders and waiters per key

    @asynccontextmanager
    async def of(self, key: str) -> AsyncIterator[None]:
        """Hold ``key``'s turn for the block; waits behind earlier arrivals."""
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    def __len__(self) -> int:
        """How many keys are held or waited for (none, when all is quiet)."""
        return len(self._locks)
