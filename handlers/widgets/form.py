"""A form: questions in order, then a summary to send, change or drop.

summary ──Kirim──▶ ``send``
        ├─Ubah──▶ which part? ──▶ that part's step ──▶ back to the summary
        └─Batal─▶ ``cancel``

While a part is being changed the draft's ``editing`` is set: ``Form.next`` then
goes straight back to the summary instead of on to the following question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from handlers.core.flow import Answer, Ctx, Draft, Prompt, Step, Steps
from handlers.widgets.words import option


class FormDraft(Draft):
    editing: bool = False


F = TypeVar("F", bound=FormDraft)


@dataclass(frozen=True)
class Field(Generic[F]):
    """A part of the form that can be changed: ``name`` is its option's value, its
    label the catalog key ``FormTexts.field`` names; ``clear`` empties it before
    it is asked again; ``shown`` hides it when it does not apply; ``words`` (a
    ``words.<name>`` of the catalog) pick it when typed."""

    name: str
    step: Steps
    clear: Callable[[F], None] | None = None
    shown: Callable[[Ctx], bool] | None = None
    words: str | None = None


@dataclass(frozen=True)
class FormTexts:
    """Catalog keys of the form's buttons and questions (``field`` takes ``{name}``),
    and the values of the Kirim and back-to-summary buttons."""

    send: str = "aspiration.send"
    edit: str = "aspiration.edit"
    cancel: str = "aspiration.cancel"
    ask_edit: str = "aspiration.ask_edit"
    back: str = "aspiration.back_to_summary"
    field: str = "aspiration.edit_{name}"
    send_words: str = "send"
    cancel_words: str = "cancel"
    send_value: str = "send"
    back_value: str = "summary"

    @classmethod
    def preview(cls, prefix: str, *, send: str, cancel: str = "cancel", **more: str) -> FormTexts:
        """A facilitator's preview, its keys under ``prefix``: ``<send>``, ``edit``,
        ``<cancel>``, ``ask_edit``, ``back_to_preview`` and ``field_<name>``."""
        return cls(
            send=f"{prefix}.{send}",
            edit=f"{prefix}.edit",
            cancel=f"{prefix}.{cancel}",
            ask_edit=f"{prefix}.ask_edit",
            back=f"{prefix}.back_to_preview",
            field=f"{prefix}.field_{{name}}",
            **more,
        )


@dataclass(frozen=True)
class Also(Generic[F]):
    """One more button on the summary after Kirim that sends the form another way
    (a facilitator's "save as a draft"): its value, label and words, and what it does."""

    value: str
    label: str
    words: str
    run: Callable[[Ctx, F], None]


@dataclass(frozen=True)
class Form(Generic[F]):
    """The summary and "which part?" steps of a form, from its fields."""

    draft: type[F]
    summary: Steps
    edit: Steps
    fields: tuple[Field[F], ...]
    text: Callable[[Ctx, F], str]
    send: Callable[[Ctx, F], None]
    cancel: Callable[[Ctx, F], None]
    to: tuple[Steps, ...]  # where sending and dropping may go
    texts: FormTexts = field(default_factory=FormTexts)
    also: tuple[Also[F], ...] = ()
    # Run each time the form goes (back) to its summary, before it is asked: to
    # show something first (the photo the summary's text goes with).
    arrive: Callable[[Ctx, F], None] | None = None

    def next(self, ctx: Ctx, step: Steps) -> None:
        """Go on to ``step``, or straight back to the summary while editing."""
        if ctx.draft(self.draft).editing:
            self.to_summary(ctx)
        else:
            ctx.goto(step)

    def to_summary(self, ctx: Ctx) -> None:
        if self.arrive is not None:
            self.arrive(ctx, ctx.draft(self.draft))
        ctx.goto(self.summary)

    def steps(self) -> dict[Steps, Step]:
        parts = tuple(part.step for part in self.fields)
        return {
            self.summary: Step(self._ask_summary, self._on_summary, (self.edit, *self.to)),
            self.edit: Step(self._ask_edit, self._on_edit, (self.summary, *parts)),
        }

    def _ask_summary(self, ctx: Ctx) -> Prompt:
        t, texts = ctx.t, self.texts
        return Prompt(
            self.text(ctx, ctx.draft(self.draft)),
            (
                option(t, texts.send_value, texts.send, texts.send_words),
                *(option(t, more.value, more.label, more.words) for more in self.also),
                option(t, "edit", texts.edit, "edit"),
                option(t, "cancel", texts.cancel, texts.cancel_words),
            ),
        )

    def _on_summary(self, ctx: Ctx, answer: Answer) -> None:
        draft = ctx.draft(self.draft)
        if answer.option == "edit":
            ctx.goto(self.edit)
        elif answer.option == "cancel":
            self.cancel(ctx, draft)
        else:
            chosen = (more.run for more in self.also if more.value == answer.option)
            next(chosen, self.send)(ctx, draft)

    def _ask_edit(self, ctx: Ctx) -> Prompt:
        shown = [part for part in self.fields if part.shown is None or part.shown(ctx)]
        options = [
            option(ctx.t, part.name, self.texts.field.format(name=part.name), part.words)
            for part in shown
        ]
        options.append(option(ctx.t, self.texts.back_value, self.texts.back, "back"))
        return Prompt(ctx.t(self.texts.ask_edit), tuple(options))

    def _on_edit(self, ctx: Ctx, answer: Answer) -> None:
        draft = ctx.draft(self.draft)
        draft.editing = True
        for part in self.fields:
            if part.name == answer.option:
                if part.clear is not None:
                    part.clear(draft)
                ctx.goto(part.step)
                return
        self.to_summary(ctx)
