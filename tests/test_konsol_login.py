"""Konsol's login: one-time links from the CLI and /masuk, sessions, logout, CSRF,
security headers, and the console switched off."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from cli_helpers import cli_runner
from conftest import NOW
from konsol_helpers import HEADERS, PUBLIC, browser
from sqlalchemy import Engine as Database
from sqlmodel import Session, select
from staff_helpers import (
    ADMIN,
    CONFIG_ROLES,
    FACILITATOR,
    GRANTED,
    RESIDENT,
    STAFF,
    give,
    person,
    take,
)
from starlette.testclient import TestClient

from bot.cli import web as web_cli
from bot.config import Settings, WebSettings
from bot.runner import konsol_app
from bot.web import create_web_app
from handlers.core.engine import Engine
from storage.audit import entries_since
from storage.db import transaction
from storage.models import WebLoginToken, WebSession
from storage.web_sessions import LINKS_PER_HOUR, digest, end_sessions_of

LINK_PREFIX = f"{PUBLIC}/konsol/masuk/"


def actions(db: Database) -> list[tuple[str, str, dict[str, object]]]:
    with Session(db) as session:
        return [(e.actor, e.action, e.details) for e in entries_since(session=session)]


# --- links --------------------------------------------------------------------------


@pytest.fixture
def run(db, tmp_path, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    runner = cli_runner(db, tmp_path, monkeypatch, capsys, web_cli, NOW)

    def with_web(public_url: str, *args: str):  # type: ignore[no-untyped-def]
        config = (tmp_path / "config.toml").read_text().split("[web]")[0]
        roles = f'[roles]\nadmins = ["{ADMIN}"]\n'
        web = f'[web]\nenabled = true\npublic_url = "{public_url}"\n' if public_url else ""
        (tmp_path / "config.toml").write_text(config.split("[roles]")[0] + roles + web)
        return runner(*args)

    return with_web


def test_siantar_web_link_prints_a_link_stored_only_hashed(run, db: Database) -> None:  # type: ignore[no-untyped-def]
    result = run(PUBLIC, "web", "link", ADMIN)
    assert result.code == 0, result.err
    link = result.out.strip()
    assert link.startswith(LINK_PREFIX)
    token = link.removeprefix(LINK_PREFIX)
    with Session(db) as session:
        (stored,) = session.exec(select(WebLoginToken)).all()
    assert stored.token_hash == digest(token) != token
    assert stored.identity == ADMIN
    assert stored.expires_at - stored.created_at == timedelta(minutes=10)
    assert (ADMIN, "web_link", {"via": "cli"}) in actions(db)


def test_siantar_web_link_refuses_no_role_and_no_public_url(run, db: Database) -> None:  # type: ignore[no-untyped-def]
    refused = run(PUBLIC, "web", "link", RESIDENT)
    assert refused.code == 2 and refused.out == ""
    assert refused.err.count("\n") == 1 and "tidak punya peran" in refused.err
    no_url = run("", "web", "link", ADMIN)
    assert no_url.code == 2 and "public_url kosong" in no_url.err
    give_db = run(PUBLIC, "web", "link", "console:nobody")
    assert give_db.code == 2
    with Session(db) as session:
        assert session.exec(select(WebLoginToken)).all() == []


def test_masuk_in_chat_gives_a_link_to_any_role_holder(desk: Engine, db: Database) -> None:
    linked = replace_links(desk)
    for identity in (STAFF, ADMIN, FACILITATOR):
        chat = person(linked, identity)
        text = chat.send("/masuk")[-1].text
        assert LINK_PREFIX in text and "10 menit" in text
    give(linked, GRANTED, "petugas_opd")
    assert LINK_PREFIX in person(linked, GRANTED).send("/masuk")[-1].text
    with Session(db) as session:
        assert len(session.exec(select(WebLoginToken)).all()) == 4


def test_masuk_in_chat_refuses_residents_and_limits_links(desk: Engine, db: Database) -> None:
    linked = replace_links(desk)
    resident = person(linked, RESIDENT)
    text = resident.send("/masuk")[-1].text
    assert "hanya untuk petugas" in text and LINK_PREFIX not in text
    staff = person(linked, STAFF)
    for _ in range(LINKS_PER_HOUR):
        assert LINK_PREFIX in staff.send("/masuk")[-1].text
    refused = staff.send("/masuk")[-1].text
    assert LINK_PREFIX not in refused and "5 tautan" in refused
    staff.clock.advance(hours=1, minutes=1)
    assert LINK_PREFIX in staff.send("/masuk")[-1].text


def test_masuk_in_chat_says_the_console_is_off(desk: Engine) -> None:
    text = person(desk, STAFF).send("/masuk")[-1].text
    assert "belum diaktifkan" in text and "konsol/masuk" not in text


def replace_links(desk: Engine) -> Engine:
    from dataclasses import replace

    from handlers.registry import FLOWS

    settings = replace(desk.settings, console_links=LINK_PREFIX)
    return Engine(desk.db, settings, FLOWS)


# --- logging in -----------------------------------------------------------------------


def test_a_link_opens_a_session_once_with_safe_cookie_flags(db: Database) -> None:
    staff = browser(db, CONFIG_ROLES)
    token = staff.link(STAFF)
    shown = staff.client.get(f"/konsol/masuk/{token}")  # a link preview fetches this
    assert shown.status_code == 200 and "Masuk" in shown.text
    answer = staff.client.post(f"/konsol/masuk/{token}", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/konsol/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    assert "Path=/konsol/" in cookie
    raw = cookie.split(";")[0].split("=", 1)[1]
    with Session(db) as session:
        (stored,) = session.exec(select(WebSession)).all()
    assert stored.session_hash == digest(raw) and stored.identity == STAFF
    home = staff.client.get("/konsol/")
    assert home.status_code == 200 and "Beranda" in home.text and STAFF in home.text
    assert (STAFF, "web_login", {}) in actions(db)

    again = browser(db, CONFIG_ROLES).client.post(f"/konsol/masuk/{token}", follow_redirects=False)
    assert again.status_code == 410 and "Tautan tidak berlaku" in again.text
    assert browser(db, CONFIG_ROLES).client.get(f"/konsol/masuk/{token}").status_code == 410
    assert ("web", "web_link_refused", {"reason": "used", "identity": STAFF}) in actions(db)


def test_the_cookie_is_not_secure_on_plain_http(db: Database) -> None:
    staff = browser(db, CONFIG_ROLES, public_url="http://127.0.0.1:8080")
    token = staff.link(STAFF)
    answer = staff.client.post(f"/konsol/masuk/{token}", follow_redirects=False)
    assert answer.status_code == 303
    assert "Secure" not in answer.headers["set-cookie"]
    assert "HttpOnly" in answer.headers["set-cookie"]


def test_an_expired_or_unknown_link_is_refused_and_audited(db: Database) -> None:
    staff = browser(db, CONFIG_ROLES)
    token = staff.link(STAFF)
    staff.clock.advance(minutes=10)
    answer = staff.client.post(f"/konsol/masuk/{token}", follow_redirects=False)
    assert answer.status_code == 410 and "set-cookie" not in answer.headers
    assert staff.client.post("/konsol/masuk/made-up", follow_redirects=False).status_code == 410
    refused = [d for _, action, d in actions(db) if action == "web_link_refused"]
    assert refused == [{"reason": "expired", "identity": STAFF}, {"reason": "unknown"}]


def test_a_link_of_someone_whose_role_went_is_refused(desk: Engine, db: Database) -> None:
    give(desk, GRANTED, "staff")
    granted = browser(db, {})
    token = granted.link(GRANTED)
    take(desk, GRANTED, "staff")
    answer = granted.client.post(f"/konsol/masuk/{token}", follow_redirects=False)
    assert answer.status_code == 403 and "tidak memegang peran" in answer.text
    assert granted.client.get("/konsol/", follow_redirects=False).status_code == 303


def test_without_a_session_every_page_leads_to_how_to_log_in(db: Database) -> None:
    client = browser(db, CONFIG_ROLES).client
    answer = client.get("/konsol/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/konsol/masuk"
    client.cookies.set("konsol_sesi", "forged", path="/konsol/")
    assert client.get("/konsol/", follow_redirects=False).status_code == 303
    page = client.get("/konsol/masuk")
    assert page.status_code == 200 and "/masuk" in page.text and "siantar web link" in page.text


def test_an_idle_session_ends(db: Database) -> None:
    staff = browser(db, CONFIG_ROLES, session_hours=2)
    staff.log_in(STAFF)
    staff.clock.advance(hours=1, minutes=59)
    assert staff.client.get("/konsol/", follow_redirects=False).status_code == 200
    staff.clock.advance(hours=1, minutes=59)  # seen again just now: still live
    assert staff.client.get("/konsol/", follow_redirects=False).status_code == 200
    staff.clock.advance(hours=2)
    assert staff.client.get("/konsol/", follow_redirects=False).status_code == 303


def test_logout_needs_the_sessions_csrf_token(db: Database) -> None:
    staff = browser(db, CONFIG_ROLES)
    staff.log_in(STAFF)
    token = staff.csrf()
    for form in ({}, {"csrf": "0" * 64}, {"csrf": token[:-1]}):
        answer = staff.client.post("/konsol/keluar", data=form, follow_redirects=False)
        assert answer.status_code == 403 and "Formulir ini sudah tidak berlaku" in answer.text
    assert staff.client.get("/konsol/", follow_redirects=False).status_code == 200
    other = browser(db, CONFIG_ROLES)
    other.log_in(ADMIN)
    assert other.csrf() != token  # one per session
    answer = staff.client.post("/konsol/keluar", data={"csrf": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/konsol/masuk?keluar=1"
    assert staff.client.get("/konsol/masuk?keluar=1").text.count("Anda sudah keluar") == 1
    assert staff.client.get("/konsol/", follow_redirects=False).status_code == 303
    assert other.client.get("/konsol/", follow_redirects=False).status_code == 200
    assert (STAFF, "web_logout", {}) in actions(db)


def test_an_admin_ends_someones_sessions(run, db: Database) -> None:  # type: ignore[no-untyped-def]
    first, second, admin = (browser(db, CONFIG_ROLES) for _ in range(3))
    first.log_in(STAFF)
    second.log_in(STAFF)
    admin.log_in(ADMIN)
    result = run(PUBLIC, "web", "end", STAFF)
    assert result.code == 0 and "2 sesi Konsol milik" in result.out
    for ended in (first, second):
        assert ended.client.get("/konsol/", follow_redirects=False).status_code == 303
    assert admin.client.get("/konsol/", follow_redirects=False).status_code == 200
    assert ("cli", "web_sessions_ended", {"identity": STAFF, "sessions": 2}) in actions(db)
    with transaction(db) as session:
        assert end_sessions_of(session=session, identity=STAFF, actor=ADMIN, now=NOW) == 0


# --- headers, and the console switched off ----------------------------------------------


def test_every_konsol_response_carries_the_security_headers(db: Database) -> None:
    staff = browser(db, CONFIG_ROLES)
    token = staff.link(STAFF)
    answers = [
        staff.client.get("/konsol/masuk"),
        staff.client.get(f"/konsol/masuk/{token}"),
        staff.client.get("/konsol/", follow_redirects=False),
        staff.client.get("/konsol/nothing-here"),
        staff.client.get("/konsol/static/konsol.css"),
        staff.client.get("/konsol/static/vendor/htmx/htmx.min.js"),
    ]
    staff.log_in(STAFF)
    answers.append(staff.client.get("/konsol/"))
    answers.append(staff.client.post("/konsol/keluar", data={}))
    for answer in answers:
        for name, value in HEADERS.items():
            assert answer.headers[name] == value, (answer.url, name)
        csp = answer.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
    assert answers[0].headers["cache-control"] == "no-store"
    assert answers[3].status_code == 404
    assert answers[5].status_code == 200 and "htmx" in answers[5].text[:200]


def test_pages_have_no_inline_script_or_style(db: Database) -> None:
    staff = browser(db, CONFIG_ROLES)
    staff.log_in(ADMIN)
    html = staff.client.get("/konsol/").text
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert '<script src="/konsol/static/vendor/htmx/htmx.min.js" defer></script>' in html
    assert "http://" not in html and "https://" not in html  # nothing from a CDN


def test_the_console_off_serves_no_konsol(db: Database) -> None:
    settings = Settings()
    assert not settings.web.enabled
    from bot.app import config_roles  # noqa: F401 - the runner's wiring, as deployed
    from handlers.core.settings import EngineSettings

    assert konsol_app(settings, db, _engine_settings(EngineSettings)) is None
    client = TestClient(create_web_app(db=db, channels=[], konsol=None))
    assert client.get("/konsol/").status_code == 404
    assert client.get("/konsol/masuk").status_code == 404
    web = WebSettings(enabled=True, public_url=PUBLIC)
    on = settings.model_copy(update={"web": web})
    assert konsol_app(on, db, _engine_settings(EngineSettings)) is not None


def _engine_settings(kind):  # type: ignore[no-untyped-def]
    from bot.app import categories
    from bot.i18n import translator
    from storage.wilayah import load_wilayah

    return kind(translators=translator, wilayah=load_wilayah(), categories=categories(Settings()))


def test_web_settings_are_checked() -> None:
    from bot.config import ConfigError, load_settings

    def load(text: str) -> Settings:
        path = Path(__import__("tempfile").mkdtemp()) / "config.toml"
        path.write_text(text)
        return load_settings(path, environ={})

    with pytest.raises(ConfigError, match="web.public_url: required when web.enabled"):
        load("[web]\nenabled = true\n")
    with pytest.raises(ConfigError, match="web.public_url"):
        load('[web]\npublic_url = "konsol.example"\n')
    with pytest.raises(ConfigError, match="web.session_hours"):
        load("[web]\nsession_hours = 0\n")
    loaded = load('[web]\nenabled = true\npublic_url = "https://k.example/"\n')
    assert loaded.web.public_url == "https://k.example" and loaded.web.session_hours == 12
    assert loaded.web.secure and loaded.web.link_base() == "https://k.example/konsol/masuk/"


def test_a_login_form_posted_from_another_site_is_refused(db: Database) -> None:
    staff = browser(db, CONFIG_ROLES)
    token = staff.link(STAFF)
    evil = {"origin": "https://evil.example"}
    answer = staff.client.post(f"/konsol/masuk/{token}", headers=evil, follow_redirects=False)
    assert answer.status_code == 403 and "set-cookie" not in answer.headers
    ours = {"origin": PUBLIC}
    answer = staff.client.post(f"/konsol/masuk/{token}", headers=ours, follow_redirects=False)
    assert answer.status_code == 303  # the link was not used by the refused post


def test_masuk_is_in_the_help_of_every_role_once(desk: Engine) -> None:
    for identity in (STAFF, ADMIN, FACILITATOR):
        assert person(desk, identity).all_commands().count("/masuk —") == 1, identity
    resident = person(desk, RESIDENT).all_commands()
    assert "/bantuan" in resident and "/masuk" not in resident
