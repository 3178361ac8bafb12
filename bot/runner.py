"""``siantar run``: every enabled channel and the scheduler, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pywa_async.errors import WhatsAppError
from sqlalchemy import Engine as Database
from starlette.applications import Starlette
from telegram.error import InvalidToken, NetworkError

from bot.app import build_app
from bot.channels.pipeline import Pipeline
from bot.config import Settings
from bot.dbthreads import DatabaseThreads
from bot.delivery import Sender
from bot.job_process import JobProcess
from bot.jobs import (
    BROADCAST_INTERVAL_SECONDS,
    FORUM_INTERVAL_SECONDS,
    PRIVACY_INTERVAL_HOURS,
    SLA_INTERVAL_SECONDS,
    TRAINING_INTERVAL_SECONDS,
    broadcast_tick,
    forum_tick,
    privacy_tick,
    sla_tick,
    sla_watch,
    training_tick,
)
from bot.outage import Outage, watched
from bot.outbox import PER_CHAT, OutboxDispatcher
from bot.telegram.calls import retrying
from bot.telegram.channel import TelegramChannel
from bot.telegram.polling import ALLOWED_UPDATES, PollingConflict, poll
from bot.web import create_web_app, listening_socket, web_server
from bot.whatsapp.channel import WhatsAppChannel
from handlers.core.chat_jobs import due as chat_job_due
from handlers.core.settings import EngineSettings
from storage.db import current_revision

logger = logging.getLogger(__name__)

OUTBOX_INTERVAL_SECONDS = 2
CHAT_JOBS_INTERVAL_SECONDS = 2


class StartupError(Exception):
    """The process cannot go on (at start-up, or a second process polls). ``str()``
    is one English line (the log); ``reason`` and ``params`` let the command line
    word it in the operator's language (``cli.startup.<reason>``)."""

    def __init__(self, reason: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params


def utc_now() -> datetime:
    return datetime.now(UTC)


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.02)


class StoppedWhileStarting(Exception):
    """A signal came before start-up was over: stop as after any signal, quietly."""


async def _first(
    waiting: Awaitable[object], tasks: list[asyncio.Task[None]], stop: asyncio.Event
) -> None:
    """Wait for ``waiting``, unless a task ends first (then its error is raised, or,
    when it ended because of a signal, ``StoppedWhileStarting``)."""
    waiter = asyncio.ensure_future(waiting)
    done, _ = await asyncio.wait({waiter, *tasks}, return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:
        waiter.cancel()
        for task in done:
            task.result()
        if stop.is_set():
            raise StoppedWhileStarting
        raise StartupError("stopped", "a channel stopped while starting")


async def run(settings: Settings) -> int:
    """Start up in order (bind the port, connect, schedule, serve), run until a
    signal, then stop in reverse."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    app = build_app(settings)
    logger.info("database ready (schema %s)", current_revision(app.db))
    webhook = settings.telegram.enabled and settings.telegram.mode == "webhook"
    # Always: /healthz is served in every mode (and the webhooks when used)
    sock = bind(settings)
    senders: dict[str, Sender] = {}
    telegram: TelegramChannel | None = None
    whatsapp: WhatsAppChannel | None = None
    tasks: list[asyncio.Task[None]] = []
    server = None
    scheduler = AsyncIOScheduler(timezone="Asia/Jakarta")
    threads = DatabaseThreads(app.db)
    # Chat jobs (exports, statistics) are built in a process of their own: the
    # residents' messages do not wait for them, for the database or the GIL.
    builder = JobProcess(
        settings.database.url,
        app.engine.settings,
        settings.secret_values(),
        logging.getLogger().getEffectiveLevel(),
    )
    # Paced across every process on the database (storage.pace), per chat as well
    dispatcher = OutboxDispatcher(
        app.db,
        senders,
        utc_now,
        threads=threads,
        per_second={
            "telegram": settings.broadcast.telegram_per_second,
            "whatsapp": settings.broadcast.whatsapp_per_second,
        },
        per_chat=PER_CHAT,
    )
    # ... which also sends every channel's direct replies (the one inbound pipeline)
    pipeline = Pipeline(app.engine, dispatcher, utc_now, threads)
    try:
        if settings.telegram.enabled:
            telegram = TelegramChannel(
                settings.telegram, app.engine, app.media, utc_now, pipeline=pipeline
            )
            await connect(telegram, settings)
            senders["telegram"] = telegram
        if settings.whatsapp.enabled:
            check_templates(settings)
            whatsapp = WhatsAppChannel(
                settings.whatsapp, app.engine, app.media, utc_now, pipeline=pipeline
            )
            await connect_whatsapp(whatsapp, settings)
            senders["whatsapp"] = whatsapp

        if telegram is not None and not webhook:
            ready = asyncio.Event()
            tasks.append(
                asyncio.create_task(polling(telegram, stop, ready), name="telegram-polling")
            )
            await _first(ready.wait(), tasks, stop)
        secret = settings.telegram.webhook_secret.get_secret_value()
        web = create_web_app(
            db=app.db,
            channels=sorted(senders),
            telegram=telegram if webhook else None,
            telegram_secret=secret,
            whatsapp=whatsapp,
            konsol=konsol_app(settings, app.db, app.engine.settings),
        )
        server = web_server(web, settings.server.host, settings.server.port)
        tasks.append(asyncio.create_task(server.serve(sockets=[sock]), name="web"))
        await _first(_until(lambda: server.started), tasks, stop)
        logger.info("web server on http://%s:%d", settings.server.host, settings.server.port)
        if settings.web.enabled:
            logger.info("Konsol at %s/konsol/", settings.web.public_url)
        if telegram is not None and webhook:
            await set_webhook(telegram, settings.telegram.webhook_url, secret)

        # The job only starts sending in the background (and returns): a broadcast
        # longer than the interval goes on without a gap, and no run is skipped.
        scheduler.add_job(
            dispatcher.tick,
            "interval",
            seconds=OUTBOX_INTERVAL_SECONDS,
            id="outbox",
            next_run_time=utc_now(),  # replies left unsent by a crash go first
            max_instances=1,
            coalesce=True,
        )
        training_offsets = settings.training.reminder_offsets
        forum_offsets = settings.forum.reminder_offsets

        async def trainings() -> None:
            await threads.run(training_tick, app.db, training_offsets, utc_now())

        async def forums() -> None:
            await threads.run(forum_tick, app.db, forum_offsets, utc_now())

        async def broadcasts() -> None:
            await threads.run(broadcast_tick, app.db, utc_now())

        service_clock, watch = app.engine.settings.clock, sla_watch(settings.sla)
        roles = app.engine.settings.config_roles

        async def service_clocks() -> None:
            await threads.run(sla_tick, app.db, service_clock, watch, roles, utc_now())

        async def chat_jobs() -> None:
            if await threads.run(chat_job_due, app.db, utc_now()):  # else no child at all
                await builder.tick()

        # Reminders that came due while the bot was down go first (if still useful).
        # A job that fails (the database is down) is logged in full once, then once
        # a minute (bot.outage), not by the scheduler at every run.
        for job, seconds, name in (
            (trainings, TRAINING_INTERVAL_SECONDS, "trainings"),
            (forums, FORUM_INTERVAL_SECONDS, "forums"),
            (broadcasts, BROADCAST_INTERVAL_SECONDS, "broadcasts"),
            (chat_jobs, CHAT_JOBS_INTERVAL_SECONDS, "chat jobs"),
            (service_clocks, SLA_INTERVAL_SECONDS, "service clocks"),
        ):
            scheduler.add_job(
                watched(job, Outage(f"scheduler job {name!r}", time.monotonic)),
                "interval",
                seconds=seconds,
                id=name,
                next_run_time=utc_now(),
                max_instances=1,
                coalesce=True,
            )
        retention = settings.privacy.retention

        async def retention_purge() -> None:
            await threads.run(privacy_tick, app.db, retention, app.media, utc_now())

        # daily, the first an hour after start-up (a restart loop does not purge in a loop)
        scheduler.add_job(
            watched(retention_purge, Outage("scheduler job 'privacy'", time.monotonic)),
            "interval",
            hours=PRIVACY_INTERVAL_HOURS,
            id="privacy",
            next_run_time=utc_now() + timedelta(hours=1),
            max_instances=1,
            coalesce=True,
        )
        scheduler.start()
        logger.info(
            "scheduler started (outbox every %d s, announcements every %d s, "
            "trainings, forums and service clocks every %d s)",
            OUTBOX_INTERVAL_SECONDS,
            BROADCAST_INTERVAL_SECONDS,
            TRAINING_INTERVAL_SECONDS,
        )

        running = [*sorted(senders), *(["konsol"] if settings.web.enabled else [])]
        logger.info("siantar is running (%s); stop with Ctrl+C", ", ".join(running))
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({stopping, *tasks}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        for task in done - {stopping}:
            task.result()  # a channel that died takes the process down, loudly
        logger.info("stopping")
    except StoppedWhileStarting:
        logger.info("stopping: a signal came while starting")
    finally:
        stop.set()
        if server is not None:
            server.should_exit = True
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if scheduler.running:
            scheduler.shutdown(wait=False)
        await dispatcher.drain()
        if telegram is not None:
            await telegram.stop()
        if whatsapp is not None:
            await whatsapp.stop()
        sock.close()
        builder.close()
        threads.close()
        app.db.dispose()
        logger.info("stopped")
    return 0


def konsol_app(
    settings: Settings, db: Database, engine_settings: EngineSettings
) -> Starlette | None:
    """Konsol on the process's database, clock and roles (``bot.konsol``); None
    (no ``/konsol`` at all) unless ``[web] enabled``."""
    if not settings.web.enabled:
        return None
    from bot.konsol.app import Konsol

    return Konsol(
        db=db,
        web=settings.web,
        settings=engine_settings,
        now=utc_now,
    ).routes()


async def polling(telegram: TelegramChannel, stop: asyncio.Event, ready: asyncio.Event) -> None:
    """Poll until ``stop``; another process polling the same bot ends this one
    with one line."""
    try:
        await poll(telegram, stop, ready=ready)
    except PollingConflict as conflict:
        raise StartupError(conflict.reason, str(conflict)) from None


def bind(settings: Settings) -> socket.socket:
    try:
        return listening_socket(settings.server.host, settings.server.port)
    except OSError as error:
        host, port = settings.server.host, settings.server.port
        raise StartupError(
            "cannot_listen",
            f"cannot listen on {host}:{port} (server.host/server.port): {error.strerror}",
            host=host,
            port=str(port),
            problem=error,
        ) from error


async def connect(telegram: TelegramChannel, settings: Settings) -> None:
    """Check the token with the Bot API (retrying a network that is not up yet)."""
    try:
        await telegram.start()
    except InvalidToken as error:
        raise StartupError(
            "bad_token", "Telegram rejected the bot token (telegram.token)"
        ) from error
    except NetworkError as error:
        url = settings.telegram.api_base_url
        raise StartupError(
            "telegram_unreachable",
            f"cannot reach the Telegram Bot API at {url} (telegram.api_base_url): {error.message}",
            url=url,
            problem=error.message,
        ) from error


def check_templates(settings: Settings) -> None:
    """Every message kind that may go outside the 24-hour window needs a template."""
    missing = settings.whatsapp.missing_templates()
    if missing:
        listed = ", ".join(f"[whatsapp.templates.{kind}]" for kind in missing)
        raise StartupError(
            "missing_templates",
            "whatsapp.enabled = true needs an approved template for each message kind; "
            f"missing: {listed} (see README, WhatsApp)",
            missing=listed,
        )


async def connect_whatsapp(whatsapp: WhatsAppChannel, settings: Settings) -> None:
    """Check the access token and the number with the Graph API."""
    try:
        await whatsapp.start()
    except WhatsAppError as error:
        raise StartupError(
            "whatsapp_refused",
            "the WhatsApp Cloud API refused whatsapp.access_token / whatsapp.phone_number_id "
            f"(error {error.code})",
            code=str(error.code),
        ) from error
    except httpx.HTTPError as error:
        url = settings.whatsapp.api_base_url
        raise StartupError(
            "whatsapp_unreachable",
            f"cannot reach the WhatsApp Cloud API at {url} (whatsapp.api_base_url): "
            f"{type(error).__name__}",
            url=url,
            problem=type(error).__name__,
        ) from error


async def set_webhook(telegram: TelegramChannel, url: str, secret: str) -> None:
    await retrying(
        partial(telegram.bot.set_webhook, url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    )
    logger.info("telegram: webhook set to %s", url)
