"""Konsol's routes, mounted under ``/konsol`` by ``bot.web`` when ``[web] enabled``.

- ``GET /konsol/masuk``: how to get a login link (``/masuk`` in chat).
- ``GET /konsol/masuk/{token}``: a still usable link shows one button, "Masuk";
  ``POST`` to the same address uses the link and opens the session. (Opening a
  link must not use it: Telegram and WhatsApp fetch the links in messages for
  their previews.) A link unknown, used or expired answers 410, audited.
- ``POST /konsol/keluar``: ends the session (CSRF-checked).
- ``GET /konsol/``: Beranda, for every role.
Any other page without a live session redirects to ``/konsol/masuk``. Database
work runs in Starlette's thread pool; time comes from ``now``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader
from sqlalchemy import Engine as Database
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.config import WebSettings
from bot.i18n import translator
from bot.konsol import security
from bot.konsol.roles import console_roles, may
from bot.webhook_body import BodyRefused
from storage.audit import latest
from storage.console_numbers import beranda_numbers
from storage.db import transaction
from storage.opd import units_of
from storage.sla import ServiceClock
from storage.web_sessions import current_session, end_session, open_session, peek_link, use_link

STATIC = Path(__file__).parent / "static"
AUDIT_SHOWN = 10  # the last actions on an admin's Beranda


@dataclass(frozen=True)
class Visitor:
    """Who is asking: a live session of an identity holding a role."""

    identity: str
    roles: frozenset[str]
    session_id: str  # the cookie's value (only its hash is stored)

    @property
    def csrf(self) -> str:
        return security.csrf_token(self.session_id)


class Konsol:
    """The console's pages over one database, with its settings and clock."""

    def __init__(
        self,
        *,
        db: Database,
        web: WebSettings,
        config_roles: Mapping[str, frozenset[str]],
        clock: ServiceClock,
        now: Callable[[], datetime],
    ) -> None:
        self.db, self.web, self.config_roles, self.clock, self.now = (
            db,
            web,
            config_roles,
            clock,
            now,
        )
        self.idle = timedelta(hours=web.session_hours)
        self.templates = Environment(
            loader=PackageLoader("bot.konsol", "templates"), autoescape=True
        )
        self.t = translator("id")
        self.templates.globals.update(t=self.t, t_datetime=self.t.datetime)

    # --- plumbing ------------------------------------------------------------------

    def page(
        self, name: str, visitor: Visitor | None = None, status: int = 200, **values: Any
    ) -> HTMLResponse:
        html = self.templates.get_template(name).render(visitor=visitor, may=may, **values)
        return HTMLResponse(html, status_code=status)

    def message(self, title: str, text: str, status: int) -> HTMLResponse:
        return self.page("pesan.html", status=status, title=self.t(title), text=self.t(text))

    async def visitor(self, request: Request) -> Visitor | None:
        raw = request.cookies.get(security.COOKIE, "")
        if not raw:
            return None

        def look() -> Visitor | None:
            with transaction(self.db) as session:
                found = current_session(session=session, raw=raw, now=self.now(), idle=self.idle)
                if found is None:
                    return None
                roles = console_roles(
                    session=session, identity=found.identity, config_roles=self.config_roles
                )
                return Visitor(found.identity, roles, raw) if roles else None

        return await run_in_threadpool(look)

    @staticmethod
    def to_login() -> RedirectResponse:
        return RedirectResponse("/konsol/masuk", status_code=303)

    def same_origin(self, request: Request) -> bool:
        """A form posted from another site (its Origin says so) is refused."""
        origin = request.headers.get("origin")
        if origin is None:
            return True
        ours = urlsplit(self.web.public_url)
        return origin == f"{ours.scheme}://{ours.netloc}"

    # --- logging in and out ----------------------------------------------------------

    async def how_to_log_in(self, request: Request) -> Response:
        left = request.query_params.get("keluar") == "1"
        return self.page("masuk.html", left=left)

    async def link(self, request: Request) -> Response:
        token = request.path_params["token"]

        def check() -> str | None:
            with transaction(self.db) as session:
                return peek_link(session=session, token=token, now=self.now())

        identity = await run_in_threadpool(check)
        if identity is None:
            return self.message("konsol.web.link_bad_title", "konsol.web.link_bad", 410)
        return self.page("masuk_tautan.html", identity=identity, token=token)

    async def log_in(self, request: Request) -> Response:
        token = request.path_params["token"]
        if not self.same_origin(request):
            return self.message("konsol.web.refused_title", "konsol.web.csrf_bad", 403)
        try:
            await security.read_form(request)
        except BodyRefused as refused:
            return Response(refused.reason, status_code=refused.status)

        def use() -> tuple[str | None, str | None]:
            with transaction(self.db) as session:
                now = self.now()
                identity = use_link(session=session, token=token, now=now)
                if identity is None:
                    return None, None
                roles = console_roles(
                    session=session, identity=identity, config_roles=self.config_roles
                )
                if not roles:
                    return identity, None
                return identity, open_session(session=session, identity=identity, now=now)

        identity, session_id = await run_in_threadpool(use)
        if identity is None:
            return self.message("konsol.web.link_bad_title", "konsol.web.link_bad", 410)
        if session_id is None:
            return self.message("konsol.web.refused_title", "konsol.web.no_role", 403)
        response = RedirectResponse("/konsol/", status_code=303)
        security.set_session_cookie(response, session_id, secure=self.web.secure)
        return response

    async def log_out(self, request: Request) -> Response:
        visitor = await self.visitor(request)
        if visitor is None:
            return self.to_login()
        try:
            form = await security.read_form(request)
        except BodyRefused as refused:
            return Response(refused.reason, status_code=refused.status)
        if not security.csrf_ok(visitor.session_id, form.get("csrf", "")):
            return self.message("konsol.web.refused_title", "konsol.web.csrf_bad", 403)

        def end() -> None:
            with transaction(self.db) as session:
                end_session(session=session, raw=visitor.session_id, now=self.now())

        await run_in_threadpool(end)
        response = RedirectResponse("/konsol/masuk?keluar=1", status_code=303)
        security.clear_session_cookie(response, secure=self.web.secure)
        return response

    # --- pages -----------------------------------------------------------------------

    async def beranda(self, request: Request) -> Response:
        visitor = await self.visitor(request)
        if visitor is None:
            return self.to_login()

        def numbers() -> dict[str, Any]:
            with transaction(self.db) as session:
                city = may(visitor.roles, "staff") or "facilitator" in visitor.roles
                units = None if city else units_of(session=session, identity=visitor.identity)
                found = beranda_numbers(
                    session=session, now=self.now(), clock=self.clock, units=units
                )
                admin = "admin" in visitor.roles
                entries = latest(session=session, limit=AUDIT_SHOWN) if admin else []
                return {"numbers": found, "entries": entries, "units": units}

        return self.page("beranda.html", visitor, **await run_in_threadpool(numbers))

    def routes(self) -> Starlette:
        """The console as an app of its own, to mount at ``/konsol``."""
        return Starlette(
            routes=[
                Route("/", self.beranda, methods=["GET"]),
                Route("/masuk", self.how_to_log_in, methods=["GET"]),
                Route("/masuk/{token}", self.link, methods=["GET"]),
                Route("/masuk/{token}", self.log_in, methods=["POST"]),
                Route("/keluar", self.log_out, methods=["POST"]),
                Mount("/static", StaticFiles(directory=STATIC), name="static"),
            ],
            middleware=[Middleware(security.SecurityHeaders)],
        )
