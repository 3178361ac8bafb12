"""Where: a kecamatan, then one of its kelurahan — asked the same way everywhere.

The first step offers the kecamatan (and, where the flow allows, the resident's own
kelurahan, the whole city, or skipping); the second the kelurahan of the kecamatan
chosen (and the whole kecamatan, or skipping), with a way back to the first. The
kecamatan chosen in between waits in the draft field named ``holding``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from handlers.core.flow import Answer, Ctx, Draft, Prompt, Step, Steps
from handlers.core.types import Option
from handlers.widgets.choices import back, skip
from handlers.widgets.places import kecamatan_name, kecamatan_options, kelurahan_options
from handlers.widgets.words import option, words


@dataclass(frozen=True)
class Area:
    """What was chosen: the whole city, a whole kecamatan, or one kelurahan."""

    level: Literal["kota", "kecamatan", "kelurahan"]
    kecamatan: str | None = None
    kelurahan: str | None = None


@dataclass(frozen=True)
class AreaPicker:
    """Two steps, ``kecamatan`` then ``kelurahan``; ``chosen`` stores the area and
    moves on, ``skipped`` (when given, a "Lewati" on both) moves on without one.

    ``ask_kecamatan(ctx)`` and ``ask_kelurahan(ctx, kecamatan_name)`` word the two
    questions; ``home`` offers the resident's own kelurahan first (with the label
    ``home_label``); ``whole_city`` / ``whole_kecamatan`` (catalog keys of their
    labels, with the question's context given as ``ctx``) offer the wider areas.
    ``leave`` (when given) adds a way back out of the picker to the kecamatan
    question, labelled ``leave_label``; while ``kecamatan_only(ctx)`` holds, the
    kecamatan is the answer and no kelurahan is asked.
    """

    kecamatan: Steps
    kelurahan: Steps
    draft: type[Draft]
    holding: str
    ask_kecamatan: Callable[[Ctx], str]
    ask_kelurahan: Callable[[Ctx, str], str]
    chosen: Callable[[Ctx, Area], None]
    to: tuple[Steps, ...]
    skipped: Callable[[Ctx], None] | None = None
    home: bool = False
    home_label: str = "aspiration.use_home"
    whole_city: Callable[[Ctx], str] | None = None
    whole_kecamatan: Callable[[Ctx], str] | None = None
    leave: Callable[[Ctx], None] | None = None
    leave_label: str = "common.back_to_menu"
    kecamatan_only: Callable[[Ctx], bool] | None = None

    def __post_init__(self) -> None:
        if self.holding not in self.draft.model_fields:  # a typo fails at import
            raise AttributeError(f"{self.draft.__name__} has no field {self.holding!r}")

    def steps(self) -> dict[Steps, Step]:
        return {
            self.kecamatan: Step(
                self._ask_kecamatan, self._on_kecamatan, (self.kelurahan, *self.to)
            ),
            self.kelurahan: Step(
                self._ask_kelurahan, self._on_kelurahan, (self.kecamatan, *self.to)
            ),
        }

    def _held(self, ctx: Ctx) -> str | None:
        value = getattr(ctx.draft(self.draft), self.holding)
        return value if isinstance(value, str) else None

    def _hold(self, ctx: Ctx, code: str | None) -> None:
        setattr(ctx.draft(self.draft), self.holding, code)

    def _ask_kecamatan(self, ctx: Ctx) -> Prompt:
        options: list[Option] = []
        home = ctx.wilayah.find_kelurahan(ctx.resident.home_kelurahan_code) if self.home else None
        if home is not None:
            options.append(Option("home", ctx.t(self.home_label, kelurahan=home.name)))
        if self.whole_city is not None:
            options.append(Option("kota", self.whole_city(ctx), words(ctx.t, "city")))
        options.extend(kecamatan_options(ctx))
        if self.leave is not None:
            options.append(back(ctx.t, self.leave_label))
        if self.skipped is not None:
            options.append(skip(ctx.t))
        return Prompt(self.ask_kecamatan(ctx), tuple(options))

    def _on_kecamatan(self, ctx: Ctx, answer: Answer) -> None:
        match answer.option:
            case "skip" if self.skipped is not None:
                self.skipped(ctx)
            case "home":
                resident = ctx.resident
                area = Area("kelurahan", resident.home_kecamatan_code, resident.home_kelurahan_code)
                self.chosen(ctx, area)
            case "kota":
                self.chosen(ctx, Area("kota"))
            case "back" if self.leave is not None:
                self.leave(ctx)
            case code if self.kecamatan_only is not None and self.kecamatan_only(ctx):
                self.chosen(ctx, Area("kecamatan", code))
            case code:
                self._hold(ctx, code)
                ctx.goto(self.kelurahan)

    def _ask_kelurahan(self, ctx: Ctx) -> Prompt:
        kecamatan = self._held(ctx)
        options: list[Option] = []
        if self.whole_kecamatan is not None:
            options.append(Option("all", self.whole_kecamatan(ctx)))
        options.extend(kelurahan_options(ctx, kecamatan or ""))
        options.append(back(ctx.t, "common.other_kecamatan"))
        if self.skipped is not None:
            options.append(skip(ctx.t))
        return Prompt(self.ask_kelurahan(ctx, kecamatan_name(ctx, kecamatan)), tuple(options))

    def _on_kelurahan(self, ctx: Ctx, answer: Answer) -> None:
        kecamatan = self._held(ctx)
        match answer.option:
            case "back":
                ctx.goto(self.kecamatan)
            case "skip" if self.skipped is not None:
                self.skipped(ctx)
            case "all":
                self.chosen(ctx, Area("kecamatan", kecamatan))
            case code:
                self.chosen(ctx, Area("kelurahan", kecamatan, code))


def whole_city_label(key: str) -> Callable[[Ctx], str]:
    """A label from the catalog, for ``whole_city`` / ``whole_kecamatan``."""
    return lambda ctx: ctx.t(key)


__all__ = ["Area", "AreaPicker", "option", "whole_city_label"]
