"""Konsol in tests: the console mounted on the webhook app, driven with Starlette's
TestClient, on the test database, with a clock the test moves."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from conftest import NOW, engine_settings
from sqlalchemy import Engine as Database
from starlette.testclient import TestClient

from bot.config import WebSettings
from bot.konsol.app import Konsol
from bot.web import create_web_app
from storage.db import transaction
from storage.web_sessions import issue_link

PUBLIC = "https://konsol.example.go.id"
HEADERS = {
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
}
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class Clock:
    now: datetime = NOW

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Browser:
    """A staff member's browser on Konsol (cookies kept by the client)."""

    db: Database
    client: TestClient
    clock: Clock = field(default_factory=Clock)
    konsol: Konsol | None = None

    def link(self, identity: str) -> str:
        """A fresh token for ``identity``, as ``siantar web link`` makes one."""
        with transaction(self.db) as session:
            return issue_link(session=session, identity=identity, via="cli", now=self.clock.now)

    def log_in(self, identity: str) -> None:
        token = self.link(identity)
        answer = self.client.post(f"/konsol/masuk/{token}", follow_redirects=False)
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/konsol/"

    def csrf(self) -> str:
        found = CSRF.search(self.client.get("/konsol/").text)
        assert found is not None
        return found.group(1)


def browser(
    db: Database,
    roles: dict[str, frozenset[str]],
    *,
    public_url: str = PUBLIC,
    session_hours: float = 12,
) -> Browser:
    clock = Clock()
    web = WebSettings(enabled=True, public_url=public_url, session_hours=session_hours)
    settings = replace(engine_settings(), config_roles=roles)
    konsol = Konsol(db=db, web=web, settings=settings, now=lambda: clock.now)
    app = create_web_app(db=db, channels=[], konsol=konsol.routes())
    base = "https://testserver" if public_url.startswith("https") else "http://testserver"
    return Browser(db, TestClient(app, base_url=base), clock, konsol)
