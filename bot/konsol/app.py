"""Konsol: the staff web console, mounted under ``/konsol`` by ``bot.web`` when
``[web] enabled``.

This module is the plumbing every page shares; the pages live in
``bot.konsol.pages`` (one module each, listed in ``pages.PAGES``), the menu and
who may open what in ``bot.konsol.menu``.

- ``Konsol.guard(key)`` wraps a page's endpoint: no live session → the login
  page; a role that may not open page ``key`` → 404, as for a missing page.
- ``Konsol.form(request, visitor)`` reads a posted form (size-limited) and checks
  its CSRF token and Origin; a refusal is raised as ``Refused`` and answered by
  the guard.
- ``Konsol.work(fn)`` runs ``fn(session)`` in one transaction in Starlette's
  thread pool. Time comes from ``now``.
- ``Konsol.page(name, visitor, …)`` renders a template (autoescaped) in the
  visitor's language (the ``konsol_bahasa`` cookie: ``id`` or ``en``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader
from sqlalchemy import Engine as Database
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.config import WebSettings
from bot.i18n import LANGUAGES, Translator, translator
from bot.konsol import security
from bot.konsol.menu import menu_for, opens
from bot.konsol.roles import console_roles, may
from bot.konsol.when import short_time
from bot.webhook_body import BodyRefused
from handlers.core.settings import EngineSettings
from handlers.core.validation import local_phone
from storage.audit import record
from storage.db import transaction
from storage.web_sessions import current_session

STATIC = Path(__file__).parent / "static"
LANGUAGE_COOKIE = "konsol_bahasa"
T = TypeVar("T")


@dataclass(frozen=True)
class Visitor:
    """Who is asking: a live session of an identity holding a role."""

    identity: str
    roles: frozenset[str]
    session_id: str  # the cookie's value (only its hash is stored)
    language: str = "id"
    here: str = "/konsol/"  # the page asked for (the language switch comes back to it)

    @property
    def csrf(self) -> str:
        return security.csrf_token(self.session_id)


class Refused(Exception):
    """A request refused on the way in (bad CSRF token, body too large, …): the
    guard answers with ``response``."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


Endpoint = Callable[[Request, Visitor], Awaitable[Response]]


class Konsol:
    """The console's pages over one database, with the engine's settings and a clock."""

    def __init__(
        self,
        *,
        db: Database,
        web: WebSettings,
        settings: EngineSettings,
        now: Callable[[], datetime],
    ) -> None:
        self.db, self.web, self.settings, self.now = db, web, settings, now
        self.config_roles = settings.config_roles
        self.clock = settings.clock
        self.idle = timedelta(hours=web.session_hours)
        self.templates = Environment(
            loader=PackageLoader("bot.konsol", "templates"), autoescape=True
        )
        self.templates.globals.update(may=may, menu_for=menu_for)
        self.templates.filters["local_phone"] = local_phone  # 0812-3456-7890, not E.164

    # --- requests ----------------------------------------------------------------------

    @staticmethod
    def language(request: Request) -> str:
        chosen = request.cookies.get(LANGUAGE_COOKIE, "id")
        return chosen if chosen in LANGUAGES else "id"

    def t(self, visitor: Visitor | None, language: str | None = None) -> Translator:
        return translator(visitor.language if visitor else language or "id")

    async def visitor(self, request: Request) -> Visitor | None:
        raw = request.cookies.get(security.COOKIE, "")
        if not raw:
            return None
        language = self.language(request)

        def look(session: Session) -> Visitor | None:
            found = current_session(session=session, raw=raw, now=self.now(), idle=self.idle)
            if found is None:
                return None
            roles = console_roles(
                session=session, identity=found.identity, config_roles=self.config_roles
            )
            if not roles:
                return None
            return Visitor(found.identity, roles, raw, language, request.url.path)

        return await self.work(look)

    async def work(self, fn: Callable[[Session], T]) -> T:
        """``fn(session)`` in one transaction, off the event loop."""

        def run() -> T:
            with transaction(self.db) as session:
                return fn(session)

        return await run_in_threadpool(run)

    def same_origin(self, request: Request) -> bool:
        """A form posted from another site (its Origin says so) is refused."""
        origin = request.headers.get("origin")
        if origin is None:
            return True
        ours = urlsplit(self.web.public_url)
        return origin == f"{ours.scheme}://{ours.netloc}"

    async def form(self, request: Request, visitor: Visitor) -> dict[str, str]:
        """The posted form's fields, or ``Refused``: another site's Origin, a body
        over ``security.FORM_MAX_BYTES``, a missing or wrong CSRF token."""
        if not self.same_origin(request):
            raise Refused(self.message("konsol.web.refused_title", "konsol.web.csrf_bad", 403))
        try:
            fields = await security.read_form(request)
        except BodyRefused as refused:
            raise Refused(Response(refused.reason, status_code=refused.status)) from None
        if not security.csrf_ok(visitor.session_id, fields.get("csrf", "")):
            raise Refused(
                self.message("konsol.web.refused_title", "konsol.web.csrf_bad", 403, visitor)
            )
        return fields

    def guard(self, key: str, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
        """``endpoint`` for visitors who may open page ``key``; others get the
        login page (no session) or 404 (no right), checked on every request."""

        async def guarded(request: Request) -> Response:
            visitor = await self.visitor(request)
            if visitor is None:
                return self.to_login()
            if not opens(visitor.roles, key):
                return self.not_found(visitor)
            try:
                return await endpoint(request, visitor)
            except Refused as refused:
                return refused.response

        return guarded

    def audit(self, session: Session, visitor: Visitor, action: str, **details: Any) -> None:
        """One audit entry for something ``visitor`` did in Konsol (``via: konsol``)."""
        record(
            session=session,
            actor=visitor.identity,
            action=action,
            details={"via": "konsol", **details},
            now=self.now(),
        )

    # --- responses -----------------------------------------------------------------------

    def render(
        self, name: str, visitor: Visitor | None = None, language: str | None = None, **values: Any
    ) -> str:
        t = self.t(visitor, language)
        values.setdefault("here", visitor.here if visitor else "/konsol/")
        values.setdefault("short_time", lambda moment: short_time(moment, t.language))
        return self.templates.get_template(name).render(
            visitor=visitor, t=t, t_datetime=t.datetime, lang=t.language, **values
        )

    def page(
        self,
        name: str,
        visitor: Visitor | None = None,
        status: int = 200,
        language: str | None = None,
        **values: Any,
    ) -> HTMLResponse:
        return HTMLResponse(self.render(name, visitor, language, **values), status_code=status)

    def message(
        self, title: str, text: str, status: int, visitor: Visitor | None = None, **params: Any
    ) -> HTMLResponse:
        t = self.t(visitor)
        return self.page(
            "pesan.html", visitor, status=status, title=t(title), text=t(text, **params)
        )

    def not_found(self, visitor: Visitor | None = None) -> HTMLResponse:
        """The same answer for a page or object that does not exist and one the
        visitor may not see."""
        return self.message("konsol.web.not_found_title", "konsol.web.not_found", 404, visitor)

    @staticmethod
    def to_login() -> RedirectResponse:
        return RedirectResponse("/konsol/masuk", status_code=303)

    @staticmethod
    def back_to(href: str) -> RedirectResponse:
        """After a successful form, back to a page (POST → redirect → GET)."""
        return RedirectResponse(href, status_code=303)

    # --- the app ---------------------------------------------------------------------------

    def routes(self) -> Starlette:
        """The console as an app of its own, to mount at ``/konsol``."""
        from bot.konsol.pages import PAGES

        routes: list[BaseRoute] = []
        for module in PAGES:
            routes += module.routes(self)
        routes.append(Mount("/static", StaticFiles(directory=STATIC), name="static"))
        csp = security.policy(self.web.tile_origin)
        return Starlette(routes=routes, middleware=[Middleware(security.SecurityHeaders, csp=csp)])
