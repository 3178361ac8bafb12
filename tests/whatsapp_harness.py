"""Drive the real WhatsApp adapter as a resident: signed webhook posts to our web app
(in process), replies read back from the fake Graph API server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from fake_whatsapp import (
    FakeWhatsApp,
    Sent,
    audio,
    button_reply,
    image,
    list_reply,
    sign,
    text,
    webhook,
)


@dataclass
class WaResident:
    """A WhatsApp user writing to the bot."""

    fake: FakeWhatsApp
    web: httpx.AsyncClient
    wa_id: str = "6281200000001"
    name: str = "Budi"

    def messages(self) -> list[Sent]:
        return self.fake.sent(self.wa_id)

    async def post(self, body: bytes, signature: str | None = "sign") -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            headers["X-Hub-Signature-256"] = sign(body)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return await self.web.post("/whatsapp/webhook", content=body, headers=headers)

    async def send(self, *items: dict[str, Any]) -> list[Sent]:
        """Post the items in one webhook; the bot's new messages (sent before the 200)."""
        before = len(self.messages())
        response = await self.post(webhook(*items, name=self.name))
        assert response.status_code == 200, response.text
        return self.messages()[before:]

    async def say(self, body: str) -> list[Sent]:
        return await self.send(text(self.wa_id, body))

    def option(self, label: str) -> tuple[Sent, dict[str, str]]:
        """The latest interactive message with a button or row titled like ``label``."""
        for message in reversed(self.messages()):
            for button in message.buttons:
                if label.casefold() in button["title"].casefold():
                    return message, button
        raise AssertionError(f"no button or row like {label!r}")

    async def choose(self, label: str) -> list[Sent]:
        message, button = self.option(label)
        reply = button_reply if message.kind == "button" else list_reply
        return await self.send(reply(self.wa_id, button["id"], button["title"], message.id))

    async def photo(self, data: bytes) -> list[Sent]:
        return await self.send(image(self.wa_id, self.fake.add_media(data)))

    async def voice(self, data: bytes, mime_type: str = "audio/ogg; codecs=opus") -> list[Sent]:
        """A voice note recorded in WhatsApp."""
        return await self.send(audio(self.wa_id, self.fake.add_media(data, mime_type), mime_type))


def said(messages: list[Sent]) -> str:
    return "\n\n".join(m.text for m in messages)
