"""Button ids signed for one chat: compact, tamper-evident, and self-contained.

``[<kind>]<prompt id>|<value>|<mac>``: the MAC binds the value (and its kind) to
the chat and the prompt with a key derived from a secret of the installation,
so a forged id, or one copied from another chat, is answered as "expired"
(``FORGED``). What a press means lives in the id itself, not in memory: a
restart loses nothing.

``decode`` is total: whatever a client puts in a pressed id (other digits than
0-9, text that is not UTF-8, hundreds of bytes, not even a string) comes back as
our own verified press or as ``FORGED``, never as an exception. Each platform's
ids (``bot.telegram.callbacks``, ``bot.whatsapp.callbacks``) are a ``SignedIds``
with its own key, size limit and kinds; their wire format is kept as it was, so
buttons already sent go on working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from handlers.core.types import Choice

MAC_CHARS = 10
FORGED = Choice(prompt_id=-1, value="")
PAGE = re.compile(r"0|[1-9][0-9]{0,5}")
OPTION, PAGE_TURN, SHARE_NUMBER = "o", "p", "c"


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


class SignedIds:
    """One platform's signed ids. ``kinds`` are the letters an id may begin with
    ("": none, every id is an option); ``limit`` its longest length, counted in
    bytes when ``in_bytes``; ``button`` names the platform's button in errors."""

    def __init__(
        self, purpose: bytes, secret: str, *, limit: int, kinds: str, in_bytes: bool, button: str
    ) -> None:
        self._button = button
        self._key = hashlib.sha256(purpose + secret.encode()).digest()
        self._limit = limit
        self._kinds = kinds
        self._in_bytes = in_bytes
        # what ``_encode`` writes: the kind, a prompt id in ASCII digits, the value, the MAC
        kind = f"[{kinds}]" if kinds else ""
        self._signed = re.compile(
            rf"({kind})(0|[1-9][0-9]{{0,17}})\|(.*)\|([A-Za-z0-9_-]{{{MAC_CHARS}}})", re.DOTALL
        )

    def _mac(self, chat: int | str, kind: str, prompt_id: int, value: str) -> str:
        fields = (chat, kind, prompt_id, value) if kind else (chat, prompt_id, value)
        digest = hmac.new(self._key, "|".join(map(str, fields)).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]

    def _encode(self, chat: int | str, kind: str, prompt_id: int, value: str) -> str:
        data = f"{kind}{prompt_id}|{value}|{self._mac(chat, kind, prompt_id, value)}"
        if (len(data.encode()) if self._in_bytes else len(data)) > self._limit:
            raise ValueError(f"option value too long for a {self._button}: {value!r}")
        return data

    def option(self, chat: int | str, prompt_id: int, value: str) -> str:
        """The id of an option button."""
        return self._encode(chat, OPTION if self._kinds else "", prompt_id, value)

    def decode(self, chat: int | str, data: object) -> Pressed:
        """What a pressed id stands for; ``FORGED`` when it does not verify."""
        if not isinstance(data, str) or len(data) > self._limit:
            return FORGED
        signed = self._signed.fullmatch(data)
        if signed is None or not _utf8(data):
            return FORGED
        kind, prompt, value, mac = signed.groups()
        prompt_id = int(prompt)
        expected = self._mac(chat, kind, prompt_id, value)
        if not hmac.compare_digest(mac.encode(), expected.encode()):
            return FORGED
        if kind == PAGE_TURN:
            return PageTurn(prompt_id, int(value)) if PAGE.fullmatch(value) else FORGED
        if kind == SHARE_NUMBER:
            return ShareNumber(prompt_id)
        return Choice(prompt_id, value)


def chosen(pressed: Pressed) -> Choice:
    """The option a press chose; ``FORGED`` for a press that is not an option."""
    return pressed if isinstance(pressed, Choice) else FORGED


def _utf8(data: str) -> bool:
    """False for text holding lone surrogates, which JSON escapes can carry."""
    try:
        data.encode()
    except UnicodeEncodeError:
        return False
    return True
