"""The questions a facilitator's form asks (a forum, a training, an announcement),
ready-made so that each form module reads as its conversation.

``Questions(form, prefix)`` words each question ``<prefix>.ask_<name>``, keeps the
answer in the draft field ``name`` and goes on to the next question, or straight
back to the preview while a part is being changed (``Form.next``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, Generic, TypeVar

from handlers.core.datetimes import example, parse_wib_datetime
from handlers.core.flow import HOME, Answer, Ctx, Prompt, Step, Steps
from handlers.core.types import Option, Translator
from handlers.core.validation import check_text
from handlers.widgets.area import Area, AreaPicker
from handlers.widgets.form import Form, FormDraft
from handlers.widgets.places import kecamatan_name
from handlers.widgets.text_field import text_step
from storage.limits import Length


class AreaDraft(FormDraft):
    """A form that asks whom it is for: the whole city, a kecamatan or a kelurahan."""

    area_level: str | None = None
    area_code: str | None = None
    area_kecamatan: str | None = None  # chosen, while its kelurahan is asked


A = TypeVar("A", bound=AreaDraft)


def afresh(first: Steps, intro: str | None = None) -> Callable[[Ctx, str], None]:
    """A command that starts its form over at ``first`` (with the note ``intro``),
    whatever was half-entered before."""

    def start(ctx: Ctx, _args: str) -> None:
        ctx.goto(first, fresh=True)
        if intro is not None:
            ctx.note(ctx.t(intro))

    return start


def dropped(key: str) -> Callable[[Ctx, Any], None]:
    """A form's Batal: say ``key``, back to the main menu, nothing stored."""

    def drop(ctx: Ctx, _draft: Any) -> None:
        ctx.note(ctx.t(key))
        ctx.goto(HOME)

    return drop


def passed(ctx: Ctx, when: datetime | None, key: str, ask_again: Steps) -> bool:
    """Whether ``when`` went by while the preview sat on screen: then ``key`` (given
    ``{when}``) is said and ``ask_again`` asks for a new time."""
    if when is None or when > ctx.now:
        return False
    ctx.invalid(ctx.t(key, when=ctx.t.datetime(when)))
    ctx.goto(ask_again)
    return True


def ask_with_example(key: str) -> Callable[[Ctx], str]:
    """``key`` worded with an example of a date and time to type (``{example}``)."""
    return lambda ctx: ctx.t(key, example=example(ctx.now))


def after_now(ctx: Ctx, raw: str) -> datetime:
    """A typed date and time in WIB, still ahead."""
    return parse_wib_datetime(raw, ctx.now)


@dataclass(frozen=True)
class Questions(Generic[A]):
    """The questions of ``form``, worded from the catalog keys under ``prefix``."""

    form: Form[A]
    prefix: str

    def keep(self, name: str, then: Steps) -> Callable[[Ctx, Any], None]:
        """Keep an answer as the draft's ``name``, then ask ``then``."""
        if name not in self.form.draft.model_fields:  # a typo fails at import
            raise AttributeError(f"{self.form.draft.__name__} has no field {name!r}")

        def keep(ctx: Ctx, value: Any) -> None:
            setattr(ctx.draft(self.form.draft), name, value)
            self.form.next(ctx, then)

        return keep

    def text(
        self,
        name: str,
        then: Steps,
        length: Length | None = None,
        *,
        one_line: bool = False,
        check: Callable[[str], Any] | None = None,
        check_in: Callable[[Ctx, str], Any] | None = None,
        ask: Callable[[Ctx], str] | None = None,
        keep: Callable[[Ctx, Any], None] | None = None,
        instead: Callable[[Translator], Option] | None = None,
        kept: Any = None,
    ) -> Step:
        """A typed answer: text within ``length`` (a title, a place: ``one_line``),
        or what ``check`` / ``check_in`` make of it; ``instead`` (a Lewati) keeps
        ``kept`` in its place."""
        if length is not None:
            check = partial(check_text, length=length, one_line=one_line)
        keep_typed = self.keep(name, then)
        return text_step(
            ask=ask or (lambda ctx: ctx.t(f"{self.prefix}.ask_{name}")),
            check=check,
            check_in=check_in,
            keep=keep or keep_typed,
            to=(then, self.form.summary),
            options=(lambda ctx: (instead(ctx.t),)) if instead else (lambda ctx: ()),
            on_option=(lambda ctx, _choice: keep_typed(ctx, kept)) if instead else None,
        )

    def when(
        self, name: str, then: Steps, *, keep: Callable[[Ctx, datetime], None] | None = None
    ) -> Step:
        """A date and time in WIB after now, asked with an example."""
        ask = ask_with_example(f"{self.prefix}.ask_{name}")
        return self.text(name, then, check_in=after_now, ask=ask, keep=keep)

    def choice(
        self, name: str, then: Steps, values: Sequence[str], label: Callable[[Translator, str], str]
    ) -> Step:
        """One of ``values``, each labelled by ``label`` and picked by its own name too."""
        keep = self.keep(name, then)

        def ask(ctx: Ctx) -> Prompt:
            options = tuple(Option(value, label(ctx.t, value), (value,)) for value in values)
            return Prompt(ctx.t(f"{self.prefix}.ask_{name}"), options)

        def answer(ctx: Ctx, given: Answer) -> None:
            keep(ctx, given.option)

        return Step(ask, answer, (then, self.form.summary))

    def area(self, kecamatan: Steps, kelurahan: Steps, then: Steps) -> AreaPicker:
        """Whom it is for: the whole city, a whole kecamatan or one kelurahan (the
        keys ``ask_area``, ``ask_area_kelurahan``, ``area_city_option`` and
        ``area_whole_kecamatan``)."""
        key = f"{self.prefix}.{{}}".format

        def chosen(ctx: Ctx, area: Area) -> None:
            draft = ctx.draft(self.form.draft)
            draft.area_level = area.level
            draft.area_code = area.kelurahan or area.kecamatan
            draft.area_kecamatan = None
            self.form.next(ctx, then)

        def held(ctx: Ctx) -> str:
            return kecamatan_name(ctx, ctx.draft(self.form.draft).area_kecamatan)

        return AreaPicker(
            kecamatan=kecamatan,
            kelurahan=kelurahan,
            draft=self.form.draft,
            holding="area_kecamatan",
            ask_kecamatan=lambda ctx: ctx.t(key("ask_area")),
            ask_kelurahan=lambda ctx, name: ctx.t(key("ask_area_kelurahan"), kecamatan=name),
            chosen=chosen,
            to=tuple(dict.fromkeys((then, self.form.summary))),
            whole_city=lambda ctx: ctx.t(key("area_city_option")),
            whole_kecamatan=lambda ctx: ctx.t(key("area_whole_kecamatan"), kecamatan=held(ctx)),
        )
