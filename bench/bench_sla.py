"""Service clocks at city scale: due times, the overdue query and the daily digest.

1. **dues**: ``storage.sla.dues`` over the events of ``--rows`` generated
   aspirations (default 100,000: received over the last 90 days, most disposed,
   some put on hold, some followed up, most closed), against a reference measured
   in the same run: reading every event's WIB day (``astimezone(WIB).date()``),
   the least any working-day count does.
2. The rows go into the database (``--database-url``, else ``$TEST_DATABASE_URL``;
   PostgreSQL is what the issue asks for; **the database is emptied**, as the
   tests do) with their stored due times, over 30 units with an officer each.
3. **overdue query**: ``storage.sla_alerts.overdue_count`` and ``clocks_due`` (the
   rows, on the index of ``Aspiration.next_due_at``) against a full-table
   ``count(*)`` of ``aspiration`` in the same run; best of ``--runs``.
4. **digest**: the scheduler job (``send_sla_alerts``) at 07:00 WIB on a working
   day, twice: first with the whole backlog's escalations and reminders still to
   send (the first morning), then the next working day, when only the 30 units'
   digests (and that day's new alerts) are left. Target: the digest in a few seconds.

Run: ``python bench/bench_sla.py [--database-url URL] [--rows 100000] [--runs 5]``
(from the repository root, with the project's venv).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, func, insert, text  # noqa: E402
from sqlmodel import SQLModel, col, select  # noqa: E402

from bot.i18n import translator  # noqa: E402
from handlers.aspirations.deadline_plan import Watch  # noqa: E402
from handlers.aspirations.deadlines import send_sla_alerts  # noqa: E402
from storage.clock import WIB  # noqa: E402
from storage.db import make_engine, migrate, transaction  # noqa: E402
from storage.models import (  # noqa: E402
    Aspiration,
    AspirationNote,
    AspirationStatusChange,
    Opd,
    OpdOfficer,
    SlaAlert,
)
from storage.sla import DEFAULT_CLOCK, STAGES, Event, dues  # noqa: E402
from storage.sla_alerts import clocks_due, overdue_count  # noqa: E402
from storage.wilayah import load_wilayah  # noqa: E402
from storage.workflow import CLOSED_STATUSES  # noqa: E402

NOW = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # Tuesday 24 November 2026, 07:00 WIB
UNITS = 30
CATEGORIES = ("infrastruktur", "lingkungan", "pendidikan", "pelayanan", "sosial", "kesehatan")


def generate(rows: int, seed: int) -> list[dict[str, Any]]:
    """Aspirations with their events, as the workflow would have written them."""
    rng = random.Random(seed)
    made = []
    for i in range(rows):
        received = NOW - timedelta(minutes=rng.randrange(90 * 24 * 60))
        events = [Event(received, "diterima")]
        at = received
        unit = f"U{rng.randrange(UNITS):02d}"
        roll = rng.random()
        if roll > 0.05:  # verified and disposed
            at += timedelta(hours=rng.randrange(2, 90))
            events.append(Event(at, "diverifikasi"))
            at += timedelta(hours=rng.randrange(1, 30))
            events.append(Event(at, "diteruskan", unit))
            if rng.random() < 0.1:  # a question to the resident, answered
                at += timedelta(hours=rng.randrange(1, 48))
                events.append(Event(at, "tunda"))
                at += timedelta(hours=rng.randrange(1, 72))
                events.append(Event(at, "diteruskan", unit))
            if rng.random() < 0.7:
                at += timedelta(hours=rng.randrange(2, 120))
                events.append(Event(at, None, unit))  # tindak lanjut
            if rng.random() < 0.8:
                at += timedelta(hours=rng.randrange(2, 300))
                events.append(Event(at, "diproses"))
                at += timedelta(hours=rng.randrange(2, 400))
                events.append(Event(at, "selesai"))
        events = [e for e in events if e.at <= NOW]
        made.append(
            {"i": i + 1, "events": events, "category": rng.choice(CATEGORIES), "unit": unit}
        )
    return made


def time_dues(made: list[dict[str, Any]]) -> tuple[float, float, list[Any]]:
    started = time.perf_counter()
    for item in made:
        for event in item["events"]:
            event.at.astimezone(WIB).date()
    reference = time.perf_counter() - started
    started = time.perf_counter()
    found = [dues(item["events"], category=item["category"], grade=None) for item in made]
    return time.perf_counter() - started, reference, found


def fill(db: Engine, made: list[dict[str, Any]], found: list[Any]) -> None:
    with db.begin() as connection:
        tables = ", ".join(f'"{t.name}"' for t in reversed(SQLModel.metadata.sorted_tables))
        if db.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(SQLModel.metadata.sorted_tables):
                connection.execute(table.delete())
        connection.execute(
            insert(Opd.__table__),  # type: ignore[attr-defined]
            [
                {
                    "code": f"U{n:02d}",
                    "name": f"Unit {n}",
                    "short_name": f"Unit {n}",
                    "kind": "dinas",
                }
                for n in range(UNITS)
            ],
        )
        connection.execute(
            insert(OpdOfficer.__table__),  # type: ignore[attr-defined]
            [
                {
                    "identity": f"telegram:{7000 + n}",
                    "opd_code": f"U{n:02d}",
                    "granted_by": "bench",
                    "granted_at": NOW,
                }
                for n in range(UNITS)
            ],
        )
        kelurahan = [kel for kec in load_wilayah().kecamatan for kel in kec.kelurahan]
        rows, changes, notes = [], [], []
        for item, due in zip(made, found, strict=True):
            events = item["events"]
            statuses = [e for e in events if e.status]
            status = statuses[-1].status
            kel = kelurahan[item["i"] % len(kelurahan)]
            running = [
                s.due_at for s in due.stages if s.done_at is None and s.due_at and not s.paused
            ]
            rows.append(
                {
                    "id": item["i"],
                    "code": f"ASP-B{item['i']:05d}",
                    "channel": "telegram",
                    "category": item["category"],
                    "kecamatan_code": kel.kecamatan_code,
                    "kelurahan_code": kel.code,
                    "text": "Jalan berlubang di depan sekolah, mohon segera diperbaiki",
                    "language": "id",
                    "anonymous": True,
                    "status": status,
                    "created_at": events[0].at,
                    "updated_at": events[-1].at,
                    "opd_code": item["unit"] if len(statuses) > 2 else None,
                    "tunda_count": 0,
                    "verify_due_at": due.verify.due_at,
                    "response_due_at": due.response.due_at if due.response else None,
                    "completion_due_at": due.completion.due_at if due.completion else None,
                    "next_due_at": None
                    if status in CLOSED_STATUSES
                    else min(running, default=None),
                    "breached": ",".join(s for s in STAGES if s in due.breached(NOW)),
                }
            )
            for event in events:
                if event.status:
                    changes.append(
                        {
                            "aspiration_id": item["i"],
                            "status": event.status,
                            "at": event.at,
                            "opd_code": event.opd_code,
                        }
                    )
                else:
                    notes.append(
                        {
                            "aspiration_id": item["i"],
                            "kind": "tindak_lanjut",
                            "at": event.at,
                            "opd_code": event.opd_code,
                            "text": "Sudah disurvei",
                        }
                    )
            if len(rows) >= 5000:
                flush(connection, rows, changes, notes)
        flush(connection, rows, changes, notes)
        if db.dialect.name == "postgresql":
            connection.execute(
                text("SELECT setval('aspiration_id_seq', (SELECT max(id) FROM aspiration))")
            )
    with db.begin() as connection:
        connection.execute(text("ANALYZE"))


def flush(connection: Any, rows: list, changes: list, notes: list) -> None:  # type: ignore[type-arg]
    if rows:
        connection.execute(insert(Aspiration.__table__), rows)  # type: ignore[attr-defined]
        connection.execute(insert(AspirationStatusChange.__table__), changes)  # type: ignore[attr-defined]
    if notes:
        connection.execute(insert(AspirationNote.__table__), notes)  # type: ignore[attr-defined]
    rows.clear()
    changes.clear()
    notes.clear()


def best(runs: int, call: Any) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("TEST_DATABASE_URL", ""))
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url (or set TEST_DATABASE_URL); it will be emptied")

    made = generate(args.rows, args.seed)
    events = sum(len(item["events"]) for item in made)
    spent, reference, found = time_dues(made)
    print(f"dues: {args.rows:,} aspirations, {events:,} events")
    print(f"  dues()                  {spent:8.3f} s  {spent / args.rows * 1e6:7.1f} µs/aspiration")
    print(f"  reference (WIB days)    {reference:8.3f} s  ratio {spent / reference:6.1f}")

    db = make_engine(args.database_url)
    migrate(db)
    started = time.perf_counter()
    fill(db, made, found)
    print(f"database: {db.dialect.name}, filled in {time.perf_counter() - started:.1f} s")

    def full_count() -> int:
        with transaction(db) as session:
            return session.exec(select(func.count()).select_from(Aspiration)).one()

    def overdue() -> int:
        with transaction(db) as session:
            return overdue_count(session=session, now=NOW)

    def overdue_rows() -> int:
        with transaction(db) as session:
            return len(clocks_due(session=session, until=NOW))

    ref, total = best(args.runs, full_count)
    counted, late = best(args.runs, overdue)
    fetched, _ = best(args.runs, overdue_rows)
    open_ = sum(1 for item in made if item["events"][-1].status not in CLOSED_STATUSES)
    print(
        f"overdue query: {total:,} aspirations, {open_:,} open, {late:,} overdue "
        f"(best of {args.runs})"
    )
    print(f"  full-table count(*)     {ref * 1000:8.1f} ms")
    print(f"  overdue count           {counted * 1000:8.1f} ms  ratio {counted / ref:6.2f}")
    print(f"  overdue rows (ORM)      {fetched * 1000:8.1f} ms  ratio {fetched / ref:6.2f}")

    roles = {"telegram:9000": frozenset({"admin"}), "telegram:9001": frozenset({"staff"})}
    watch = Watch()
    for label, now in (
        ("first morning (backlog)", NOW),
        ("next working day       ", NOW + timedelta(days=1)),
    ):
        started = time.perf_counter()
        with transaction(db) as session:
            written = send_sla_alerts(
                session, translator, clock=DEFAULT_CLOCK, watch=watch, config_roles=roles, now=now
            )
        took = time.perf_counter() - started
        with transaction(db) as session:
            day = now.astimezone(WIB).date().isoformat()
            digests = session.exec(
                select(func.count()).where(col(SlaAlert.key).like(f"digest:%:{day}"))
            ).one()
        print(
            f"  job, {label}  {took:8.3f} s  {written:,} alerts ({digests} digests)  "
            f"ratio {took / ref:8.1f} to count(*)"
        )
    db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
