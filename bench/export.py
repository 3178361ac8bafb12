"""Aspiration export: time and peak memory of CSV, XLSX and JSON against a raw dump.

1. A fresh SQLite database in a temporary directory is migrated and filled with
   ``--rows`` generated aspirations (default 100,000): a mix of anonymous and named
   residents, some photos and locations, 2–3 status history entries each, ratings on
   the finished ones, bulk-inserted with SQLAlchemy core ``insert()`` executemany.
2. Each export runs in its own subprocess, writing to a file in the temporary
   directory, so that its peak RSS (``ru_maxrss`` of that very child, from
   ``os.wait4``) is its own. "seconds" is the export call timed inside the child
   (wall clock), "cpu s" its CPU time: interpreter start-up and imports are left out,
   and shown apart as "process s".
3. The raw baseline dumps the same rows (the aspiration table's columns, same order,
   no joins and no formatting) with the ``sqlite3 -csv`` command-line shell when
   installed, else with a bare ``sqlite3`` module cursor and ``csv.writer`` — also in a
   subprocess. The Python cursor dump is always shown too, for reference.

The CSV export and the raw dumps run ``--runs`` times (default 3) and the best time
is kept, as the CSV target is a ratio of two short times on a possibly busy machine;
XLSX and JSON run once. Peak RSS is the highest over the runs.

Targets (from the issue): CSV ≤ 3× the raw dump; peak RSS < 200 MB for every format.

Run: ``python bench/export.py [--rows 100000] [--runs 3] [--profile csv|xlsx|json]
[--keep DIR]``. The parent process imports only the standard library, so it stays
small: a child's ``ru_maxrss`` can include the parent's size when it was spawned
(about 10 MB). Exit status 0 when both targets are met, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("csv", "xlsx", "json")
RAW_COLUMNS = (
    "id, code, status, category, kecamatan_code, kelurahan_code, text, language, channel, "
    "anonymous, created_at, updated_at, latitude, longitude, photo_path, resident_id"
)
CSV_RATIO_TARGET = 3.0
RSS_TARGET_MB = 200.0


# --------------------------------------------------------------------------- children


def child_generate(db_path: str, rows: int, seed: int) -> dict[str, Any]:
    """Migrate a fresh database and bulk-insert ``rows`` aspirations with history."""
    import random
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert

    from storage.aspirations import CODE_ALPHABET, CODE_LENGTH, CODE_PREFIX
    from storage.db import make_engine, migrate
    from storage.models import CATEGORY_KEYS, Aspiration, AspirationStatusChange, Resident
    from storage.wilayah import load_wilayah

    started = time.perf_counter()
    rng = random.Random(seed)
    engine = make_engine(f"sqlite:///{db_path}")
    migrate(engine)
    rated = hasattr(Aspiration, "rating") and hasattr(Aspiration, "rating_comment")
    kelurahan = [kel for kec in load_wilayah().kecamatan for kel in kec.kelurahan]
    first = ["Budi", "Siti", "Rina", "Joko", "Maria", "Andreas", "Dewi", "Rudi", "Lestari", "Ucok"]
    last = ["Siregar", "Simanjuntak", "Nainggolan", "Sitorus", "Purba", "Saragih", "Damanik"]
    phrases = [
        "Jalan berlubang di depan sekolah, mohon segera diperbaiki",
        "Lampu jalan mati sejak minggu lalu",
        "Drainase tersumbat, setiap hujan air menggenang sampai ke rumah warga",
        "Sampah menumpuk di pinggir pasar; baunya sampai ke permukiman",
        "Puskesmas kekurangan obat untuk anak-anak",
        'Usulan: pelatihan UMKM untuk ibu-ibu, "pemasaran daring" khususnya',
        "Angkot jarang lewat setelah jam 6 sore\nmohon ditambah trayek",
        "Sekolah bocor saat hujan, murid belajar di lorong",
    ]
    odd = ['=HYPERLINK("http://contoh.invalid","klik")', "+62 812 0000 lampu mati", "-- tes --"]
    flow = ["diterima", "diverifikasi", "diteruskan", "diproses", "selesai"]
    base = 31**CODE_LENGTH
    step = 7_654_321  # coprime with 31: i -> i*step mod 31^6 is one-to-one, codes look random
    epoch = datetime(2026, 11, 28, 2, 0, tzinfo=UTC) - timedelta(days=365)

    def code(i: int) -> str:
        n, chars = (i * step) % base, []
        for _ in range(CODE_LENGTH):
            n, digit = divmod(n, len(CODE_ALPHABET))
            chars.append(CODE_ALPHABET[digit])
        return CODE_PREFIX + "".join(chars)

    residents_n = max(1, rows // 4)
    aspirations: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    history_rows = 0
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA synchronous=OFF")
        connection.execute(
            insert(Resident.__table__),  # type: ignore[attr-defined]
            [
                {
                    "id": r,
                    "identity": f"telegram:{100000 + r}",
                    "channel": "telegram",
                    "display_name": f"{rng.choice(first)} {rng.choice(last)}",
                    "language": "id",
                    "language_chosen": True,
                    "english_offered": False,
                    "created_at": epoch,
                    "last_seen_at": epoch,
                    "consent_at": epoch,
                }
                for r in range(1, residents_n + 1)
            ],
        )

        def flush() -> None:
            if aspirations:
                connection.execute(insert(Aspiration.__table__), aspirations)  # type: ignore[attr-defined]
                connection.execute(insert(AspirationStatusChange.__table__), changes)  # type: ignore[attr-defined]
            aspirations.clear()
            changes.clear()

        for i in range(1, rows + 1):
            created = epoch + timedelta(seconds=rng.randrange(365 * 86400))
            kel = rng.choice(kelurahan)
            steps = rng.choice((2, 2, 3))
            statuses = flow[:steps] if rng.random() < 0.9 else ["diterima", "ditolak"]
            at = created
            for status in statuses:
                changes.append(
                    {
                        "aspiration_id": i,
                        "status": status,
                        "at": at,
                        "actor": None if status == "diterima" else "telegram:900",
                        "note": None if status == "diterima" else "Ditindaklanjuti petugas",
                    }
                )
                at += timedelta(hours=rng.randrange(1, 96))
            history_rows += len(statuses)
            text = (
                rng.choice(odd)
                if rng.random() < 0.01
                else " ".join(rng.sample(phrases, rng.randrange(1, 4)))
            )
            located = rng.random() < 0.3
            row: dict[str, Any] = {
                "id": i,
                "code": code(i),
                "resident_id": rng.randrange(1, residents_n + 1) if rng.random() < 0.85 else None,
                "channel": rng.choice(("telegram", "telegram", "whatsapp")),
                "category": rng.choice(CATEGORY_KEYS),
                "kecamatan_code": kel.kecamatan_code,
                "kelurahan_code": kel.code,
                "text": text,
                "language": "id" if rng.random() < 0.95 else "en",
                "anonymous": rng.random() < 0.4,
                "photo_path": f"photos/{i}.jpg" if rng.random() < 0.2 else None,
                "latitude": round(rng.uniform(2.93, 2.99), 6) if located else None,
                "longitude": round(rng.uniform(99.03, 99.09), 6) if located else None,
                "status": statuses[-1],
                "created_at": created,
                "updated_at": at - timedelta(hours=1),
            }
            if rated:
                done = statuses[-1] == "selesai"
                row["rating"] = rng.randrange(1, 6) if done else None
                row["rating_comment"] = "Terima kasih, cepat" if done and i % 3 == 0 else None
                row["rated_at"] = at if done else None
            aspirations.append(row)
            if len(aspirations) == 5000:
                flush()
        flush()
    engine.dispose()
    return {
        "seconds": time.perf_counter() - started,
        "rows": rows,
        "history": history_rows,
        "residents": residents_n,
        "ratings": rated,
        "bytes": os.path.getsize(db_path),
    }


def child_export(db_path: str, fmt: str, out_path: str, profile: bool) -> dict[str, Any]:
    from storage.db import make_engine
    from storage.exports import export

    engine = make_engine(f"sqlite:///{db_path}")
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    with open(out_path, "wb") as out:
        started, cpu = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        rows = export("aspirations", engine=engine, fmt=fmt, out=out)  # type: ignore[arg-type]
        if profiler:
            profiler.disable()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    if profiler:
        import pstats

        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    return {"seconds": seconds, "cpu": cpu, "rows": rows, "bytes": os.path.getsize(out_path)}


def raw_select(db_path: str) -> str:
    import sqlite3

    connection = sqlite3.connect(db_path)
    try:
        names = {row[1] for row in connection.execute("PRAGMA table_info(aspiration)")}
    finally:
        connection.close()
    extra = ", rating, rating_comment" if {"rating", "rating_comment"} <= names else ""
    extra += ", duplicate_of" if "duplicate_of" in names else ""
    return f"SELECT {RAW_COLUMNS}{extra} FROM aspiration ORDER BY created_at, id"


def count_rows(db_path: str) -> int:
    import sqlite3

    connection = sqlite3.connect(db_path)
    try:
        return int(connection.execute("SELECT count(*) FROM aspiration").fetchone()[0])
    finally:
        connection.close()


def child_raw(db_path: str, out_path: str) -> dict[str, Any]:
    """The baseline without sqlite3 on the PATH: a bare cursor written by csv.writer."""
    import csv
    import sqlite3

    query = raw_select(db_path)
    started, cpu = time.perf_counter(), time.process_time()
    connection = sqlite3.connect(db_path)
    with open(out_path, "w", encoding="utf-8", newline="") as out:
        cursor = connection.execute(query)
        writer = csv.writer(out)
        writer.writerow([d[0] for d in cursor.description])
        writer.writerows(cursor)
    connection.close()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rows = count_rows(db_path)
    return {"seconds": seconds, "cpu": cpu, "rows": rows, "bytes": os.path.getsize(out_path)}


# --------------------------------------------------------------------------- parent


@dataclass
class Measure:
    name: str
    rows: int
    seconds: float  # wall time of the work itself (best run)
    cpu: float  # CPU time of the work itself (best run)
    process_seconds: float  # the whole child process, start-up and imports included
    peak_rss_mb: float  # highest over the runs
    size_mb: float
    runs: int


def run_once(name: str, argv: list[str], stdout_path: str | None) -> dict[str, Any]:
    """Run ``argv`` once; its peak RSS comes from ``os.wait4`` on that very child."""
    started = time.perf_counter()
    if stdout_path is not None:  # a plain command writing to a file (sqlite3 -csv)
        with open(stdout_path, "wb") as sink:
            child = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE)
            assert child.stderr is not None
            error = child.stderr.read().decode(errors="replace")
            _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.stderr.close()
        result: dict[str, Any] = {
            "seconds": wall,
            "cpu": usage.ru_utime + usage.ru_stime,  # start-up is a few milliseconds
            "rows": count_rows(argv[-2]),
            "bytes": os.path.getsize(stdout_path),
        }
    else:
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, cwd=ROOT)
        assert child.stdout is not None
        output = child.stdout.read()
        child.stdout.close()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        error = ""
        result = json.loads(output.decode().strip().splitlines()[-1]) if output else {}
    code = os.waitstatus_to_exitcode(status)
    child.returncode = code
    if code:
        raise SystemExit(f"{name} failed with status {code} {error}".strip())
    result["process_seconds"] = wall
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # Linux reports KiB
    return result


def measure(
    name: str, argv: list[str], *, runs: int = 1, stdout_path: str | None = None
) -> Measure:
    """The best of ``runs`` runs for the times, the highest for the peak RSS."""
    results = [run_once(name, argv, stdout_path) for _ in range(runs)]
    best = min(results, key=lambda r: float(r["seconds"]))
    return Measure(
        name=name,
        rows=int(best["rows"]),
        seconds=float(best["seconds"]),
        cpu=min(float(r["cpu"]) for r in results),
        process_seconds=float(best["process_seconds"]),
        peak_rss_mb=max(float(r["peak_rss_mb"]) for r in results),
        size_mb=int(best["bytes"]) / 1e6,
        runs=runs,
    )


def me(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def report(measures: list[Measure], raw: Measure, gen: dict[str, Any]) -> tuple[str, bool]:
    lines = [
        f"generated {gen['rows']:,} aspirations, {gen['history']:,} status changes, "
        f"{gen['residents']:,} residents (ratings: {'yes' if gen['ratings'] else 'no'}) "
        f"in {gen['seconds']:.1f} s; database {gen['bytes'] / 1e6:.1f} MB; {os.cpu_count()} CPUs",
        f"raw baseline: {raw.name}",
        "",
        f"{'format':<20}{'rows':>9}{'runs':>5}{'seconds':>9}{'cpu s':>8}{'process s':>10}"
        f"{'peak RSS MB':>12}{'file MB':>8}{'× raw':>7}{'× raw cpu':>10}",
    ]
    for m in measures:
        lines.append(
            f"{m.name:<20}{m.rows:>9,}{m.runs:>5}{m.seconds:>9.2f}{m.cpu:>8.2f}"
            f"{m.process_seconds:>10.2f}{m.peak_rss_mb:>12.1f}{m.size_mb:>8.1f}"
            f"{m.seconds / raw.seconds:>7.2f}{m.cpu / raw.cpu:>10.2f}"
        )
    csv_ratio = next(m for m in measures if m.name == "csv").seconds / raw.seconds
    worst_rss = max((m for m in measures if m.name in FORMATS), key=lambda m: m.peak_rss_mb)
    ratio_ok = csv_ratio <= CSV_RATIO_TARGET
    rss_ok = worst_rss.peak_rss_mb < RSS_TARGET_MB
    lines += [
        "",
        "seconds, cpu s: the export call (or the dump) alone, best run; process s: the whole",
        "child with interpreter start-up and imports; peak RSS: ru_maxrss of the child.",
        f"target CSV <= {CSV_RATIO_TARGET:g}x raw (seconds): {csv_ratio:.2f}x "
        f"-- {'met' if ratio_ok else 'MISSED'}",
        f"target peak RSS < {RSS_TARGET_MB:g} MB for every format: highest {worst_rss.name} "
        f"{worst_rss.peak_rss_mb:.1f} MB -- {'met' if rss_ok else 'MISSED'}",
    ]
    return "\n".join(lines), ratio_ok and rss_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="aspirations (100000)")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs of the CSV export and raw dumps, best kept (3)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", choices=FORMATS, help="cProfile that export (stderr)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the files")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_as_child(args.child)

    with tempfile.TemporaryDirectory(prefix="siantar-bench-export-") as scratch:
        work = Path(args.keep or scratch)
        work.mkdir(parents=True, exist_ok=True)
        db = str(work / "bench.db")
        for stale in (db, db + "-wal", db + "-shm"):
            Path(stale).unlink(missing_ok=True)
        say(f"generating {args.rows:,} aspirations ...")
        generate = subprocess.run(
            me("--child", "generate", db, str(args.rows), str(args.seed)),
            cwd=ROOT, stdout=subprocess.PIPE, check=True,
        )  # fmt: skip
        gen = json.loads(generate.stdout.decode().strip().splitlines()[-1])
        measures: list[Measure] = []
        for fmt in FORMATS:
            runs = args.runs if fmt == "csv" and not args.profile else 1
            say(f"exporting {fmt} ({runs} run{'s' if runs > 1 else ''}) ...")
            profile = "1" if args.profile == fmt else "0"
            out = str(work / f"aspirations.{fmt}")
            argv_ = me("--child", "export", db, fmt, out, profile)
            measures.append(measure(fmt, argv_, runs=runs))
        say("raw dumps ...")
        python_raw = measure(
            "raw: python cursor",
            me("--child", "raw", db, str(work / "raw-python.csv")),
            runs=args.runs,
        )
        sqlite3_cli = shutil.which("sqlite3")
        raw = python_raw
        if sqlite3_cli:
            raw = measure(
                "raw: sqlite3 -csv",
                [sqlite3_cli, "-csv", "-header", db, raw_select(db)],
                runs=args.runs,
                stdout_path=str(work / "raw-sqlite3.csv"),
            )
            measures.append(raw)
        measures.append(python_raw)
        text, ok = report(measures, raw, gen)
        print(text)
        return 0 if ok else 1


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_as_child(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    role, *rest = argv
    if role == "generate":
        result = child_generate(rest[0], int(rest[1]), int(rest[2]))
    elif role == "export":
        result = child_export(rest[0], rest[1], rest[2], rest[3] == "1")
    elif role == "raw":
        result = child_raw(rest[0], rest[1])
    else:
        raise SystemExit(f"unknown child role {role}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
