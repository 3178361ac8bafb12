"""A long list shown a page at a time, with "Berikutnya" / "Sebelumnya"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from handlers.core.types import Option, Translator
from handlers.widgets.words import option

T = TypeVar("T")
TURNS = {"next": 1, "prev": -1}


@dataclass(frozen=True)
class Page(Generic[T]):
    """The rows on one page; ``number`` counts from 0, ``first`` is the index of
    the first row shown (for numbering them across pages)."""

    rows: Sequence[T]
    number: int
    pages: int
    first: int


@dataclass(frozen=True)
class Pager:
    size: int

    def page(self, rows: Sequence[T], at: int) -> Page[T]:
        """Page ``at`` of ``rows``, kept within bounds (the list may have shrunk)."""
        pages = max(1, -(-len(rows) // self.size))
        number = min(max(at, 0), pages - 1)
        first = number * self.size
        return Page(rows[first : first + self.size], number, pages, first)

    def options(
        self,
        t: Translator,
        page: Page[T],
        next_label: str = "common.next_page",
        prev_label: str = "common.prev_page",
    ) -> list[Option]:
        """ "Next" while there is a page after this one, "previous" after the first
        (labelled by the catalog keys ``next_label`` and ``prev_label``)."""
        turns = []
        if page.number + 1 < page.pages:
            turns.append(option(t, "next", next_label, "next_page"))
        if page.number > 0:
            turns.append(option(t, "prev", prev_label, "prev_page"))
        return turns

    @staticmethod
    def turn(choice: str | None, at: int) -> int | None:
        """The page to show after ``choice``; None when it is not a page turn."""
        step = TURNS.get(choice or "")
        return None if step is None else max(0, at + step)
