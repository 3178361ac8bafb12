"""Staff review, the detail: the aspiration in full — its unit, due times,
history with the resident's answers and the units' follow-ups — and the
statuses it may move to."""

from __future__ import annotations

from datetime import datetime

from handlers.aspirations.review_state import Reviewing, current, draft, refuse_status
from handlers.aspirations.status import category_label
from handlers.aspirations.voice_words import duration, note_words
from handlers.core.flow import Answer, Ctx, Prompt
from handlers.core.matching import fold
from handlers.core.notifications import resident_of, unit_name
from handlers.core.types import Option
from handlers.widgets.choices import back
from handlers.widgets.places import place_name
from storage.aspirations import status_history
from storage.models import Aspiration
from storage.sla import dues
from storage.workflow import NEEDS_ORIGINAL, NEEDS_UNIT, allowed_next, duplicates_of, events_of
from storage.workflow import notes_of as aspiration_notes


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
    if aspiration.opd_code:
        grade = ctx.settings.clock.targets.grade_of(aspiration.category, aspiration.grade)
        unit = unit_name(ctx.session, aspiration.opd_code)
        lines.append(t("review.detail_unit", unit=unit, code=aspiration.opd_code, grade=grade))
    lines += due_lines(ctx, aspiration)
    if aspiration.latitude is not None and aspiration.longitude is not None:
        lat, lon = f"{aspiration.latitude:.6f}", f"{aspiration.longitude:.6f}"
        lines.append(t("review.detail_map", lat=lat, lon=lon))
    if aspiration.photo_path:
        lines.append(t("review.detail_photo"))
    if aspiration.voice_path:
        lines.append(t("review.detail_voice", length=duration(aspiration.voice_seconds)))
    if aspiration.duplicate_of:
        lines.append(t("review.detail_duplicate_of", original=aspiration.duplicate_of))
    copies = [a.code for a in duplicates_of(session=ctx.session, code=aspiration.code)]
    if copies:
        lines.append(t("review.detail_copies", count=len(copies), codes=", ".join(copies)))
    if aspiration.rating is not None:
        comment = aspiration.rating_comment or "-"
        lines.append(t("review.detail_rating", rating=aspiration.rating, comment=comment))
    return "\n".join(
        [*lines, "", aspiration.text, "", t("review.history"), history_text(ctx, aspiration)]
    )


def due_lines(ctx: Ctx, aspiration: Aspiration) -> list[str]:
    """Each service clock that has a due time, "lewat" when it is breached now."""
    found = dues(
        events_of(session=ctx.session, aspiration=aspiration),
        category=aspiration.category,
        grade=aspiration.grade,
        clock=ctx.settings.clock,
    )
    lines = []
    for stage in found.stages:
        if stage.paused:
            lines.append(
                ctx.t("review.detail_due_paused", stage=ctx.t(f"review.stage_{stage.name}"))
            )
        elif stage.due_at is not None:
            late = ctx.t("review.detail_late") if stage.breached(ctx.now) else ""
            met = ctx.t("review.detail_met") if stage.done_at is not None else ""
            lines.append(
                ctx.t(
                    "review.detail_due",
                    stage=ctx.t(f"review.stage_{stage.name}"),
                    when=ctx.t.datetime(stage.due_at),
                    state=met + late,
                )
            )
    return lines


def history_text(ctx: Ctx, aspiration: Aspiration) -> str:
    """Status changes (with their unit and note), the resident's answers and the
    units' follow-ups, oldest first."""
    assert aspiration.id is not None
    t = ctx.t
    entries: list[tuple[datetime, int, str]] = []
    for change in status_history(session=ctx.session, aspiration_id=aspiration.id):
        status = t(f"status.{change.status}")
        if change.opd_code:
            status += f" ({unit_name(ctx.session, change.opd_code)})"
        note = f" — {change.note}" if change.note else ""
        line = t("status.history_line", when=t.datetime(change.at), status=status, note=note)
        entries.append((change.at, 0, line))
    for entry in aspiration_notes(session=ctx.session, aspiration_id=aspiration.id):
        words = note_words(t, entry)
        parts = [words] if words else []
        if entry.photo_path:
            parts.append(t("review.note_photo"))
        if entry.latitude is not None and entry.longitude is not None:
            lat, lon = f"{entry.latitude:.6f}", f"{entry.longitude:.6f}"
            parts.append(t("review.detail_map", lat=lat, lon=lon))
        if entry.kind == "jawaban":
            who = t("review.note_answer")
        else:
            who = t("review.note_follow_up", unit=unit_name(ctx.session, entry.opd_code) or "-")
        line = t("review.note_line", when=t.datetime(entry.at), who=who, text=" · ".join(parts))
        entries.append((entry.at, 1, line))
    entries.sort(key=lambda e: (e[0], e[1]))
    return "\n".join(line for _, _, line in entries)


def ask_detail(ctx: Ctx) -> Prompt:
    """The aspiration in full, and the statuses it may move to."""
    aspiration = current(ctx)
    options = [
        Option(f"to:{s}", ctx.t("review.move_to", status=ctx.t(f"status.{s}")), (s,))
        for s in allowed_next(aspiration)
    ]
    options.append(back(ctx.t, "review.back_to_list"))
    return Prompt(detail_text(ctx, aspiration), tuple(options), accepts=frozenset({"text"}))


def on_detail(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(Reviewing.LIST)
        return
    aspiration = current(ctx)
    wanted = (answer.option or "").removeprefix("to:") or fold(answer.text or "")
    allowed = allowed_next(aspiration)
    if wanted not in allowed:
        refuse_status(ctx, aspiration.status, allowed)
        return
    chosen = draft(ctx)
    chosen.new_status, chosen.seen_status = wanted, aspiration.status
    chosen.seen_opd = aspiration.opd_code
    chosen.original = chosen.opd = chosen.grade = None
    chosen.unit_page = 0
    resuming = aspiration.status == "tunda" and wanted == aspiration.held_status
    if wanted in NEEDS_ORIGINAL:
        ctx.goto(Reviewing.ORIGINAL)
    elif wanted in NEEDS_UNIT and not resuming:
        ctx.goto(Reviewing.UNIT)
    else:
        ctx.goto(Reviewing.NOTE)
