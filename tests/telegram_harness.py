"""Drive the real python-telegram-bot adapter against the fake Bot API, as a resident."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from fake_telegram import FakeTelegram

QUIET_SECONDS = 0.15


@dataclass
class Resident:
    """A Telegram user talking to the bot through the fake server."""

    fake: FakeTelegram
    user_id: int = 111
    first_name: str = "Budi"
    language_code: str = "id"

    def messages(self) -> list[dict[str, Any]]:
        return self.fake.messages(self.user_id)

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.fake.wait_for_messages, self.user_id, count, timeout)

    async def _expect_reply(self, action: Any) -> dict[str, Any]:
        """Act, wait for the first new message, then until no more arrive for a moment
        (one inbound may be answered with several messages)."""
        before = len(self.messages())
        action()
        await self.wait_for(before + 1)
        count = len(self.messages())
        while True:
            await asyncio.sleep(QUIET_SECONDS)
            if len(self.messages()) == count:
                return self.messages()[-1]
            count = len(self.messages())

    def said_since(self, count: int) -> str:
        return "\n\n".join(m.get("text") or "" for m in self.messages()[count:])

    async def say(self, text: str) -> dict[str, Any]:
        """Send text; returns the bot's latest message after it answered."""
        return await self._expect_reply(
            lambda: self.fake.send_text(
                self.user_id, text, first_name=self.first_name, language_code=self.language_code
            )
        )

    def button(self, label: str, message: dict[str, Any] | None = None) -> tuple[int, str]:
        """(message id, callback data) of the button whose text contains ``label``."""
        candidates = [message] if message else reversed(self.messages())
        for candidate in candidates:
            markup = candidate.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if label.casefold() in button["text"].casefold():
                        return candidate["message_id"], button["callback_data"]
        raise AssertionError(f"no button like {label!r}")

    async def press(self, label: str) -> dict[str, Any]:
        message_id, data = self.button(label)
        return await self._expect_reply(lambda: self.fake.press(self.user_id, message_id, data))

    async def photo(self, data: bytes, **kwargs: Any) -> dict[str, Any]:
        return await self._expect_reply(lambda: self.fake.send_photo(self.user_id, data, **kwargs))


async def settle(fake: FakeTelegram, seconds: float = 0.3) -> None:
    """Give the bot a moment to (not) answer."""
    await asyncio.sleep(seconds)
