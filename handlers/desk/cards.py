"""What a unit's officer reads: a line per aspiration in the list, and one
aspiration in full — its history, the unit's follow-ups and the service clocks,
never the resident's identity, and their name only when they chose to show it."""

from __future__ import annotations

from datetime import datetime

from handlers.aspirations.status import category_label
from handlers.aspirations.voice_words import duration, note_words
from handlers.core.datetimes import short_date
from handlers.core.flow import Ctx
from handlers.core.notifications import resident_of
from handlers.core.notifications import unit_name as notified_unit_name
from handlers.widgets.places import place_name
from storage.aspirations import status_history
from storage.models import Aspiration
from storage.sla import Stage, dues
from storage.workflow import events_of, notes_of


def unit_name(ctx: Ctx, code: str | None) -> str:
    """The unit as officers and residents know it, "-" when there is none."""
    return notified_unit_name(ctx.session, code) or "-"


def kelurahan_name(ctx: Ctx, code: str) -> str:
    kelurahan = ctx.wilayah.find_kelurahan(code)
    return kelurahan.name if kelurahan else "-"


def task_line(ctx: Ctx, number: int, aspiration: Aspiration) -> str:
    """ "1. ASP-7K2M9Q · Infrastruktur · Tomuan · batas 04-12-2026 (lewat)"."""
    t = ctx.t
    open_ = aspiration.status in ("diteruskan", "diproses")
    due = aspiration.next_due_at if open_ else aspiration.completion_due_at
    if due is None:
        when = t("desk.line_no_due")
    else:
        late = due < ctx.now if open_ else "completion" in aspiration.breached.split(",")
        when = t("desk.line_late" if late else "desk.line_due", date=short_date(due))
    return t(
        "desk.line",
        number=str(number),
        code=aspiration.code,
        category=category_label(ctx, aspiration.category),
        kelurahan=kelurahan_name(ctx, aspiration.kelurahan_code),
        due=when,
    )


def _stage_line(ctx: Ctx, key: str, stage: Stage | None) -> str | None:
    if stage is None:
        return None
    t = ctx.t
    if stage.paused or stage.due_at is None:
        return t(key, when=t("desk.due_paused"), state="")
    if stage.done_at is not None:
        state = t("desk.due_met_late" if stage.breached(ctx.now) else "desk.due_met")
    else:
        state = t("desk.due_late") if stage.breached(ctx.now) else ""
    return t(key, when=t.datetime(stage.due_at), state=state)


def due_lines(ctx: Ctx, aspiration: Aspiration) -> list[str]:
    """When the unit must respond and finish, and whether it did in time."""
    found = dues(
        events_of(session=ctx.session, aspiration=aspiration),
        category=aspiration.category,
        grade=aspiration.grade,
        clock=ctx.settings.clock,
    )
    lines = [
        _stage_line(ctx, "desk.due_response", found.response),
        _stage_line(ctx, "desk.due_completion", found.completion),
    ]
    return [line for line in lines if line]


def history(ctx: Ctx, aspiration: Aspiration) -> str:
    """Status changes (with the unit at each disposition) and the notes, oldest first."""
    assert aspiration.id is not None
    t = ctx.t
    entries: list[tuple[datetime, int, str]] = []
    for change in status_history(session=ctx.session, aspiration_id=aspiration.id):
        status = t(f"status.{change.status}")
        if change.opd_code:
            status = t("desk.history_to_unit", status=status, unit=unit_name(ctx, change.opd_code))
        note = f" — {change.note}" if change.note else ""
        line = t("status.history_line", when=t.datetime(change.at), status=status, note=note)
        entries.append((change.at, 0, line))
    for note_ in notes_of(session=ctx.session, aspiration_id=aspiration.id):
        kind = note_.kind if note_.kind in ("tindak_lanjut", "jawaban") else "other"
        line = t(
            f"desk.history_{kind}",
            when=t.datetime(note_.at),
            unit=unit_name(ctx, note_.opd_code),
            text=note_words(t, note_) or "-",
        )
        entries.append((note_.at, 1, line))
    entries.sort(key=lambda entry: (entry[0], entry[1]))
    return "\n".join(line for _, _, line in entries)


def detail_text(ctx: Ctx, aspiration: Aspiration) -> str:
    """Everything the unit needs; the sender's name only when not anonymous."""
    t = ctx.t
    resident = None if aspiration.anonymous else resident_of(ctx.session, aspiration)
    sender = (resident.display_name if resident else None) or t("aspiration.sender_anonymous")
    lines = [
        t("desk.detail", code=aspiration.code, status=t(f"status.{aspiration.status}")),
        t("desk.detail_unit", unit=unit_name(ctx, aspiration.opd_code)),
        t("desk.detail_category", category=category_label(ctx, aspiration.category)),
        t("desk.detail_place", place=place_name(ctx, aspiration.kelurahan_code)),
        t("desk.detail_sender", sender=sender),
        t("desk.detail_sent", when=t.datetime(aspiration.created_at)),
    ]
    if aspiration.latitude is not None and aspiration.longitude is not None:
        lat, lon = f"{aspiration.latitude:.6f}", f"{aspiration.longitude:.6f}"
        lines.append(t("desk.detail_map", lat=lat, lon=lon))
    if aspiration.photo_path:
        lines.append(t("desk.detail_photo"))
    if aspiration.voice_path:
        lines.append(t("review.detail_voice", length=duration(aspiration.voice_seconds)))
    lines += due_lines(ctx, aspiration)
    return "\n".join([*lines, "", aspiration.text, "", t("desk.history"), history(ctx, aspiration)])
