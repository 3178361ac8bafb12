"""A list to pick one item from: a button per item, the items numbered in the
text where the flow lists them, Berikutnya / Sebelumnya when the list runs over
a page, the flow's own buttons (back, menu) after them. The picked item's id is
kept in the flow's draft; the step it leads to says "gone" when it went meanwhile."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from handlers.core.flow import Ctx, Draft, Prompt, Steps
from handlers.core.types import Option
from handlers.widgets.paging import Page, Pager

T = TypeVar("T")
TITLE_IN_BUTTON = 40


def short(title: str) -> str:
    """A title cut to fit on a button."""
    return title if len(title) <= TITLE_IN_BUTTON else title[: TITLE_IN_BUTTON - 1] + "…"


def _no_words(_ctx: Ctx, _item: object) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class Picker(Generic[T]):
    """How one list shows its items and keeps the one picked.

    An item's button value is ``prefix`` + its ``key`` ("f:12"); without a prefix
    the keys are bare numbers ("12"). The page on screen is the draft field
    ``page_field``, the picked item's key the field ``holding``. ``pager`` None:
    the whole list at once."""

    draft: type[Draft]
    key: Callable[[T], object]
    label: Callable[[Ctx, T], str]
    holding: str = ""
    prefix: str = ""
    aliases: Callable[[Ctx, T], tuple[str, ...]] = _no_words
    pager: Pager | None = None
    page_field: str = "page"
    turns: tuple[str, str] = ("common.next_page", "common.prev_page")

    def show(self, ctx: Ctx, rows: Sequence[T]) -> Page[T]:
        """The page on screen, kept within bounds (the list may have shrunk)."""
        if self.pager is None:
            return Page(rows, 0, 1, 0)
        draft = ctx.draft(self.draft)
        page = self.pager.page(rows, getattr(draft, self.page_field))
        setattr(draft, self.page_field, page.number)
        return page

    def fetched(
        self, ctx: Ctx, fetch: Callable[[int, int], tuple[Sequence[T], int]]
    ) -> tuple[Page[T], int]:
        """The page on screen of a list too long to load whole (``Pager.fetched``),
        and how many rows the list has."""
        assert self.pager is not None, "a list fetched a page at a time has pages"
        draft = ctx.draft(self.draft)
        page, total = self.pager.fetched(fetch, getattr(draft, self.page_field))
        setattr(draft, self.page_field, page.number)
        return page, total

    def options(self, ctx: Ctx, page: Page[T], *after: Option) -> tuple[Option, ...]:
        """A button per item, the page turns, then the flow's own ``after``."""
        items = [
            Option(f"{self.prefix}{self.key(row)}", self.label(ctx, row), self.aliases(ctx, row))
            for row in page.rows
        ]
        turns = self.pager.options(ctx.t, page, *self.turns) if self.pager else []
        return (*items, *turns, *after)

    def prompt(
        self,
        ctx: Ctx,
        rows: Sequence[T],
        *,
        text: str,
        empty: str,
        after: tuple[Option, ...] = (),
        line: Callable[[Ctx, int, T], str] | None = None,
        head: str = "",
        tail: str = "",
        **params: object,
    ) -> Prompt:
        """The list's question: the catalog text ``text`` (given ``page``, ``pages``,
        the numbered ``lines`` when ``line`` words one, and ``params``), or
        ``empty`` when there is nothing to pick; ``head`` and ``tail`` around it."""
        page = self.show(ctx, rows)
        if not rows:
            body = ctx.t(empty)
        else:
            lines = ""
            if line is not None:
                numbered = enumerate(page.rows, start=page.first + 1)
                lines = "\n\n".join(line(ctx, number, row) for number, row in numbered)
            body = ctx.t(text, lines=lines, page=page.number + 1, pages=page.pages, **params)
        return Prompt(head + body + tail, self.options(ctx, page, *after))

    def item(self, choice: str | None) -> str | None:
        """The key in an item's button value; None for any other button."""
        choice = choice or ""
        if self.prefix:
            return choice.removeprefix(self.prefix) if choice.startswith(self.prefix) else None
        return choice if choice.isdecimal() else None

    def turned(self, ctx: Ctx, choice: str | None, again: Steps) -> bool:
        """A page turn: the page moves on and ``again`` (the list) is asked."""
        if self.pager is None:
            return False
        draft = ctx.draft(self.draft)
        turned = self.pager.turn(choice, getattr(draft, self.page_field))
        if turned is not None:
            setattr(draft, self.page_field, turned)
            ctx.goto(again)
        return turned is not None

    def answer(self, ctx: Ctx, choice: str | None, *, again: Steps, then: Steps) -> bool:
        """Turn the page, or keep the picked item's key and go on to ``then``;
        False for any other button (the flow's own, for the flow to act on)."""
        if self.turned(ctx, choice, again):
            return True
        key = self.item(choice)
        if key is None:
            return False
        setattr(ctx.draft(self.draft), self.holding, key)
        ctx.goto(then)
        return True
