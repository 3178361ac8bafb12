"""Secrets and logs: tokens, app secrets and phone numbers never reach a log line;
the webhook server answers only its documented routes and allows no CORS."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from bot.config import Settings
from bot.logs import PHONE_MASK, RedactSecrets, setup_file_logging, setup_logging
from bot.web import create_web_app

TOKEN = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"
APP_SECRET = "a1b2c3d4e5f6a7b8c9d0"


def settings_with_secrets() -> Settings:
    return Settings.model_validate(
        {"telegram": {"token": TOKEN}, "whatsapp": {"app_secret": APP_SECRET}}
    )


def formatted(record: logging.LogRecord, secrets: list[str]) -> str:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    RedactSecrets(secrets).filter(record)
    return handler.format(record)


def record(msg: str, *args: Any, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("siantar", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_the_settings_name_their_secrets() -> None:
    assert {TOKEN, APP_SECRET} <= set(settings_with_secrets().secret_values())


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("+6281234567890", "[phone]"),
        ("+62 812-3456-7890", "[phone]"),
        ("6281234567890", "[phone]"),
        ("081234567890", "[phone]"),
        ("0812 3456 7890", "[phone]"),
        ("+62 622 21234", "[phone]"),
        ("ASP-7K2M9Q", "ASP-7K2M9Q"),
        ("update 2026-12-02 08:30", "update 2026-12-02 08:30"),
        ("outbox row 1234", "outbox row 1234"),
    ],
)
def test_phone_numbers_are_masked(phone: str, shown: str) -> None:
    assert formatted(record("sending to %s", phone), []) == f"sending to {shown}"


def test_a_token_in_the_arguments_and_a_traceback_is_masked() -> None:
    secrets = settings_with_secrets().secret_values()
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")
    except RuntimeError as problem:
        line = formatted(
            record("signature %s from %s", APP_SECRET, "+6281234567890", exc=problem), secrets
        )
    assert TOKEN not in line and APP_SECRET not in line and "6281234567890" not in line
    assert "bot***/sendMessage" in line and PHONE_MASK in line and "RuntimeError" in line


def test_siantar_run_logging_redacts(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging([TOKEN])
    try:
        logging.getLogger("bot.telegram").warning("token %s for 0812-3456-7890", TOKEN)
        logging.getLogger("handlers.core.engine").info("resident +6281234567890 wrote")
    finally:
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])
    err = capsys.readouterr().err
    assert TOKEN not in err and "3456" not in err and "6281234567890" not in err
    assert err.count(PHONE_MASK) == 2


def test_siantar_chat_logging_redacts(tmp_path: Path) -> None:
    log = tmp_path / "siantar.log"
    setup_file_logging([APP_SECRET], str(log))
    try:
        logging.getLogger("bot.whatsapp").error("secret %s, wa_id 6281234567890", APP_SECRET)
    finally:
        logging.shutdown()
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])
    written = log.read_text(encoding="utf-8")
    assert APP_SECRET not in written and "6281234567890" not in written
    assert "secret ***, wa_id [phone]" in written


async def test_only_the_documented_routes_and_no_cors(db: Engine) -> None:
    channel: Any = object()  # never reached: every request below stops at the router
    app = create_web_app(db=db, channels=[], telegram=channel, whatsapp=channel)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        assert (await client.get("/healthz")).status_code == 200
        for path in ("/", "/admin", "/telegram", "/whatsapp/webhook/x", "/.env"):
            assert (await client.get(path)).status_code == 404, path
        for path in ("/healthz", "/telegram/webhook", "/whatsapp/webhook"):
            answer = await client.options(
                path,
                headers={
                    "Origin": "https://evil.example",
                    "Access-Control-Request-Method": "POST",
                },
            )
            assert answer.status_code == 405, path
            assert "access-control-allow-origin" not in answer.headers
        assert (await client.get("/telegram/webhook")).status_code == 405
        posted = await client.post("/healthz", headers={"Origin": "https://evil.example"})
        assert posted.status_code == 405
        assert "access-control-allow-origin" not in posted.headers
