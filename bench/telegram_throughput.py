"""Telegram throughput and latency: siantar's real adapter vs a bare python-telegram-bot echo bot.

Each bot runs alone in its own process (``multiprocessing``, spawned), as in production: only
the bot's own work is on that process's CPU and GIL. The fake Bot API server from
``tests/fake_telegram.py`` (uvicorn in a thread) and the simulated residents (an asyncio loop)
run in the parent process; the bot reaches the fake over HTTP on 127.0.0.1, and the parent
drives it over a pipe (start, CPU readings, profiling on/off, stop).

* siantar: ``TelegramChannel`` + ``poll`` exactly as ``tests/test_telegram.py`` wires them,
  a fresh SQLite database, every resident doing the whole aspiration flow (11 updates).
* echo: an ``Application`` whose MessageHandler sends the text back and whose
  CallbackQueryHandler answers the query and sends a message (both with a one-button
  keyboard, so residents send the same mix: 2 texts and 9 button presses). It is polled by
  the product's own ``bot.telegram.polling.poll`` loop (one getUpdates batch at a time,
  residents in a batch handled concurrently, one resident's updates in order), so both bots
  run under the same concurrency policy and only the work per update differs.
  ``Application.updater.start_polling`` was not used: with PTB's default
  ``concurrent_updates=1`` it handles one update at a time, a different policy.

Per bot, after one warm-up resident (which also learns how many bot messages answer each
step), two measurements with fresh residents:

1. throughput: every resident sends its next update as soon as the reply to the previous one
   arrived; updates/s = updates answered / wall time (capped at --duration seconds).
2. latency at a fixed offered load: one update every 1/--rate seconds for --duration seconds,
   residents picked round-robin among those not waiting for a reply; latency = time from just
   before the update is put into the fake to the fake receiving the LAST bot message of the
   reply (the fake's monotonic call timestamp).

Latency is measured end to end on one clock: ``time.monotonic`` (CLOCK_MONOTONIC, the same
for every process on the machine) just before the parent queues an update, and the fake's own
``time.monotonic`` on the arrival of the bot's last sendMessage for that step; both are taken
in the parent. CPU per update is read from the bot's process (``time.process_time``, and per
thread from /proc/self/task) and, apart, from the parent (fake server + residents).

Run: ``python bench/telegram_throughput.py [--residents 200] [--rate 50] [--duration 15]
[--rounds 1]``.
Figures only, no thresholds are asserted; exit status 0 unless the benchmark itself breaks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import itertools
import logging
import math
import multiprocessing
import os
import platform
import pstats
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fake Bot API server is test code of this repo

from fake_telegram import TOKEN, Call, FakeTelegram  # noqa: E402
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update  # noqa: E402
from telegram.ext import (  # noqa: E402
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import TelegramSettings  # noqa: E402

ASPIRATION = "Lampu jalan di Jalan Merdeka mati semua sejak minggu lalu."
# The aspiration flow; ("press", label) presses the newest button whose text contains label.
SIANTAR_STEPS: tuple[tuple[str, str], ...] = (
    ("text", "/start"),
    ("press", "Setuju"),
    ("press", "Lewati"),  # home kecamatan
    ("press", "Sampaikan aspirasi"),
    ("press", "Infrastruktur"),
    ("press", "Siantar Utara"),
    ("press", "Martoba"),
    ("text", ASPIRATION),
    ("press", "Lewati"),  # photo or location
    ("press", "Tampilkan nama"),
    ("press", "Kirim"),
)
# The same mix of update kinds for the echo bot (its only button is "Lanjut").
ECHO_STEPS = tuple((kind, arg if kind == "text" else "Lanjut") for kind, arg in SIANTAR_STEPS)
ECHO_KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Lanjut", callback_data="next")]])

TELEGRAM_CONNECTIONS = TelegramSettings.model_fields["connections"].default  # as shipped
REPLY_TIMEOUT = 90.0  # seconds a resident waits for one reply before giving up
DRAIN_TIMEOUT = 120.0  # seconds to wait for replies still due after a phase
QUIET = 0.25  # warm-up: a reply is complete when no bot message came for this long
TARGET_THROUGHPUT = "target ≥ 50% of echo throughput"
TARGET_LATENCY = "target p99 < 250 ms at 50 updates/s"


# ---------------------------------------------------------------------------- reply tracking
class BenchFake(FakeTelegram):
    """The fake server, telling a listener about every successful sendMessage as it is
    recorded (chat id and the call's arrival timestamp), so residents need not poll."""

    listener: Callable[[int, float], object] | None = None

    def _record(self, call: Call) -> None:
        super()._record(call)
        listener = self.listener
        if listener is not None and call.method == "sendMessage" and call.status == 200:
            chat_id = call.params.get("chat_id")
            if isinstance(chat_id, int):
                listener(chat_id, call.at)


class Replies:
    """Per chat, the arrival times of the bot's sendMessage calls; awaitable counts."""

    def __init__(self, fake: BenchFake, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.sent: dict[int, list[float]] = defaultdict(list)
        self._waiters: dict[int, tuple[int, asyncio.Future[None]]] = {}
        fake.listener = lambda chat_id, at: loop.call_soon_threadsafe(self._arrived, chat_id, at)

    def _arrived(self, chat_id: int, at: float) -> None:
        sent = self.sent[chat_id]
        sent.append(at)
        waiter = self._waiters.get(chat_id)
        if waiter is not None and len(sent) >= waiter[0] and not waiter[1].done():
            waiter[1].set_result(None)

    def count(self, chat_id: int) -> int:
        return len(self.sent[chat_id])

    async def wait(self, chat_id: int, count: int, timeout: float = REPLY_TIMEOUT) -> float:
        """Arrival time of the chat's ``count``-th bot message, once it arrived."""
        if len(self.sent[chat_id]) < count:
            future: asyncio.Future[None] = self.loop.create_future()
            self._waiters[chat_id] = (count, future)
            try:
                await asyncio.wait_for(future, timeout)
            finally:
                self._waiters.pop(chat_id, None)
        return self.sent[chat_id][count - 1]


def find_button(messages: list[dict[str, Any]], label: str) -> tuple[int, str]:
    for message in reversed(messages):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if label.casefold() in button["text"].casefold():
                    return message["message_id"], button["callback_data"]
    raise LookupError(f"no button like {label!r}")


def act(fake: FakeTelegram, user_id: int, step: tuple[str, str]) -> float:
    """Put one update into the fake; returns time.monotonic() just before it was queued."""
    kind, arg = step
    if kind == "text":
        started = time.monotonic()
        fake.send_text(user_id, arg, first_name="Budi", last_name=f"Warga{user_id}")
        return started
    message_id, data = find_button(fake.messages(user_id), arg)
    started = time.monotonic()
    fake.press(user_id, message_id, data)
    return started


# ---------------------------------------------------------------------------- the two bots
# Everything in this section runs in the bot's own process (see ``bot_main``).
@dataclass
class Bot:
    stop: Callable[[], Awaitable[None]]
    check: Callable[[int], str] = lambda _finished: ""


def start_polling(channel: Any) -> Callable[[], Awaitable[None]]:
    from bot.telegram.polling import poll

    stop = asyncio.Event()
    task = asyncio.create_task(poll(channel, stop, long_poll=1))

    async def stopper() -> None:
        stop.set()
        await task

    return stopper


async def start_siantar(
    base_url: str,
    workdir: Path,
    *,
    connections: int,
    rate_limiter: bool,
    profiles: Profiles | None,
) -> Bot:
    from sqlmodel import Session, func, select

    from bot.app import abuse_limits, categories
    from bot.config import Settings
    from bot.dbthreads import DatabaseThreads
    from bot.i18n import translator
    from bot.media import MediaStore
    from bot.telegram.channel import TelegramChannel
    from handlers.core.engine import Engine
    from handlers.core.settings import EngineSettings
    from handlers.registry import FLOWS
    from storage.db import make_engine, migrate
    from storage.models import Aspiration
    from storage.wilayah import load_wilayah

    db = make_engine(f"sqlite:///{workdir / 'bench.db'}")
    migrate(db)
    shipped = Settings()  # the defaults siantar runs with, flood control included
    settings = EngineSettings(
        translators=translator,
        wilayah=load_wilayah(),
        categories=categories(shipped),
        limits=abuse_limits(shipped),
    )
    engine = Engine(db, settings, FLOWS)
    telegram = TelegramSettings(
        enabled=True, token=TOKEN, api_base_url=base_url, connections=connections
    )
    media = MediaStore(workdir / "media", max_bytes=1024 * 1024)
    threads = DatabaseThreads(db)
    # the same number of database threads, their jobs timed (and profiled with --profile)
    workers = threads.executor._max_workers
    threads.executor.shutdown()
    threads.executor = TimedExecutor(workers, profiles)
    channel = TelegramChannel(telegram, engine, media, lambda: datetime.now(UTC), threads)
    if not rate_limiter:  # diagnostic only: what the adapter does without PTB's AIORateLimiter
        channel.application.bot._rate_limiter = None
    await channel.start()
    stop_polling = start_polling(channel)

    async def stop() -> None:
        await stop_polling()
        await channel.stop()
        threads.close()
        db.dispose()

    def check(finished: int) -> str:
        with Session(db) as session:
            stored = session.exec(select(func.count()).select_from(Aspiration)).one()
        return f"{stored} aspirations stored for {finished} finished flows"

    return Bot(stop, check)


class EchoChannel:
    """Just what ``bot.telegram.polling.poll`` needs from a channel."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.bot = application.bot

    async def process(self, update: Update) -> bool:
        await self.application.process_update(update)
        return True


async def start_echo(base_url: str, *, rate_limiter: bool) -> Bot:
    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{base_url}/bot")
        .base_file_url(f"{base_url}/file/bot")
        .updater(None)
    )
    if rate_limiter:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=2))  # type: ignore[arg-type]
    application = builder.build()

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await context.bot.send_message(
            update.message.chat.id, update.message.text, reply_markup=ECHO_KEYBOARD
        )

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        await query.answer()
        await context.bot.send_message(
            query.message.chat.id, f"Anda menekan {query.data}", reply_markup=ECHO_KEYBOARD
        )

    application.add_handler(MessageHandler(filters.TEXT, on_text))
    application.add_handler(CallbackQueryHandler(on_press))
    await application.initialize()
    stop_polling = start_polling(EchoChannel(application))

    async def stop() -> None:
        await stop_polling()
        await application.shutdown()

    return Bot(stop)


def bot_main(
    conn: Connection, name: str, base_url: str, workdir: str, options: dict[str, Any]
) -> None:
    """Entry point of the bot's process: start the bot, then obey the parent's commands
    (``cpu``, ``profile``, ``stop``) sent over ``conn``; every command is answered."""
    counter = quiet_logging()
    try:
        asyncio.run(serve_bot(conn, counter, name, base_url, Path(workdir), options))
    except BaseException:
        conn.send(("error", traceback.format_exc()))
        raise
    finally:
        conn.close()


async def serve_bot(
    conn: Connection,
    counter: Counter,
    name: str,
    base_url: str,
    workdir: Path,
    options: dict[str, Any],
) -> None:
    loop = asyncio.get_running_loop()
    profiles = Profiles() if options["profile"] else None
    if name == "siantar":
        bot = await start_siantar(
            base_url,
            workdir,
            connections=options["connections"],
            rate_limiter=options["rate_limiter"],
            profiles=profiles,
        )
    else:
        bot = await start_echo(base_url, rate_limiter=options["echo_rate_limiter"])
    commands: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
    loop.add_reader(conn.fileno(), lambda: commands.put_nowait(conn.recv()))
    conn.send(("ready", os.getpid()))
    try:
        while True:
            command, *rest = await commands.get()
            if command == "cpu":
                conn.send(("cpu", cpu_times()))
            elif command == "profile":
                if profiles:
                    profiles.toggle(bool(rest[0]))
                conn.send(("profile", None))
            elif command == "stop":
                check = bot.check(int(rest[0]))
                await bot.stop()
                conn.send(
                    (
                        "stop",
                        {
                            "check": check,
                            "counts": dict(counter.counts),
                            "profile": (
                                profiles.report(name, options["profile_top"]) if profiles else ""
                            ),
                        },
                    )
                )
                return
    finally:
        loop.remove_reader(conn.fileno())


class TimedExecutor(ThreadPoolExecutor):
    """The database threads' executor, counting jobs and the wall time they take in the
    thread (from start to end: their CPU time plus waits for the GIL and for SQLite)."""

    jobs = 0
    busy = 0.0
    lock = threading.Lock()

    def __init__(self, workers: int, profiles: Profiles | None) -> None:
        super().__init__(workers, thread_name_prefix="db")
        self.profiles = profiles

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        job = self.profiles.wrap(fn) if self.profiles else fn

        def timed() -> Any:
            started = time.perf_counter()
            try:
                return job(*args, **kwargs)
            finally:
                with TimedExecutor.lock:
                    TimedExecutor.jobs += 1
                    TimedExecutor.busy += time.perf_counter() - started

        return super().submit(timed)


def cpu_times() -> dict[str, float]:
    """CPU seconds of this process so far: in all (``total``) and per kind of thread
    (``loop``: the event loop; ``db``: the database threads; ``other``), from
    /proc/self/task where there is one."""
    times = {"total": time.process_time()}
    with TimedExecutor.lock:
        times["db jobs"], times["db busy"] = TimedExecutor.jobs, TimedExecutor.busy
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return times
    names = {thread.native_id: thread.name for thread in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    for task in tasks.iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
            name = names.get(int(task.name), "")
            kind = "loop" if name == "MainThread" else "db" if name.startswith("db") else "other"
            times[kind] = times.get(kind, 0.0) + seconds
    return times


# ---------------------------------------------------------------------------- the bot's process
class BotProcess:
    """The parent's handle on a bot running in its own process (spawned, not forked:
    the parent already runs the fake server's thread)."""

    def __init__(self, name: str, base_url: str, workdir: Path, args: argparse.Namespace) -> None:
        context = multiprocessing.get_context("spawn")
        self.name = name
        self.conn, child = context.Pipe()
        options = {
            "profile": bool(args.profile) and name == "siantar",
            "profile_top": int(args.profile_top),
            "rate_limiter": bool(args.rate_limiter),
            "connections": int(args.connections),
            "echo_rate_limiter": bool(args.echo_rate_limiter),
        }
        self.process = context.Process(
            target=bot_main,
            args=(child, name, base_url, str(workdir), options),
            name=f"bench-{name}",
            daemon=True,
        )
        self.process.start()
        child.close()

    def _receive(self, timeout: float) -> tuple[str, Any]:
        deadline = time.monotonic() + timeout
        while not self.conn.poll(0.1):
            if not self.process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name}: the bot process stopped answering")
        kind, value = self.conn.recv()
        if kind == "error":
            raise RuntimeError(f"{self.name}: the bot process failed:\n{value}")
        return kind, value

    async def ask(self, *command: Any, timeout: float = 60.0) -> Any:
        if command:
            self.conn.send(command)
        kind, value = await asyncio.to_thread(self._receive, timeout)
        if command and kind != command[0]:
            raise RuntimeError(f"{self.name}: asked {command[0]!r}, the bot answered {kind!r}")
        return value

    async def ready(self) -> None:
        await self.ask(timeout=120.0)

    async def cpu(self) -> dict[str, float]:
        return dict(await self.ask("cpu"))

    async def profile(self, on: bool) -> None:
        await self.ask("profile", on)

    async def stop(self, finished: int) -> dict[str, Any]:
        try:
            return dict(await self.ask("stop", finished, timeout=120.0))
        finally:
            self.process.join(30)
            if self.process.is_alive():
                self.process.kill()
            self.conn.close()


# ---------------------------------------------------------------------------- measurements
# The parent's side: fake server and residents, measuring the bot in its own process.
@dataclass
class Target:
    name: str
    fake: BenchFake
    steps: tuple[tuple[str, str], ...]
    bot: BotProcess


@dataclass
class Result:
    name: str
    run: int = 1  # the round, with --rounds
    load: float = math.nan  # the machine's 1-minute load average when this run began
    expected: list[int] = field(default_factory=list)  # cumulative bot messages after step i
    updates: int = 0
    seconds: float = 0.0
    flows_done: int = 0
    capped: bool = False
    offered: int = 0
    offered_seconds: float = 0.0
    not_offered: int = 0  # injections skipped: every resident was waiting for a reply
    latencies: list[float] = field(default_factory=list)
    timeouts: int = 0
    drain_seconds: float = 0.0
    cpu_per_update: float = math.nan  # bot process CPU seconds per answered update (throughput)
    cpu_split: dict[str, float] = field(default_factory=dict)  # the same by thread: loop, db
    # database jobs per update, wall seconds per job, share of the run the thread was busy
    db_jobs: tuple[float, float, float] | None = None
    world_cpu_per_update: float = math.nan  # the same for this process: fake server + residents
    counts: dict[str, int] = field(default_factory=dict)  # the bot's log records, counted
    profile: str = ""
    check: str = ""

    @property
    def throughput(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000


async def warm_up(target: Target, replies: Replies, user_id: int) -> list[int]:
    """One resident, alone: learn how many bot messages complete each step."""
    expected = []
    for step in target.steps:
        before = replies.count(user_id)
        act(target.fake, user_id, step)
        await replies.wait(user_id, before + 1, timeout=30)
        count = replies.count(user_id)
        while True:
            await asyncio.sleep(QUIET)
            if replies.count(user_id) == count:
                break
            count = replies.count(user_id)
        expected.append(count)
    return expected


async def measure_throughput(
    target: Target, replies: Replies, result: Result, users: Sequence[int], duration: float
) -> None:
    done_at: list[float] = []
    flows = 0
    timeouts = 0
    cpu, world_cpu = await target.bot.cpu(), time.process_time()
    start = time.monotonic()
    deadline = start + duration

    async def resident(user_id: int) -> None:
        nonlocal flows, timeouts
        for step, expected in zip(target.steps, result.expected, strict=True):
            if time.monotonic() >= deadline:
                return
            act(target.fake, user_id, step)
            try:
                done_at.append(await replies.wait(user_id, expected))
            except TimeoutError:
                timeouts += 1
                return
        flows += 1

    await asyncio.gather(*(resident(user_id) for user_id in users))
    ended = time.monotonic()
    world_cpu = time.process_time() - world_cpu
    cpu_after = await target.bot.cpu()
    if done_at:
        result.cpu_per_update = (cpu_after["total"] - cpu["total"]) / len(done_at)
        result.cpu_split = {
            kind: (seconds - cpu.get(kind, 0.0)) / len(done_at)
            for kind, seconds in cpu_after.items()
            if kind in ("loop", "db", "other")
        }
        if "db jobs" in cpu and cpu_after["db jobs"] > cpu["db jobs"]:
            jobs = cpu_after["db jobs"] - cpu["db jobs"]
            busy = cpu_after["db busy"] - cpu["db busy"]
            result.db_jobs = (jobs / len(done_at), busy / jobs, busy / (ended - start))
        result.world_cpu_per_update = world_cpu / len(done_at)
    total = len(users) * len(target.steps)
    result.flows_done, result.timeouts = flows, result.timeouts + timeouts
    if len(done_at) == total:
        result.updates, result.seconds = total, max(done_at) - start
    else:  # capped: count what was answered within the window
        result.capped = True
        result.updates = sum(at <= deadline for at in done_at)
        result.seconds = duration
    result.drain_seconds += max(0.0, ended - max(deadline, start + result.seconds))


async def measure_latency(
    target: Target,
    replies: Replies,
    result: Result,
    users: Sequence[int],
    rate: float,
    duration: float,
) -> None:
    step_of = dict.fromkeys(users, 0)
    busy: set[int] = set()
    pending: set[asyncio.Task[None]] = set()
    turn = 0

    async def one(user_id: int, index: int) -> None:
        started = act(target.fake, user_id, target.steps[index])
        try:
            at = await replies.wait(user_id, result.expected[index])
        except TimeoutError:
            result.timeouts += 1
            return  # this resident stays busy: it stops here
        result.latencies.append(at - started)
        step_of[user_id] = index + 1
        busy.discard(user_id)

    def pick() -> int | None:
        nonlocal turn
        for offset in range(len(users)):
            user_id = users[(turn + offset) % len(users)]
            if user_id not in busy and step_of[user_id] < len(target.steps):
                turn = (turn + offset + 1) % len(users)
                return user_id
        return None

    interval = 1.0 / rate
    shots = max(1, round(rate * duration))
    start = time.monotonic()
    for shot in range(shots):
        delay = start + shot * interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        user_id = pick()
        if user_id is None:
            result.not_offered += 1
            continue
        busy.add(user_id)
        task = asyncio.create_task(one(user_id, step_of[user_id]))
        pending.add(task)
        task.add_done_callback(pending.discard)
        result.offered += 1
    result.offered_seconds = time.monotonic() - start
    drain = time.monotonic()
    if pending:
        await asyncio.wait(set(pending), timeout=DRAIN_TIMEOUT)
    result.drain_seconds += time.monotonic() - drain


async def run_target(target: Target, args: argparse.Namespace, first_user: int, run: int) -> Result:
    result = Result(target.name, run, os.getloadavg()[0])
    replies = Replies(target.fake, asyncio.get_running_loop())
    result.expected = await warm_up(target, replies, first_user)
    throughput_users = range(first_user + 1, first_user + 1 + args.residents)
    latency_users = range(first_user + 1 + args.residents, first_user + 1 + 2 * args.residents)
    await target.bot.profile(True)
    await measure_throughput(target, replies, result, throughput_users, args.duration)
    await measure_latency(target, replies, result, latency_users, args.rate, args.duration)
    await target.bot.profile(False)
    await asyncio.sleep(QUIET)  # late extra messages would show in the check below
    counts = [replies.count(u) for u in (first_user, *throughput_users, *latency_users)]
    finished = sum(count == result.expected[-1] for count in counts)
    extra = sum(count not in (0, *result.expected) for count in counts)
    stopped = await target.bot.stop(finished)
    result.check, result.counts, result.profile = (
        stopped["check"],
        stopped["counts"],
        stopped["profile"],
    )
    if extra:
        result.check += f"; {extra} chats with an unexpected number of bot messages"
    return result


# ---------------------------------------------------------------------------- profiling
class Profiles:
    """cProfile, in the bot's process, for the event-loop thread and, per call, for work
    sent to the database threads (``bot.dbthreads``: the engine's transactions and the
    outbox bookkeeping). cProfile's clock is wall time: time spent waiting for the GIL or
    for SQLite's write lock inside a function counts as that function's time."""

    def __init__(self) -> None:
        self.loop_profile = cProfile.Profile(time.thread_time)
        self.local = threading.local()
        self.workers: list[cProfile.Profile] = []
        self.on = False

    def toggle(self, on: bool) -> None:
        self.on = on
        (self.loop_profile.enable if on else self.loop_profile.disable)()

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def profiled(*args: Any, **kwargs: Any) -> Any:
            if not self.on:
                return fn(*args, **kwargs)
            prof = getattr(self.local, "prof", None)
            if prof is None:
                prof = self.local.prof = cProfile.Profile(time.thread_time)
                self.workers.append(prof)
            prof.enable()
            try:
                return fn(*args, **kwargs)
            finally:
                prof.disable()

        return profiled

    def report(self, name: str, top: int = 15) -> str:
        out = io.StringIO()
        for title, profs in (
            ("event-loop thread", [self.loop_profile]),
            ("database threads (bot.dbthreads)", self.workers),
        ):
            if not profs:
                continue
            stats = pstats.Stats(profs[0], stream=out)
            for prof in profs[1:]:
                stats.add(prof)
            stats.strip_dirs()
            for key, label in (("cumulative", "cumulative time"), ("tottime", "own time")):
                out.write(f"\n--- cProfile, {name}, {title}: top {top} by {label} ---\n")
                stats.sort_stats(key).print_stats(top)
        return out.getvalue()


# ---------------------------------------------------------------------------- logging
class Counter(logging.Handler):
    """Counts records without printing them (the console handler shows WARNING+ only)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.counts: dict[str, int] = defaultdict(int)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            self.counts["errors logged"] += 1
        elif record.levelno >= logging.WARNING:
            self.counts["warnings logged"] += 1
        if "concurrent update" in message:
            self.counts["engine retries (optimistic-lock conflicts)"] += 1
        if "retrying in" in message:
            self.counts["Bot API calls retried"] += 1
        if "Rate limit hit" in message:
            self.counts["429 rate-limit retries"] += 1


def quiet_logging() -> Counter:
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    counter = Counter()
    logging.basicConfig(level=logging.WARNING, handlers=[console, counter], force=True)
    for name in ("handlers.core.engine", "bot.telegram.channel", "bot.telegram.calls"):
        logging.getLogger(name).setLevel(logging.INFO)  # counted, not printed
    for name in ("httpx", "httpcore", "uvicorn", "telegram", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    return counter


# ---------------------------------------------------------------------------- report
def fmt_ms(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.0f}"


def report(
    results: list[Result],
    args: argparse.Namespace,
    counter: Counter,
    elapsed: float,
    load: tuple[float, float, float],
) -> str:
    lines = [
        "",
        f"siantar-bot Telegram benchmark: {args.residents} residents x 11 updates per "
        f"measurement, latency at {args.rate:g} updates/s offered for {args.duration:g} s",
        "",
        f"{'bot':<10} {'updates':>6} {'seconds':>8} {'updates/s':>10} {'cpu ms/upd':>10} "
        f"{'fake ms/upd':>11}   {'offered':>7} {'offered/s':>9} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p99 ms':>7} {'max ms':>7}",
    ]

    def label(r: Result) -> str:
        return f"{r.name}#{r.run}" if args.rounds > 1 else r.name

    for r in results:
        offered_rate = r.offered / r.offered_seconds if r.offered_seconds else 0.0
        lines.append(
            f"{label(r):<10} {r.updates:>6} {r.seconds:>8.2f} {r.throughput:>10.1f} "
            f"{r.cpu_per_update * 1000:>10.2f} {r.world_cpu_per_update * 1000:>11.2f}   "
            f"{r.offered:>7} {offered_rate:>9.1f} {fmt_ms(r.pct(50)):>7} {fmt_ms(r.pct(95)):>7} "
            f"{fmt_ms(r.pct(99)):>7} {fmt_ms(max(r.latencies, default=math.nan) * 1000):>7}"
        )
    lines.append("")
    runs = {name: [r for r in results if r.name == name] for name in ("siantar", "echo")}
    siantar, echo = runs["siantar"], runs["echo"]
    of = " (medians over the rounds)" if args.rounds > 1 else ""
    if siantar and echo:
        ratios = [
            s.throughput / e.throughput for s, e in zip(siantar, echo, strict=True) if e.throughput
        ]
        cpu_ratios = [
            e.cpu_per_update / s.cpu_per_update for s, e in zip(siantar, echo, strict=True)
        ]
        if ratios:
            ratio = statistics.median(ratios)
            lines.append(
                f"throughput siantar/echo: {ratio:.2f} ({ratio:.0%}){of}   [{TARGET_THROUGHPUT}]"
            )
        lines.append(
            f"CPU per update echo/siantar: {statistics.median(cpu_ratios):.2f}{of} (the "
            "throughput ratio if both were CPU-bound; less sensitive to other load)"
        )
    if siantar:
        p99 = statistics.median(r.pct(99) for r in siantar)
        lines.append(
            f"siantar p99 at {args.rate:g} updates/s offered: "
            f"{fmt_ms(p99)} ms{of}   [{TARGET_LATENCY}]"
        )
    lines.append("")
    for r in results:
        notes = [f"load average {r.load:.2f} at start", f"bot messages per step {r.expected}"]
        if r.cpu_split:
            split = ", ".join(
                f"{kind} {seconds * 1000:.2f}" for kind, seconds in sorted(r.cpu_split.items())
            )
            notes.append(f"cpu ms/upd by thread: {split}")
        if r.db_jobs and r.cpu_split.get("db"):
            per_update, wall, busy = r.db_jobs
            notes.append(
                f"database thread busy {busy:.0%} of the throughput run, {per_update:.1f} jobs "
                f"per update, {wall * 1000:.1f} ms wall per job "
                f"({r.cpu_split['db'] / per_update * 1000:.1f} ms of it CPU)"
            )
        notes.append(
            f"{r.flows_done}/{args.residents} flows finished in the throughput run"
            + (f" (stopped at the {args.duration:g} s cap)" if r.capped else "")
        )
        if r.not_offered:
            notes.append(f"{r.not_offered} injections skipped (every resident was waiting)")
        if r.timeouts:
            notes.append(f"{r.timeouts} replies never came within {REPLY_TIMEOUT:g} s")
        notes.append(f"{r.drain_seconds:.1f} s draining late replies")
        if r.check:
            notes.append(r.check)
        if r.counts:
            counts = sorted(r.counts.items())
            notes.append("log records: " + ", ".join(f"{k} {v}" for k, v in counts))
        lines.append(f"{label(r)}: " + "; ".join(notes))
    if counter.counts:
        counts = sorted(counter.counts.items())
        lines.append("log records (bench process): " + ", ".join(f"{k} {v}" for k, v in counts))
    limiter = "on (as shipped)" if args.rate_limiter else "OFF (diagnostic)"
    lines.append(
        f"config: siantar telegram.connections = {args.connections}, rate limiter {limiter}"
        f", echo rate limiter {'on' if args.echo_rate_limiter else 'off (bare)'}; "
        "both polled by bot.telegram.polling.poll (same concurrency policy)"
    )
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines.append(
        f"machine: {cores} usable cores ({os.cpu_count()} total), Python "
        f"{platform.python_version()} ({platform.python_implementation()}), {platform.platform()}; "
        f"load average {load[0]:.2f} at start, {os.getloadavg()[0]:.2f} at end; "
        f"total run {elapsed:.0f} s"
    )
    lines.append(
        "processes: each bot runs alone in its own process (cpu ms/upd: that process); "
        "the fake Bot API server and the residents share another (fake ms/upd)"
    )
    if args.profile:
        lines.append("note: --profile was on; siantar figures include cProfile overhead")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- main
async def main_async(args: argparse.Namespace) -> list[Result]:
    results: list[Result] = []
    for run, name in itertools.product(range(1, args.rounds + 1), ("siantar", "echo")):
        if name not in args.bots:
            continue
        steps = SIANTAR_STEPS if name == "siantar" else ECHO_STEPS
        with tempfile.TemporaryDirectory(prefix="siantar-bench-") as tmp, BenchFake() as fake:
            print(f"{name}: warm-up, throughput, latency ...", file=sys.stderr, flush=True)
            if args.rounds > 1:
                print(f"  (round {run} of {args.rounds})", file=sys.stderr, flush=True)
            bot = BotProcess(name, fake.base_url, Path(tmp), args)
            try:
                await bot.ready()
                target = Target(name, fake, steps, bot)
                results.append(await run_target(target, args, 10_001, run))
            finally:
                if bot.process.is_alive():
                    bot.process.kill()
                    bot.process.join(10)
    for result in results:
        if result.profile:
            print(result.profile)
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--residents",
        type=int,
        default=200,
        help="simulated residents per measurement (default 200)",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=50.0,
        help="offered load for the latency measurement, updates/s (default 50)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=15.0,
        help="seconds of injection in the latency run, and the cap on the "
        "throughput run (default 15)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure each bot this many times, alternating (default 1); the summary "
        "gives medians, steadier on a shared machine",
    )
    parser.add_argument(
        "--bots",
        choices=("siantar", "echo"),
        nargs="+",
        default=["siantar", "echo"],
        help="which bots to measure (default both)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="cProfile siantar's measurements; print the top entries per thread",
    )
    parser.add_argument(
        "--profile-top",
        type=int,
        default=15,
        help="with --profile: how many entries of each listing to print (default 15)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=TELEGRAM_CONNECTIONS,
        help="siantar's telegram.connections, Bot API calls on their way at once "
        f"(default {TELEGRAM_CONNECTIONS}, as shipped)",
    )
    parser.add_argument(
        "--no-rate-limiter",
        dest="rate_limiter",
        action="store_false",
        help="diagnostic: drop the AIORateLimiter siantar's adapter configures",
    )
    parser.add_argument(
        "--echo-rate-limiter",
        action="store_true",
        help="give the echo bot the same AIORateLimiter(max_retries=2)",
    )
    args = parser.parse_args(argv)
    if (
        args.residents < 1
        or args.rate <= 0
        or args.duration <= 0
        or args.rounds < 1
        or args.connections < 1
    ):
        parser.error("--residents, --rate, --duration, --rounds and --connections must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    counter = quiet_logging()
    started, load = time.monotonic(), os.getloadavg()
    results = asyncio.run(main_async(args))
    print(report(results, args, counter, time.monotonic() - started, load))
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
