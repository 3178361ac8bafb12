"""``/kehadiran``: a facilitator marks who came to a training, one button per seated
registrant that toggles them present or absent, a page at a time.

/kehadiran: program (paged) → marks (paged toggles) ──Selesai──▶ menu
"""

from __future__ import annotations

from datetime import timedelta

from handlers.core.datetimes import short_date
from handlers.core.flow import HOME, Answer, Ctx, Draft, Flow, Prompt, Step, Steps
from handlers.core.matching import fold
from handlers.widgets.choices import menu
from handlers.widgets.paging import Pager
from handlers.widgets.picker import Picker
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


PROGRAMS = Picker[TrainingProgram](
    draft=AttendanceDraft,
    key=lambda program: program.id,
    label=lambda _ctx, program: f"{program.title} · {short_date(program.starts_at)}",
    holding="program_id",
    prefix="p:",
    pager=Pager(5),
    turns=TURNS,
)
PEOPLE = Picker[tuple[TrainingRegistration, str]](  # toggled, not picked
    draft=AttendanceDraft,
    key=lambda person: person[0].id,
    label=lambda _ctx, person: f"{'✅' if person[0].attended else '⬜'} {person[1]}",
    aliases=lambda _ctx, person: (person[1],),
    prefix="r:",
    pager=Pager(6),  # with paging, "other program" and "done": at most 10 options
    page_field="people_page",
    turns=TURNS,
)


def recent_programs(ctx: Ctx) -> list[TrainingProgram]:
    """Programs running, closed or finished that started in the last 30 days or
    are still to come, the latest start first."""
    since = ctx.now - ATTENDANCE_WINDOW
    programs = list_programs(ctx.session, statuses=("open", "closed", "finished"))
    chosen = [p for p in programs if p.starts_at >= since]
    return sorted(chosen, key=lambda p: (p.starts_at, p.id or 0), reverse=True)


def ask_program(ctx: Ctx) -> Prompt:
    """One page of programs to mark attendance for."""
    return PROGRAMS.prompt(
        ctx,
        recent_programs(ctx),
        text="training_admin.ask_program",
        empty="training_admin.no_programs",
        after=(menu(ctx.t),),
    )


def on_program(ctx: Ctx, answer: Answer) -> None:
    _draft(ctx).people_page = 0  # a program picked shows its people from the start
    if not PROGRAMS.answer(ctx, answer.option, again=Attendance.PROGRAM, then=Attendance.MARKS):
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
    when = ctx.t.datetime(program.starts_at)
    return PEOPLE.prompt(
        ctx,
        people,
        text="training_admin.marks",
        empty="training_admin.no_registrants",
        head=ctx.t("training_admin.marks_head", title=program.title, when=when) + "\n\n",
        after=(
            option(ctx.t, "other", "training_admin.other_program", "back"),
            option(ctx.t, "done", "training_admin.done", "done"),
        ),
        present=sum(1 for r, _ in people if r.attended),
        total=len(people),
    )


def on_marks(ctx: Ctx, answer: Answer) -> None:
    choice = answer.option
    if PEOPLE.turned(ctx, choice, Attendance.MARKS):
        return
    marked = PEOPLE.item(choice)
    if marked is not None:
        _toggle(ctx, int(marked))
        ctx.goto(Attendance.MARKS)
    elif choice == "other":
        _draft(ctx).page = 0
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
