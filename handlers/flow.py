"""The pieces a flow is made of: steps that prompt and steps that take answers.

A flow is a named set of steps. Each step has two small functions:
``prompt(ctx)`` says what to ask (text, options, what else it accepts) and
``answer(ctx, answer)`` acts on what the resident gave, then moves on with
``ctx.goto``, or refuses with ``ctx.invalid`` and the same question is asked again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlmodel import Session

from handlers.types import Category, Inbound, Location, Option, Reply, Translator
from handlers.validation import Invalid
from storage.jobs import enqueue_job
from storage.models import Conversation, Resident
from storage.wilayah import Wilayah

CONSENT_VERSION = "2026-11"


class FileStore(Protocol):
    """Somewhere to write files sent in chat (exports, charts). They are transient:
    the adapter deletes each once delivered, the retention job any left over."""

    def new_file(self, filename: str, now: datetime, *, owner: str) -> tuple[str, Path]:
        """A fresh (reference, path) pair for a file sent to ``owner`` (an identity);
        the reference goes into ``Reply``."""
        ...

    def path_of(self, reference: str) -> Path:
        """Where a stored file (a resident's photo) is on disk."""
        ...

    def erase_files(self, owner: str, mentions: Iterable[str]) -> int:
        """Delete the files sent to ``owner`` and any other still waiting that holds
        one of ``mentions`` (name, phone, chat id); returns how many."""
        ...


class ChartRenderer(Protocol):
    def __call__(self, stats: Any, *, t: Translator, path: Path) -> Path: ...


@dataclass(frozen=True)
class Prompt:
    """A question: its text, the options offered, and what else it takes.

    ``accepts`` may hold "text", "photo", "location" and "contact"; a step that
    takes a contact may offer ``contact_button`` (Telegram shows it as a button
    that shares the resident's own number).
    """

    text: str
    options: tuple[Option, ...] = ()
    accepts: frozenset[str] = frozenset()
    contact_button: str | None = None  # label of a "share my number" button, where offered


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
    """A named set of steps; ``role`` (if any) is needed for every step of it."""

    name: str
    start: str
    steps: dict[str, Step]
    role: str | None = None


@dataclass(frozen=True)
class Built:
    """What a chat job built (``handlers.chat_jobs``): the replies for the one who
    asked, the audit entry to write with its delivery (action, details), and the
    files written (removed again should the delivery not happen)."""

    replies: list[Reply]
    audit: tuple[str, dict[str, Any]] | None = None
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class AbuseLimits:
    """Flood control, the daily cap on new aspirations, identities never answered.

    Off (None) unless given: ``siantar`` passes the ``[privacy]`` config, whose
    defaults are 20 messages in 10 s and 5 aspirations a day."""

    flood_messages: int | None = None  # more than this many messages…
    flood_window: timedelta = timedelta(seconds=10)  # …in this long: a cool-down
    flood_cooldown: timedelta = timedelta(seconds=60)
    daily_aspirations: int | None = None
    blocked: frozenset[str] = frozenset()  # from the config; the CLI blocks in the database


@dataclass(frozen=True)
class EngineSettings:
    """What the engine needs from the outside, passed in once at start-up."""

    translators: Callable[[str], Translator]
    wilayah: Wilayah
    categories: tuple[Category, ...]
    expiry: timedelta = timedelta(hours=24)
    consent_version: str = CONSENT_VERSION
    languages: tuple[str, ...] = ("id", "en")
    config_roles: Mapping[str, frozenset[str]] = field(default_factory=dict)
    files: FileStore | None = None  # where exports and charts are written
    chart: ChartRenderer | None = None
    limits: AbuseLimits = field(default_factory=AbuseLimits)
    # The key of dedupe fingerprints, from ``[privacy] hash_key``; None: the
    # installation's own, kept in the database and read once by the Engine.
    hash_key: bytes | None = field(default=None, repr=False)


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
    jobs: list[int] = field(default_factory=list)  # heavy work queued by this inbound

    @property
    def data(self) -> dict[str, Any]:
        """The flow's collected answers, saved with the conversation."""
        return self.conversation.data

    @property
    def wilayah(self) -> Wilayah:
        return self.settings.wilayah

    def say(self, text: str, *, photo: str | None = None, document: str | None = None) -> None:
        """Send a message of its own (with a photo or a file), before the next question."""
        self.replies.append(Reply(text=text, photo=photo, document=document))

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

    def detour(self, flow: str, step: str | None = None) -> None:
        """Go to ``flow`` for a moment (a language change, a rating) and keep the
        current step and its answers to come back to with ``end_detour``."""
        conversation = self.conversation
        if "_return" not in conversation.data:
            conversation.data["_return"] = [conversation.flow, conversation.step]
        self.goto(flow, step, keep_data=True)

    def end_detour(self, default: str = "menu") -> None:
        """Back to where the detour started, or to ``default``."""
        back = self.data.pop("_return", None)
        if back:
            self.goto(back[0], back[1], keep_data=True)
        else:
            self.goto(default)

    def invalid(self, text: str) -> None:
        """Refuse the answer politely; the same question is asked again."""
        self.note(text)
        self.rejected = True

    def refuse(self, problem: Invalid) -> None:
        """Refuse the answer with the reason ``problem`` names, its dates in the
        reader's words; the same question is asked again."""
        params = {
            name: self.t.datetime(value) if isinstance(value, datetime) else value
            for name, value in problem.params.items()
        }
        self.invalid(self.t(problem.key, **params))

    def later(self, kind: str, params: dict[str, Any]) -> None:
        """Queue heavy work (``handlers.chat_jobs``) for a worker, written with this
        inbound; its result reaches the resident as a later message."""
        job = enqueue_job(
            session=self.session,
            kind=kind,
            requested_by=self.resident.identity,
            language=self.resident.language,
            params=params,
            now=self.now,
        )
        assert job.id is not None
        self.jobs.append(job.id)

    def forget(self) -> None:
        """The resident's data was erased: keep no conversation, ask nothing more."""
        self.forgotten = True

    def set_language(self, language: str) -> None:
        self.resident.language = language
        self.t = self.settings.translators(language)
