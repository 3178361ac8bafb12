"""What flows the core speaks in: one ``Inbound`` in, a list of ``Reply`` out.

Adapters (console, Telegram, WhatsApp) translate their platform's updates into
``Inbound`` and render each ``Reply`` in their own idiom; nothing here knows a
chat library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


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
class Inbound:
    """One thing a resident did: typed, pressed, or sent a photo or location."""

    channel: str
    user_id: str
    text: str | None = None
    choice: Choice | None = None
    photo: str | None = None  # reference of a photo already stored by the adapter
    location: Location | None = None
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


@dataclass(frozen=True)
class Category:
    """An aspiration category; ``labels`` by language override the catalog's."""

    key: str
    labels: dict[str, str] = field(default_factory=dict)


class Translator(Protocol):
    """User-facing text in one language, from the message catalogs."""

    language: str

    def __call__(self, key: str, /, **params: object) -> str: ...

    def datetime(self, moment: datetime) -> str: ...
