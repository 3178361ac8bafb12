"""Ids of reply buttons and list rows: ``<kind><prompt>|<value>|<mac>``.

``o`` is an option, ``p`` turns a long list to another page (``<value>`` is the
page), ``c`` shares the resident's own number (no value). The MAC's key is derived
from the app secret and binds the id to the resident's number. Signing and the
total ``decode`` are shared with Telegram (``bot.channels.buttons``).
"""

from __future__ import annotations

from bot.channels.buttons import (
    FORGED,
    PAGE_TURN,
    SHARE_NUMBER,
    PageTurn,
    Pressed,
    ShareNumber,
    SignedIds,
)

__all__ = ["FORGED", "MAX_ROW_ID", "ButtonIds", "PageTurn", "Pressed", "ShareNumber"]

MAX_ROW_ID = 200  # list rows; reply buttons allow 256


class ButtonIds(SignedIds):
    def __init__(self, app_secret: str) -> None:
        super().__init__(
            b"siantar-whatsapp-button:",
            app_secret,
            limit=MAX_ROW_ID,
            kinds="opc",
            in_bytes=False,
            button="WhatsApp button",
        )

    def page(self, wa_id: str, prompt_id: int, page: int) -> str:
        return self._encode(wa_id, PAGE_TURN, prompt_id, str(page))

    def share_number(self, wa_id: str, prompt_id: int) -> str:
        return self._encode(wa_id, SHARE_NUMBER, prompt_id, "")
