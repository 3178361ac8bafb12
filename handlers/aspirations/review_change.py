"""Staff review, the change: [unit → grade →] [original →] note → confirm → saved.

Which steps a change takes follows ``storage.workflow``: ``diteruskan`` needs a
unit (the category's own offered first) and, the first time, may set the
completion grade; a re-disposition, a hand-back and the statuses of
``NEEDS_REASON`` need a note (the question for the resident at ``tunda``, where
to go instead at ``bukan_wewenang``, the reason otherwise). The resident is told
of every change through the outbox, in the same transaction.
"""

from __future__ import annotations

from handlers.aspirations.review_state import (
    ReviewDraft,
    Reviewing,
    current,
    draft,
    refuse_status,
)
from handlers.core.flow import Answer, Ctx, Prompt
from handlers.core.notifications import notify_status_change, unit_name
from handlers.core.types import Option
from handlers.widgets.choices import back, yes_no
from handlers.widgets.paging import Pager
from handlers.widgets.picker import Picker
from handlers.widgets.words import option
from storage.models import Opd
from storage.opd import units
from storage.workflow import (
    WITH_UNIT,
    IllegalTransition,
    OriginalRefused,
    UnitRefused,
    change_status,
    find_original,
    needs_reason,
)

UNITS = Picker[Opd](
    draft=ReviewDraft,
    key=lambda unit: unit.code,
    label=lambda _ctx, unit: unit.short_name,
    aliases=lambda _ctx, unit: (unit.code, unit.short_name),
    prefix="u:",
    pager=Pager(6),
    page_field="unit_page",
)
# The note's question, by the status asked for (the others: review.ask_note).
ASK_NOTE = {
    "ditolak": "review.ask_reason",
    "tunda": "review.ask_question",
    "bukan_wewenang": "review.ask_where",
    "arsip": "review.ask_archive_reason",
}


def _redisposing(chosen: ReviewDraft) -> bool:
    """Moving it from the unit that has it to another one."""
    return chosen.new_status == "diteruskan" and (chosen.seen_status or "") in WITH_UNIT


def _default_unit(ctx: Ctx, category: str) -> str | None:
    return ctx.settings.category_units.get(category)


def _unit_rows(ctx: Ctx) -> list[Opd]:
    """The active units, the category's own first."""
    default = _default_unit(ctx, current(ctx).category)
    rows = list(units(session=ctx.session))
    return sorted(rows, key=lambda unit: unit.code != default)


def ask_unit(ctx: Ctx) -> Prompt:
    """Which unit is to act on it?"""
    aspiration = current(ctx)
    rows = _unit_rows(ctx)
    page = UNITS.show(ctx, rows)
    default = _default_unit(ctx, aspiration.category)
    options = [
        Option(
            option_.value,
            ctx.t("review.unit_default", unit=option_.label)
            if option_.value == f"u:{default}"
            else option_.label,
            option_.aliases,
        )
        for option_ in UNITS.options(ctx, page, back(ctx.t, "review.back_to_detail"))
    ]
    key = "review.ask_other_unit" if _redisposing(draft(ctx)) else "review.ask_unit"
    text = ctx.t(key, unit=unit_name(ctx.session, aspiration.opd_code) or "-")
    return Prompt(text, tuple(options), accepts=frozenset({"text"}))


def on_unit(ctx: Ctx, answer: Answer) -> None:
    if UNITS.turned(ctx, answer.option, Reviewing.UNIT):
        return
    if answer.option == "back":
        ctx.goto(Reviewing.DETAIL)
        return
    chosen = draft(ctx)
    picked = UNITS.item(answer.option)
    if picked is None:  # typed: a code or a name
        typed = (answer.text or "").strip().casefold()
        found = [
            u for u in _unit_rows(ctx) if typed in (u.code.casefold(), u.short_name.casefold())
        ]
        picked = found[0].code if found else None
    active = {unit.code for unit in _unit_rows(ctx)}
    if picked is None or picked not in active:
        ctx.invalid(ctx.t("review.unit_unknown"))
        return
    if _redisposing(chosen) and picked == chosen.seen_opd:
        ctx.invalid(ctx.t("review.unit_same", unit=unit_name(ctx.session, picked)))
        return
    chosen.opd = picked
    ctx.goto(Reviewing.NOTE if _redisposing(chosen) else Reviewing.GRADE)


def ask_grade(ctx: Ctx) -> Prompt:
    """How long may the unit take to finish it (LAPOR's grades)?"""
    targets = ctx.settings.clock.targets
    default = targets.grade_of(current(ctx).category, None)
    options = []
    for grade, days in sorted(targets.grades.items(), key=lambda item: item[0] != default):
        label = ctx.t("review.grade_option", grade=ctx.t(f"review.grade_{grade}"), days=days)
        if grade == default:
            label = ctx.t("review.grade_default", grade=label)
        options.append(Option(grade, label, (grade,)))
    options.append(back(ctx.t, "review.back_to_detail"))
    return Prompt(ctx.t("review.ask_grade"), tuple(options))


def on_grade(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(Reviewing.DETAIL)
        return
    draft(ctx).grade = answer.option
    ctx.goto(Reviewing.NOTE)


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
            session=ctx.session, duplicate=current(ctx), code=answer.text or ""
        )
    except OriginalRefused as refused:
        _refuse_original(ctx, refused)
        return
    draft(ctx).original = original.code
    ctx.goto(Reviewing.NOTE)


def _refuse_original(ctx: Ctx, refused: OriginalRefused) -> None:
    ctx.invalid(ctx.t(f"review.original_{refused.problem}", code=refused.code))


def _reason_needed(chosen: ReviewDraft) -> bool:
    return needs_reason(chosen.seen_status or "", chosen.new_status or "")


def ask_note(ctx: Ctx) -> str:
    """The note the resident will read with the new status."""
    chosen = draft(ctx)
    status, seen = chosen.new_status or "", chosen.seen_status or ""
    unit = unit_name(ctx.session, chosen.opd or chosen.seen_opd) or "-"
    if _redisposing(chosen):
        text = ctx.t("review.ask_redispose_reason", unit=unit)
    elif status == "diverifikasi" and seen in WITH_UNIT:
        text = ctx.t("review.ask_pullback_reason", unit=unit)
    elif status in ASK_NOTE:
        text = ctx.t(ASK_NOTE[status])
    else:
        text = ctx.t("review.ask_note", status=ctx.t(f"status.{status}"))
    if chosen.original:  # the one found, which may not be the copy typed
        text = ctx.t("review.confirm_original", original=chosen.original) + "\n\n" + text
    return text


def note_options(ctx: Ctx) -> tuple[Option, ...]:
    without = option(ctx.t, "none", "review.no_note", "no_note")
    optional = not _reason_needed(draft(ctx))
    return (*((without,) if optional else ()), back(ctx.t, "review.back_to_detail"))


def on_note_option(ctx: Ctx, choice: str) -> None:
    if choice == "back":
        ctx.goto(Reviewing.ORIGINAL if draft(ctx).original else Reviewing.DETAIL)
    elif not _reason_needed(draft(ctx)):
        keep_note(ctx, None)


def keep_note(ctx: Ctx, note: str | None) -> None:
    draft(ctx).note = note
    ctx.goto(Reviewing.CONFIRM)


def ask_confirm(ctx: Ctx) -> Prompt:
    aspiration, chosen = current(ctx), draft(ctx)
    text = ctx.t(
        "review.confirm",
        code=aspiration.code,
        current=ctx.t(f"status.{aspiration.status}"),
        new=ctx.t(f"status.{chosen.new_status or ''}"),
        note=chosen.note or "-",
    )
    if chosen.opd:
        text += "\n" + ctx.t("review.confirm_unit", unit=unit_name(ctx.session, chosen.opd))
    if chosen.grade:
        text += "\n" + ctx.t("review.confirm_grade", grade=ctx.t(f"review.grade_{chosen.grade}"))
    if chosen.original:
        text += "\n" + ctx.t("review.confirm_original", original=chosen.original)
    return Prompt(
        text, yes_no(ctx.t, "review.save", "aspiration.cancel", values=("save", "cancel"))
    )


def on_confirm(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "cancel":
        ctx.note(ctx.t("review.not_changed"))
        ctx.goto(Reviewing.DETAIL)
        return
    aspiration, chosen = current(ctx), draft(ctx)
    status, note, seen, original = (
        chosen.new_status,
        chosen.note,
        chosen.seen_status,
        chosen.original,
    )
    opd, seen_opd, grade = chosen.opd, chosen.seen_opd or "", chosen.grade
    chosen.new_status = chosen.note = chosen.seen_status = chosen.original = None
    chosen.opd = chosen.seen_opd = chosen.grade = None
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
            opd=opd,
            seen_opd=seen_opd or None,
            grade=grade,
            clock=ctx.settings.clock,
        )
    except IllegalTransition as refused:  # someone else moved it meanwhile
        refuse_status(ctx, refused.current, refused.allowed)
    except OriginalRefused as refused:  # the original was marked spam meanwhile
        _refuse_original(ctx, refused)
    except UnitRefused as refused:  # the unit was deactivated meanwhile, or has it
        ctx.invalid(ctx.t(f"review.unit_refused_{refused.problem}", unit=refused.code))
    else:
        ctx.session.flush()
        told = notify_status_change(ctx, aspiration, change)
        ctx.note(ctx.t("review.saved_told" if told else "review.saved_untold"))
    ctx.goto(Reviewing.DETAIL)
