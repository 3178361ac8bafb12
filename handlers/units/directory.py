"""/opd: admins keep the directory of units (OPD) in chat.

list (paged) ──▶ unit ──Ubah──────────▶ which part? ─▶ that part ─▶ summary ─Simpan─▶ unit
   │              └──Nonaktifkan/Aktifkan ─▶ confirm ─▶ unit
   └─Tambah unit─▶ code ─▶ name ─▶ short name ─▶ kind ─▶ summary ─Simpan─▶ unit

Adding and changing share one form: a unit being changed has ``existing`` set and
its code cannot be changed (other records name the unit by it).
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.core.flow import HOME, Answer, Ctx, Flow, Prompt, Step, Steps
from handlers.core.types import Option
from handlers.core.validation import Invalid, check_text
from handlers.widgets.choices import back, menu, yes_no
from handlers.widgets.form import Field, Form, FormDraft, FormTexts
from handlers.widgets.paging import Pager
from handlers.widgets.picker import Picker
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.models import OPD_KINDS, Opd
from storage.opd import (
    NAME,
    SHORT_NAME,
    UnitError,
    add_unit,
    check_code,
    edit_unit,
    find_unit,
    officers_of,
    set_active,
    units,
)


class Units(Steps, flow="units"):
    LIST = "list"
    UNIT = "unit"
    TOGGLE = "toggle"
    CODE = "code"
    NAME = "name"
    SHORT = "short"
    KIND = "kind"
    SUMMARY = "summary"
    EDIT = "edit"


class UnitDraft(FormDraft):
    page: int = 0
    unit: str | None = None  # the code of the unit open (or being added)
    existing: bool = False  # the form changes ``unit`` instead of adding it
    name: str | None = None
    short_name: str | None = None
    kind: str | None = None


def _draft(ctx: Ctx) -> UnitDraft:
    return ctx.draft(UnitDraft)


def start(ctx: Ctx, args: str) -> None:
    """``/opd``: the list; ``/opd PUPR``: that unit at once."""
    ctx.goto(Units.LIST, fresh=True)
    code = args.strip().upper()
    if code:
        _draft(ctx).unit = code
        ctx.goto(Units.UNIT)


# --- the list ---------------------------------------------------------------------


def _label(ctx: Ctx, unit: Opd) -> str:
    label = f"{unit.short_name} ({unit.code})"
    return label if unit.active else ctx.t("units.inactive_label", label=label)


LIST = Picker[Opd](
    draft=UnitDraft,
    key=lambda unit: unit.code,
    label=_label,
    holding="unit",
    prefix="u:",
    pager=Pager(8),
)


def ask_list(ctx: Ctx) -> Prompt:
    """One page of units, inactive ones marked; add one, or back to the menu."""
    t = ctx.t
    return LIST.prompt(
        ctx,
        units(session=ctx.session, active_only=False),
        text="units.list",
        empty="units.none",
        after=(option(t, "add", "units.add", "add_unit"), menu(t)),
    )


def on_list(ctx: Ctx, answer: Answer) -> None:
    if LIST.answer(ctx, answer.option, again=Units.LIST, then=Units.UNIT):
        return
    if answer.option == "add":
        draft = _draft(ctx)
        draft.unit = draft.name = draft.short_name = draft.kind = None
        draft.existing = draft.editing = False
        ctx.goto(Units.CODE)
    else:
        ctx.goto(HOME)


# --- one unit ---------------------------------------------------------------------


def _open(ctx: Ctx) -> Opd | None:
    code = _draft(ctx).unit
    return find_unit(session=ctx.session, code=code) if code else None


def describe(ctx: Ctx, unit: Opd) -> str:
    t = ctx.t
    officers = officers_of(session=ctx.session, opd_code=unit.code)
    return t(
        "units.detail",
        code=unit.code,
        name=unit.name,
        short_name=unit.short_name,
        kind=t(f"units.kind_{unit.kind}"),
        state=t("units.active" if unit.active else "units.inactive"),
        officers=", ".join(officers) or "-",
    )


def ask_unit(ctx: Ctx) -> Prompt:
    """The unit, and what can be done with it."""
    t, unit = ctx.t, _open(ctx)
    leave = (back(t, "units.back_to_list"), menu(t))
    if unit is None:
        return Prompt(t("units.gone", code=_draft(ctx).unit or ""), leave)
    toggle = ("deactivate", "units.deactivate") if unit.active else ("activate", "units.activate")
    return Prompt(
        describe(ctx, unit),
        (option(t, "edit", "units.edit"), option(t, *toggle), *leave),
    )


def on_unit(ctx: Ctx, answer: Answer) -> None:
    unit = _open(ctx)
    if unit is not None and answer.option == "edit":
        draft = _draft(ctx)
        draft.name, draft.short_name, draft.kind = unit.name, unit.short_name, unit.kind
        draft.existing = draft.editing = True
        ctx.goto(Units.EDIT)
    elif unit is not None and answer.option in ("deactivate", "activate"):
        ctx.goto(Units.TOGGLE)
    elif answer.option == "back":
        ctx.goto(Units.LIST)
    else:
        ctx.goto(HOME)


def ask_toggle(ctx: Ctx) -> Prompt:
    t, unit = ctx.t, _open(ctx)
    if unit is None:
        return Prompt(
            t("units.gone", code=_draft(ctx).unit or ""), (back(t, "units.back_to_list"),)
        )
    key = "units.ask_deactivate" if unit.active else "units.ask_activate"
    return Prompt(
        t(key, unit=f"{unit.short_name} ({unit.code})"), yes_no(t, "units.yes", "units.no")
    )


def on_toggle(ctx: Ctx, answer: Answer) -> None:
    unit = _open(ctx)
    if unit is None:
        ctx.goto(Units.LIST)
        return
    if answer.option == "yes":
        active = not unit.active
        set_active(
            session=ctx.session,
            code=unit.code,
            active=active,
            actor=ctx.resident.identity,
            now=ctx.now,
        )
        key = "units.activated" if active else "units.deactivated"
        ctx.note(ctx.t(key, unit=f"{unit.short_name} ({unit.code})"))
    ctx.goto(Units.UNIT)


# --- adding and changing: one form --------------------------------------------------


def check_new_code(ctx: Ctx, text: str) -> str:
    """Letters, digits and '-', upper-cased, not yet taken."""
    try:
        code = check_code(text)
    except UnitError:
        raise Invalid("units.bad_code") from None
    if find_unit(session=ctx.session, code=code) is not None:
        raise Invalid("units.code_taken", {"code": code})
    return code


def keep_code(ctx: Ctx, code: str) -> None:
    _draft(ctx).unit = code
    FORM.next(ctx, Units.NAME)


def keep_name(ctx: Ctx, name: str) -> None:
    _draft(ctx).name = name
    FORM.next(ctx, Units.SHORT)


def keep_short(ctx: Ctx, short_name: str) -> None:
    _draft(ctx).short_name = short_name
    FORM.next(ctx, Units.KIND)


def ask_kind(ctx: Ctx) -> Prompt:
    t = ctx.t
    kinds = tuple(Option(kind, t(f"units.kind_{kind}"), (kind,)) for kind in OPD_KINDS)
    return Prompt(t("units.ask_kind"), kinds)


def on_kind(ctx: Ctx, answer: Answer) -> None:
    _draft(ctx).kind = answer.option
    FORM.to_summary(ctx)


def summary(ctx: Ctx, draft: UnitDraft) -> str:
    t = ctx.t
    return t(
        "units.summary_edit" if draft.existing else "units.summary_add",
        code=draft.unit or "",
        name=draft.name or "",
        short_name=draft.short_name or "",
        kind=t(f"units.kind_{draft.kind}") if draft.kind else "",
    )


def save(ctx: Ctx, draft: UnitDraft) -> None:
    """Add the unit, or store the changes of an existing one; then show it."""
    assert draft.unit and draft.name and draft.short_name and draft.kind
    values = {"name": draft.name, "short_name": draft.short_name, "kind": draft.kind}
    actor = ctx.resident.identity
    try:
        if draft.existing:
            unit = edit_unit(
                session=ctx.session, code=draft.unit, actor=actor, now=ctx.now, **values
            )
        else:
            unit = add_unit(
                session=ctx.session, code=draft.unit, actor=actor, now=ctx.now, **values
            )
    except UnitError as problem:
        if problem.reason != "exists":
            raise
        ctx.note(ctx.t("units.code_taken", code=draft.unit))  # added meanwhile by another admin
        draft.editing = False
        ctx.goto(Units.CODE)
        return
    key = "units.saved" if draft.existing else "units.added"
    ctx.note(ctx.t(key, unit=f"{unit.short_name} ({unit.code})"))
    _end_form(draft)
    ctx.goto(Units.UNIT)


def drop(ctx: Ctx, draft: UnitDraft) -> None:
    ctx.note(ctx.t("units.dropped"))
    existing = draft.existing
    _end_form(draft)
    if existing:
        ctx.goto(Units.UNIT)
    else:
        draft.unit = None
        ctx.goto(Units.LIST)


def _end_form(draft: UnitDraft) -> None:
    draft.name = draft.short_name = draft.kind = None
    draft.existing = draft.editing = False


def _new_only(ctx: Ctx) -> bool:
    return not _draft(ctx).existing


FORM = Form[UnitDraft](
    draft=UnitDraft,
    summary=Units.SUMMARY,
    edit=Units.EDIT,
    fields=(
        Field("code", Units.CODE, shown=_new_only),
        Field("name", Units.NAME),
        Field("short", Units.SHORT),
        Field("kind", Units.KIND),
    ),
    text=summary,
    send=save,
    cancel=drop,
    to=(Units.UNIT, Units.LIST, Units.CODE),
    texts=FormTexts.preview("units", send="save", send_words="save"),
)


def _text_part(
    ask: str, check: Callable[[str], str], keep: Callable[[Ctx, str], None], then: Units
) -> Step:
    """A name typed on one line: checked, kept, then ``then`` (or the summary)."""
    return text_step(ask=lambda ctx: ctx.t(ask), check=check, keep=keep, to=(then, Units.SUMMARY))


FLOW = Flow(
    role="admin",
    steps={
        Units.LIST: Step(ask_list, on_list, (Units.UNIT, Units.CODE, HOME)),
        Units.UNIT: Step(ask_unit, on_unit, (Units.EDIT, Units.TOGGLE, Units.LIST, HOME)),
        Units.TOGGLE: Step(ask_toggle, on_toggle, (Units.UNIT, Units.LIST)),
        Units.CODE: text_step(
            ask=lambda ctx: ctx.t("units.ask_code"),
            check_in=check_new_code,
            keep=keep_code,
            to=(Units.NAME, Units.SUMMARY, Units.LIST),
            options=lambda ctx: (back(ctx.t, "units.back_to_list"),),
            on_option=lambda ctx, _back: ctx.goto(Units.LIST),
        ),
        Units.NAME: _text_part(
            "units.ask_name",
            lambda text: check_text(text, NAME, one_line=True),
            keep_name,
            Units.SHORT,
        ),
        Units.SHORT: _text_part(
            "units.ask_short",
            lambda text: check_text(text, SHORT_NAME, one_line=True),
            keep_short,
            Units.KIND,
        ),
        Units.KIND: Step(ask_kind, on_kind, (Units.SUMMARY,)),
        **FORM.steps(),
    },
    entries=(Units.UNIT,),
)
