"""``siantar run``: every enabled channel and the scheduler, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram.error import InvalidToken

from bot.app import build_app
from bot.config import Settings
from bot.outbox import OutboxDispatcher, Sender
from bot.telegram.channel import TelegramChannel
from bot.telegram.polling import ALLOWED_UPDATES, poll
from bot.web import create_web_app, web_server
from storage.db import current_revision

logger = logging.getLogger(__name__)

OUTBOX_INTERVAL_SECONDS = 2


class StartupError(Exception):
    """Start-up cannot go on; the message is shown as one line."""


def utc_now() -> datetime:
    return datetime.now(UTC)


async def run(settings: Settings) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    app = build_app(settings)
    logger.info("database ready (schema %s)", current_revision(app.db))
    senders: dict[str, Sender] = {}
    telegram: TelegramChannel | None = None
    tasks: list[asyncio.Task[None]] = []
    server = None
    scheduler = AsyncIOScheduler(timezone="Asia/Jakarta")
    try:
        if settings.telegram.enabled:
            telegram = TelegramChannel(settings.telegram, app.engine, app.media, utc_now)
            try:
                await telegram.start()
            except InvalidToken as error:
                raise StartupError("Telegram rejected the bot token (telegram.token)") from error
            senders["telegram"] = telegram

        dispatcher = OutboxDispatcher(app.db, senders, utc_now)
        scheduler.add_job(
            dispatcher.run_once,
            "interval",
            seconds=OUTBOX_INTERVAL_SECONDS,
            id="outbox",
            next_run_time=utc_now(),  # replies left unsent by a crash go first
            max_instances=1,
            coalesce=True,
        )
        scheduler.start()
        logger.info("scheduler started (outbox every %d s)", OUTBOX_INTERVAL_SECONDS)

        if telegram is not None and settings.telegram.mode == "polling":
            tasks.append(asyncio.create_task(poll(telegram, stop), name="telegram-polling"))
        webhook = telegram is not None and settings.telegram.mode == "webhook"
        if webhook:
            assert telegram is not None
            secret = settings.telegram.webhook_secret.get_secret_value()
            await telegram._retrying(
                lambda: telegram.bot.set_webhook(
                    settings.telegram.webhook_url,
                    secret_token=secret,
                    allowed_updates=ALLOWED_UPDATES,
                )
            )
            logger.info("telegram: webhook set to %s", settings.telegram.webhook_url)
            web = create_web_app(
                db=app.db, channels=sorted(senders), telegram=telegram, telegram_secret=secret
            )
            server = web_server(web, settings.server.host, settings.server.port)
            tasks.append(asyncio.create_task(server.serve(), name="web"))
            logger.info("web server on http://%s:%d", settings.server.host, settings.server.port)

        logger.info("siantar is running (%s); stop with Ctrl+C", ", ".join(sorted(senders)))
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({stopping, *tasks}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        for task in done - {stopping}:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
        logger.info("stopping")
    finally:
        stop.set()
        if server is not None:
            server.should_exit = True
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if scheduler.running:
            scheduler.shutdown(wait=False)
        if telegram is not None:
            await telegram.stop()
        app.db.dispose()
        logger.info("stopped")
    return 0
