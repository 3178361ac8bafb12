"""Pelatihan: facilitators' training programs — the list, a new program, changing
one, opening and closing registration, cancelling (after a confirmation), the
registrants with the queue and attendance, and the registrants' export.

Every change calls the storage function the chat and ``siantar training`` call
(``create_program``, ``update_program``, ``set_program_status``,
``set_attendance``) and tells residents through the same notices
(``handlers.trainings.notices``); each is audited with the facilitator's
identity. After a change the browser is sent back (303) with a notice named by
a key of ``NOTICES``, never with text taken from the URL.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.konsol.event_exports import FORMATS, download
from bot.konsol.event_forms import (
    TRAINING_FIELDS,
    read_training,
    training_fields,
    training_form,
)
from handlers.trainings.notices import notify_cancelled, tell_changed
from storage.console_events import (
    ProgramRegistrations,
    program_registrants,
    program_rows,
    seat_counts,
)
from storage.models import PROGRAM_CATEGORIES, TrainingProgram, TrainingRegistration
from storage.trainings import (
    NewProgram,
    TrainingError,
    create_program,
    get_program,
    registration_state,
    set_attendance,
    set_program_status,
    update_program,
)

if TYPE_CHECKING:
    from bot.konsol.app import Konsol, Visitor

logger = logging.getLogger(__name__)

PAGE = "pelatihan"
NOTICES = {
    "created": "konsol.pelatihan.ok_created",
    "saved": "konsol.pelatihan.ok_saved",
    "open": "konsol.pelatihan.ok_open",
    "closed": "konsol.pelatihan.ok_closed",
    "cancelled": "konsol.pelatihan.ok_cancelled",
    "marked": "konsol.pelatihan.ok_marked",
    "refused": "konsol.pelatihan.refused",
}
CAN_BECOME = {  # as storage.trainings.set_program_status allows
    "open": ("draft", "closed"),
    "closed": ("open",),
    "cancelled": ("draft", "open", "closed"),
}
FIXED = ("cancelled", "finished")  # no longer changed


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("ok", ""))


def routes(k: Konsol) -> list[BaseRoute]:
    def program_of(session: Session, request: Request) -> TrainingProgram | None:
        try:
            return get_program(session, int(request.path_params["id"]))
        except TrainingError:
            return None

    def form_page(
        visitor: Visitor,
        *,
        values: dict[str, str],
        errors: dict[str, str] | None = None,
        program: TrainingProgram | None = None,
        problem: str | None = None,
    ) -> Response:
        return k.page(
            "pelatihan_form.html",
            visitor,
            status=400 if errors or problem else 200,
            active=PAGE,
            values=values,
            errors=errors or {},
            problem=problem,
            program=program,
            categories=PROGRAM_CATEGORIES,
            wilayah=k.settings.wilayah,
        )

    async def listing(request: Request, visitor: Visitor) -> Response:
        rows = await k.work(program_rows)
        return k.page("pelatihan.html", visitor, active=PAGE, rows=rows, notice=_notice(request))

    async def new_form(request: Request, visitor: Visitor) -> Response:
        return form_page(visitor, values={"area": "kota", "category": "usaha"})

    async def create(request: Request, visitor: Visitor) -> Response:
        form = await k.form(request, visitor)
        values = {name: form.get(name, "") for name in TRAINING_FIELDS}
        t, now = k.t(visitor), k.now()
        checked = read_training(form, t, now=now, wilayah=k.settings.wilayah)
        if not checked.ok:
            return form_page(visitor, values=values, errors=checked.errors)
        status = "draft" if form.get("status") == "draft" else "open"
        new = replace(NewProgram(**training_fields(checked.values)), status=status)

        def save(session: Session) -> int | None:
            try:
                program = create_program(session=session, new=new, actor=visitor.identity, now=now)
            except TrainingError:
                return None
            k.audit(session, visitor, "training_create", program=program.id, status=status)
            return program.id

        saved = await k.work(save)
        if saved is None:
            return form_page(visitor, values=values, problem=t("training_admin.not_saved"))
        return k.back_to(f"/konsol/pelatihan/{saved}?ok=created")

    async def detail(request: Request, visitor: Visitor) -> Response:
        now = k.now()

        def look(session: Session) -> dict[str, Any] | None:
            program = program_of(session, request)
            if program is None or program.id is None:
                return None
            seated, waiting = seat_counts(session, [program.id]).get(program.id, (0, 0))
            return {
                "program": program,
                "seated": seated,
                "waiting": waiting,
                "people": program_registrants(session, program.id),
                "state": registration_state(program, now),
            }

        found = await k.work(look)
        if found is None:
            return k.not_found(visitor)
        program = found["program"]
        return k.page(
            "pelatihan_detail.html",
            visitor,
            active=PAGE,
            notice=_notice(request),
            can=[s for s, before in CAN_BECOME.items() if program.status in before],
            editable=program.status not in FIXED,
            marking=program.status not in ("draft", "cancelled"),
            **found,
        )

    async def edit_form(request: Request, visitor: Visitor) -> Response:
        program = await k.work(lambda session: program_of(session, request))
        if program is None or program.status in FIXED:
            return k.not_found(visitor)
        return form_page(visitor, values=training_form(program), program=program)

    async def edit(request: Request, visitor: Visitor) -> Response:
        form = await k.form(request, visitor)
        values = {name: form.get(name, "") for name in TRAINING_FIELDS}
        t, now = k.t(visitor), k.now()
        program = await k.work(lambda session: program_of(session, request))
        if program is None or program.id is None or program.status in FIXED:
            return k.not_found(visitor)
        checked = read_training(form, t, now=now, wilayah=k.settings.wilayah, stored=program)
        if not checked.ok:
            return form_page(visitor, values=values, errors=checked.errors, program=program)
        changes = training_fields(checked.values)
        program_id = program.id

        def save(session: Session) -> str | None:
            try:
                change = update_program(
                    session=session, program_id=program_id, changes=changes, now=now
                )
            except TrainingError as refused:
                return refused.reason
            told = tell_changed(session, k.settings.translators, change, now)
            k.audit(
                session,
                visitor,
                "training_edit",
                program=program_id,
                moved=change.moved_from is not None,
                relocated=change.relocated,
                told=told.moved,
                promoted=told.promoted,
            )
            return None

        refused = await k.work(save)
        if refused is not None:
            key = (
                "konsol.pelatihan.quota_below" if refused == "quota" else "training_admin.not_saved"
            )
            return form_page(visitor, values=values, program=program, problem=t(key))
        return k.back_to(f"/konsol/pelatihan/{program_id}?ok=saved")

    async def status(request: Request, visitor: Visitor) -> Response:
        form = await k.form(request, visitor)
        wanted = form.get("status", "")
        now = k.now()

        def change(session: Session) -> str | None:
            program = program_of(session, request)
            if program is None or program.id is None:
                return None
            if wanted not in CAN_BECOME:
                return "refused"
            try:
                changed, affected = set_program_status(
                    session=session, program_id=program.id, status=wanted, now=now
                )
            except TrainingError:
                return "refused"  # someone else changed it meanwhile
            told = 0
            if wanted == "cancelled":
                told = notify_cancelled(session, k.settings.translators, changed, affected, now)
            k.audit(
                session, visitor, "training_status", program=program.id, status=wanted, told=told
            )
            return wanted

        done = await k.work(change)
        if done is None:
            return k.not_found(visitor)
        return k.back_to(f"/konsol/pelatihan/{request.path_params['id']}?ok={done}")

    async def confirm_cancel(request: Request, visitor: Visitor) -> Response:
        def look(session: Session) -> dict[str, Any] | None:
            program = program_of(session, request)
            if (
                program is None
                or program.id is None
                or program.status not in CAN_BECOME["cancelled"]
            ):
                return None
            seated, waiting = seat_counts(session, [program.id]).get(program.id, (0, 0))
            return {"program": program, "count": seated + waiting}

        found = await k.work(look)
        if found is None:
            return k.not_found(visitor)
        return k.page("pelatihan_batal.html", visitor, active=PAGE, **found)

    async def attendance(request: Request, visitor: Visitor) -> Response:
        form = await k.form(request, visitor)
        now = k.now()
        present = form.get("hadir") == "1"

        def mark(session: Session) -> str | None:
            program = program_of(session, request)
            if program is None or program.id is None:
                return None
            try:
                registration = session.get(TrainingRegistration, int(form.get("pendaftaran", "")))
            except ValueError:
                return None
            if registration is None or registration.program_id != program.id:
                return None
            if program.status in ("draft", "cancelled"):
                return "refused"
            try:
                set_attendance(
                    session=session,
                    registration_id=registration.id or 0,
                    attended=present,
                    actor=visitor.identity,
                    now=now,
                )
            except TrainingError:
                return "refused"  # not seated (any more)
            k.audit(
                session,
                visitor,
                "training_attendance",
                program=program.id,
                registration=registration.id,
                attended=present,
            )
            return "marked"

        done = await k.work(mark)
        if done is None:
            return k.not_found(visitor)
        return k.back_to(f"/konsol/pelatihan/{request.path_params['id']}?ok={done}#pendaftar")

    async def export(request: Request, visitor: Visitor) -> Response:
        fmt = request.query_params.get("format", "xlsx")
        program = await k.work(lambda session: program_of(session, request))
        if program is None or program.id is None or fmt not in FORMATS:
            return k.not_found(visitor)
        return await download(
            db=k.db,
            data_set=ProgramRegistrations(program.id),
            fmt=fmt,
            name=f"pendaftar-pelatihan-{program.id}",
            actor=visitor.identity,
            scope={"program": program.id},
            now=k.now(),
        )

    def route(path: str, endpoint: Any, method: str = "GET") -> Route:
        return Route(path, k.guard(PAGE, endpoint), methods=[method])

    return [
        route("/pelatihan", listing),
        route("/pelatihan/baru", new_form),
        route("/pelatihan/baru", create, "POST"),
        route("/pelatihan/{id:int}", detail),
        route("/pelatihan/{id:int}/ubah", edit_form),
        route("/pelatihan/{id:int}/ubah", edit, "POST"),
        route("/pelatihan/{id:int}/status", status, "POST"),
        route("/pelatihan/{id:int}/batal", confirm_cancel),
        route("/pelatihan/{id:int}/kehadiran", attendance, "POST"),
        route("/pelatihan/{id:int}/ekspor", export),
    ]
