"""``/kehadiran``: a facilitator marks who came to a training, one button per seated
registrant that toggles them present or absent, a page at a time.

/kehadiran: program (paged) → marks (paged toggles) ──Selesai──▶ menu
"""

from __future__ import annotations

from datetime import timedelta

from handlers.core.datetimes import short_date
from handlers.core.flow import HOME, Answer, Ctx, Draft, Flow, Prompt, Step, Steps
from handlers.core.matching import fold
from handlers.core.types import Option
from handlers.widgets.paging import Pager
from handlers.widgets.words import option
from storage.models import TrainingProgram, TrainingRegistration
from storage.trainings import (
    TrainingError,
    get_program,
    list_programs,
    registrants,
    resident_for,
    set_attendance,
)

ATTENDANCE_WINDOW = timedelta(days=30)  # programs that started this long ago still show
PROGRAMS = Pager(5)
PEOPLE = Pager(6)  # with paging, "other program" and "done": at most 10 options
TURNS = ("training_admin.next", "training_admin.prev")


class Attendance(Steps, flow="attendance"):
    PROGRAM = "program"
    MARKS = "marks"


class AttendanceDraft(Draft):
    page: int = 0  # of the programs
    program_id: int | None = None
    people_page: int = 0


def _draft(ctx: Ctx) -> AttendanceDraft:
    return ctx.draft(AttendanceDraft)


def start_attendance(ctx: Ctx, _args: str) -> None:
    """``/kehadiran``: choose a program, then mark who came."""
    ctx.goto(Attendance.PROGRAM, fresh=True)


def recent_programs(ctx: Ctx) -> list[TrainingProgram]:
    """Programs running, closed or finished that started in the last 30 days or
    are still to come, the latest start first."""
    since = ctx.now - ATTENDANCE_WINDOW
    programs = list_programs(ctx.session, statuses=("open", "closed", "finished"))
    chosen = [p for p in programs if p.starts_at >= since]
    return sorted(chosen, key=lambda p: (p.starts_at, p.id or 0), reverse=True)


def ask_program(ctx: Ctx) -> Prompt:
    """One page of programs to mark attendance for."""
    programs = recent_programs(ctx)
    draft = _draft(ctx)
    page = PROGRAMS.page(programs, draft.page)
    draft.page = page.number
    options = [Option(f"p:{p.id}", f"{p.title} · {short_date(p.starts_at)}") for p in page.rows]
    options += PROGRAMS.options(ctx.t, page, *TURNS)
    options.append(option(ctx.t, "menu", "common.back_to_menu", "menu"))
    if not programs:
        return Prompt(ctx.t("training_admin.no_programs"), tuple(options))
    text = ctx.t("training_admin.ask_program", page=page.number + 1, pages=page.pages)
    return Prompt(text, tuple(options))


def _turned(ctx: Ctx, choice: str, step: Attendance) -> bool:
    """A page turn on ``step``'s list: its page moves on and it is asked again."""
    draft = _draft(ctx)
    field, pager = ("page", PROGRAMS) if step is Attendance.PROGRAM else ("people_page", PEOPLE)
    turned = pager.turn(choice, getattr(draft, field))
    if turned is not None:
        setattr(draft, field, turned)
        ctx.goto(step)
    return turned is not None


def on_program(ctx: Ctx, answer: Answer) -> None:
    choice, draft = answer.option or "", _draft(ctx)
    if _turned(ctx, choice, Attendance.PROGRAM):
        return
    if choice.startswith("p:"):
        draft.program_id, draft.people_page = int(choice[2:]), 0
        ctx.goto(Attendance.MARKS)
    else:
        ctx.goto(HOME)


def _program(ctx: Ctx) -> TrainingProgram:
    program = get_program(ctx.session, _draft(ctx).program_id or 0)
    assert program.id is not None
    return program


def _name(ctx: Ctx, registration: TrainingRegistration) -> str:
    resident = None if registration.full_name else resident_for(ctx.session, registration)
    name = registration.full_name or (resident.display_name if resident else None)
    return name or ctx.t("training_admin.unnamed", id=f"#{registration.id}")


def _seated(ctx: Ctx, program_id: int) -> list[tuple[TrainingRegistration, str]]:
    """Seated registrants with their names, in alphabetical order."""
    people = [(r, _name(ctx, r)) for r in registrants(ctx.session, program_id)]
    return sorted(people, key=lambda pair: (fold(pair[1]), pair[0].id or 0))


def ask_marks(ctx: Ctx) -> Prompt:
    """One page of seated registrants, each a button that toggles their attendance."""
    program = _program(ctx)
    assert program.id is not None
    people = _seated(ctx, program.id)
    draft = _draft(ctx)
    page = PEOPLE.page(people, draft.people_page)
    draft.people_page = page.number
    options = [
        Option(f"r:{r.id}", f"{'✅' if r.attended else '⬜'} {name}", (name,))
        for r, name in page.rows
    ]
    options += PEOPLE.options(ctx.t, page, *TURNS)
    options.append(option(ctx.t, "other", "training_admin.other_program", "back"))
    options.append(option(ctx.t, "done", "training_admin.done", "done"))
    head = ctx.t(
        "training_admin.marks_head", title=program.title, when=ctx.t.datetime(program.starts_at)
    )
    if not people:
        empty = ctx.t("training_admin.no_registrants")
        return Prompt(f"{head}\n\n{empty}", tuple(options))
    present = sum(1 for r, _ in people if r.attended)
    body = ctx.t(
        "training_admin.marks",
        present=present,
        total=len(people),
        page=page.number + 1,
        pages=page.pages,
    )
    return Prompt(f"{head}\n\n{body}", tuple(options))


def on_marks(ctx: Ctx, answer: Answer) -> None:
    choice, draft = answer.option or "", _draft(ctx)
    if _turned(ctx, choice, Attendance.MARKS):
        return
    if choice.startswith("r:"):
        _toggle(ctx, int(choice[2:]))
        ctx.goto(Attendance.MARKS)
    elif choice == "other":
        draft.page = 0
        ctx.goto(Attendance.PROGRAM)
    else:
        program = _program(ctx)
        assert program.id is not None
        people = registrants(ctx.session, program.id)
        present, total = sum(1 for r in people if r.attended), len(people)
        if people:
            key = "training_admin.attendance_saved"
            ctx.say(ctx.t(key, title=program.title, present=present, total=total))
        ctx.goto(HOME)


def _toggle(ctx: Ctx, registration_id: int) -> None:
    registration = ctx.session.get(TrainingRegistration, registration_id)
    if registration is None:
        ctx.note(ctx.t("training_admin.attendance_gone"))
        return
    try:
        marked = set_attendance(
            session=ctx.session,
            registration_id=registration_id,
            attended=not registration.attended,
            actor=ctx.resident.identity,
            now=ctx.now,
        )
    except TrainingError:  # cancelled since the list was shown
        ctx.note(ctx.t("training_admin.attendance_gone"))
        return
    key = "training_admin.marked_present" if marked.attended else "training_admin.marked_absent"
    ctx.note(ctx.t(key, name=_name(ctx, marked)))


ATTENDANCE = Flow(
    role="facilitator",
    steps={
        Attendance.PROGRAM: Step(
            ask_program, on_program, (Attendance.PROGRAM, Attendance.MARKS, HOME)
        ),
        Attendance.MARKS: Step(ask_marks, on_marks, (Attendance.MARKS, Attendance.PROGRAM, HOME)),
    },
)
