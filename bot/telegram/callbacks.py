"""Callback data for inline buttons: compact, and tamper-evident.

``<prompt id>|<option value>|<mac>`` fits Telegram's 64-byte limit. The MAC binds
the value to the chat and the prompt with a key derived from the bot token, so a
forged or replayed-elsewhere button is recognised and answered as "expired".

``decode`` is total: whatever a client puts in a callback query (other digits
than 0-9, text that is not UTF-8, hundreds of bytes, not even a string) comes
back as our own verified choice or as ``FORGED``, never as an exception.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from handlers.core.types import Choice

MAX_BYTES = 64
MAC_CHARS = 10
FORGED = Choice(prompt_id=-1, value="")
# what ``encode`` writes: a prompt id in ASCII digits, the value, the urlsafe-base64 MAC
SIGNED = re.compile(rf"(0|[1-9][0-9]{{0,17}})\|(.*)\|([A-Za-z0-9_-]{{{MAC_CHARS}}})", re.DOTALL)


class CallbackSigner:
    def __init__(self, token: str) -> None:
        self._key = hashlib.sha256(b"siantar-callback:" + token.encode()).digest()

    def _mac(self, chat_id: int, prompt_id: int, value: str) -> str:
        message = f"{chat_id}|{prompt_id}|{value}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]

    def encode(self, chat_id: int, prompt_id: int, value: str) -> str:
        data = f"{prompt_id}|{value}|{self._mac(chat_id, prompt_id, value)}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"option value too long for a Telegram button: {value!r}")
        return data

    def decode(self, chat_id: int, data: object) -> Choice:
        """The choice a button stands for, or ``FORGED`` when it does not verify."""
        if not isinstance(data, str) or len(data) > MAX_BYTES:
            return FORGED
        signed = SIGNED.fullmatch(data)
        if signed is None or not _utf8(data):
            return FORGED
        prompt, value, mac = signed.groups()
        expected = self._mac(chat_id, int(prompt), value)
        if not hmac.compare_digest(mac.encode(), expected.encode()):
            return FORGED
        return Choice(int(prompt), value)


def _utf8(data: str) -> bool:
    """False for text holding lone surrogates, which JSON escapes can carry."""
    try:
        data.encode()
    except UnicodeEncodeError:
        return False
    return True
