"""python-telegram-bot's HTTP client with a few connections, waited for cheaply.

httpcore's connection pool scans its connections (partly over every pair of
them) whenever a call starts or ends, and scans every connection for each call
waiting in its queue. With PTB's default of 256 connections, once a burst has
opened them all, that costs more CPU per call than the call itself; a smaller
pool with calls queued inside httpcore costs even more. So the pool is small,
and calls beyond it wait at an asyncio semaphore in front of it (cheap, first
come first served), never in httpcore's queue. Telegram takes about 30 messages
a second per bot, which a few connections carry.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.request import HTTPXRequest

CONNECTIONS = 8


class PooledRequest(HTTPXRequest):
    """An ``HTTPXRequest`` that has at most ``connections`` calls on their way."""

    __slots__ = ("_room",)

    def __init__(self, connections: int = CONNECTIONS, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=connections, **kwargs)
        self._room = asyncio.Semaphore(connections)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._room:
            return await super().do_request(*args, **kwargs)
