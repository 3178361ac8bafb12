"""Our own getUpdates loop: an update is confirmed only after it was handled.

python-telegram-bot's built-in poller confirms updates as it fetches them, so a
crash would lose them. Here the offset moves past a batch only once every update
in it has been handled and committed; a redelivery after a crash is recognised by
its ``update_id`` and does nothing twice. Different residents' updates in a batch
are handled concurrently, one resident's in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict

from telegram import Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from bot.telegram.channel import NotCommitted, TelegramChannel, seconds

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
LONG_POLL_SECONDS = 25


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
            try:
                await channel.process(update)
            except NotCommitted as problem:
                uncommitted.append(problem.update_id)
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
) -> None:
    """Fetch and handle updates until ``stop`` is set; finishes the batch in hand.

    ``ready`` is set once polling has begun (the webhook is removed)."""
    bot = channel.bot
    await channel._retrying(lambda: bot.delete_webhook(drop_pending_updates=False))
    offset: int | None = None
    failures = stalls = 0
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
