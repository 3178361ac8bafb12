"""python-telegram-bot's HTTP client with a few connections, waited for cheaply.

httpcore's connection pool scans its connections (partly over every pair of
them) whenever a call starts or ends, and scans every connection for each call
waiting in its queue. With PTB's default of 256 connections, once a burst has
opened them all, that costs more CPU per call than the call itself; a smaller
pool with calls queued inside httpcore costs even more. So the pool is small,
and calls beyond it wait at an asyncio semaphore in front of it (cheap, first
come first served), never in httpcore's queue.

How many: each update takes about 3 calls (answer the button, edit its message,
send the reply), and broadcasts share the connections. Against the real Bot API
(100-300 ms a call from Indonesia), 16 connections carry 50-160 calls a second,
above Telegram's ~30 messages a second per bot. Against the local fake server of
the benchmark 8 would cost less CPU still (idle connections are what httpcore
scans), but would cap a bot at a slow link well below that.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.request import HTTPXRequest

CONNECTIONS = 16


class PooledRequest(HTTPXRequest):
    """An ``HTTPXRequest`` that has at most ``connections`` calls on their way."""

    __slots__ = ("_room",)

    def __init__(self, connections: int = CONNECTIONS, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=connections, **kwargs)
        self._room = asyncio.Semaphore(connections)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._room:
            return await super().do_request(*args, **kwargs)
