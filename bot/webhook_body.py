"""A webhook request's body, read with care: anyone on the internet can POST one.

``read_body`` refuses a body over its webhook's limit as soon as that is known — at
once from its ``Content-Length``, else while it streams in — so an unauthenticated
request cannot make us hold more than the limit in memory. (The WhatsApp signature
covers the whole body, so it can only be checked after reading; the limit comes
first.) Neither Starlette nor uvicorn has a body limit for a plain request, hence
these few lines.

``json_object`` parses a body that must be one JSON object, not deeper than
``MAX_JSON_DEPTH``. The depth is counted on the raw bytes before parsing, because
``json.loads`` and everything after it (PTB's ``de_json``, pywa) recurse once per
level and a body nested 100,000 deep would end in ``RecursionError``.
"""

from __future__ import annotations

import json
import re
from array import array
from itertools import accumulate
from typing import Any

from starlette.requests import Request

# Telegram's updates are a few kilobytes: its largest, a 4096-character message
# with entities, a reply and a keyboard, stays far below. Media never comes inline.
TELEGRAM_MAX_BYTES = 1024 * 1024
# Meta: "Webhooks payloads can be up to 3MB" (messages and statuses are batched).
WHATSAPP_MAX_BYTES = 3 * 1024 * 1024
# Telegram and WhatsApp updates nest about ten levels deep.
MAX_JSON_DEPTH = 64

_DIGITS = re.compile(r"[0-9]{1,19}")
# A JSON string literal (escapes included); what is left around them is structure.
# The closing quote is optional so that an unterminated string is taken to the end
# in one match, instead of being tried again from every quote inside it (which
# would take quadratic time); such a body is no JSON and json.loads refuses it.
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes


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


def nesting_depth(body: bytes) -> int:
    """How deep arrays and objects nest in a JSON text, counted without parsing it
    (brackets inside strings do not count)."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(array("b", brackets.translate(_STEPS))), default=0)


def _not_json(constant: str) -> Any:
    """``json`` takes NaN and Infinity, which are not JSON (nor sent by any platform)."""
    raise ValueError(f"{constant} is not JSON")


def json_object(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> dict[str, Any]:
    """The body as a JSON object, or ``BodyRefused`` (400): not UTF-8, not strict JSON,
    nested deeper than ``max_depth``, or not an object at the top."""
    try:
        body.decode("utf-8")  # RFC 8259: JSON between systems is UTF-8
    except UnicodeDecodeError:
        raise BodyRefused(400, "body is not UTF-8") from None
    if nesting_depth(body) > max_depth:
        raise BodyRefused(400, "JSON nested too deep")
    try:
        data = json.loads(body, parse_constant=_not_json)
    except ValueError:
        raise BodyRefused(400, "body is not JSON") from None
    if not isinstance(data, dict):
        raise BodyRefused(400, "body is not a JSON object")
    return data
