"""Cloud API errors as what the outbox should do next (``DeliveryFailed`` flags)."""

from __future__ import annotations

import httpx
from pywa_async.errors import WhatsAppError

from bot.delivery import DeliveryFailed

RE_ENGAGEMENT = 131047  # more than 24 hours since the resident's last message
THROUGHPUT = 130429  # the number's messages per second
PAIR_RATE = 131056  # too many messages to one resident in a short time
UNDELIVERABLE = 131026  # not on WhatsApp, an old app, or the resident cannot receive
RATE_LIMITS = {4: 60.0, 80007: 60.0, THROUGHPUT: 5.0}  # whole-channel pauses, seconds
BACK_OFF = {PAIR_RATE, 131048, 131064, 133016}  # this resident, later: the outbox backs off
TRANSIENT = {1, 2, 131000, 131016, 190}  # Meta's own trouble, an expired token: retry


class OutsideWindow(Exception):
    """Meta refused free-form text: the 24-hour window is closed (error 131047)."""


def describe(error: WhatsAppError) -> str:
    return f"{error.code}: {error.message}"[:300]


def delivery_failed(error: WhatsAppError | httpx.HTTPError) -> DeliveryFailed | OutsideWindow:
    """What a failed Graph API call means for the outbox row."""
    if isinstance(error, httpx.HTTPError):
        return DeliveryFailed(f"network: {type(error).__name__}")
    code, reason = error.code, describe(error)
    if code == RE_ENGAGEMENT:
        return OutsideWindow(reason)
    if code in RATE_LIMITS:
        return DeliveryFailed(reason, retry_after=RATE_LIMITS[code])
    if code in BACK_OFF or code in TRANSIENT or error.is_transient:
        return DeliveryFailed(reason)
    if code == UNDELIVERABLE:
        return DeliveryFailed(reason, unreachable=True)
    status = error.status_code
    if status is not None and (status >= 500 or status == 429):
        return DeliveryFailed(reason)
    return DeliveryFailed(reason, permanent=True)
