"""The pieces a flow is made of: typed steps that prompt and take answers.

A flow names its steps in an enum (``class Asking(Steps, flow="aspiration")``)
and gives each a ``Step`` of two small functions: ``prompt(ctx)`` says what to ask
(text, options, what else it accepts) and ``answer(ctx, answer)`` acts on what the
resident gave, then moves on with ``ctx.goto(Asking.TEXT)``, or refuses with
``ctx.invalid`` and the same question is asked again. ``Step.to`` lists where a
step may go: the flow table is the transition graph, checked at run time and
walked by a test. What a flow collects is a typed ``Draft`` (a pydantic model)
kept in the conversation, never loose string keys.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session

from handlers.core.types import Inbound, Location, Option, Reply, Translator, Voice
from handlers.core.validation import Invalid
from storage.jobs import enqueue_job
from storage.models import Conversation, Resident
from storage.wilayah import Wilayah

if TYPE_CHECKING:
    from handlers.core.feature import Registry

from handlers.core.settings import EngineSettings


@dataclass(frozen=True)
class Prompt:
    """A question: its text, the options offered, and what else it takes.

    ``accepts`` may hold "text", "photo", "voice", "location" and "contact"; a step that
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
    voice: Voice | None = None


class Steps(StrEnum):
    """The steps of one flow; subclass it naming the flow:
    ``class Asking(Steps, flow="aspiration")``. A member's value is the step's name
    as saved in the conversation, so renaming a member keeps old conversations."""

    __flow__: ClassVar[str]

    def __init_subclass__(cls, *, flow: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if flow:
            cls.__flow__ = flow

    @property
    def flow(self) -> str:
        return type(self).__flow__

    # Two flows may both have a "summary" step: a step is itself, not its name.
    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __hash__(self) -> int:
        return hash((type(self).__flow__, self.value))


class Home(Steps, flow="menu"):
    """The main menu: where every flow ends."""

    MAIN = "main"
    HELP = "help"
    HELP_DATA = "help_data"


class Language(Steps, flow="language"):
    CHOOSE = "choose"


HOME = Home.MAIN


class FlowError(RuntimeError):
    """A step went somewhere its ``to`` does not list: a bug in the flow table."""


@dataclass(frozen=True)
class Step:
    """One question: what to ask, what to do with the answer, and where the answer
    (or the prompt itself) may go next (``to``; asking itself again is always
    allowed)."""

    prompt: Callable[[Ctx], Prompt]
    answer: Callable[[Ctx, Answer], None]
    to: tuple[Steps, ...]


@dataclass(frozen=True)
class Flow:
    """A flow's steps, the first one its start; ``role`` (if any) is needed for
    every step of it. ``renamed`` maps step names saved by older versions to the
    step that replaced them, so a conversation saved before still resumes.
    ``entries`` are steps entered from outside the flow other than the start (a
    command, a button, a detour)."""

    steps: Mapping[Steps, Step]
    role: str | None = None
    renamed: Mapping[str, Steps] = field(default_factory=dict)
    entries: tuple[Steps, ...] = ()

    def __post_init__(self) -> None:
        kinds = {type(step) for step in self.steps}
        if len(kinds) != 1:
            raise FlowError(f"a flow's steps come from one enum, not {kinds}")
        (kind,) = kinds
        missing = [member for member in kind if member not in self.steps]
        if missing:
            raise FlowError(f"{kind.__name__}: no Step for {missing}")

    @property
    def start(self) -> Steps:
        return next(iter(self.steps))

    @property
    def name(self) -> str:
        return self.start.flow

    def step_named(self, name: str) -> Steps:
        """The step saved as ``name`` (its start when empty or unknown)."""
        kind = type(self.start)
        if name in kind._value2member_map_:
            return kind(name)
        return self.renamed.get(name, self.start)


class Draft(BaseModel):
    """What a flow collects, typed; kept in ``conversation.data`` under its field
    names (other keys there, such as a detour's way back, are left alone)."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)


D = TypeVar("D", bound=Draft)


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
    discarded: list[str] = field(default_factory=list)  # files to remove once committed
    at: Step | None = None  # the step whose prompt or answer is running
    drafts: dict[type[Draft], Draft] = field(default_factory=dict)
    registry: Registry | None = None  # the features: commands, menu, help (set by the engine)

    @property
    def features(self) -> Registry:
        assert self.registry is not None, "a context outside the engine has no features"
        return self.registry

    @property
    def data(self) -> dict[str, Any]:
        """The conversation's saved data: the flows' drafts and a detour's way back."""
        return self.conversation.data

    def draft(self, kind: type[D]) -> D:
        """The flow's answers so far, as ``kind``; changes are kept when the
        conversation is saved (``keep_drafts``)."""
        found = self.drafts.get(kind)
        if found is None:
            found = self.drafts[kind] = kind.model_validate(self.conversation.data)
        assert isinstance(found, kind)
        return found

    def keep_drafts(self) -> None:
        """Write the drafts back into the conversation's data: a field left None is
        removed, so the data holds only what was answered."""
        data = dict(self.conversation.data)
        for draft in self.drafts.values():
            for name, value in draft.model_dump(mode="json").items():
                if value is None:
                    data.pop(name, None)
                else:
                    data[name] = value
        self.conversation.data = data

    @property
    def wilayah(self) -> Wilayah:
        return self.settings.wilayah

    def say(
        self,
        text: str,
        *,
        photo: str | None = None,
        document: str | None = None,
        voice: str | None = None,
    ) -> None:
        """Send a message of its own (with a photo, a voice note or a file), before
        the next question."""
        self.replies.append(Reply(text=text, photo=photo, document=document, voice=voice))

    def note(self, text: str) -> None:
        """Put a line at the top of the next question's message."""
        self.notes.append(text)

    def goto(self, step: Steps, *, fresh: bool = False) -> None:
        """Move to ``step`` and ask it. Leaving the flow drops its answers;
        ``fresh`` drops them within the flow too (a command that starts the flow
        over). A step may go only where its ``to`` says (or ask itself again)."""
        here = (self.conversation.flow, self.conversation.step)
        allowed = self.at is None or step in self.at.to
        if not allowed and (step.flow, step.value) != here:
            raise FlowError(f"{self.conversation.flow}: {step!r} is not in this step's 'to'")
        self._move(step.flow, step.value, drop=fresh or step.flow != here[0])

    def _move(self, flow: str, step: str, *, drop: bool) -> None:
        if drop:
            self.conversation.data = {}
            self.drafts.clear()
        self.conversation.flow = flow
        self.conversation.step = step
        self.moved = True

    def detour(self, step: Steps) -> None:
        """Go to ``step`` for a moment (a language change, a rating) and keep the
        current step and its answers to come back to with ``end_detour``."""
        conversation = self.conversation
        if "_return" not in conversation.data:
            back = [conversation.flow, conversation.step]
            conversation.data = {**conversation.data, "_return": back}
        self._move(step.flow, step.value, drop=False)

    def end_detour(self, default: Steps = HOME) -> None:
        """Back to where the detour started, or to ``default``."""
        self.keep_drafts()
        data = dict(self.conversation.data)
        back = data.pop("_return", None)
        self.conversation.data = data
        if back:
            self._move(back[0], back[1], drop=False)
        else:
            self._move(default.flow, default.value, drop=True)

    def drop_detour(self) -> None:
        """Forget the way back of a detour (its flow ends somewhere else)."""
        self.conversation.data = {k: v for k, v in self.conversation.data.items() if k != "_return"}

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
        """Queue heavy work (``handlers.core.chat_jobs``) for a worker, written with this
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

    def discard(self, reference: str) -> None:
        """A resident's stored file no longer wanted (a voice note refused, or
        replaced by another): removed once this inbound is committed, so that no
        file of theirs is left that nothing points to (and /hapusdata cannot find)."""
        self.discarded.append(reference)

    def forget(self) -> None:
        """The resident's data was erased: keep no conversation, ask nothing more."""
        self.forgotten = True

    def set_language(self, language: str) -> None:
        self.resident.language = language
        self.t = self.settings.translators(language)
