"""The pieces a flow is made of: steps that prompt and steps that take answers.

A flow is a named set of steps. Each step has two small functions:
``prompt(ctx)`` says what to ask (text, options, what else it accepts) and
``answer(ctx, answer)`` acts on what the resident gave, then moves on with
``ctx.goto``, or refuses with ``ctx.invalid`` and the same question is asked again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from handlers.types import Category, Inbound, Location, Option, Reply, Translator
from storage.models import Conversation, Resident
from storage.wilayah import Wilayah

CONSENT_VERSION = "2026-11"


@dataclass(frozen=True)
class Prompt:
    """A question: its text, the options offered, and what else it takes.

    ``accepts`` may hold "text", "photo", "location" and "contact".
    """

    text: str
    options: tuple[Option, ...] = ()
    accepts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Answer:
    """What the resident gave at a step: one of the fields is set."""

    option: str | None = None
    text: str | None = None
    photo: str | None = None
    location: Location | None = None
    contact: str | None = None


@dataclass(frozen=True)
class Step:
    prompt: Callable[[Ctx], Prompt]
    answer: Callable[[Ctx, Answer], None]


@dataclass(frozen=True)
class Flow:
    name: str
    start: str
    steps: dict[str, Step]


@dataclass(frozen=True)
class EngineSettings:
    """What the engine needs from the outside, passed in once at start-up."""

    translators: Callable[[str], Translator]
    wilayah: Wilayah
    categories: tuple[Category, ...]
    expiry: timedelta = timedelta(hours=24)
    consent_version: str = CONSENT_VERSION
    languages: tuple[str, ...] = ("id", "en")


@dataclass
class Ctx:
    """Everything one step sees while handling one inbound, in one transaction."""

    session: Session
    resident: Resident
    conversation: Conversation
    inbound: Inbound
    now: datetime
    settings: EngineSettings
    t: Translator
    replies: list[Reply] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    moved: bool = False
    rejected: bool = False
    forgotten: bool = False

    @property
    def data(self) -> dict[str, Any]:
        """The flow's collected answers, saved with the conversation."""
        return self.conversation.data

    @property
    def wilayah(self) -> Wilayah:
        return self.settings.wilayah

    def say(self, text: str) -> None:
        """Send a message of its own, before the next question."""
        self.replies.append(Reply(text=text))

    def note(self, text: str) -> None:
        """Put a line at the top of the next question's message."""
        self.notes.append(text)

    def goto(self, flow: str, step: str | None = None, *, keep_data: bool = False) -> None:
        """Move to ``step`` of ``flow`` (its start when omitted) and ask it."""
        if flow != self.conversation.flow and not keep_data:
            self.conversation.data = {}
        self.conversation.flow = flow
        self.conversation.step = step or ""
        self.moved = True

    def invalid(self, text: str) -> None:
        """Refuse the answer politely; the same question is asked again."""
        self.note(text)
        self.rejected = True

    def forget(self) -> None:
        """The resident's data was erased: keep no conversation, ask nothing more."""
        self.forgotten = True

    def set_language(self, language: str) -> None:
        self.resident.language = language
        self.t = self.settings.translators(language)
