"""Callback data for inline buttons: ``<prompt id>|<option value>|<mac>``.

It fits Telegram's 64-byte limit; the MAC's key is derived from the bot token.
Signing and the total ``decode`` are shared with WhatsApp (``bot.channels.buttons``).
"""

from __future__ import annotations

from bot.channels.buttons import FORGED, SignedIds

__all__ = ["FORGED", "MAX_BYTES", "CallbackSigner"]

MAX_BYTES = 64


class CallbackSigner(SignedIds):
    def __init__(self, token: str) -> None:
        super().__init__(
            b"siantar-callback:",
            token,
            limit=MAX_BYTES,
            kinds="",
            in_bytes=True,
            button="Telegram button",
        )

    def encode(self, chat_id: int, prompt_id: int, value: str) -> str:
        """The same as ``option``."""
        return self.option(chat_id, prompt_id, value)
