"""``export rsvps`` on both backends: every format against the contract, the
consent rule for the resident's name and home area, the filters, and the
command line."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW
from openpyxl import load_workbook
from sqlalchemy import Engine

from bot import cli
from storage.db import transaction
from storage.exports import RSVP_FIELDS, WIB, ExportFilter, export, export_rsvps
from storage.forums import NewForum, cancel_forum, create_forum, set_rsvp
from storage.models import Resident

BOM = b"\xef\xbb\xbf"
BANTAN, TOMUAN = "12.72.02.1003", "12.72.01.1002"  # Siantar Barat, Siantar Timur
KOTA = "Musrenbang Kota Pematangsiantar 2027"
KELURAHAN = "Musrenbang Kelurahan Bantan 2027"
HOUR = timedelta(hours=1)


def _resident(session: Any, user: str, name: str, kelurahan: str | None, consent: bool) -> int:
    row = Resident(
        identity=f"telegram:{user}",
        channel="telegram",
        display_name=name,
        home_kecamatan_code=kelurahan[:8] if kelurahan else None,
        home_kelurahan_code=kelurahan,
        consent_at=NOW if consent else None,
        created_at=NOW,
        last_seen_at=NOW,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _forum(session: Any, title: str, forum_type: str, days: int) -> int:
    forum = create_forum(
        session=session,
        new=NewForum(title=title, starts_at=NOW + timedelta(days=days), forum_type=forum_type),
        actor="test",
        now=NOW,
    )
    assert forum.id is not None
    return forum.id


def _seed(db: Engine) -> None:
    """The kelurahan musrenbang (8 Dec) before the city one (18 Dec). Ani and
    Dedi consented; Butet did not, so only her answer and its times leave."""
    with transaction(db) as session:
        kota = _forum(session, KOTA, "musrenbang_kota", 20)
        kelurahan = _forum(session, KELURAHAN, "musrenbang_kelurahan", 10)
        ani = _resident(session, "1", "=Ani Siregar", BANTAN, True)
        butet = _resident(session, "2", "Butet Sinaga", TOMUAN, False)
        dedi = _resident(session, "3", "Dedi Damanik", TOMUAN, True)
        for forum_id, resident_id, answer, at in (
            (kota, ani, "hadir", NOW),
            (kelurahan, dedi, "mungkin", NOW + HOUR),
            (kelurahan, butet, "tidak", NOW),
            (kelurahan, ani, "hadir", NOW + 2 * HOUR),
        ):
            set_rsvp(
                session=session, forum_id=forum_id, resident_id=resident_id, answer=answer, now=at
            )
        cancel_forum(session=session, forum_id=kota, now=NOW)  # its answers stay on record


def _row(
    forum: str, forum_type: str, days: int, answer: str, at: datetime, name: str | None,
    kecamatan: str | None, kelurahan: str | None,
) -> dict[str, Any]:  # fmt: skip
    forum_at = (NOW + timedelta(days=days)).astimezone(WIB).isoformat()
    values = (forum, forum_type, forum_at, answer, at.astimezone(WIB).isoformat(), name,
              kecamatan, kelurahan)  # fmt: skip
    return dict(zip(RSVP_FIELDS, values, strict=True))


EXPECTED = [
    _row(KELURAHAN, "musrenbang_kelurahan", 10, "tidak", NOW, None, None, None),
    _row(KELURAHAN, "musrenbang_kelurahan", 10, "mungkin", NOW + HOUR, "Dedi Damanik",
         "Siantar Timur", "Tomuan"),
    _row(KELURAHAN, "musrenbang_kelurahan", 10, "hadir", NOW + 2 * HOUR, "=Ani Siregar",
         "Siantar Barat", "Bantan"),
    _row(KOTA, "musrenbang_kota", 20, "hadir", NOW, "=Ani Siregar", "Siantar Barat", "Bantan"),
]  # fmt: skip


def _json(db: Engine, **filters: Any) -> list[dict[str, Any]]:
    out = io.BytesIO()
    count = export_rsvps(engine=db, fmt="json", out=out, filters=ExportFilter(**filters))
    records: list[dict[str, Any]] = json.loads(out.getvalue())
    assert count == len(records)
    return records


def test_json_has_every_answer_by_forum_then_time(db: Engine) -> None:
    _seed(db)
    assert _json(db) == EXPECTED
    assert EXPECTED[0]["forum_at"] == "2026-12-08T09:00:00+07:00"


def test_csv_is_the_same_rows_flat_and_keeps_out_who_did_not_consent(db: Engine) -> None:
    _seed(db)
    out = io.BytesIO()
    assert export("rsvps", engine=db, fmt="csv", out=out) == len(EXPECTED)
    raw = out.getvalue()
    assert raw.startswith(BOM)
    rows = list(csv.reader(io.StringIO(raw[len(BOM) :].decode("utf-8"), newline="")))
    assert rows[0] == list(RSVP_FIELDS)
    expected = [["" if v is None else str(v) for v in record.values()] for record in EXPECTED]
    for row in expected:  # a leading = is neutralised against formula injection
        at = RSVP_FIELDS.index("resident_name")
        row[at] = "'" + row[at] if row[at].startswith("=") else row[at]
    assert rows[1:] == expected
    assert b"Butet" not in raw and b"telegram:" not in raw


def test_xlsx_has_indonesian_headers_and_readable_cells(db: Engine) -> None:
    _seed(db)
    out = io.BytesIO()
    assert export("rsvps", engine=db, fmt="xlsx", out=out) == len(EXPECTED)
    ws = load_workbook(io.BytesIO(out.getvalue()))["Kehadiran Forum"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "Forum", "Jenis forum", "Waktu forum", "Jawaban", "Waktu jawab", "Nama warga",
        "Kecamatan", "Kelurahan",
    )  # fmt: skip
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:H5"
    assert rows[2] == (
        KELURAHAN,
        "Musrenbang Kelurahan",
        datetime(2026, 12, 8, 9, 0),
        "Mungkin",
        datetime(2026, 11, 28, 10, 0),
        "Dedi Damanik",
        "Siantar Timur",
        "Tomuan",
    )  # fmt: skip (forum type and answer in words; CSV and JSON keep the keys)
    assert rows[1][5:] == (None, None, None)  # Butet gave no consent


@pytest.mark.parametrize(
    ("filters", "answers"),
    [
        ({"kecamatan": "siantar barat"}, [("hadir", KELURAHAN), ("hadir", KOTA)]),
        ({"kecamatan": "12.72.01"}, [("mungkin", KELURAHAN)]),  # Butet's area is not known
        ({"since": date(2026, 12, 9)}, [("hadir", KOTA)]),
        ({"until": date(2026, 12, 8)}, [("tidak", KELURAHAN), ("mungkin", KELURAHAN),
                                        ("hadir", KELURAHAN)]),
        ({"since": date(2026, 12, 9), "until": date(2026, 12, 17)}, []),
    ],
)  # fmt: skip
def test_filters(db: Engine, filters: dict[str, Any], answers: list[tuple[str, str]]) -> None:
    _seed(db)
    assert [(r["answer"], r["forum"]) for r in _json(db, **filters)] == answers


def test_progress_reports_the_total(db: Engine) -> None:
    _seed(db)
    calls: list[tuple[int, int]] = []
    progress = lambda done, total: calls.append((done, total))  # noqa: E731
    export("rsvps", engine=db, fmt="csv", out=io.BytesIO(), progress=progress)
    assert calls == [(len(EXPECTED), len(EXPECTED))]


def test_export_rsvps_from_the_command_line(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(db)
    url = db.url.render_as_string(hide_password=False)
    (tmp_path / "config.toml").write_text(f'[database]\nurl = "{url}"\n', encoding="utf-8")
    monkeypatch.delenv("SIANTAR_DATABASE_URL", raising=False)
    out = tmp_path / "kehadiran.json"
    args = ["--config", str(tmp_path / "config.toml"), "export", "rsvps"]
    assert cli.main([*args, "--format", "json", "--out", str(out), "--until", "2026-12-08"]) == 0
    assert "3 jawaban kehadiran ditulis ke" in capsys.readouterr().err
    assert json.loads(out.read_text(encoding="utf-8")) == EXPECTED[:3]
    assert cli.main([*args, "--format", "csv", "--out", "-", "--status", "hadir"]) == 2
    assert capsys.readouterr().err == "siantar: gagal: --status tidak berlaku untuk rsvps\n"
    assert cli.main(["--lang", "en", *args, "--format", "csv", "--out", "-", "--opd", "PUPR"]) == 2
    assert capsys.readouterr().err == "siantar: error: --opd does not apply to rsvps\n"
