"""Staff review aspirations: list and filter, open one, move it on with a note.

    /aspirasi [KODE] → list ⇄ filter → filter_<what> → list
                       list → detail → [original →] note → confirm → detail
The resident is told of every change through the outbox, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from handlers.aspirations.status import category_label, category_options, code_option, history
from handlers.core.flow import HOME, Answer, Ctx, Draft, Flow, Prompt, Step, Steps
from handlers.core.matching import fold
from handlers.core.notifications import notify_status_change, resident_of
from handlers.core.types import Option
from handlers.core.validation import check_comment
from handlers.widgets.choices import back, menu, yes_no
from handlers.widgets.paging import Pager
from handlers.widgets.picker import Picker
from handlers.widgets.places import kecamatan_name, kecamatan_options, place_name
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.aspirations import find_aspiration, list_aspirations, normalise_tracking_code
from storage.models import ASPIRATION_STATUSES, Aspiration
from storage.workflow import (
    NEEDS_ORIGINAL,
    NEEDS_REASON,
    NEXT_STATUSES,
    OPEN_STATUSES,
    IllegalTransition,
    OriginalRefused,
    change_status,
    duplicates_of,
    find_original,
)


class Reviewing(Steps, flow="review"):
    LIST = "list"
    FILTER = "filter"
    FILTER_STATUS = "filter_status"
    FILTER_CATEGORY = "filter_category"
    FILTER_KECAMATAN = "filter_kecamatan"
    DETAIL = "detail"
    ORIGINAL = "original"
    NOTE = "note"
    CONFIRM = "confirm"


class ReviewDraft(Draft):
    page: int = 0
    status: str | None = None  # the list's filters
    category: str | None = None
    kecamatan: str | None = None
    code: str | None = None  # the aspiration opened
    new_status: str | None = None  # the change being made…
    seen_status: str | None = None  # …decided on the aspiration in this status
    original: str | None = None
    note: str | None = None


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


def _draft(ctx: Ctx) -> ReviewDraft:
    return ctx.draft(ReviewDraft)


def start(ctx: Ctx, args: str) -> None:
    """``/aspirasi`` opens the list; ``/aspirasi ASP-7K2M9Q`` that aspiration."""
    ctx.goto(Reviewing.LIST)
    if args.strip():
        _open(ctx, args)


def _open(ctx: Ctx, raw: str) -> None:
    code = normalise_tracking_code(raw)
    aspiration = find_aspiration(session=ctx.session, code=code) if code else None
    if aspiration is None:
        ctx.invalid(ctx.t("status.not_found", code=raw.strip().upper()[:20]))
        return
    _draft(ctx).code = aspiration.code
    if aspiration.photo_path:
        ctx.say(ctx.t("review.photo_caption", code=aspiration.code), photo=aspiration.photo_path)
    ctx.goto(Reviewing.DETAIL)


def _current(ctx: Ctx) -> Aspiration:
    aspiration = find_aspiration(session=ctx.session, code=_draft(ctx).code or "")
    assert aspiration is not None  # codes are never deleted
    return aspiration


def _describe_filters(ctx: Ctx, draft: ReviewDraft) -> str:
    parts = [ctx.t(f"status.{draft.status}") if draft.status else ctx.t("review.open")]
    if draft.category:
        parts.append(category_label(ctx, draft.category))
    if draft.kecamatan:
        parts.append(kecamatan_name(ctx, draft.kecamatan))
    return " · ".join(parts)


def ask_list(ctx: Ctx) -> Prompt:
    """One page of aspirations, oldest first, with paging and filters."""
    draft = _draft(ctx)

    def fetch(offset: int, limit: int) -> tuple[list[Aspiration], int]:
        rows, total = list_aspirations(
            session=ctx.session,
            statuses=(draft.status,) if draft.status else OPEN_STATUSES,
            category=draft.category,
            kecamatan_code=draft.kecamatan,
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
    filters = _describe_filters(ctx, draft)
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
        _open(ctx, answer.option or answer.text or "")


def ask_filter(ctx: Ctx) -> Prompt:
    options = [Option(name, ctx.t(f"review.filter_{name}")) for name in FILTERS]
    options.append(Option("clear", ctx.t("review.filter_clear")))
    options.append(back(ctx.t, "review.back_to_list"))
    return Prompt(ctx.t("review.ask_filter"), tuple(options))


def on_filter(ctx: Ctx, answer: Answer) -> None:
    draft = _draft(ctx)
    if answer.option in FILTERS:
        ctx.goto(FILTERS[answer.option])
        return
    if answer.option == "clear":
        draft.status = draft.category = draft.kecamatan = None
    draft.page = 0
    ctx.goto(Reviewing.LIST)


def _filter_step(name: str, choices: Callable[[Ctx], Iterable[Option]]) -> Step:
    """Set the filter ``name`` (a field of the draft) to one of ``choices``, or
    clear it ("Semua"), and show the list again from its first page."""

    def ask(ctx: Ctx) -> Prompt:
        every = option(ctx.t, "any", "review.filter_any", "all")
        return Prompt(ctx.t(f"review.ask_filter_{name}"), (every, *choices(ctx)))

    def on_value(ctx: Ctx, answer: Answer) -> None:
        draft = _draft(ctx)
        setattr(draft, name, None if answer.option == "any" else answer.option)
        draft.page = 0
        ctx.goto(Reviewing.LIST)

    return Step(ask, on_value, (Reviewing.LIST,))


def status_options(ctx: Ctx) -> tuple[Option, ...]:
    return tuple(Option(s, ctx.t(f"status.{s}"), (s,)) for s in ASPIRATION_STATUSES)


def detail_text(ctx: Ctx, aspiration: Aspiration) -> str:
    """Everything staff need, the resident's name only when not anonymous."""
    t = ctx.t
    resident = None if aspiration.anonymous else resident_of(ctx.session, aspiration)
    sender = (resident.display_name if resident else None) or t("aspiration.sender_anonymous")
    lines = [
        t("review.detail", code=aspiration.code, status=t(f"status.{aspiration.status}")),
        t("review.detail_category", category=category_label(ctx, aspiration.category)),
        t("review.detail_place", place=place_name(ctx, aspiration.kelurahan_code)),
        t("review.detail_sender", sender=sender),
        t("review.detail_sent", when=t.datetime(aspiration.created_at)),
    ]
    if aspiration.latitude is not None and aspiration.longitude is not None:
        lat, lon = f"{aspiration.latitude:.6f}", f"{aspiration.longitude:.6f}"
        lines.append(t("review.detail_map", lat=lat, lon=lon))
    if aspiration.photo_path:
        lines.append(t("review.detail_photo"))
    if aspiration.duplicate_of:
        lines.append(t("review.detail_duplicate_of", original=aspiration.duplicate_of))
    copies = [a.code for a in duplicates_of(session=ctx.session, code=aspiration.code)]
    if copies:
        lines.append(t("review.detail_copies", count=len(copies), codes=", ".join(copies)))
    if aspiration.rating is not None:
        comment = aspiration.rating_comment or "-"
        lines.append(t("review.detail_rating", rating=aspiration.rating, comment=comment))
    return "\n".join(
        [*lines, "", aspiration.text, "", t("review.history"), history(ctx, aspiration)]
    )


def ask_detail(ctx: Ctx) -> Prompt:
    """The aspiration in full, and the statuses it may move to."""
    aspiration = _current(ctx)
    options = [
        Option(f"to:{s}", ctx.t("review.move_to", status=ctx.t(f"status.{s}")), (s,))
        for s in NEXT_STATUSES[aspiration.status]
    ]
    options.append(back(ctx.t, "review.back_to_list"))
    return Prompt(detail_text(ctx, aspiration), tuple(options), accepts=frozenset({"text"}))


def on_detail(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(Reviewing.LIST)
        return
    aspiration = _current(ctx)
    wanted = (answer.option or "").removeprefix("to:") or fold(answer.text or "")
    if wanted not in NEXT_STATUSES[aspiration.status]:
        _refuse(ctx, aspiration.status)
        return
    draft = _draft(ctx)
    draft.new_status, draft.seen_status, draft.original = wanted, aspiration.status, None
    ctx.goto(Reviewing.ORIGINAL if wanted in NEEDS_ORIGINAL else Reviewing.NOTE)


def ask_original(ctx: Ctx) -> Prompt:
    """Which aspiration does this one repeat?"""
    options = (back(ctx.t, "review.back_to_detail"),)
    return Prompt(ctx.t("review.ask_original"), options, accepts=frozenset({"text"}))


def on_original(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(Reviewing.DETAIL)
        return
    try:
        original = find_original(
            session=ctx.session, duplicate=_current(ctx), code=answer.text or ""
        )
    except OriginalRefused as refused:
        _refuse_original(ctx, refused)
        return
    _draft(ctx).original = original.code
    ctx.goto(Reviewing.NOTE)


def _refuse_original(ctx: Ctx, refused: OriginalRefused) -> None:
    ctx.invalid(ctx.t(f"review.original_{refused.problem}", code=refused.code))


def _refuse(ctx: Ctx, current: str) -> None:
    allowed = ", ".join(ctx.t(f"status.{s}") for s in NEXT_STATUSES.get(current, ()))
    ctx.invalid(ctx.t("review.illegal", current=ctx.t(f"status.{current}"), allowed=allowed or "-"))


def ask_note(ctx: Ctx) -> str:
    """The note the resident will read with the new status."""
    draft = _draft(ctx)
    status = draft.new_status or ""
    if status in NEEDS_REASON:
        text = ctx.t("review.ask_reason")
    else:
        text = ctx.t("review.ask_note", status=ctx.t(f"status.{status}"))
    if draft.original:  # the one found, which may not be the copy typed
        text = ctx.t("review.confirm_original", original=draft.original) + "\n\n" + text
    return text


def note_options(ctx: Ctx) -> tuple[Option, ...]:
    without = option(ctx.t, "none", "review.no_note", "no_note")
    optional = (_draft(ctx).new_status or "") not in NEEDS_REASON
    return (*((without,) if optional else ()), back(ctx.t, "review.back_to_detail"))


def on_note_option(ctx: Ctx, choice: str) -> None:
    if choice == "back":
        ctx.goto(Reviewing.ORIGINAL if _draft(ctx).original else Reviewing.DETAIL)
    else:
        keep_note(ctx, None)


def keep_note(ctx: Ctx, note: str | None) -> None:
    _draft(ctx).note = note
    ctx.goto(Reviewing.CONFIRM)


def ask_confirm(ctx: Ctx) -> Prompt:
    aspiration, draft = _current(ctx), _draft(ctx)
    text = ctx.t(
        "review.confirm",
        code=aspiration.code,
        current=ctx.t(f"status.{aspiration.status}"),
        new=ctx.t(f"status.{draft.new_status or ''}"),
        note=draft.note or "-",
    )
    if draft.original:
        text += "\n" + ctx.t("review.confirm_original", original=draft.original)
    return Prompt(
        text, yes_no(ctx.t, "review.save", "aspiration.cancel", values=("save", "cancel"))
    )


def on_confirm(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "cancel":
        ctx.note(ctx.t("review.not_changed"))
        ctx.goto(Reviewing.DETAIL)
        return
    aspiration, draft = _current(ctx), _draft(ctx)
    status, note, seen, original = draft.new_status, draft.note, draft.seen_status, draft.original
    draft.new_status = draft.note = draft.seen_status = draft.original = None
    try:
        change = change_status(
            session=ctx.session,
            aspiration=aspiration,
            status=status or "",
            actor=ctx.resident.identity,
            note=note,
            now=ctx.now,
            seen=seen,
            original=original,
        )
    except IllegalTransition as refused:  # someone else moved it meanwhile
        _refuse(ctx, refused.current)
    except OriginalRefused as refused:  # the original was marked spam meanwhile
        _refuse_original(ctx, refused)
    else:
        ctx.session.flush()
        told = notify_status_change(ctx, aspiration, change)
        ctx.note(ctx.t("review.saved_told" if told else "review.saved_untold"))
    ctx.goto(Reviewing.DETAIL)


FLOW = Flow(
    role="staff",
    entries=(Reviewing.DETAIL,),
    steps={
        Reviewing.LIST: Step(
            ask_list, on_list, (Reviewing.LIST, Reviewing.FILTER, Reviewing.DETAIL, HOME)
        ),
        Reviewing.FILTER: Step(ask_filter, on_filter, (Reviewing.LIST, *FILTERS.values())),
        Reviewing.FILTER_STATUS: _filter_step("status", status_options),
        Reviewing.FILTER_CATEGORY: _filter_step("category", category_options),
        Reviewing.FILTER_KECAMATAN: _filter_step("kecamatan", kecamatan_options),
        Reviewing.DETAIL: Step(
            ask_detail, on_detail, (Reviewing.LIST, Reviewing.ORIGINAL, Reviewing.NOTE)
        ),
        Reviewing.ORIGINAL: Step(ask_original, on_original, (Reviewing.DETAIL, Reviewing.NOTE)),
        Reviewing.NOTE: text_step(
            ask=ask_note,
            check=check_comment,
            keep=keep_note,
            to=(Reviewing.CONFIRM, Reviewing.ORIGINAL, Reviewing.DETAIL),
            options=note_options,
            on_option=on_note_option,
        ),
        Reviewing.CONFIRM: Step(ask_confirm, on_confirm, (Reviewing.DETAIL,)),
    },
)
