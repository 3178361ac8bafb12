"""Staff review aspirations: list and filter, open one, move it on.

    /aspirasi [KODE] → list ⇄ filter → filter_<what> → list          (review_list)
                       list → detail                                  (review_detail)
                       detail → [unit → [grade] →] [original →] note → confirm → detail
                                                                      (review_change)
The resident is told of every change through the outbox, in the same transaction.
"""

from __future__ import annotations

from handlers.aspirations import review_change as change
from handlers.aspirations.review_detail import ask_detail, on_detail
from handlers.aspirations.review_list import (
    FILTERS,
    ask_filter,
    ask_list,
    filter_step,
    on_filter,
    on_list,
    status_options,
)
from handlers.aspirations.review_state import ReviewDraft, Reviewing, open_code
from handlers.aspirations.status import category_options
from handlers.core.flow import HOME, Ctx, Flow, Step
from handlers.core.validation import check_comment
from handlers.widgets.places import kecamatan_options
from handlers.widgets.text_field import text_step

__all__ = ["FLOW", "Reviewing", "ReviewDraft", "start"]


def start(ctx: Ctx, args: str) -> None:
    """``/aspirasi`` opens the list; ``/aspirasi ASP-7K2M9Q`` that aspiration."""
    ctx.goto(Reviewing.LIST)
    if args.strip():
        open_code(ctx, args)


FLOW = Flow(
    role="staff",
    entries=(Reviewing.DETAIL,),
    steps={
        Reviewing.LIST: Step(
            ask_list, on_list, (Reviewing.LIST, Reviewing.FILTER, Reviewing.DETAIL, HOME)
        ),
        Reviewing.FILTER: Step(ask_filter, on_filter, (Reviewing.LIST, *FILTERS.values())),
        Reviewing.FILTER_STATUS: filter_step("status", status_options),
        Reviewing.FILTER_CATEGORY: filter_step("category", category_options),
        Reviewing.FILTER_KECAMATAN: filter_step("kecamatan", kecamatan_options),
        Reviewing.DETAIL: Step(
            ask_detail,
            on_detail,
            (Reviewing.LIST, Reviewing.ORIGINAL, Reviewing.UNIT, Reviewing.NOTE),
        ),
        Reviewing.UNIT: Step(
            change.ask_unit, change.on_unit, (Reviewing.DETAIL, Reviewing.GRADE, Reviewing.NOTE)
        ),
        Reviewing.GRADE: Step(
            change.ask_grade, change.on_grade, (Reviewing.DETAIL, Reviewing.NOTE)
        ),
        Reviewing.ORIGINAL: Step(
            change.ask_original, change.on_original, (Reviewing.DETAIL, Reviewing.NOTE)
        ),
        Reviewing.NOTE: text_step(
            ask=change.ask_note,
            check=check_comment,
            keep=change.keep_note,
            to=(Reviewing.CONFIRM, Reviewing.ORIGINAL, Reviewing.DETAIL),
            options=change.note_options,
            on_option=change.on_note_option,
        ),
        Reviewing.CONFIRM: Step(change.ask_confirm, change.on_confirm, (Reviewing.DETAIL,)),
    },
)
