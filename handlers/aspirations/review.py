"""Staff review aspirations: list and filter, open one, move it on with a note.

    /aspirasi [KODE] → list ⇄ filter → detail → note → confirm → detail
                                           └→ original (duplik) ┘
The resident is told of every change through the outbox, in the same transaction.
"""

from __future__ import annotations

from typing import Any

from handlers.aspirations.status import category_label
from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.matching import fold
from handlers.core.notifications import notify_status_change, resident_of
from handlers.core.types import Option
from handlers.core.validation import Invalid, check_comment
from handlers.widgets import choices
from handlers.widgets.places import kecamatan_name, kecamatan_options, place_name
from storage.aspirations import (
    find_aspiration,
    list_aspirations,
    normalise_tracking_code,
    status_history,
)
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

FLOW_NAME = "review"
PAGE = 5


def start(ctx: Ctx, args: str) -> None:
    """``/aspirasi`` opens the list; ``/aspirasi ASP-7K2M9Q`` that aspiration."""
    ctx.goto(FLOW_NAME, "list")
    ctx.data.setdefault("page", 0)
    if args.strip():
        _open(ctx, args)


def _open(ctx: Ctx, raw: str) -> bool:
    code = normalise_tracking_code(raw)
    aspiration = find_aspiration(session=ctx.session, code=code) if code else None
    if aspiration is None:
        ctx.invalid(ctx.t("status.not_found", code=raw.strip().upper()[:20]))
        return False
    ctx.data["code"] = aspiration.code
    if aspiration.photo_path:
        ctx.say(ctx.t("review.photo_caption", code=aspiration.code), photo=aspiration.photo_path)
    ctx.goto(FLOW_NAME, "detail", keep_data=True)
    return True


def _current(ctx: Ctx) -> Aspiration:
    aspiration = find_aspiration(session=ctx.session, code=ctx.data.get("code", ""))
    assert aspiration is not None  # codes are never deleted
    return aspiration


def _status_filter(ctx: Ctx) -> tuple[str, ...]:
    wanted = ctx.data.get("status")
    return (wanted,) if wanted else OPEN_STATUSES


def _describe_filters(ctx: Ctx) -> str:
    parts = [
        ctx.t(f"status.{ctx.data['status']}") if ctx.data.get("status") else ctx.t("review.open")
    ]
    if ctx.data.get("category"):
        parts.append(category_label(ctx, ctx.data["category"]))
    if ctx.data.get("kecamatan"):
        parts.append(kecamatan_name(ctx, ctx.data["kecamatan"]))
    return " · ".join(parts)


def _page(ctx: Ctx, page: int) -> tuple[list[Aspiration], int]:
    rows, total = list_aspirations(
        session=ctx.session,
        statuses=_status_filter(ctx),
        category=ctx.data.get("category"),
        kecamatan_code=ctx.data.get("kecamatan"),
        offset=page * PAGE,
        limit=PAGE,
    )
    return list(rows), total


def ask_list(ctx: Ctx) -> Prompt:
    """One page of aspirations, oldest first, with paging and filters."""
    page = int(ctx.data.get("page", 0))
    rows, total = _page(ctx, page)
    pages = max(1, -(-total // PAGE))
    if page >= pages:  # the aspirations on this page were closed meanwhile
        page = ctx.data["page"] = pages - 1
        rows, total = _page(ctx, page)
    options: list[Option] = [
        Option(a.code, f"{a.code} · {category_label(ctx, a.category)}", (a.code,)) for a in rows
    ]
    if (page + 1) * PAGE < total:
        options.append(Option("next", ctx.t("review.next"), ("berikutnya", "next")))
    if page > 0:
        options.append(Option("prev", ctx.t("review.prev"), ("sebelumnya", "prev")))
    options.append(Option("filter", ctx.t("review.filter"), ("saring", "filter")))
    options.append(Option("menu", ctx.t("common.back_to_menu"), ("menu",)))
    key = "review.list" if total else "review.list_empty"
    text = ctx.t(key, filters=_describe_filters(ctx), total=total, page=page + 1, pages=pages)
    return Prompt(text, tuple(options), accepts=frozenset({"text"}))


def on_list(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "next" | "prev":
            ctx.data["page"] = max(
                0, int(ctx.data.get("page", 0)) + (1 if answer.option == "next" else -1)
            )
            ctx.goto(FLOW_NAME, "list", keep_data=True)
        case "filter":
            ctx.goto(FLOW_NAME, "filter", keep_data=True)
        case "menu":
            ctx.goto("menu")
        case _:
            _open(ctx, answer.option or answer.text or "")


FILTERS = ("status", "category", "kecamatan")


def ask_filter(ctx: Ctx) -> Prompt:
    options = [Option(f, ctx.t(f"review.filter_{f}")) for f in FILTERS]
    options.append(Option("clear", ctx.t("review.filter_clear")))
    options.append(choices.back(ctx.t, "review.back_to_list"))
    return Prompt(ctx.t("review.ask_filter"), tuple(options))


def on_filter(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "clear":
        for key in FILTERS:
            ctx.data.pop(key, None)
    if answer.option in FILTERS:
        ctx.goto(FLOW_NAME, f"filter_{answer.option}", keep_data=True)
        return
    ctx.data["page"] = 0
    ctx.goto(FLOW_NAME, "list", keep_data=True)


def _any(ctx: Ctx) -> Option:
    return Option("any", ctx.t("review.filter_any"), ("semua", "all"))


def ask_filter_status(ctx: Ctx) -> Prompt:
    options = [Option(s, ctx.t(f"status.{s}"), (s,)) for s in ASPIRATION_STATUSES]
    return Prompt(ctx.t("review.ask_filter_status"), (_any(ctx), *options))


def ask_filter_category(ctx: Ctx) -> Prompt:
    options = [Option(c.key, category_label(ctx, c.key), (c.key,)) for c in ctx.settings.categories]
    return Prompt(ctx.t("review.ask_filter_category"), (_any(ctx), *options))


def ask_filter_kecamatan(ctx: Ctx) -> Prompt:
    return Prompt(ctx.t("review.ask_filter_kecamatan"), (_any(ctx), *kecamatan_options(ctx)))


def _set_filter(key: str) -> Any:
    def on_value(ctx: Ctx, answer: Answer) -> None:
        if answer.option == "any":
            ctx.data.pop(key, None)
        else:
            ctx.data[key] = answer.option
        ctx.data["page"] = 0
        ctx.goto(FLOW_NAME, "list", keep_data=True)

    return on_value


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
        lines.append(
            t(
                "review.detail_map",
                lat=f"{aspiration.latitude:.6f}",
                lon=f"{aspiration.longitude:.6f}",
            )
        )
    if aspiration.photo_path:
        lines.append(t("review.detail_photo"))
    if aspiration.duplicate_of:
        lines.append(t("review.detail_duplicate_of", original=aspiration.duplicate_of))
    copies = [a.code for a in duplicates_of(session=ctx.session, code=aspiration.code)]
    if copies:
        lines.append(t("review.detail_copies", count=len(copies), codes=", ".join(copies)))
    if aspiration.rating is not None:
        lines.append(
            t(
                "review.detail_rating",
                rating=aspiration.rating,
                comment=aspiration.rating_comment or "-",
            )
        )
    assert aspiration.id is not None
    history = "\n".join(
        t(
            "status.history_line",
            when=t.datetime(change.at),
            status=t(f"status.{change.status}"),
            note=f" — {change.note}" if change.note else "",
        )
        for change in status_history(session=ctx.session, aspiration_id=aspiration.id)
    )
    return "\n".join(lines) + f"\n\n{aspiration.text}\n\n" + t("review.history") + "\n" + history


def ask_detail(ctx: Ctx) -> Prompt:
    """The aspiration in full, and the statuses it may move to."""
    aspiration = _current(ctx)
    options = [
        Option(f"to:{s}", ctx.t("review.move_to", status=ctx.t(f"status.{s}")), (s,))
        for s in NEXT_STATUSES[aspiration.status]
    ]
    options.append(choices.back(ctx.t, "review.back_to_list"))
    return Prompt(detail_text(ctx, aspiration), tuple(options), accepts=frozenset({"text"}))


def on_detail(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(FLOW_NAME, "list", keep_data=True)
        return
    aspiration = _current(ctx)
    wanted = (answer.option or "").removeprefix("to:") or fold(answer.text or "")
    if wanted not in NEXT_STATUSES[aspiration.status]:
        _refuse(ctx, aspiration.status)
        return
    ctx.data["new_status"] = wanted
    ctx.data["seen_status"] = aspiration.status  # the change is decided on this one
    ctx.data.pop("original", None)
    ctx.goto(FLOW_NAME, "original" if wanted in NEEDS_ORIGINAL else "note", keep_data=True)


def ask_original(ctx: Ctx) -> Prompt:
    """Which aspiration does this one repeat?"""
    options = (choices.back(ctx.t, "review.back_to_detail"),)
    return Prompt(ctx.t("review.ask_original"), options, accepts=frozenset({"text"}))


def on_original(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(FLOW_NAME, "detail", keep_data=True)
        return
    try:
        original = find_original(
            session=ctx.session, duplicate=_current(ctx), code=answer.text or ""
        )
    except OriginalRefused as refused:
        _refuse_original(ctx, refused)
        return
    ctx.data["original"] = original.code
    ctx.goto(FLOW_NAME, "note", keep_data=True)


def _refuse_original(ctx: Ctx, refused: OriginalRefused) -> None:
    ctx.invalid(ctx.t(f"review.original_{refused.problem}", code=refused.code))


def _refuse(ctx: Ctx, current: str) -> None:
    allowed = ", ".join(ctx.t(f"status.{s}") for s in NEXT_STATUSES.get(current, ()))
    ctx.invalid(ctx.t("review.illegal", current=ctx.t(f"status.{current}"), allowed=allowed or "-"))


def ask_note(ctx: Ctx) -> Prompt:
    """The note the resident will read with the new status."""
    status = ctx.data.get("new_status", "")
    options = [choices.back(ctx.t, "review.back_to_detail")]
    if status in NEEDS_REASON:
        text = ctx.t("review.ask_reason")
    else:
        text = ctx.t("review.ask_note", status=ctx.t(f"status.{status}"))
        options.insert(0, Option("none", ctx.t("review.no_note"), ("tanpa catatan", "none")))
    if ctx.data.get("original"):  # the one found, which may not be the copy typed
        text = ctx.t("review.confirm_original", original=ctx.data["original"]) + "\n\n" + text
    return Prompt(text, tuple(options), accepts=frozenset({"text"}))


def on_note(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        back = "original" if ctx.data.get("original") else "detail"
        ctx.goto(FLOW_NAME, back, keep_data=True)
        return
    note = None
    if answer.text is not None:
        try:
            note = check_comment(answer.text)
        except Invalid as problem:
            ctx.refuse(problem)
            return
    ctx.data["note"] = note
    ctx.goto(FLOW_NAME, "confirm", keep_data=True)


def ask_confirm(ctx: Ctx) -> Prompt:
    aspiration = _current(ctx)
    text = ctx.t(
        "review.confirm",
        code=aspiration.code,
        current=ctx.t(f"status.{aspiration.status}"),
        new=ctx.t(f"status.{ctx.data.get('new_status', '')}"),
        note=ctx.data.get("note") or "-",
    )
    if ctx.data.get("original"):
        text += "\n" + ctx.t("review.confirm_original", original=ctx.data["original"])
    return Prompt(
        text,
        (
            Option("save", ctx.t("review.save"), ("simpan", "save", "ya")),
            Option("cancel", ctx.t("aspiration.cancel"), ("batal", "cancel")),
        ),
    )


def on_confirm(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "cancel":
        ctx.note(ctx.t("review.not_changed"))
        ctx.goto(FLOW_NAME, "detail", keep_data=True)
        return
    aspiration = _current(ctx)
    try:
        change = change_status(
            session=ctx.session,
            aspiration=aspiration,
            status=ctx.data.pop("new_status", ""),
            actor=ctx.resident.identity,
            note=ctx.data.pop("note", None),
            now=ctx.now,
            seen=ctx.data.pop("seen_status", None),
            original=ctx.data.pop("original", None),
        )
    except IllegalTransition as refused:  # someone else moved it meanwhile
        _refuse(ctx, refused.current)
        ctx.goto(FLOW_NAME, "detail", keep_data=True)
        return
    except OriginalRefused as refused:  # the original was marked spam meanwhile
        _refuse_original(ctx, refused)
        ctx.goto(FLOW_NAME, "detail", keep_data=True)
        return
    ctx.session.flush()
    told = notify_status_change(ctx, aspiration, change)
    ctx.note(ctx.t("review.saved_told" if told else "review.saved_untold"))
    ctx.goto(FLOW_NAME, "detail", keep_data=True)


FLOW = Flow(
    name=FLOW_NAME,
    start="list",
    role="staff",
    steps={
        "list": Step(ask_list, on_list),
        "filter": Step(ask_filter, on_filter),
        "filter_status": Step(ask_filter_status, _set_filter("status")),
        "filter_category": Step(ask_filter_category, _set_filter("category")),
        "filter_kecamatan": Step(ask_filter_kecamatan, _set_filter("kecamatan")),
        "detail": Step(ask_detail, on_detail),
        "original": Step(ask_original, on_original),
        "note": Step(ask_note, on_note),
        "confirm": Step(ask_confirm, on_confirm),
    },
)
