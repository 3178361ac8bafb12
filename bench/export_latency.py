"""Residents' reply latency while a 100,000-row XLSX export asked for in chat is built.

1. A fresh SQLite database in a temporary directory is migrated and filled with
   ``--rows`` aspirations (``bench/export.py``'s generator, default 100,000).
2. The engine is wired as ``siantar run`` wires it: ``Engine.handle_recorded`` on the
   one SQLite database thread (``bot.dbthreads``), chat jobs in a process of their
   own (``bot.job_process``, polled every ``--poll`` seconds as the scheduler does),
   replies recorded in the outbox.
3. ``--residents`` residents (past consent) send ``/bantuan`` round-robin at a fixed
   ``--rate`` per second; a reply's latency is the wall time from handing the update
   to the database thread to its handled replies coming back (the time it waited for
   the thread included).
4. In the same run: a baseline phase of ``--duration`` seconds with no export, then a
   phase in which a staff member asks for an XLSX export of every aspiration in chat
   (/ekspor, Aspirasi, Excel, Semua waktu); the phase lasts until the file has been
   built and put in the outbox, and at least ``--duration`` seconds. p50/p99 of each
   phase and the ratio of the p99s are printed. ``--on`` says where the export is
   built: ``process`` (the default, as ``siantar run`` does: ``bot.job_process``),
   ``thread`` (a thread of the bot's process) or ``database`` (the database thread,
   as the chat step did before the chat jobs).

Target (issue 16): p99 with the export ≤ 1.20 × p99 without. Printed, not asserted:
exit status 0 unless the bench breaks.

Run: ``python bench/export_latency.py [--rows 100000] [--rate 20] [--duration 20]
[--residents 50] [--on process|thread|database]`` from the repo root with the project's venv.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import export as export_bench  # noqa: E402  (bench/export.py: the generator)

from bot.app import categories  # noqa: E402
from bot.charts import stats_chart  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.dbthreads import DatabaseThreads  # noqa: E402
from bot.i18n import translator  # noqa: E402
from bot.job_process import JobProcess  # noqa: E402
from bot.media import MediaStore  # noqa: E402
from handlers.core import chat_jobs  # noqa: E402
from handlers.core.engine import Engine  # noqa: E402
from handlers.core.settings import EngineSettings  # noqa: E402
from handlers.core.types import Choice, Inbound, Reply  # noqa: E402
from handlers.registry import FLOWS  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.wilayah import load_wilayah  # noqa: E402

STAFF = "9001"


def now() -> datetime:
    return datetime.now(UTC)


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


class Bench:
    def __init__(self, db_path: str, media: Path, args: argparse.Namespace) -> None:
        self.db = make_engine(f"sqlite:///{db_path}")
        settings = EngineSettings(
            translators=translator,
            wilayah=load_wilayah(),
            categories=categories(Settings()),
            config_roles={f"bench:{STAFF}": frozenset({"staff"})},
            files=MediaStore(media, 10**6),
            chart=stats_chart,
        )
        self.engine = Engine(self.db, replace(settings), FLOWS)
        self.threads = DatabaseThreads(self.db)
        self.builder = JobProcess(f"sqlite:///{db_path}", self.engine.settings, [], logging.INFO)
        self.thread = ThreadPoolExecutor(1, thread_name_prefix="chat-jobs")
        self.args = args
        self.update = 0
        self.exported = threading.Event()

    async def send(self, user_id: str, **fields: object) -> tuple[float, list[Reply]]:
        self.update += 1
        inbound = Inbound(
            channel="bench",
            user_id=user_id,
            display_name="Warga",
            update_key=str(self.update),
            **fields,  # type: ignore[arg-type]
        )
        start = time.monotonic()
        handled = await self.threads.run(self.engine.handle_recorded, inbound, now())
        return time.monotonic() - start, [q.reply for q in handled.replies]

    async def press(self, user_id: str, replies: list[Reply], label: str) -> list[Reply]:
        question = next(r for r in reversed(replies) if r.options)
        option = next(o for o in question.options if label.casefold() in o.label.casefold())
        assert question.prompt_id is not None
        _, replies = await self.send(user_id, choice=Choice(question.prompt_id, option.value))
        return replies

    async def onboard(self, user_id: str) -> None:
        _, replies = await self.send(user_id, text="/start")
        await self.press(user_id, replies, "Tidak setuju")

    async def residents(self, seconds: float, until: threading.Event | None) -> list[float]:
        """Send /bantuan at the fixed rate for ``seconds`` (and until ``until`` is set)."""
        latencies: list[float] = []
        pending: set[asyncio.Task[None]] = set()
        interval = 1 / self.args.rate
        start = time.monotonic()
        sent = 0

        async def one(user_id: str) -> None:
            latency, _ = await self.send(user_id, text="/bantuan")
            latencies.append(latency)

        while time.monotonic() - start < seconds or (until is not None and not until.is_set()):
            task = asyncio.create_task(one(f"r{sent % self.args.residents}"))
            pending.add(task)
            task.add_done_callback(pending.discard)
            sent += 1
            await asyncio.sleep(max(0.0, start + sent * interval - time.monotonic()))
        await asyncio.gather(*pending)
        return latencies

    async def export_in_chat(self) -> None:
        """The staff member's four turns; then the worker (or, --inline, the database
        thread) builds the file."""
        _, replies = await self.send(STAFF, text="/ekspor")
        replies = await self.press(STAFF, replies, "Aspirasi")
        replies = await self.press(STAFF, replies, "Excel")
        self.update += 1
        inbound = Inbound(
            channel="bench",
            user_id=STAFF,
            update_key=str(self.update),
            choice=Choice(
                next(r for r in reversed(replies) if r.options).prompt_id or 0,
                "all",
            ),
        )
        handled = await self.threads.run(self.engine.handle_recorded, inbound, now())
        built_at = time.monotonic()
        if self.args.on == "database":  # as before: on the database thread
            for job in handled.jobs:
                await self.threads.run(chat_jobs.run_now, self.db, self.engine.settings, job, now())
        elif self.args.on == "thread":  # a thread of the bot's process
            loop = asyncio.get_running_loop()
            while not await loop.run_in_executor(
                self.thread, chat_jobs.run_due, self.db, self.engine.settings, now
            ):
                await asyncio.sleep(self.args.poll)
        else:  # as siantar run does it
            while not await self.builder.tick():
                await asyncio.sleep(self.args.poll)
        print(f"export built in {time.monotonic() - built_at:.1f} s", flush=True)
        self.exported.set()

    async def run(self) -> tuple[list[float], list[float]]:
        for n in range(self.args.residents):
            await self.onboard(f"r{n}")
        await self.onboard(STAFF)
        await self.builder.tick()  # the child is spawned once, as at siantar run's first tick
        await self.residents(2, None)  # warm-up
        baseline = await self.residents(self.args.duration, None)
        exporting = asyncio.create_task(self.export_in_chat())
        during = await self.residents(self.args.duration, self.exported)
        await exporting
        return baseline, during

    def close(self) -> None:
        self.builder.close()
        self.thread.shutdown()
        self.threads.close()
        self.db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--residents", type=int, default=50)
    parser.add_argument("--poll", type=float, default=2.0, help="the scheduler's interval")
    parser.add_argument(
        "--on",
        choices=("process", "thread", "database"),
        default="process",
        help="where the export is built: the chat-jobs process (as siantar run), a thread "
        "of the bot's process, or the database thread (as before the chat jobs)",
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db_path = os.path.join(folder, "bench.db")
        started = time.monotonic()
        export_bench.child_generate(db_path, args.rows, 1)
        print(f"{args.rows:,} aspirations seeded in {time.monotonic() - started:.0f} s", flush=True)
        bench = Bench(db_path, Path(folder) / "media", args)
        try:
            baseline, during = asyncio.run(bench.run())
        finally:
            bench.close()
    load = os.getloadavg()[0]
    where = {"process": "chat-jobs process", "thread": "a thread", "database": "database thread"}[
        args.on
    ]
    print(f"load average {load:.1f}; export built on the {where}; rate {args.rate:g}/s")
    print(f"{'phase':<16}{'replies':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, values in (("no export", baseline), ("during export", during)):
        print(
            f"{name:<16}{len(values):>8}{p(values, 0.5):>9.1f}{p(values, 0.99):>9.1f}"
            f"{max(values) * 1000:>9.1f}"
        )
    ratio = p(during, 0.99) / p(baseline, 0.99)
    print(f"p99 ratio (during / without): {ratio:.2f} (target ≤ 1.20)")
    means = (statistics.mean(values) * 1000 for values in (baseline, during))
    print("mean ms: {:.1f} vs {:.1f}".format(*means))
    return 0


if __name__ == "__main__":
    sys.exit(main())
