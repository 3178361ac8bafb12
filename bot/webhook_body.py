"""A webhook request's body, read with care: anyone on the internet can POST one.

``read_body`` refuses a body over its webhook's limit as soon as that is known — at
once from its ``Content-Length``, else while it streams in — so an unauthenticated
request cannot make us hold more than the limit in memory. (The WhatsApp signature
covers the whole body, so it can only be checked after reading; the limit comes
first.) Neither Starlette nor uvicorn has a body limit for a plain request, hence
these few lines.
"""

from __future__ import annotations

import re

from starlette.requests import Request

# Telegram's updates are a few kilobytes: its largest, a 4096-character message
# with entities, a reply and a keyboard, stays far below. Media never comes inline.
TELEGRAM_MAX_BYTES = 1024 * 1024
# Meta: "Webhooks payloads can be up to 3MB" (messages and statuses are batched).
WHATSAPP_MAX_BYTES = 3 * 1024 * 1024

_DIGITS = re.compile(r"[0-9]{1,19}")


class BodyRefused(Exception):
    """The request's body is not read (413) or not understood (400)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or ``BodyRefused``: 413 over ``limit`` (declared or streamed),
    400 for a Content-Length that is not one plain number."""
    declared = {value.strip() for value in request.headers.getlist("content-length")}
    if declared:
        if len(declared) > 1 or not _DIGITS.fullmatch(next(iter(declared))):
            raise BodyRefused(400, "bad content-length")
        if int(next(iter(declared))) > limit:
            raise BodyRefused(413, "body too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyRefused(413, "body too large")
        chunks.append(chunk)
    return b"".join(chunks)
