"""Ids of reply buttons and list rows: compact, tamper-evident, and self-contained.

``o<prompt>|<value>|<mac>`` is an option, ``p<prompt>|<page>|<mac>`` turns a long
list to another page, ``c<prompt>||<mac>`` shares the resident's own number. The
MAC binds the id to the resident's number with a key derived from the app secret,
so a forged id, or one copied from another chat, is answered as "expired". Paging
lives in the id itself, not in memory: a restart loses no page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from handlers.types import Choice

MAX_ROW_ID = 200  # list rows; reply buttons allow 256
MAC_CHARS = 10
FORGED = Choice(prompt_id=-1, value="")


@dataclass(frozen=True)
class PageTurn:
    """The resident asked for another page of a long list."""

    prompt_id: int
    page: int


@dataclass(frozen=True)
class ShareNumber:
    """The resident pressed "share my number" (WhatsApp knows it already)."""

    prompt_id: int


Pressed = Choice | PageTurn | ShareNumber


class ButtonIds:
    def __init__(self, app_secret: str) -> None:
        self._key = hashlib.sha256(b"siantar-whatsapp-button:" + app_secret.encode()).digest()

    def _mac(self, wa_id: str, kind: str, prompt_id: int, value: str) -> str:
        message = f"{wa_id}|{kind}|{prompt_id}|{value}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]

    def _encode(self, wa_id: str, kind: str, prompt_id: int, value: str) -> str:
        data = f"{kind}{prompt_id}|{value}|{self._mac(wa_id, kind, prompt_id, value)}"
        if len(data) > MAX_ROW_ID:
            raise ValueError(f"option value too long for a WhatsApp button: {value!r}")
        return data

    def option(self, wa_id: str, prompt_id: int, value: str) -> str:
        return self._encode(wa_id, "o", prompt_id, value)

    def page(self, wa_id: str, prompt_id: int, page: int) -> str:
        return self._encode(wa_id, "p", prompt_id, str(page))

    def share_number(self, wa_id: str, prompt_id: int) -> str:
        return self._encode(wa_id, "c", prompt_id, "")

    def decode(self, wa_id: str, data: str | None) -> Pressed:
        """What a pressed id stands for; ``FORGED`` when it does not verify."""
        data = data or ""
        kind, head = data[:1], data[1:]
        prompt, _, rest = head.partition("|")
        value, _, mac = rest.rpartition("|")
        if kind not in ("o", "p", "c") or not prompt.isdigit():
            return FORGED
        prompt_id = int(prompt)
        if not hmac.compare_digest(mac, self._mac(wa_id, kind, prompt_id, value)):
            return FORGED
        if kind == "p":
            return PageTurn(prompt_id, int(value)) if value.isdigit() else FORGED
        if kind == "c":
            return ShareNumber(prompt_id)
        return Choice(prompt_id, value)
