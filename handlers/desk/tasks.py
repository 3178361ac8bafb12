"""A unit's officer (petugas OPD) works on the aspirations disposed to their units.

    /tugas [KODE] → list ⇄ (open | finished) → detail → note → confirm → detail
    detail: Tulis tindak lanjut · Proses · Selesai · Bukan wewenang kami (only the
    moves ``OFFICER_MOVES`` allows from the status shown)

Scope is checked on every screen as it is drawn (an answer is taken only after its
question was drawn again): an aspiration not disposed to the officer's units reads
exactly as a code that does not exist, and an officer left without a unit (or the
role) lands on the menu. A change is written with the status and unit the officer
saw (``seen``/``seen_opd``), so a change made meanwhile is never overwritten.
"""

from __future__ import annotations

from handlers.aspirations.review_state import send_voice
from handlers.aspirations.status import code_option
from handlers.core import access
from handlers.core.flow import HOME, Answer, Ctx, Draft, Flow, Prompt, Step, Steps
from handlers.core.notifications import notify_follow_up, notify_status_change
from handlers.core.types import Option
from handlers.core.validation import check_comment
from handlers.desk.cards import detail_text, task_line, unit_name
from handlers.desk.notices import notify_returned
from handlers.widgets.choices import back, menu, yes_no
from handlers.widgets.paging import Pager
from handlers.widgets.picker import Picker
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.aspirations import normalise_tracking_code
from storage.models import Aspiration
from storage.tasks import unit_aspiration, unit_aspirations
from storage.workflow import OFFICER_MOVES, IllegalTransition, add_follow_up, change_status

FOLLOW_UP = "follow_up"  # the action that writes a note, not a status
RETURN = "diverifikasi"  # "bukan wewenang kami": back to the city staff
ACTIONS = (FOLLOW_UP, "diproses", "selesai", RETURN)
NOTE_OPTIONAL = frozenset({"diproses"})


class Desk(Steps, flow="desk"):
    LIST = "list"
    DETAIL = "detail"
    NOTE = "note"
    CONFIRM = "confirm"


class DeskDraft(Draft):
    page: int = 0
    finished: bool = False  # the list shows what the units finished
    code: str | None = None  # the aspiration opened
    action: str | None = None  # what the officer does to it…
    seen_status: str | None = None  # …decided on it in this status…
    seen_opd: str | None = None  # …with this unit
    note: str | None = None


LIST = Picker[Aspiration](
    draft=DeskDraft,
    key=lambda aspiration: aspiration.code,
    label=lambda ctx, aspiration: code_option(ctx, aspiration).label,
    aliases=lambda _ctx, aspiration: (aspiration.code,),
    pager=Pager(5),
)


def _draft(ctx: Ctx) -> DeskDraft:
    return ctx.draft(DeskDraft)


def start(ctx: Ctx, args: str) -> None:
    """``/tugas`` opens the units' list; ``/tugas ASP-7K2M9Q`` that aspiration."""
    ctx.goto(Desk.LIST, fresh=True)
    if args.strip() and access.units(ctx):
        _open(ctx, args)


def _units(ctx: Ctx) -> frozenset[str] | None:
    """The officer's units; None (and on to the menu) when they have none left."""
    units = access.units(ctx)
    if units:
        return units
    ctx.note(ctx.t("desk.no_units"))
    ctx.goto(HOME)
    return None


def _not_found(ctx: Ctx, raw: str) -> str:
    """The same words as for a code that does not exist."""
    return ctx.t("status.not_found", code=raw.strip().upper()[:20])


def _open(ctx: Ctx, raw: str) -> None:
    code = normalise_tracking_code(raw) or ""
    aspiration = unit_aspiration(session=ctx.session, units=access.units(ctx), code=code)
    if aspiration is None:
        ctx.invalid(_not_found(ctx, raw))
        return
    _draft(ctx).code = aspiration.code
    if aspiration.photo_path:
        ctx.say(ctx.t("desk.photo_caption", code=aspiration.code), photo=aspiration.photo_path)
    send_voice(ctx, aspiration)
    ctx.goto(Desk.DETAIL)


def _current(ctx: Ctx) -> Aspiration | None:
    """The aspiration opened, while it is still the officer's; otherwise they are
    told it is not found (as any code) and see the list again, or the menu."""
    units = _units(ctx)
    if units is None:
        return None
    code = _draft(ctx).code or ""
    aspiration = unit_aspiration(session=ctx.session, units=units, code=code)
    if aspiration is None:
        ctx.note(_not_found(ctx, code))
        ctx.goto(Desk.LIST)
    return aspiration


GONE = Prompt("")  # drawn instead of a screen that moved on (never shown by the engine)


def ask_list(ctx: Ctx) -> Prompt:
    """One page of the units' aspirations, open or finished."""
    units = _units(ctx)
    if units is None:
        return GONE
    draft = _draft(ctx)

    def fetch(offset: int, limit: int) -> tuple[list[Aspiration], int]:
        rows, total = unit_aspirations(
            session=ctx.session,
            units=units,
            finished=draft.finished,
            offset=offset,
            limit=limit,
        )
        return list(rows), total

    page, total = LIST.fetched(ctx, fetch)
    other = "open" if draft.finished else "finished"
    options = LIST.options(
        ctx, page, option(ctx.t, other, f"desk.show_{other}", f"desk_{other}"), menu(ctx.t)
    )
    shown = ctx.t("desk.finished" if draft.finished else "desk.open")
    names = ", ".join(sorted(unit_name(ctx, code) for code in units))
    if not total:
        return Prompt(
            ctx.t("desk.list_empty", units=names, shown=shown), options, frozenset({"text"})
        )
    lines = "\n".join(
        task_line(ctx, number, row) for number, row in enumerate(page.rows, start=page.first + 1)
    )
    text = ctx.t(
        "desk.list",
        units=names,
        shown=shown,
        total=total,
        page=page.number + 1,
        pages=page.pages,
        lines=lines,
    )
    return Prompt(text, options, accepts=frozenset({"text"}))


def on_list(ctx: Ctx, answer: Answer) -> None:
    draft = _draft(ctx)
    if LIST.turned(ctx, answer.option, Desk.LIST):
        return
    if answer.option in ("open", "finished"):
        draft.finished, draft.page = answer.option == "finished", 0
        ctx.goto(Desk.LIST)
    elif answer.option == "menu":
        ctx.goto(HOME)
    else:
        _open(ctx, answer.option or answer.text or "")


def _act(value: str) -> tuple[str, str, str]:
    """A detail button's value: the action, and the status and unit it was shown with."""
    action, _, seen = value.partition("@")
    status, _, unit = seen.partition("@")
    return action, status, unit


def ask_detail(ctx: Ctx) -> Prompt:
    """The aspiration in full, and what the officer may do with it now."""
    aspiration = _current(ctx)
    if aspiration is None:
        return GONE
    moves = OFFICER_MOVES.get(aspiration.status, ())
    seen = f"@{aspiration.status}@{aspiration.opd_code}"
    actions = (FOLLOW_UP, *moves) if moves else ()
    options = [
        option(ctx.t, action + seen, f"desk.do_{action}", f"desk_{action}") for action in actions
    ]
    options.append(back(ctx.t, "desk.back_to_list"))
    return Prompt(detail_text(ctx, aspiration), tuple(options))


def on_detail(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(Desk.LIST)
        return
    action, status, unit = _act(answer.option or "")
    draft = _draft(ctx)
    draft.action, draft.seen_status, draft.seen_opd, draft.note = action, status, unit, None
    ctx.goto(Desk.NOTE)


def ask_note(ctx: Ctx) -> str:
    """The follow-up, the note or the reason, as the action needs."""
    aspiration = _current(ctx)
    if aspiration is None:
        return ""
    return ctx.t(f"desk.ask_{_draft(ctx).action or FOLLOW_UP}", code=aspiration.code)


def note_options(ctx: Ctx) -> tuple[Option, ...]:
    without = option(ctx.t, "none", "desk.no_note", "no_note")
    optional = _draft(ctx).action in NOTE_OPTIONAL
    return (*((without,) if optional else ()), back(ctx.t, "desk.back_to_detail"))


def on_note_option(ctx: Ctx, choice: str) -> None:
    if choice == "back":
        ctx.goto(Desk.DETAIL)
    else:
        keep_note(ctx, None)


def keep_note(ctx: Ctx, note: str | None) -> None:
    _draft(ctx).note = note
    ctx.goto(Desk.CONFIRM)


def ask_confirm(ctx: Ctx) -> Prompt:
    aspiration = _current(ctx)
    if aspiration is None:
        return GONE
    draft = _draft(ctx)
    action, note = draft.action or FOLLOW_UP, draft.note or "-"
    if action == FOLLOW_UP:
        text = ctx.t("desk.confirm_follow_up", code=aspiration.code, note=note)
    else:
        text = ctx.t(
            f"desk.confirm_{action}",
            code=aspiration.code,
            current=ctx.t(f"status.{aspiration.status}"),
            new=ctx.t(f"status.{action}"),
            note=note,
        )
    return Prompt(text, yes_no(ctx.t, "desk.save", "desk.cancel", values=("save", "cancel")))


def on_confirm(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "cancel":
        ctx.note(ctx.t("desk.not_changed"))
        ctx.goto(Desk.DETAIL)
        return
    aspiration = _current(ctx)
    if aspiration is None:
        return
    draft = _draft(ctx)
    action, note = draft.action or FOLLOW_UP, draft.note
    seen, seen_opd = draft.seen_status or "", draft.seen_opd or ""
    draft.action = draft.note = draft.seen_status = draft.seen_opd = None
    if action == FOLLOW_UP:
        _follow_up(ctx, aspiration, note or "", seen, seen_opd)
        return
    try:
        change = change_status(
            session=ctx.session,
            aspiration=aspiration,
            status=action,
            actor=ctx.resident.identity,
            note=note,
            now=ctx.now,
            seen=seen,
            seen_opd=seen_opd,
            clock=ctx.settings.clock,
        )
    except IllegalTransition:  # moved meanwhile (by staff, or another officer)
        _changed(ctx)
        return
    ctx.session.flush()
    if action == RETURN:
        notify_returned(ctx, aspiration, seen_opd, note or "")
        ctx.note(ctx.t("desk.returned", code=aspiration.code))
        ctx.goto(Desk.LIST)
        return
    told = notify_status_change(ctx, aspiration, change)
    ctx.note(ctx.t("desk.saved_told" if told else "desk.saved_untold"))
    ctx.goto(Desk.DETAIL)


def _follow_up(ctx: Ctx, aspiration: Aspiration, note: str, seen: str, seen_opd: str) -> None:
    if (aspiration.status, aspiration.opd_code) != (seen, seen_opd) or seen not in OFFICER_MOVES:
        _changed(ctx)
        return
    add_follow_up(
        session=ctx.session,
        aspiration=aspiration,
        actor=ctx.resident.identity,
        opd_code=aspiration.opd_code,
        text=note,
        now=ctx.now,
        clock=ctx.settings.clock,
    )
    told = notify_follow_up(ctx, aspiration, note)
    ctx.note(ctx.t("desk.follow_up_told" if told else "desk.follow_up_untold"))
    ctx.goto(Desk.DETAIL)


def _changed(ctx: Ctx) -> None:
    """Someone else changed it since the officer saw it: show it as it is now."""
    ctx.note(ctx.t("desk.changed_meanwhile"))
    ctx.goto(Desk.DETAIL)


FLOW = Flow(
    role="petugas_opd",
    entries=(Desk.DETAIL,),
    steps={
        Desk.LIST: Step(ask_list, on_list, (Desk.LIST, Desk.DETAIL, HOME)),
        Desk.DETAIL: Step(ask_detail, on_detail, (Desk.LIST, Desk.NOTE, HOME)),
        Desk.NOTE: text_step(
            ask=ask_note,
            check=check_comment,
            keep=keep_note,
            to=(Desk.CONFIRM, Desk.DETAIL, Desk.LIST, HOME),
            options=note_options,
            on_option=on_note_option,
        ),
        Desk.CONFIRM: Step(ask_confirm, on_confirm, (Desk.DETAIL, Desk.LIST, HOME)),
    },
)
