"""Broadcast at scale: one announcement to 10,000 residents through the real ``siantar run``.

1. A fresh SQLite database in a temporary directory gets ``--recipients`` Telegram
   residents (consented) and one announcement to everyone, due now.
2. The fake Bot API server from ``tests/fake_telegram.py`` runs in this process with a
   global limit (``rate_limit``: more than ``--limit`` message sends in any one second
   are answered 429, retry_after 1), ``--blocked`` of the residents blocked the bot
   (403) and ``--flaky`` of all sends answered 502 once (at random, seeded).
3. ``siantar run`` starts as a subprocess with ``[broadcast] telegram_per_second =
   --pace × --limit`` (and ``telegram_fake_api = true``, as the pace is above
   Telegram's 30); it fans the announcement out and sends it. This process waits until
   every outbox row is settled, then stops it with SIGTERM; its peak RSS is the
   ``ru_maxrss`` of that very child (``os.wait4``).
4. From the fake's record of calls: achieved msgs/s (delivered messages between the
   first and the last delivery) ÷ ``--limit``, the 429s, lost (non-blocked residents
   who got nothing), duplicates (residents who got it more than once).
5. Fan-out time for ``--fanout`` recipients (default 100,000) on SQLite:
   ``bot.jobs.broadcast_tick`` called until the announcement is fanned out, in this
   process, then the time of one paced claim (``storage.pace.claim_batch``) with all
   those rows pending.

Targets (from the issue; printed, never asserted): ≥ 0.9 of the limit, 0 lost, peak
RSS < 250 MB. Exit status 0 unless the benchmark itself breaks.

Run: ``python bench/broadcast.py [--recipients 10000] [--limit 100] [--pace 0.95]
[--blocked 0.01] [--flaky 0.01] [--fanout 100000] [--keep DIR]`` from the repo root with
the project's venv (about 2 minutes at the defaults).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fake Bot API server is test code of this repo

from fake_telegram import SENDING, TOKEN, ApiError, FakeTelegram  # noqa: E402
from sqlalchemy import Engine, func, insert  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from bot.jobs import broadcast_tick  # noqa: E402
from bot.outbox import PER_CHAT  # noqa: E402
from storage.announcements import Segment, create_announcement  # noqa: E402
from storage.db import make_engine, migrate, transaction  # noqa: E402
from storage.models import Announcement, OutboxMessage, Resident  # noqa: E402
from storage.pace import claim_batch  # noqa: E402

FIRST_ID = 7_000_001
RATIO_TARGET = 0.9
RSS_TARGET_MB = 250.0


class FlakyTelegram(FakeTelegram):
    """The fake Bot API, with a share of message sends answered 502 (once each)."""

    def __init__(self, flaky: float, seed: int) -> None:
        super().__init__()
        self.flaky = flaky
        self.rng = random.Random(seed)

    def _check_faults(self, method: str, params: dict[str, Any]) -> None:
        super()._check_faults(method, params)
        if method in SENDING and self.rng.random() < self.flaky:
            raise ApiError(502, "Bad Gateway", fault=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(db: Engine, recipients: int, now: datetime) -> None:
    """Consented Telegram residents and one announcement to everyone, due now."""
    migrate(db)
    rows = [
        {
            "identity": f"telegram:{FIRST_ID + n}",
            "channel": "telegram",
            "language": "id",
            "language_chosen": False,
            "english_offered": False,
            "consent_at": now,
            "onboarded_at": now,
            "created_at": now,
            "last_seen_at": now,
        }
        for n in range(recipients)
    ]
    with transaction(db) as session:
        for start in range(0, len(rows), 10_000):
            session.execute(insert(Resident), rows[start : start + 10_000])
        create_announcement(
            session=session,
            text="Pengumuman: Musrenbang Kecamatan Siantar Utara, Sabtu 09.00 WIB.",
            segment=Segment("everyone"),
            send_at=now,
            actor="telegram:1",
            now=now,
        )


def settled(db: Engine) -> tuple[bool, Counter[str]]:
    """(fanned out and nothing pending, outbox rows by status)."""
    with Session(db) as session:
        announcement = session.exec(select(Announcement)).one()
        statuses = Counter(
            {
                status: int(n)
                for status, n in session.exec(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                ).all()
            }
        )
    return announcement.status == "sent" and statuses["pending"] == 0, statuses


def run_broadcast(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    rng = random.Random(args.seed)
    everyone = [FIRST_ID + n for n in range(args.recipients)]
    blocked = set(rng.sample(everyone, round(args.recipients * args.blocked)))
    db_path = workdir / "siantar.db"
    db = make_engine(f"sqlite:///{db_path}")
    seed(db, args.recipients, datetime.now(UTC))
    pace = args.pace * args.limit
    with FlakyTelegram(args.flaky, args.seed) as fake:
        fake.rate_limit(args.limit, retry_after=1)
        for user_id in blocked:
            fake.block(user_id)
        (workdir / "config.toml").write_text(
            "\n".join(
                [
                    "[database]",
                    f'url = "sqlite:///{db_path}"',
                    "[telegram]",
                    "enabled = true",
                    f'token = "{TOKEN}"',
                    f'api_base_url = "{fake.base_url}"',
                    "[broadcast]",
                    "telegram_fake_api = true",
                    f"telegram_per_second = {pace}",
                    "[media]",
                    f'directory = "{workdir / "media"}"',
                    "[server]",  # /healthz, on a port of its own
                    'host = "127.0.0.1"',
                    f"port = {free_port()}",
                ]
            )
            + "\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIANTAR_")}
        script = Path(sys.executable).parent / "siantar"
        command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
        if args.profile:  # (cProfile writes its file when the process ends)
            command = [sys.executable, "-m", "cProfile", "-o", str(workdir / "run.prof")]
            command += ["-m", "bot.cli"]
        started = time.monotonic()
        with (workdir / "run.stderr").open("wb") as err:
            child = subprocess.Popen(
                [*command, "run"], cwd=workdir, env=env, stdin=subprocess.DEVNULL, stderr=err
            )
        try:
            deadline = started + args.timeout
            while True:
                time.sleep(0.5)
                done, statuses = settled(db)
                if done:
                    break
                if child.poll() is not None:
                    raise SystemExit(f"siantar run exited early; see {workdir / 'run.stderr'}")
                if time.monotonic() > deadline:
                    raise SystemExit(f"not finished after {args.timeout} s: {dict(statuses)}")
            wall = time.monotonic() - started
            child.send_signal(signal.SIGTERM)
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        calls = fake.calls_to("sendMessage")
    db.dispose()
    ok = [call for call in calls if call.status == 200]
    got = Counter(int(call.params["chat_id"]) for call in ok)
    span = ok[-1].at - ok[0].at if len(ok) > 1 else 0.0
    achieved = (len(ok) - 1) / span if span else 0.0
    reachable = [user for user in everyone if user not in blocked]
    return {
        "recipients": args.recipients,
        "blocked": len(blocked),
        "flaky": args.flaky,
        "limit": args.limit,
        "pace": pace,
        "achieved": achieved,
        "ratio": achieved / args.limit,
        "span": span,
        "wall": wall,
        "delivered": len(ok),
        "429": sum(call.status == 429 for call in calls),
        "502": sum(call.status == 502 for call in calls),
        "403": sum(call.status == 403 for call in calls),
        "lost": sum(1 for user in reachable if got[user] == 0),
        "duplicates": sum(1 for n in got.values() if n > 1),
        "to_blocked": sum(got[user] for user in blocked),
        "statuses": dict(statuses),
        "rss_mb": usage.ru_maxrss / 1024,  # Linux reports KiB
        "cpu": usage.ru_utime + usage.ru_stime,
        "exit": child.returncode,
    }


def run_fanout(recipients: int, workdir: Path) -> dict[str, Any]:
    db = make_engine(f"sqlite:///{workdir / 'fanout.db'}")
    now = datetime.now(UTC)
    seed(db, recipients, now)
    started = time.perf_counter()
    ticks = written = 0
    while True:
        count = broadcast_tick(db, now)
        ticks += 1
        written += count
        if count == 0:
            break
    seconds = time.perf_counter() - started
    claims = []
    for _ in range(5):  # the first with its connection; the median of the others
        began = time.perf_counter()
        with transaction(db) as session:
            batch = claim_batch(
                session=session,
                channel="telegram",
                now=now + timedelta(seconds=1),
                lease=timedelta(seconds=60),
                limit=25,
                interval=timedelta(seconds=1 / 25),
                chat_gap=PER_CHAT["telegram"],
            )
        claims.append(time.perf_counter() - began)
        assert len(batch.rows) == 25
    db.dispose()
    return {
        "rows": written,
        "seconds": seconds,
        "ticks": ticks,
        "claim_ms": sorted(claims[1:])[len(claims[1:]) // 2] * 1000,
    }


def report(run: dict[str, Any], fanout: dict[str, Any] | None) -> str:
    def target(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    lines = [
        f"broadcast to {run['recipients']:,} Telegram residents ({run['blocked']} blocked the "
        f"bot, {run['flaky']:.0%} of sends answered 502 once)",
        f"  fake Bot API limit     {run['limit']:g} msg/s; siantar paced at {run['pace']:g}/s",
        f"  achieved               {run['achieved']:.1f} msg/s = {run['ratio']:.3f} of the limit "
        f"(target ≥ {RATIO_TARGET}: {target(run['ratio'] >= RATIO_TARGET)})",
        f"  delivered              {run['delivered']:,} in {run['span']:.1f} s "
        f"(first to last delivery; {run['wall']:.1f} s from process start to all settled)",
        f"  429s received          {run['429']}",
        f"  502s injected          {run['502']}",
        f"  403s (blocked)         {run['403']}",
        f"  lost                   {run['lost']} (target 0: {target(run['lost'] == 0)})",
        f"  duplicates             {run['duplicates']}",
        f"  sent to blocked        {run['to_blocked']}",
        f"  outbox rows            {run['statuses']}",
        f"  peak RSS (siantar run) {run['rss_mb']:.0f} MB "
        f"(target < {RSS_TARGET_MB:g}: {target(run['rss_mb'] < RSS_TARGET_MB)})",
        f"  CPU (siantar run)      {run['cpu']:.1f} s = "
        f"{run['cpu'] / max(run['delivered'], 1) * 1000:.1f} ms per message delivered",
        f"  exit status            {run['exit']} (SIGTERM)",
    ]
    if fanout is not None:
        lines += [
            f"fan-out of {fanout['rows']:,} recipients (SQLite, broadcast_tick)",
            f"  time                   {fanout['seconds']:.1f} s in {fanout['ticks']} tick(s) "
            f"= {fanout['rows'] / fanout['seconds']:,.0f} rows/s",
            f"  one paced claim        {fanout['claim_ms']:.0f} ms with all of them pending "
            f"(25 rows, a second's worth at 25/s)",
        ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=100.0, help="fake's global msg/s")
    parser.add_argument("--pace", type=float, default=0.95, help="siantar's rate ÷ limit")
    parser.add_argument("--blocked", type=float, default=0.01, help="share who blocked the bot")
    parser.add_argument("--flaky", type=float, default=0.01, help="share of sends answered 502")
    parser.add_argument("--fanout", type=int, default=100_000, help="0 skips the fan-out part")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", type=Path, help="work here and keep the files")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile siantar run into DIR/run.prof (--keep)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="siantar-broadcast-"))
    workdir.mkdir(parents=True, exist_ok=True)
    for name in ("siantar.db", "fanout.db"):  # a kept directory from an earlier run
        for path in workdir.glob(f"{name}*"):
            path.unlink()
    try:
        print(f"broadcast: {args.recipients:,} residents ...", file=sys.stderr, flush=True)
        result = run_broadcast(args, workdir)
        fanout = None
        if args.fanout:
            print(f"fan-out: {args.fanout:,} residents ...", file=sys.stderr, flush=True)
            fanout = run_fanout(args.fanout, workdir)
        print(report(result, fanout))
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
