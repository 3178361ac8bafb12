"""Konsol in a real browser: Chromium (Debian's ``chromium`` package, never a
download) driven by Playwright for Python, against the console served by uvicorn
on a free port over the test's database, with a clock the test moves.

- ``site`` fixture (``tests/conftest.py``): the console on ``http://127.0.0.1:PORT``.
- ``Staff``: one person's browser context; ``log_in`` opens a one-time link and
  presses "Masuk", as staff do with the link ``/masuk`` sends them.
- ``Staff.screenshots(name)`` saves the page at desktop width and at 390 px (a
  phone) under ``SCREENSHOTS`` (``artifacts/screenshots/`` by default; CI keeps it).
- ``Staff.axe()`` runs axe-core (vendored from npm under ``tests/vendor/axe-core``)
  in the page and returns the serious and critical violations.

Chromium is looked for at ``$SIANTAR_CHROMIUM``, then ``chromium`` on the PATH.
Without it the browser tests skip, except under CI (``CI`` set), where they fail:
``.ci/run`` installs the package.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from konsol_helpers import Clock

from bot.konsol.app import Konsol
from storage.db import transaction
from storage.web_sessions import issue_link

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page
    from sqlalchemy import Engine as Database

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = Path(os.environ.get("SIANTAR_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# As the machine's notes say: no background traffic to Google's hosts, no sandbox as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    found = os.environ.get("SIANTAR_CHROMIUM") or shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing: .ci/run installs Debian's chromium package")
    pytest.skip("Chromium is not installed (apt-get install chromium)")


def launch() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Site:
    """Konsol served on a real port."""

    url: str
    db: Database
    clock: Clock
    konsol: Konsol
    browser: Browser

    def link(self, identity: str) -> str:
        """A one-time login link for ``identity``, as ``siantar web link`` prints it."""
        with transaction(self.db) as session:
            token = issue_link(session=session, identity=identity, via="cli", now=self.clock.now)
        return f"{self.url}/konsol/masuk/{token}"

    def staff(self) -> Staff:
        context = self.browser.new_context(viewport=DESKTOP, accept_downloads=True)
        return Staff(self, context, context.new_page())


@dataclass
class Staff:
    """One person's browser."""

    site: Site
    context: BrowserContext
    page: Page

    def log_in(self, identity: str) -> None:
        self.page.goto(self.site.link(identity))
        self.page.get_by_role("button", name="Masuk").click()
        self.page.wait_for_url(f"{self.site.url}/konsol/")

    def open(self, path: str) -> Any:
        """Go to ``/konsol…`` path; the response (its ``status`` for 404s)."""
        return self.page.goto(f"{self.site.url}{path}")

    def screenshots(self, name: str) -> list[Path]:
        """The page as it is now, at desktop width and at 390 px, full length."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        saved = []
        for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
            self.page.set_viewport_size(size)
            path = SCREENSHOTS / f"{name}-{width}.png"
            self.page.screenshot(path=str(path), full_page=True)
            saved.append(path)
        self.page.set_viewport_size(DESKTOP)
        return saved

    def axe(self) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations on the page as it is now.

        The script is evaluated through the DevTools protocol, which the page's
        Content-Security-Policy does not govern (the policy itself stays on)."""
        self.page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
        violations: list[dict[str, Any]] = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        )
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]][:3]}
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]

    def close(self) -> None:
        self.context.close()


def serve(konsol: Konsol, db: Database, port: int) -> Iterator[str]:
    """uvicorn serving the webhook app with Konsol mounted, in a thread, until the
    test ends."""
    import uvicorn

    from bot.web import create_web_app

    app = create_web_app(db=db, channels=[], konsol=konsol.routes())
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("Konsol did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
