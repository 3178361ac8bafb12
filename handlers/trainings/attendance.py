"""``/kehadiran``: a facilitator marks who came to a training, one button per seated
registrant that toggles them present or absent, a page at a time.

/kehadiran: program (paged) → marks (paged toggles) ──Selesai──▶ menu
"""

from __future__ import annotations

from datetime import timedelta

from handlers.core.datetimes import short_date
from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.matching import fold
from handlers.core.types import Option
from handlers.widgets import choices
from storage.models import TrainingProgram, TrainingRegistration
from storage.trainings import (
    TrainingError,
    get_program,
    list_programs,
    registrants,
    resident_for,
    set_attendance,
)

ATTENDANCE_FLOW = "attendance"
ATTENDANCE_WINDOW = timedelta(days=30)  # programs that started this long ago still show
PROGRAM_PAGE = 5
PEOPLE_PAGE = 6  # with paging, "other program" and "done": at most 10 options


def _pages(total: int, size: int) -> int:
    return max(1, -(-total // size))


def _paging(ctx: Ctx, page: int, pages: int) -> list[Option]:
    options = []
    if page + 1 < pages:
        options.append(Option("next", ctx.t("training_admin.next"), ("berikutnya", "next")))
    if page > 0:
        options.append(Option("prev", ctx.t("training_admin.prev"), ("sebelumnya", "prev")))
    return options


def _turn(ctx: Ctx, option: str | None, key: str) -> bool:
    """Move ``data[key]`` (a page number) on for a paging option; False otherwise."""
    if option not in ("next", "prev"):
        return False
    ctx.data[key] = max(0, int(ctx.data.get(key, 0)) + (1 if option == "next" else -1))
    return True


def start_attendance(ctx: Ctx, _args: str) -> None:
    """``/kehadiran``: choose a program, then mark who came."""
    ctx.goto(ATTENDANCE_FLOW, "program")
    ctx.conversation.data = {"page": 0}


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
    pages = _pages(len(programs), PROGRAM_PAGE)
    page = ctx.data["page"] = min(int(ctx.data.get("page", 0)), pages - 1)
    shown = programs[page * PROGRAM_PAGE : (page + 1) * PROGRAM_PAGE]
    options = [Option(f"p:{p.id}", f"{p.title} · {short_date(p.starts_at)}") for p in shown]
    options += _paging(ctx, page, pages)
    options.append(Option("menu", ctx.t("common.back_to_menu"), ("menu",)))
    if not programs:
        return Prompt(ctx.t("training_admin.no_programs"), tuple(options))
    text = ctx.t("training_admin.ask_program", page=page + 1, pages=pages)
    return Prompt(text, tuple(options))


def on_program(ctx: Ctx, answer: Answer) -> None:
    option = answer.option or ""
    if _turn(ctx, option, "page"):
        ctx.goto(ATTENDANCE_FLOW, "program")
    elif option.startswith("p:"):
        ctx.data["program_id"], ctx.data["people_page"] = int(option[2:]), 0
        ctx.goto(ATTENDANCE_FLOW, "marks")
    else:
        ctx.goto("menu")


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
    program = get_program(ctx.session, int(ctx.data["program_id"]))
    assert program.id is not None
    people = _seated(ctx, program.id)
    pages = _pages(len(people), PEOPLE_PAGE)
    page = ctx.data["people_page"] = min(int(ctx.data.get("people_page", 0)), pages - 1)
    shown = people[page * PEOPLE_PAGE : (page + 1) * PEOPLE_PAGE]
    options = [
        Option(f"r:{r.id}", f"{'✅' if r.attended else '⬜'} {name}", (name,)) for r, name in shown
    ]
    options += _paging(ctx, page, pages)
    options.append(choices.back(ctx.t, "training_admin.other_program", "other"))
    options.append(Option("done", ctx.t("training_admin.done"), ("selesai", "done")))
    head = ctx.t(
        "training_admin.marks_head", title=program.title, when=ctx.t.datetime(program.starts_at)
    )
    if not people:
        empty = ctx.t("training_admin.no_registrants")
        return Prompt(f"{head}\n\n{empty}", tuple(options))
    present = sum(1 for r, _ in people if r.attended)
    body = ctx.t(
        "training_admin.marks", present=present, total=len(people), page=page + 1, pages=pages
    )
    return Prompt(f"{head}\n\n{body}", tuple(options))


def on_marks(ctx: Ctx, answer: Answer) -> None:
    option = answer.option or ""
    if _turn(ctx, option, "people_page"):
        ctx.goto(ATTENDANCE_FLOW, "marks")
    elif option.startswith("r:"):
        _toggle(ctx, int(option[2:]))
        ctx.goto(ATTENDANCE_FLOW, "marks")
    elif option == "other":
        ctx.data["page"] = 0
        ctx.goto(ATTENDANCE_FLOW, "program")
    else:
        program = get_program(ctx.session, int(ctx.data["program_id"]))
        assert program.id is not None
        people = registrants(ctx.session, program.id)
        present = sum(1 for r in people if r.attended)
        if people:
            ctx.say(
                ctx.t(
                    "training_admin.attendance_saved",
                    title=program.title,
                    present=present,
                    total=len(people),
                )
            )
        ctx.goto("menu")


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
    name=ATTENDANCE_FLOW,
    start="program",
    role="facilitator",
    steps={
        "program": Step(ask_program, on_program),
        "marks": Step(ask_marks, on_marks),
    },
)
