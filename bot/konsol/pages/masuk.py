"""Logging in and out, and the language switch.

- ``GET /masuk``: how to get a login link (``/masuk`` in chat).
- ``GET /masuk/{token}``: a still usable link shows one button, "Masuk"; ``POST``
  to the same address uses the link and opens the session. (Opening a link must
  not use it: Telegram and WhatsApp fetch the links in messages for their
  previews.) A link unknown, used or expired answers 410, audited.
- ``POST /keluar``: ends the session (CSRF-checked).
- ``GET /bahasa?ke=en&kembali=/konsol/…``: shows Konsol in English (or ``id``)
  from then on (a cookie; a display preference, nothing stored) and goes back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.i18n import LANGUAGES
from bot.konsol import security
from bot.konsol.roles import console_roles
from bot.webhook_body import BodyRefused
from storage.web_sessions import end_session, open_session, peek_link, use_link

if TYPE_CHECKING:
    from bot.konsol.app import Konsol

ONE_YEAR = 365 * 24 * 3600


def routes(k: Konsol) -> list[BaseRoute]:
    async def how_to_log_in(request: Request) -> Response:
        left = request.query_params.get("keluar") == "1"
        return k.page("masuk.html", language=k.language(request), left=left, here=request.url.path)

    async def link(request: Request) -> Response:
        token = request.path_params["token"]
        identity = await k.work(lambda s: peek_link(session=s, token=token, now=k.now()))
        if identity is None:
            return k.message("konsol.web.link_bad_title", "konsol.web.link_bad", 410)
        return k.page(
            "masuk_tautan.html", language=k.language(request), identity=identity, token=token
        )

    async def log_in(request: Request) -> Response:
        token = request.path_params["token"]
        if not k.same_origin(request):
            return k.message("konsol.web.refused_title", "konsol.web.csrf_bad", 403)
        try:
            await security.read_form(request)
        except BodyRefused as refused:
            return Response(refused.reason, status_code=refused.status)

        def use(session: Session) -> tuple[str | None, str | None]:
            now = k.now()
            identity = use_link(session=session, token=token, now=now)
            if identity is None:
                return None, None
            roles = console_roles(session=session, identity=identity, config_roles=k.config_roles)
            if not roles:
                return identity, None
            return identity, open_session(session=session, identity=identity, now=now)

        identity, session_id = await k.work(use)
        if identity is None:
            return k.message("konsol.web.link_bad_title", "konsol.web.link_bad", 410)
        if session_id is None:
            return k.message("konsol.web.refused_title", "konsol.web.no_role", 403)
        response = RedirectResponse("/konsol/", status_code=303)
        security.set_session_cookie(response, session_id, secure=k.web.secure)
        return response

    async def log_out(request: Request) -> Response:
        visitor = await k.visitor(request)
        if visitor is None:
            return k.to_login()
        try:
            form = await security.read_form(request)
        except BodyRefused as refused:
            return Response(refused.reason, status_code=refused.status)
        if not security.csrf_ok(visitor.session_id, form.get("csrf", "")):
            return k.message("konsol.web.refused_title", "konsol.web.csrf_bad", 403, visitor)
        await k.work(lambda s: end_session(session=s, raw=visitor.session_id, now=k.now()))
        response = RedirectResponse("/konsol/masuk?keluar=1", status_code=303)
        security.clear_session_cookie(response, secure=k.web.secure)
        return response

    async def language(request: Request) -> Response:
        chosen = request.query_params.get("ke", "id")
        back = request.query_params.get("kembali", "/konsol/")
        if not back.startswith("/konsol/") or back.startswith("//"):
            back = "/konsol/"  # never a redirect to another site
        response = RedirectResponse(back, status_code=303)
        if chosen in LANGUAGES:
            response.set_cookie(
                "konsol_bahasa",
                chosen,
                max_age=ONE_YEAR,
                path=security.COOKIE_PATH,
                samesite="lax",
                secure=k.web.secure,
            )
        return response

    return [
        Route("/masuk", how_to_log_in, methods=["GET"]),
        Route("/masuk/{token}", link, methods=["GET"]),
        Route("/masuk/{token}", log_in, methods=["POST"]),
        Route("/keluar", log_out, methods=["POST"]),
        Route("/bahasa", language, methods=["GET"]),
    ]
