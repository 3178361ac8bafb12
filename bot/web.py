"""The HTTP server: ``/telegram/webhook``, ``/whatsapp/webhook``, ``/healthz`` and,
when ``[web] enabled``, Konsol under ``/konsol/`` (``bot.konsol``) (Starlette + uvicorn)."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import socket
import time
from collections.abc import Iterator

import uvicorn
from sqlalchemy import Engine as Database
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from telegram import Update

from bot.outage import Outage
from bot.telegram.channel import TelegramChannel
from bot.webhook_body import (
    TELEGRAM_MAX_BYTES,
    WHATSAPP_MAX_BYTES,
    BodyRefused,
    json_object,
    read_body,
)
from bot.whatsapp.channel import WhatsAppChannel

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SIGNATURE_HEADER = "X-Hub-Signature-256"


def create_web_app(
    *,
    db: Database,
    channels: list[str],
    telegram: TelegramChannel | None = None,
    telegram_secret: str = "",
    whatsapp: WhatsAppChannel | None = None,
    konsol: Starlette | None = None,
) -> Starlette:
    outage = Outage("healthz: the database check", time.monotonic)  # probed every few s

    def select_one() -> None:
        with db.connect() as connection:
            connection.execute(text("SELECT 1"))

    async def healthz(_request: Request) -> Response:
        try:
            await asyncio.to_thread(select_one)  # a database that hangs must not stop the loop
            database = "ok"
        except Exception as error:  # noqa: BLE001 - reported, not raised
            outage.failed(error)
            database = "error"
        else:
            outage.succeeded()
        status = 200 if database == "ok" else 503
        return JSONResponse(
            {
                "status": "ok" if status == 200 else "degraded",
                "database": database,
                "channels": channels,
            },
            status_code=status,
        )

    async def telegram_webhook(request: Request) -> Response:
        assert telegram is not None
        given = request.headers.get(SECRET_HEADER, "")
        if not telegram_secret or not hmac.compare_digest(given.encode(), telegram_secret.encode()):
            logger.warning("telegram webhook: request without the right secret token refused")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            data = json_object(await read_body(request, TELEGRAM_MAX_BYTES))
        except BodyRefused as refused:
            return refused_response(refused)
        try:
            update = Update.de_json(data, telegram.bot)
        except Exception as error:  # noqa: BLE001 - PTB's parser raises whatever a field
            # of the wrong type makes it raise (TypeError, KeyError, OverflowError, ...)
            logger.warning("telegram webhook: unreadable update refused: %s", type(error).__name__)
            return PlainTextResponse("bad update", status_code=400)
        if not await telegram.process(update):  # committed before Telegram hears 200
            return PlainTextResponse("try again", status_code=503)  # Telegram retries
        return PlainTextResponse("ok")

    async def whatsapp_verify(request: Request) -> Response:
        assert whatsapp is not None
        query = request.query_params
        status, body = await whatsapp.verify(
            query.get("hub.mode"), query.get("hub.verify_token"), query.get("hub.challenge")
        )
        return PlainTextResponse(body, status_code=status)

    async def whatsapp_webhook(request: Request) -> Response:
        assert whatsapp is not None
        # the size is checked first, then the signature on the raw body, then it is parsed
        try:
            body = await read_body(request, WHATSAPP_MAX_BYTES)
        except BodyRefused as refused:
            return refused_response(refused)
        status, text = await whatsapp.receive(body, request.headers.get(SIGNATURE_HEADER))
        return PlainTextResponse(text, status_code=status)

    routes: list[BaseRoute] = [Route("/healthz", healthz, methods=["GET"])]
    if telegram is not None:
        routes.append(Route("/telegram/webhook", telegram_webhook, methods=["POST"]))
    if whatsapp is not None:
        routes.append(Route("/whatsapp/webhook", whatsapp_verify, methods=["GET"]))
        routes.append(Route("/whatsapp/webhook", whatsapp_webhook, methods=["POST"]))
    if konsol is not None:
        routes.append(Mount("/konsol", app=konsol))
    return Starlette(routes=routes)


def refused_response(refused: BodyRefused) -> Response:
    logger.warning("webhook: request refused (%d): %s", refused.status, refused.reason)
    return PlainTextResponse(refused.reason, status_code=refused.status)


class WebServer(uvicorn.Server):
    """uvicorn without its own signal handling: ``siantar run`` owns the signals."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def listening_socket(host: str, port: int) -> socket.socket:
    """Bind before anything else starts, so a taken port is a clear start-up error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock


def web_server(app: Starlette, host: str, port: int) -> WebServer:
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", lifespan="off", access_log=False
    )
    return WebServer(config)
