"""Staff review, the list: open aspirations a page at a time, with filters."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from handlers.aspirations.review_state import ReviewDraft, Reviewing, draft, open_code
from handlers.aspirations.status import category_label, code_option
from handlers.core.flow import HOME, Answer, Ctx, Prompt, Step
from handlers.core.types import Option
from handlers.widgets.choices import back, menu
from handlers.widgets.paging import Pager
from handlers.widgets.picker import Picker
from handlers.widgets.places import kecamatan_name
from handlers.widgets.words import option
from storage.aspirations import list_aspirations
from storage.models import ASPIRATION_STATUSES, Aspiration
from storage.workflow import OPEN_STATUSES

LIST = Picker[Aspiration](
    draft=ReviewDraft,
    key=lambda aspiration: aspiration.code,
    label=lambda ctx, aspiration: code_option(ctx, aspiration).label,
    aliases=lambda _ctx, aspiration: (aspiration.code,),
    pager=Pager(5),
    turns=("review.next", "review.prev"),
)
FILTERS = {
    "status": Reviewing.FILTER_STATUS,
    "category": Reviewing.FILTER_CATEGORY,
    "kecamatan": Reviewing.FILTER_KECAMATAN,
}


def _describe_filters(ctx: Ctx, chosen: ReviewDraft) -> str:
    parts = [ctx.t(f"status.{chosen.status}") if chosen.status else ctx.t("review.open")]
    if chosen.category:
        parts.append(category_label(ctx, chosen.category))
    if chosen.kecamatan:
        parts.append(kecamatan_name(ctx, chosen.kecamatan))
    return " · ".join(parts)


def ask_list(ctx: Ctx) -> Prompt:
    """One page of aspirations, oldest first, with paging and filters."""
    chosen = draft(ctx)

    def fetch(offset: int, limit: int) -> tuple[list[Aspiration], int]:
        rows, total = list_aspirations(
            session=ctx.session,
            statuses=(chosen.status,) if chosen.status else OPEN_STATUSES,
            category=chosen.category,
            kecamatan_code=chosen.kecamatan,
            offset=offset,
            limit=limit,
        )
        return list(rows), total

    page, total = LIST.fetched(ctx, fetch)  # a later page's aspirations may have closed
    options = LIST.options(
        ctx,
        page,
        option(ctx.t, "filter", "review.filter", "filter"),
        menu(ctx.t),
    )
    filters = _describe_filters(ctx, chosen)
    key = "review.list" if total else "review.list_empty"
    text = ctx.t(key, filters=filters, total=total, page=page.number + 1, pages=page.pages)
    return Prompt(text, options, accepts=frozenset({"text"}))


def on_list(ctx: Ctx, answer: Answer) -> None:
    if LIST.turned(ctx, answer.option, Reviewing.LIST):
        return
    if answer.option == "filter":
        ctx.goto(Reviewing.FILTER)
    elif answer.option == "menu":
        ctx.goto(HOME)
    else:
        open_code(ctx, answer.option or answer.text or "")


def ask_filter(ctx: Ctx) -> Prompt:
    options = [Option(name, ctx.t(f"review.filter_{name}")) for name in FILTERS]
    options.append(Option("clear", ctx.t("review.filter_clear")))
    options.append(back(ctx.t, "review.back_to_list"))
    return Prompt(ctx.t("review.ask_filter"), tuple(options))


def on_filter(ctx: Ctx, answer: Answer) -> None:
    chosen = draft(ctx)
    if answer.option in FILTERS:
        ctx.goto(FILTERS[answer.option])
        return
    if answer.option == "clear":
        chosen.status = chosen.category = chosen.kecamatan = None
    chosen.page = 0
    ctx.goto(Reviewing.LIST)


def filter_step(name: str, choices: Callable[[Ctx], Iterable[Option]]) -> Step:
    """Set the filter ``name`` (a field of the draft) to one of ``choices``, or
    clear it ("Semua"), and show the list again from its first page."""

    def ask(ctx: Ctx) -> Prompt:
        every = option(ctx.t, "any", "review.filter_any", "all")
        return Prompt(ctx.t(f"review.ask_filter_{name}"), (every, *choices(ctx)))

    def on_value(ctx: Ctx, answer: Answer) -> None:
        chosen = draft(ctx)
        setattr(chosen, name, None if answer.option == "any" else answer.option)
        chosen.page = 0
        ctx.goto(Reviewing.LIST)

    return Step(ask, on_value, (Reviewing.LIST,))


def status_options(ctx: Ctx) -> tuple[Option, ...]:
    return tuple(Option(s, ctx.t(f"status.{s}"), (s,)) for s in ASPIRATION_STATUSES)
