"""Ids of reply buttons and list rows: compact, tamper-evident, and self-contained.

``o<prompt>|<value>|<mac>`` is an option, ``p<prompt>|<page>|<mac>`` turns a long
list to another page, ``c<prompt>||<mac>`` shares the resident's own number. The
MAC binds the id to the resident's number with a key derived from the app secret,
so a forged id, or one copied from another chat, is answered as "expired". Paging
lives in the id itself, not in memory: a restart loses no page.

``decode`` is total: whatever id a reply carries (other digits than 0-9, lone
surrogates, hundreds of characters) comes back as our own verified press or as
``FORGED``, never as an exception.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from handlers.core.types import Choice

MAX_ROW_ID = 200  # list rows; reply buttons allow 256
MAC_CHARS = 10
FORGED = Choice(prompt_id=-1, value="")
# what ``_encode`` writes: the kind, a prompt id in ASCII digits, the value, the MAC
SIGNED = re.compile(
    rf"([opc])(0|[1-9][0-9]{{0,17}})\|(.*)\|([A-Za-z0-9_-]{{{MAC_CHARS}}})", re.DOTALL
)
PAGE = re.compile(r"0|[1-9][0-9]{0,5}")


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

    def decode(self, wa_id: str, data: object) -> Pressed:
        """What a pressed id stands for; ``FORGED`` when it does not verify."""
        if not isinstance(data, str) or len(data) > MAX_ROW_ID:
            return FORGED
        signed = SIGNED.fullmatch(data)
        if signed is None or not _utf8(data):
            return FORGED
        kind, prompt, value, mac = signed.groups()
        prompt_id = int(prompt)
        expected = self._mac(wa_id, kind, prompt_id, value)
        if not hmac.compare_digest(mac.encode(), expected.encode()):
            return FORGED
        if kind == "p":
            return PageTurn(prompt_id, int(value)) if PAGE.fullmatch(value) else FORGED
        if kind == "c":
            return ShareNumber(prompt_id)
        return Choice(prompt_id, value)


def _utf8(data: str) -> bool:
    """False for text holding lone surrogates, which JSON escapes can carry."""
    try:
        data.encode()
    except UnicodeEncodeError:
        return False
    return True
