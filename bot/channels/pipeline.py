"""The inbound path every chat adapter shares: handle, then send now or leave unconfirmed.

An inbound is handled by the engine in a database thread (``Engine.handle_recorded``):
its replies are written to the outbox in the same transaction as the new
conversation state. Committed, the replies are sent at once and marked sent (by
the outbox dispatcher's ``send_now``); not committed (``TRANSIENT``), nothing is
sent and the current ``Confirmation`` says so, so the adapter leaves the
platform's update unconfirmed and it is delivered again.

One pipeline, with one outbox dispatcher, serves every channel of a process
(``bot.runner`` builds it); a channel made without one (tests, tools) makes its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.channels.confirmation import TRANSIENT, current
from bot.dbthreads import DatabaseThreads
from bot.delivery import Sender
from bot.outbox import OutboxDispatcher
from bot.turns import Turns
from handlers.core.engine import Engine
from handlers.core.types import Handled, Inbound

logger = logging.getLogger(__name__)

# Work to do while the replies go out (Telegram edits the pressed message meanwhile).
Alongside = Callable[[Handled], Awaitable[None]]


class Pipeline:
    def __init__(
        self,
        engine: Engine,
        outbox: OutboxDispatcher,
        clock: Callable[[], datetime],
        threads: DatabaseThreads,
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.clock = clock
        self.threads = threads
        self.turns = Turns()  # one update of a resident at a time, replies included

    @classmethod
    def alone(
        cls,
        engine: Engine,
        sender: Sender,
        clock: Callable[[], datetime],
        threads: DatabaseThreads | None = None,
    ) -> Pipeline:
        """A pipeline, and a dispatcher, for one channel alone (tests and tools)."""
        threads = threads or DatabaseThreads(engine.db)
        outbox = OutboxDispatcher(engine.db, {sender.channel: sender}, clock, threads=threads)
        return cls(engine, outbox, clock, threads)

    async def handle(
        self,
        inbound: Inbound,
        now: datetime | None = None,
        *,
        alongside: Alongside | None = None,
    ) -> None:
        """Handle ``inbound`` in its resident's turn (``now``: the clock once the turn
        came), then send its replies; ``alongside`` runs while they go out. Not
        committed: recorded on the current confirmation, nothing sent."""
        async with self.turns.of(f"{inbound.channel}:{inbound.user_id}"):
            moment = now if now is not None else self.clock()
            try:
                handled = await self.threads.run(self.engine.handle_recorded, inbound, moment)
            except TRANSIENT as error:
                current().not_committed(inbound.channel, error, inbound.user_id)
                return
            sending = self.outbox.send_now(
                inbound.channel, inbound.user_id, handled.replies, handled.claimed_until
            )
            if alongside is None or not handled.replies:
                await sending
                return
            for outcome in await asyncio.gather(
                alongside(handled), sending, return_exceptions=True
            ):
                if isinstance(outcome, BaseException):
                    raise outcome
