"""Callback data for inline buttons: compact, and tamper-evident.

``<prompt id>|<option value>|<mac>`` fits Telegram's 64-byte limit. The MAC binds
the value to the chat and the prompt with a key derived from the bot token, so a
forged or replayed-elsewhere button is recognised and answered as "expired".
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from handlers.types import Choice

MAX_BYTES = 64
MAC_CHARS = 10
FORGED = Choice(prompt_id=-1, value="")


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

    def decode(self, chat_id: int, data: str | None) -> Choice:
        """The choice a button stands for, or ``FORGED`` when it does not verify."""
        prompt, _, rest = (data or "").partition("|")
        value, _, mac = rest.rpartition("|")
        if not prompt.isdigit() or not hmac.compare_digest(
            mac, self._mac(chat_id, int(prompt), value)
        ):
            return FORGED
        return Choice(int(prompt), value)
