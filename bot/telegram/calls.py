"""Bot API calls made robust: network errors and 5xx retried, errors turned into
what the outbox should do.

Module functions, not channel methods: the polling loop and ``siantar run`` call
the Bot API too (deleteWebhook, setWebhook) and need nothing else of a channel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.delivery import DeliveryFailed

logger = logging.getLogger(__name__)

SEND_ATTEMPTS = 4
T = TypeVar("T")


def seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def retrying(call: Callable[[], Awaitable[T]]) -> T:
    """Retry network errors and 5xx with backoff (0.5 s, 1 s, 2 s); 429s are
    already waited out by PTB's rate limiter."""
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await call()
        except BadRequest:
            raise
        except NetworkError as error:
            if attempt == SEND_ATTEMPTS:
                raise
            delay = 0.5 * 2 ** (attempt - 1)
            logger.info("telegram: %s, retrying in %.1f s", error.message, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


async def delivering(call: Callable[[], Awaitable[T]]) -> T:
    """One Bot API call of a send, its errors turned into what the outbox should do."""
    try:
        return await retrying(call)
    except Forbidden as error:
        raise DeliveryFailed(f"forbidden: {error.message}", unreachable=True) from error
    except BadRequest as error:
        raise DeliveryFailed(f"bad request: {error.message}", permanent=True) from error
    except RetryAfter as error:
        raise DeliveryFailed("rate limited", retry_after=seconds(error.retry_after)) from error
    except NetworkError as error:
        raise DeliveryFailed(f"network: {error.message}") from error
