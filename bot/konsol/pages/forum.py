"""Forum: facilitators' forums (musrenbang, forum warga, sosialisasi) — the list,
a new forum, moving one (new time and/or place), cancelling it (after a
confirmation), posting its result once held, its RSVPs and their export.

Every change calls the storage function ``/forum_baru``, ``/kelola_forum`` and
``siantar forum`` call (``create_forum``, ``move_forum``, ``cancel_forum``,
``post_summary``) and tells residents with the same announcements
(``handlers.forums.notices``: the move and cancel notices to the forum's
followers, the result to those who answered); each is audited with the
facilitator's identity. After a change the browser is sent back (303) with a
notice named by a key of ``NOTICES``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.konsol.event_exports import FORMATS, download
from bot.konsol.event_forms import FORUM_FIELDS, read_forum, read_move, read_summary
from handlers.forums.cards import awaits_summary, is_upcoming
from handlers.forums.new import answered, followers
from handlers.forums.notices import forum_cancelled, forum_moved, forum_summary
from storage.console_events import ForumRsvps, forum_answers, forum_rows
from storage.forums import (
    ForumError,
    NewForum,
    cancel_forum,
    create_forum,
    get_forum,
    move_forum,
    post_summary,
    rsvp_counts,
)
from storage.models import FORUM_TYPES, ForumEvent

if TYPE_CHECKING:
    from bot.konsol.app import Konsol, Visitor

logger = logging.getLogger(__name__)

PAGE = "forum"
NOTICES = {
    "created": "konsol.forum.ok_created",
    "moved": "konsol.forum.ok_moved",
    "cancelled": "konsol.forum.ok_cancelled",
    "result": "konsol.forum.ok_result",
    "refused": "konsol.forum.refused",
}


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("ok", ""))


def routes(k: Konsol) -> list[BaseRoute]:
    def forum_of(session: Session, request: Request) -> ForumEvent | None:
        try:
            return get_forum(session, int(request.path_params["id"]))
        except ForumError:
            return None

    def form_page(
        visitor: Visitor,
        *,
        values: dict[str, str],
        errors: dict[str, str] | None = None,
        problem: str | None = None,
    ) -> Response:
        return k.page(
            "forum_form.html",
            visitor,
            status=400 if errors or problem else 200,
            active=PAGE,
            values=values,
            errors=errors or {},
            problem=problem,
            forum_types=FORUM_TYPES,
            wilayah=k.settings.wilayah,
        )

    async def listing(request: Request, visitor: Visitor) -> Response:
        rows = await k.work(forum_rows)
        return k.page("forum.html", visitor, active=PAGE, rows=rows, notice=_notice(request))

    async def new_form(request: Request, visitor: Visitor) -> Response:
        return form_page(visitor, values={"area": "kota", "forum_type": "forum_warga"})

    async def create(request: Request, visitor: Visitor) -> Response:
        form = await k.form(request, visitor)
        values = {name: form.get(name, "") for name in FORUM_FIELDS}
        t, now = k.t(visitor), k.now()
        checked = read_forum(form, t, now=now, wilayah=k.settings.wilayah)
        if not checked.ok:
            return form_page(visitor, values=values, errors=checked.errors)
        got = checked.values
        level, code = got["area"]
        new = NewForum(
            title=got["title"],
            starts_at=got["starts"],
            forum_type=got["forum_type"],
            place=got["place"],
            agenda=got["agenda"],
            area_level=level,
            area_code=code,
        )

        def save(session: Session) -> int | None:
            try:
                forum = create_forum(session=session, new=new, actor=visitor.identity, now=now)
            except ForumError:
                return None
            k.audit(session, visitor, "forum_create", forum=forum.id)
            return forum.id

        saved = await k.work(save)
        if saved is None:
            return form_page(visitor, values=values, problem=t("forum_admin.not_saved"))
        return k.back_to(f"/konsol/forum/{saved}?ok=created")

    async def show(
        request: Request,
        visitor: Visitor,
        *,
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
    ) -> Response:
        now = k.now()

        def look(session: Session) -> dict[str, Any] | None:
            forum = forum_of(session, request)
            if forum is None or forum.id is None:
                return None
            return {
                "forum": forum,
                "counts": rsvp_counts(session, forum.id),
                "answers": forum_answers(session, forum.id),
                "followers": followers(session, forum.id),
                "answered": answered(session, forum.id),
                "upcoming": is_upcoming(forum, now),
                "awaiting": awaits_summary(forum, now),
            }

        found = await k.work(look)
        if found is None:
            return k.not_found(visitor)
        return k.page(
            "forum_detail.html",
            visitor,
            status=400 if errors else 200,
            active=PAGE,
            notice=_notice(request),
            errors=errors or {},
            values=values or {},
            **found,
        )

    async def detail(request: Request, visitor: Visitor) -> Response:
        return await show(request, visitor)

    async def move(request: Request, visitor: Visitor) -> Response:
        form = await k.form(request, visitor)
        t, now = k.t(visitor), k.now()
        forum = await k.work(lambda session: forum_of(session, request))
        if forum is None or forum.id is None:
            return k.not_found(visitor)
        values = {"starts": form.get("starts", ""), "place": form.get("place", "")}
        checked = read_move(form, t, now=now, forum=forum)
        if not checked.ok:
            return await show(request, visitor, errors=checked.errors, values=values)
        forum_id = forum.id
        starts = checked.values["starts"] or forum.starts_at
        place = checked.values["place"]

        def save(session: Session) -> str:
            try:
                moved = move_forum(
                    session=session, forum_id=forum_id, starts_at=starts, place=place, now=now
                )
            except ForumError:
                return "refused"  # cancelled, held or moved just so meanwhile
            forum_moved(session, k.settings.translators, moved, now, visitor.identity)
            k.audit(
                session, visitor, "forum_move", forum=forum_id, told=followers(session, forum_id)
            )
            return "moved"

        done = await k.work(save)
        return k.back_to(f"/konsol/forum/{forum_id}?ok={done}")

    async def confirm_cancel(request: Request, visitor: Visitor) -> Response:
        now = k.now()

        def look(session: Session) -> dict[str, Any] | None:
            forum = forum_of(session, request)
            if forum is None or forum.id is None or not is_upcoming(forum, now):
                return None
            return {"forum": forum, "count": followers(session, forum.id)}

        found = await k.work(look)
        if found is None:
            return k.not_found(visitor)
        return k.page("forum_batal.html", visitor, active=PAGE, **found)

    async def cancel(request: Request, visitor: Visitor) -> Response:
        await k.form(request, visitor)
        now = k.now()

        def save(session: Session) -> str | None:
            forum = forum_of(session, request)
            if forum is None or forum.id is None:
                return None
            count = followers(session, forum.id)
            try:
                cancelled = cancel_forum(session=session, forum_id=forum.id, now=now)
            except ForumError:
                return "refused"
            forum_cancelled(session, k.settings.translators, cancelled, now, visitor.identity)
            k.audit(session, visitor, "forum_cancel", forum=forum.id, told=count)
            return "cancelled"

        done = await k.work(save)
        if done is None:
            return k.not_found(visitor)
        return k.back_to(f"/konsol/forum/{request.path_params['id']}?ok={done}")

    async def result(request: Request, visitor: Visitor) -> Response:
        form = await k.form(request, visitor)
        t, now = k.t(visitor), k.now()
        forum = await k.work(lambda session: forum_of(session, request))
        if forum is None or forum.id is None:
            return k.not_found(visitor)
        checked = read_summary(form, t)
        if not checked.ok:
            values = {"summary": form.get("summary", "")}
            return await show(request, visitor, errors=checked.errors, values=values)
        forum_id, summary = forum.id, checked.values["summary"]

        def save(session: Session) -> str:
            try:
                held = post_summary(session=session, forum_id=forum_id, summary=summary, now=now)
            except ForumError:
                return "refused"  # not held yet, cancelled, or its result already sent
            forum_summary(session, k.settings.translators, held, now, visitor.identity)
            k.audit(
                session, visitor, "forum_result", forum=forum_id, told=answered(session, forum_id)
            )
            return "result"

        done = await k.work(save)
        return k.back_to(f"/konsol/forum/{forum_id}?ok={done}")

    async def export(request: Request, visitor: Visitor) -> Response:
        fmt = request.query_params.get("format", "xlsx")
        forum = await k.work(lambda session: forum_of(session, request))
        if forum is None or forum.id is None or fmt not in FORMATS:
            return k.not_found(visitor)
        return await download(
            db=k.db,
            data_set=ForumRsvps(forum.id),
            fmt=fmt,
            name=f"rsvp-forum-{forum.id}",
            actor=visitor.identity,
            scope={"forum": forum.id},
            now=k.now(),
        )

    def route(path: str, endpoint: Any, method: str = "GET") -> Route:
        return Route(path, k.guard(PAGE, endpoint), methods=[method])

    return [
        route("/forum", listing),
        route("/forum/baru", new_form),
        route("/forum/baru", create, "POST"),
        route("/forum/{id:int}", detail),
        route("/forum/{id:int}/pindah", move, "POST"),
        route("/forum/{id:int}/batal", confirm_cancel),
        route("/forum/{id:int}/batal", cancel, "POST"),
        route("/forum/{id:int}/hasil", result, "POST"),
        route("/forum/{id:int}/ekspor", export),
    ]
