"""Our own getUpdates loop: an update is confirmed only after it was handled.

python-telegram-bot's built-in poller confirms updates as it fetches them, so a
crash would lose them. Here the offset moves past a batch only once every update
in it has been handled and committed; a redelivery after a crash is recognised by
its ``update_id`` and does nothing twice. Different residents' updates in a batch
are handled concurrently, one resident's in order.

Telegram lets one client poll a bot: a getUpdates that arrives while another is
waiting ends the waiting one with 409 Conflict. So when a second process starts
polling, the first is told, takes the updates back at once (its new getUpdates
ends the newcomer's), and the newcomer, told within its first
``CONFLICT_SETTLE`` seconds, stops with one line (``PollingConflict``): the
process that was serving goes on. A process that keeps losing the updates
(``CONFLICT_LIMIT`` times in ``CONFLICT_WINDOW``: the other one does not give way),
or that finds a webhook set by another process, stops with that line too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable

from telegram import Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from bot.telegram.calls import retrying, seconds
from bot.telegram.channel import TelegramChannel

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
LONG_POLL_SECONDS = 25
CONFLICT_SETTLE = 5.0  # seconds: a process told of a conflict sooner is the newcomer
CONFLICT_LIMIT = 3  # conflicts in CONFLICT_WINDOW: the other process does not give way
CONFLICT_WINDOW = 60.0
SECOND_POLLER = (
    "another process is already receiving updates for this bot (Telegram answered "
    "409 Conflict); run one polling process, or use webhook mode (telegram.mode)"
)
WEBHOOK_SET = (
    "a webhook is set for this bot, so Telegram gives it no updates by polling "
    "(409 Conflict): another process runs it in webhook mode; run either one polling "
    "process or webhook processes only (telegram.mode)"
)


class PollingConflict(Exception):
    """Another process receives this bot's updates; the message says what to do,
    ``reason`` which case it is ("second_poller", "webhook_set")."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Conflicts:
    """The 409s one poller got; whether to take the updates back or give way."""

    def __init__(self, began: float) -> None:
        self.began = began
        self.times: list[float] = []

    def check(self, error: Conflict, now: float) -> None:
        """Raise ``PollingConflict`` when this process should stop."""
        if "webhook" in error.message.lower():
            raise PollingConflict("webhook_set", WEBHOOK_SET)
        self.times = [t for t in self.times if now - t < CONFLICT_WINDOW] + [now]
        if now - self.began < CONFLICT_SETTLE or len(self.times) >= CONFLICT_LIMIT:
            raise PollingConflict("second_poller", SECOND_POLLER)
        logger.warning(
            "telegram: another process asked for this bot's updates (409 Conflict); "
            "taking them back (run one polling process)"
        )


def by_resident(updates: list[Update]) -> list[list[Update]]:
    groups: dict[int | None, list[Update]] = defaultdict(list)
    for update in updates:
        user = update.effective_user
        groups[user.id if user else None].append(update)
    return list(groups.values())


async def handle_batch(channel: TelegramChannel, updates: list[Update]) -> int | None:
    """Handle a batch; returns the first update that could not be committed, if any.

    A resident's updates after an uncommitted one wait for its redelivery, so
    their order holds; other residents' updates go on (redelivered, they are
    recognised and ignored)."""
    uncommitted: list[int] = []

    async def in_order(group: list[Update]) -> None:
        for update in group:
            if not await channel.process(update):
                uncommitted.append(update.update_id)
                return

    await asyncio.gather(*(in_order(group) for group in by_resident(updates)))
    return min(uncommitted, default=None)


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, but wake at once when asked to stop."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def poll(
    channel: TelegramChannel,
    stop: asyncio.Event,
    *,
    long_poll: int = LONG_POLL_SECONDS,
    ready: asyncio.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Fetch and handle updates until ``stop`` is set; finishes the batch in hand.

    ``ready`` is set once polling has begun (the webhook is removed). Raises
    ``PollingConflict`` when another process polls the bot (see the module doc)."""
    bot = channel.bot
    await retrying(lambda: bot.delete_webhook(drop_pending_updates=False))
    offset: int | None = None
    failures = stalls = 0
    conflicts = Conflicts(clock())
    logger.info("telegram: polling for updates")
    if ready is not None:
        ready.set()
    while not stop.is_set():
        fetch = asyncio.ensure_future(
            bot.get_updates(offset=offset, timeout=long_poll, allowed_updates=ALLOWED_UPDATES)
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            break
        try:
            updates: list[Update] = list(fetch.result())
        except RetryAfter as error:
            await pause(stop, seconds(error.retry_after))
            continue
        except Conflict as error:
            conflicts.check(error, clock())
            continue  # at once: the other process's getUpdates ends
        except (InvalidToken, Forbidden):
            raise
        except (NetworkError, BadRequest) as error:
            failures += 1
            delay = min(30.0, 0.5 * 2**failures)
            logger.warning("telegram: getUpdates failed (%s), retrying in %.1f s", error, delay)
            await pause(stop, delay)
            continue
        failures = 0
        if updates:
            uncommitted = await handle_batch(channel, updates)
            if uncommitted is None:
                offset = updates[-1].update_id + 1
                stalls = 0
            else:  # fetch it again once the database is back
                offset = uncommitted
                stalls += 1
                await pause(stop, min(30.0, 0.5 * 2**stalls))
    if offset is not None:
        try:  # confirm the last batch so a restart does not fetch it again
            await bot.get_updates(offset=offset, timeout=0, allowed_updates=ALLOWED_UPDATES)
        except Exception:  # noqa: BLE001 - best effort on the way out; dedupe covers it
            logger.info("telegram: last offset not confirmed; redelivery will be ignored")
    logger.info("telegram: polling stopped")
