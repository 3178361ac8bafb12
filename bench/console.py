"""Konsol's speed at city scale: the aspiration list and detail pages while residents chat.

1. The database (``--database-url``, else ``$TEST_DATABASE_URL``; PostgreSQL is what
   the issue asks for; **the database is emptied**, as the tests do) is filled with
   ``--aspirations`` aspirations (default 100,000) by bulk inserts: a year of them,
   spread over statuses as a busy office has them (most closed, a working backlog),
   every category, kelurahan and the units the categories go to; some with photos,
   some anonymous, open ones with due times (some past).
2. ``--residents`` simulated residents (default 200) chat meanwhile: threads driving
   ``Engine.handle`` turns on the same database (the console channel), together
   about ``--rate`` turns a second, pressing the buttons they are offered.
3. Konsol is served in-process (``httpx.ASGITransport``: server time, no network),
   logged in as a staff member. ``--requests`` GETs each, one at a time:
   - the list page with the filters officers use (none, a status, overdue, a
     category in a kecamatan, a unit by due date, a period, a later page, free text);
   - the detail page ``/konsol/aspirasi/{CODE}`` of random aspirations, when this
     build has it;
   - the reference: a bare Starlette page returning a small ``HTMLResponse``, through
     the same client in the same run.
   p50 and p95 per page and their ratio to the reference's. Target: p95 < 300 ms.
4. The list query's plan for common filters (PostgreSQL ``EXPLAIN ANALYZE``, SQLite
   ``EXPLAIN QUERY PLAN``): the indexes of migration 0014 at work.

Run: ``python bench/console.py [--database-url URL] [--aspirations 100000]
[--residents 200] [--rate 20] [--requests 300]`` (from the repository root, with the
project's venv). ``--aspirations 5000 --requests 50`` is a quick check.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
from sqlalchemy import Engine as Database  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from bot.app import categories  # noqa: E402
from bot.config import Settings, WebSettings  # noqa: E402
from bot.i18n import translator  # noqa: E402
from bot.konsol.app import Konsol  # noqa: E402
from bot.web import create_web_app  # noqa: E402
from handlers.core.engine import Engine  # noqa: E402
from handlers.core.settings import EngineSettings  # noqa: E402
from handlers.core.types import Choice, Inbound, Reply  # noqa: E402
from handlers.registry import FLOWS  # noqa: E402
from storage.aspirations import CODE_ALPHABET, CODE_PREFIX  # noqa: E402
from storage.console_aspirations import Filters, count_query, page_query  # noqa: E402
from storage.db import make_engine, migrate, transaction  # noqa: E402
from storage.models import CATEGORY_KEYS, Aspiration, AspirationStatusChange, Opd  # noqa: E402
from storage.opd import CATEGORY_UNITS, default_units  # noqa: E402
from storage.web_sessions import issue_link  # noqa: E402
from storage.wilayah import load_wilayah  # noqa: E402
from storage.workflow import OPEN_STATUSES  # noqa: E402

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # Tuesday 24 November 2026, 10:00 WIB
STAFF = "console:9001"
PUBLIC = "http://konsol.bench"
# How a year's aspirations stand today: mostly closed, a working backlog.
STATUS_SHARE = {
    "selesai": 40, "diproses": 14, "diteruskan": 10, "diterima": 7, "diverifikasi": 5,
    "ditolak": 6, "spam": 5, "duplik": 4, "arsip": 4, "bukan_wewenang": 3, "tunda": 2,
}  # fmt: skip
WITH_UNIT = ("diteruskan", "diproses", "selesai")
SUBJECTS = (
    "Jalan berlubang", "Lampu jalan mati", "Saluran air tersumbat", "Sampah menumpuk",
    "Banjir setiap hujan", "Air PDAM tidak mengalir", "Pohon tumbang", "Jembatan retak",
    "Parkir liar", "Antrean pelayanan KTP lama", "Atap sekolah bocor", "Obat di puskesmas habis",
    "Trotoar rusak", "Pedagang menutup jalan", "Anjing liar berkeliaran", "Bau limbah pabrik",
)  # fmt: skip
STREETS = (
    "Sutomo", "Merdeka", "Sisingamangaraja", "Diponegoro", "Kartini", "Cokroaminoto",
    "Ahmad Yani", "Sudirman", "Asahan", "Medan", "Viyata Yudha", "Rakutta Sembiring",
    "Gereja", "Wahidin", "Pane", "Bah Biak", "Melanthon Siregar", "Sangnawaluh",
)  # fmt: skip
TAILS = (
    "sejak dua minggu lalu", "mohon segera ditangani", "sudah dilaporkan ke kelurahan",
    "membahayakan anak sekolah", "warga sekitar resah", "terutama malam hari",
    "sudah berbulan-bulan", "tolong dicek petugas", "dekat rumah nomor {n}", "di gang {n}",
)  # fmt: skip


def code_of(i: int) -> str:
    """A unique code for row ``i`` (base 31 over the code alphabet)."""
    digits = []
    for _ in range(6):
        i, rest = divmod(i, len(CODE_ALPHABET))
        digits.append(CODE_ALPHABET[rest])
    return CODE_PREFIX + "".join(reversed(digits))


def empty(db: Database) -> None:
    with db.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables))
        if db.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(SQLModel.metadata.sorted_tables):
                connection.execute(table.delete())


def fill(db: Database, count: int, seed: int) -> list[str]:
    """``count`` aspirations with one history row each; returns their codes."""
    rng = random.Random(seed)
    kelurahan = [kel for kec in load_wilayah().kecamatan for kel in kec.kelurahan]
    statuses = list(STATUS_SHARE)
    weights = list(STATUS_SHARE.values())
    codes = []
    with db.begin() as connection:
        connection.execute(
            insert(Opd.__table__),  # type: ignore[attr-defined]
            [{**unit, "active": True} for unit in default_units()],
        )
        rows: list[dict[str, Any]] = []
        changes: list[dict[str, Any]] = []
        for i in range(1, count + 1):
            status = rng.choices(statuses, weights)[0]
            category = rng.choice(CATEGORY_KEYS)
            kel = rng.choice(kelurahan)
            # open ones are recent; closed ones spread over the year
            days = rng.uniform(0, 45 if status in OPEN_STATUSES else 365)
            created = NOW - timedelta(days=days)
            due = created + timedelta(days=rng.uniform(3, 20))
            code = code_of(i * 7919 + 12345)
            codes.append(code)
            rows.append(
                {
                    "id": i,
                    "code": code,
                    "channel": rng.choice(("telegram", "whatsapp")),
                    "category": category,
                    "kecamatan_code": kel.kecamatan_code,
                    "kelurahan_code": kel.code,
                    "text": f"{rng.choice(SUBJECTS)} di Jalan {rng.choice(STREETS)}, "
                    + ", ".join(rng.sample(TAILS, 2)).format(n=rng.randrange(1, 300))
                    + ".",
                    "language": "id",
                    "anonymous": rng.random() < 0.4,
                    "photo_path": f"bench/{i}.jpg" if rng.random() < 0.3 else None,
                    "status": status,
                    "created_at": created,
                    "updated_at": created + timedelta(hours=rng.uniform(0, 48)),
                    "opd_code": CATEGORY_UNITS.get(category, "PUPR")
                    if status in WITH_UNIT
                    else None,
                    "tunda_count": 0,
                    "next_due_at": due if status in OPEN_STATUSES and status != "tunda" else None,
                    "breached": "",
                }
            )
            changes.append({"aspiration_id": i, "status": "diterima", "at": created})
            if len(rows) >= 5000:
                _flush(connection, rows, changes)
        _flush(connection, rows, changes)
        if db.dialect.name == "postgresql":
            connection.execute(
                text("SELECT setval('aspiration_id_seq', (SELECT max(id) FROM aspiration))")
            )
    with db.begin() as connection:
        connection.execute(text("ANALYZE"))
    return codes


def _flush(connection: Any, rows: list[dict[str, Any]], changes: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(insert(Aspiration.__table__), rows)  # type: ignore[attr-defined]
        connection.execute(insert(AspirationStatusChange.__table__), changes)  # type: ignore[attr-defined]
    rows.clear()
    changes.clear()


class Residents:
    """Residents chatting on the console channel in threads, about ``rate`` turns a
    second in all: each presses one of the buttons it was offered, or asks for the
    menu again."""

    def __init__(self, engine: Engine, count: int, rate: float, seed: int) -> None:
        self.engine, self.count, self.rate = engine, count, rate
        self.stop = threading.Event()
        self.turns = 0
        self.errors = 0
        self.lock = threading.Lock()
        self.seed = seed
        self.threads = [
            threading.Thread(target=self.chat, args=(n,), daemon=True) for n in range(count)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def chat(self, n: int) -> None:
        rng = random.Random(self.seed + n)
        gap = self.count / self.rate  # each resident's mean seconds between turns
        started = time.monotonic()
        last: list[Reply] = []
        while not self.stop.wait(rng.expovariate(1 / gap)):
            asked = next((r for r in reversed(last) if r.options and r.prompt_id), None)
            if asked is None or rng.random() < 0.15:
                inbound = Inbound(channel="console", user_id=str(5000 + n), text="/menu")
            else:
                option = rng.choice(asked.options)
                inbound = Inbound(
                    channel="console",
                    user_id=str(5000 + n),
                    choice=Choice(asked.prompt_id or 0, option.value),
                )
            try:
                now = NOW + timedelta(seconds=time.monotonic() - started)
                last = self.engine.handle(inbound, now)
            except Exception:  # a resident's failure is counted, not fatal to the bench
                logging.getLogger(__name__).debug("turn failed", exc_info=True)
                with self.lock:
                    self.errors += 1
                last = []
                continue
            with self.lock:
                self.turns += 1


def settings() -> EngineSettings:
    return EngineSettings(
        translators=translator, wilayah=load_wilayah(), categories=categories(Settings())
    )


def list_urls(rng: random.Random) -> list[str]:
    """The list as officers use it: one URL per request, in turn."""
    kec = rng.choice(load_wilayah().kecamatan)
    return [
        "/konsol/aspirasi",
        "/konsol/aspirasi?status=diproses",
        "/konsol/aspirasi?status=diterima&overdue=1",
        f"/konsol/aspirasi?category=infrastruktur&kecamatan={kec.code}",
        "/konsol/aspirasi?opd=PUPR&sort=due",
        "/konsol/aspirasi?since=2026-11-01&until=2026-11-15&photo=ya",
        "/konsol/aspirasi?status=selesai&page=5",
        "/konsol/aspirasi?overdue=1&sort=due",
        "/konsol/aspirasi?q=pohon+tumbang",
        "/konsol/aspirasi?q=bah+biak",
        "/konsol/aspirasi?q=rumah+nomor+123",
    ]


async def timed(client: httpx.AsyncClient, urls: list[str], requests: int) -> list[float]:
    times = []
    for n in range(requests):
        started = time.perf_counter()
        answer = await client.get(urls[n % len(urls)])
        times.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{urls[n % len(urls)]} answered {answer.status_code}")
    return times


def summary(name: str, times: list[float], reference: list[float] | None) -> str:
    p50 = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    line = f"  {name:<28} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms"
    if reference:
        line += (
            f"  ratio p50 {p50 / statistics.median(reference):6.1f}"
            f"  p95 {p95 / statistics.quantiles(reference, n=20)[-1]:6.1f}"
        )
    return line


async def measure(db: Database, codes: list[str], requests: int, seed: int) -> None:
    rng = random.Random(seed)
    konsol = Konsol(
        db=db,
        web=WebSettings(enabled=True, public_url=PUBLIC, session_hours=12),
        settings=replace(settings(), config_roles={STAFF: frozenset({"staff"})}),
        now=lambda: NOW,
    )
    pages = konsol.routes()
    detail = any(getattr(r, "path", "").startswith("/aspirasi/{") for r in pages.routes)
    app = create_web_app(db=db, channels=[], konsol=pages)

    async def bare_page(request: Request) -> HTMLResponse:
        return HTMLResponse("<!doctype html><title>ok</title><p>Halo</p>")

    bare = Starlette(routes=[Route("/", bare_page)])
    with transaction(db) as session:
        token = issue_link(session=session, identity=STAFF, via="cli", now=NOW)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC) as client,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=bare), base_url=PUBLIC) as plain,
    ):
        answer = await client.post(f"/konsol/masuk/{token}")
        if answer.status_code not in (200, 303):
            raise RuntimeError(f"login answered {answer.status_code}")
        urls = list_urls(rng)
        await timed(client, urls, len(urls))  # warm up: templates, plans, pools
        await timed(plain, ["/"], 20)
        reference = await timed(plain, ["/"], requests)
        listing = await timed(client, urls, requests)
        per_filter = {url: listing[n :: len(urls)] for n, url in enumerate(urls)}
        shown = None
        if detail:
            picked = [f"/konsol/aspirasi/{rng.choice(codes)}" for _ in range(requests)]
            await timed(client, picked[:10], 10)
            shown = await timed(client, picked, requests)
    print(f"pages ({requests} requests each, one at a time, while residents chat):")
    print(summary("bare Starlette page", reference, None))
    print(summary("list, filters in turn", listing, reference))
    for url, times in per_filter.items():
        query = url.partition("?")[2] or "(no filter)"
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
        print(f"    {query:<52} p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms")
    if shown is not None:
        print(summary("detail /aspirasi/{CODE}", shown, reference))
    else:
        print("  detail /aspirasi/{CODE}: not in this build, not measured")


def explain(db: Database) -> None:
    """The plans of the list's queries for common filters."""
    cases = {
        "status=diproses, newest first (page 1)": Filters(status="diproses"),
        "no filter, newest first (page 1)": Filters(),
        "overdue, due soonest": Filters(overdue=True, sort="due"),
        "unit PUPR in an officer's scope": Filters(opd="PUPR"),
        "category and kecamatan": Filters(category="infrastruktur", kecamatan="12.72.03"),
        "free text, common: 'bah biak'": Filters(q="bah biak"),
        "free text, rare: 'rumah nomor 123'": Filters(q="rumah nomor 123"),
    }
    scope = {"unit PUPR in an officer's scope": frozenset({"PUPR"})}
    prefix = "EXPLAIN ANALYZE " if db.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    with db.connect() as connection:
        for label, filters in cases.items():
            units = scope.get(label)
            for kind, statement in (
                ("rows", page_query(filters, NOW, units)),
                ("count", count_query(filters, NOW, units)),
            ):
                compiled = statement.compile(
                    dialect=db.dialect, compile_kwargs={"render_postcompile": True}
                )
                plan = connection.exec_driver_sql(prefix + str(compiled), compiled.params).all()
                print(f"\n-- {label}: {kind}")
                for line in plan:
                    print("   ", " ".join(str(part) for part in line))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--aspirations", type=int, default=100_000)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="residents' turns a second")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url (or set TEST_DATABASE_URL); it will be emptied")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)

    db = make_engine(args.database_url)
    migrate(db)
    empty(db)
    started = time.perf_counter()
    codes = fill(db, args.aspirations, args.seed)
    took = time.perf_counter() - started
    print(f"database: {db.dialect.name}, {args.aspirations:,} aspirations in {took:.1f} s")

    residents = Residents(Engine(db, settings(), FLOWS), args.residents, args.rate, args.seed)
    residents.start()
    chat_started = time.monotonic()
    try:
        asyncio.run(measure(db, codes, args.requests, args.seed))
    finally:
        residents.finish()
    spent = time.monotonic() - chat_started
    print(
        f"residents: {args.residents} chatting, {residents.turns:,} turns in {spent:.1f} s "
        f"({residents.turns / spent:.1f}/s), {residents.errors} failed"
    )
    explain(db)
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
