"""Cek status: a resident follows their own aspiration by its tracking code.

Only the owner sees an aspiration; any other code gets the same "not found" as a
code that does not exist, so codes cannot be probed. An anonymous aspiration is
still its sender's (``resident_id`` is kept; only staff's views hide it), so they
follow it like any other; one sent without consent is linked to nobody, and a
resident without consent is told so with every "not found". The resident reads which unit
has it, by when the running stage is due (or that it waits for their answer, with
the question), and a history with the unit's follow-ups and their own answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.aspirations.suggest import category_words
from handlers.core.asking import refuse_number
from handlers.core.flow import HOME, Answer, Ctx, Flow, Prompt, Step, Steps
from handlers.core.notifications import resident_status
from handlers.core.types import Option
from handlers.widgets.places import place_name
from handlers.widgets.words import option
from storage.aspirations import (
    find_aspiration,
    find_owned_aspiration,
    normalise_tracking_code,
    recent_aspirations,
    status_history,
)
from storage.models import Aspiration, AspirationNote, AspirationStatusChange
from storage.opd import find_unit
from storage.workflow import CLOSED_STATUSES, notes_of

# Statuses whose note says why it is not followed up: residents read "Alasan: …".
REASONED = frozenset({"ditolak", "spam", "arsip"})


class Checking(Steps, flow="status"):
    CODE = "code"


def category_label(ctx: Ctx, key: str) -> str:
    for category in ctx.settings.categories:
        if category.key == key and ctx.t.language in category.labels:
            return category.labels[ctx.t.language]
    return ctx.t(f"category.{key}")


def category_options(ctx: Ctx) -> tuple[Option, ...]:
    """The categories, each picked also by typing its key or one of its words
    ("jalan" → Infrastruktur: ``words.category_<key>``)."""
    return tuple(
        Option(c.key, category_label(ctx, c.key), category_words(ctx, c.key))
        for c in ctx.settings.categories
    )


def code_option(ctx: Ctx, aspiration: Aspiration) -> Option:
    """ "ASP-7K2M9Q · Infrastruktur", picked also by typing the code."""
    label = f"{aspiration.code} · {category_label(ctx, aspiration.category)}"
    return Option(aspiration.code, label, (aspiration.code,))


def find(ctx: Ctx, raw: str) -> Aspiration | None:
    code = normalise_tracking_code(raw)
    if code is None or ctx.resident.id is None:
        return None
    return find_owned_aspiration(session=ctx.session, code=code, resident_id=ctx.resident.id)


def unit_name(ctx: Ctx, code: str) -> str:
    """The unit's short name residents read ("Dinas PUPR"), or its code."""
    unit = find_unit(session=ctx.session, code=code)
    return unit.short_name if unit is not None else code


def history(ctx: Ctx, aspiration: Aspiration) -> str:
    """Its status changes (with the unit at a disposition), the units' follow-ups
    and the resident's answers, oldest first, one line each (residents and staff
    alike: "your answer" for its sender, "the resident's answer" for others)."""
    assert aspiration.id is not None
    changes = status_history(session=ctx.session, aspiration_id=aspiration.id)
    notes = notes_of(session=ctx.session, aspiration_id=aspiration.id)
    lines: list[tuple[datetime, int, str]] = [
        (change.at, 0, _change_line(ctx, change)) for change in changes
    ]
    owner = ctx.resident.id is not None and ctx.resident.id == aspiration.resident_id
    # at the same moment an answer comes before the status it resumed, a follow-up after
    lines += [
        (note.at, -1 if note.kind == "jawaban" else 1, _note_line(ctx, note, owner))
        for note in notes
    ]
    lines.sort(key=lambda line: (line[0], line[1]))  # stable: each kind keeps its order
    return "\n".join(text for _, _, text in lines)


def _change_line(ctx: Ctx, change: AspirationStatusChange) -> str:
    """A status change in the resident's words; the unit named once ("Diteruskan ke
    Dinas PUPR", "Sedang dikerjakan (Dinas PUPR)"); a refusal's note as its reason,
    and where to go instead when it is not the city's matter."""
    status = resident_status(ctx.session, ctx.t, change.status, change.opd_code)
    if change.opd_code and change.status != "diteruskan":
        status = ctx.t("status.with_unit", status=status, unit=unit_name(ctx, change.opd_code))
    note = ""
    if change.status in REASONED and change.note:
        note = " — " + ctx.t("status.reason", note=change.note)
    elif change.status == "bukan_wewenang" and change.note:
        note = " — " + ctx.t("status.take_it_to", note=change.note)
    elif change.note:
        note = f" — {change.note}"
    return ctx.t("status.history_line", when=ctx.t.datetime(change.at), status=status, note=note)


def _note_line(ctx: Ctx, note: AspirationNote, owner: bool) -> str:
    """A follow-up ("Tindak lanjut Dinas PUPR — …") or an answer ("Jawaban Anda — …")."""
    if note.kind == "tindak_lanjut":
        unit = unit_name(ctx, note.opd_code) if note.opd_code else ctx.t("status.unit_unknown")
        what = ctx.t("status.follow_up", unit=unit)
    else:
        what = ctx.t("status.your_answer" if owner else "status.resident_answer")
    parts = [note.text] if note.text else []
    if note.photo_path:
        parts.append(ctx.t("status.answer_photo"))
    if note.latitude is not None and note.longitude is not None:
        parts.append(ctx.t("status.answer_location"))
    return ctx.t(
        "status.history_line",
        when=ctx.t.datetime(note.at),
        status=what,
        note=f" — {' '.join(parts)}" if parts else "",
    )


def where_it_stands(ctx: Ctx, aspiration: Aspiration) -> list[str]:
    """The unit that has it and by when the running stage is due, or, while it is
    on hold, that it waits for the resident's answer and the question asked."""
    lines = []
    if aspiration.opd_code and aspiration.status != "diteruskan":  # that one names it
        lines.append(ctx.t("status.unit_line", unit=unit_name(ctx, aspiration.opd_code)))
    if aspiration.status == "tunda":
        assert aspiration.id is not None
        changes = status_history(session=ctx.session, aspiration_id=aspiration.id)
        question = _question(changes)
        lines.append(ctx.t("status.waiting_for_you", question=question, code=aspiration.code))
    elif aspiration.next_due_at is not None and aspiration.status not in CLOSED_STATUSES:
        day = ctx.t.day(aspiration.next_due_at)
        late = aspiration.next_due_at < ctx.now
        lines.append(ctx.t("status.due_passed" if late else "status.due_line", day=day))
    return lines


def _question(changes: Sequence[AspirationStatusChange]) -> str:
    """The note of the latest change to tunda: the question staff asked."""
    return next((c.note or "" for c in reversed(changes) if c.status == "tunda"), "")


def describe(ctx: Ctx, raw: str) -> str:
    """The status and history of the resident's aspiration ``raw``, or why not."""
    code = normalise_tracking_code(raw)
    if code is None:
        return ctx.t("status.bad_format")
    aspiration = find(ctx, code)
    if aspiration is None:
        text = ctx.t("status.not_found", code=code)
        if not ctx.resident.has_consent:  # the same for every code: nothing is revealed
            text += "\n\n" + ctx.t("status.not_found_unlinked")
        return text
    text = ctx.t(
        "status.detail",
        code=aspiration.code,
        category=category_label(ctx, aspiration.category),
        place=place_name(ctx, aspiration.kelurahan_code),
        # the unit and the due day follow the status line
        status="\n".join(
            [
                resident_status(ctx.session, ctx.t, aspiration.status, aspiration.opd_code),
                *where_it_stands(ctx, aspiration),
            ]
        ),
        history=history(ctx, aspiration),
    )
    original = (
        find_aspiration(session=ctx.session, code=aspiration.duplicate_of)
        if aspiration.duplicate_of
        else None
    )
    if original is not None:  # followed up there: its status is this one's news
        text += "\n\n" + ctx.t(
            "status.followed_in",
            original=original.code,
            status=resident_status(ctx.session, ctx.t, original.status, original.opd_code),
        )
    return text


def ask_code(ctx: Ctx) -> Prompt:
    """Pick one of your recent aspirations or type its code."""
    recent = (
        recent_aspirations(session=ctx.session, resident_id=ctx.resident.id)
        if ctx.resident.id is not None
        else []
    )
    options = tuple(code_option(ctx, a) for a in recent)
    back = option(ctx.t, "back", "common.back_to_menu", "back")
    text = ctx.t("status.ask_recent") if options else ctx.t("status.ask")
    return Prompt(text, (*options, back), accepts=frozenset({"text"}))


def on_code(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(HOME)
        return
    raw = answer.option or answer.text or ""
    if answer.text is not None and raw.strip().isdigit() and len(raw.strip()) <= 2:
        refuse_number(ctx, ask_code(ctx).options)  # "7": no option, and no code either
        return
    if find(ctx, raw) is None:
        ctx.invalid(describe(ctx, raw))  # the format or "not found" message
        return
    ctx.say(describe(ctx, raw))
    ctx.goto(HOME)


def run(ctx: Ctx, args: str) -> None:
    """``/status ASP-7K2M9Q`` answers at once; ``/status`` alone asks for the code."""
    if args:
        ctx.say(describe(ctx, args))
    else:
        ctx.goto(Checking.CODE)


FLOW = Flow(steps={Checking.CODE: Step(ask_code, on_code, (HOME,))})
