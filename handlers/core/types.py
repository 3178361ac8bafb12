"""What flows the core speaks in: one ``Inbound`` in, a list of ``Reply`` out.

Adapters (console, Telegram, WhatsApp) translate their platform's updates into
``Inbound`` and render each ``Reply`` in their own idiom; nothing here knows a
chat library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

# Buttons that act whatever step the resident is at (e.g. rating a finished
# aspiration from its notification) carry this prompt id and a "!" value.
ACTION_PROMPT = 0


@dataclass(frozen=True)
class Choice:
    """A pressed button: the prompt it belonged to and the option's value."""

    prompt_id: int
    value: str


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Voice:
    """A voice note already stored by the adapter: its reference and length."""

    reference: str
    seconds: int | None = None


@dataclass(frozen=True)
class Inbound:
    """One thing a resident did: typed, pressed, or sent a photo or location."""

    channel: str
    user_id: str
    text: str | None = None
    choice: Choice | None = None
    photo: str | None = None  # reference of a photo already stored by the adapter
    voice: Voice | None = None  # a voice note already stored by the adapter
    location: Location | None = None
    contact: str | None = None  # a shared phone number
    unsupported: str | None = None  # "sticker", "voice", "video", "document", ...
    refused: str | None = None  # why the adapter refused an attachment: "too_large", ...
    display_name: str | None = None
    language_hint: str | None = None
    update_key: str | None = None  # platform update id, for exactly-once handling

    @property
    def identity(self) -> str:
        return f"{self.channel}:{self.user_id}"


@dataclass(frozen=True)
class Option:
    """A choice offered to the resident; ``aliases`` are other words that pick it."""

    value: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """One outgoing message. ``prompt_id`` ties its options to the step asking."""

    text: str
    options: tuple[Option, ...] = ()
    prompt_id: int | None = None
    photo: str | None = None
    document: str | None = None
    contact_button: str | None = None  # offer a "share my number" button with this label
    voice: str | None = None  # a stored voice note (``text`` is its caption)

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready form, as kept in the outbox."""
        payload: dict[str, Any] = {"text": self.text}
        if self.options:
            payload["options"] = [[o.value, o.label] for o in self.options]
            payload["prompt_id"] = self.prompt_id
        if self.photo:
            payload["photo"] = self.photo
        if self.document:
            payload["document"] = self.document
        if self.contact_button:
            payload["contact_button"] = self.contact_button
        if self.voice:
            payload["voice"] = self.voice
        return payload

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Reply:
        return cls(
            text=payload["text"],
            options=tuple(Option(value, label) for value, label in payload.get("options", ())),
            prompt_id=payload.get("prompt_id"),
            photo=payload.get("photo"),
            document=payload.get("document"),
            contact_button=payload.get("contact_button"),
            voice=payload.get("voice"),
        )


@dataclass(frozen=True)
class QueuedReply:
    """A reply already in the outbox (``outbox_id``), to be sent now and marked."""

    outbox_id: int | None
    reply: Reply


@dataclass(frozen=True)
class Category:
    """An aspiration category; ``labels`` by language override the catalog's."""

    key: str
    labels: dict[str, str] = field(default_factory=dict)


class Translator(Protocol):
    """User-facing text in one language, from the message catalogs."""

    language: str

    def __call__(self, key: str, /, **params: object) -> str: ...

    def plural(self, key: str, count: int, /, **params: object) -> str:
        """A sentence with a count, in the form the count takes (gettext plurals)."""
        ...

    def span(self, start: datetime, end: datetime) -> str:
        """An event's time in one line, e.g. "Sabtu, 12 Desember 2026, pukul 09.00–12.00 WIB"."""
        ...

    def day(self, moment: datetime) -> str: ...

    def datetime(self, moment: datetime) -> str: ...


@dataclass(frozen=True)
class Handled:
    """The outcome of one inbound: the replies to send, and whether its answer
    was refused (a stale button, a bad input) so the same question was asked again."""

    replies: list[QueuedReply]
    refused: bool = False
    jobs: tuple[int, ...] = ()  # chat jobs it queued (handlers.core.chat_jobs)
    claimed_until: datetime | None = None  # the replies' claim in the outbox, when recorded
