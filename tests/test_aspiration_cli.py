"""``siantar aspiration list|show|move``: the chat's workflow from the command
line (every legal and illegal transition), refusals in one Indonesian line, and
the resident told through the outbox exactly as the chat does."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from cli_helpers import Run, cli_runner, ok, refused
from conftest import NOW
from staff_helpers import (
    ILLEGAL,
    LEGAL,
    OTHER_UNIT,
    REASON,
    ROUTE,
    UNIT,
    WARGA,
    allowed,
    history,
    outbox,
    seat,
    seed,
    stored,
)

from bot.cli import aspiration as cli_aspiration
from handlers.core.engine import Engine
from handlers.core.types import Reply
from storage.workflow import NEEDS_ORIGINAL, WITH_UNIT, needs_reason

LATER = NOW + timedelta(hours=2)


@pytest.fixture
def siantar(
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    return cli_runner(engine.db, tmp_path, monkeypatch, capsys, cli_aspiration, LATER)


@pytest.mark.parametrize(("current", "wanted"), LEGAL)
def test_every_legal_transition_through_the_cli(
    engine: Engine, siantar: Run, current: str, wanted: str
) -> None:
    warga = seat(engine, WARGA, name="Budi Siregar")
    code = seed(engine, resident_id=warga, status=current)
    args = ["aspiration", "move", code, wanted]
    if needs_reason(current, wanted):
        args += ["--note", REASON]
    resuming = current == "tunda" and wanted == "diterima"
    if wanted == "diteruskan" and not resuming:
        args += ["--opd", OTHER_UNIT if current in WITH_UNIT else UNIT.lower()]
        if current not in WITH_UNIT:
            args += ["--grade", "ringan"]
    if wanted in NEEDS_ORIGINAL:
        args += ["--original", seed(engine)]
    out = ok(siantar(*args))
    assert out.startswith(f"{code}: {current} → {wanted}")
    assert "warga akan diberi tahu" in out
    after = stored(engine, code)
    assert after.status == wanted
    if wanted == "diteruskan":
        assert after.opd_code == (OTHER_UNIT if current in WITH_UNIT else UNIT)
        if current not in WITH_UNIT:
            assert after.grade == "ringan"
    last = history(engine, code)[-1]
    assert last[0:3] == (wanted, LATER, "cli")
    assert len(history(engine, code)) == len(ROUTE[current]) + 2
    [message] = outbox(engine)
    assert message.recipient == "2001"
    assert Reply.from_payload(message.payload).text.startswith(f"Kabar aspirasi {code} (")


@pytest.mark.parametrize(("current", "wanted"), ILLEGAL)
def test_every_illegal_transition_is_refused_in_one_line(
    engine: Engine, siantar: Run, current: str, wanted: str
) -> None:
    code = seed(engine, status=current)
    line = refused(
        siantar("aspiration", "move", code, wanted, "--note", REASON, "--opd", OTHER_UNIT)
    )
    listed = ", ".join(allowed(current)) or "-"
    assert line == (
        f"siantar: gagal: Dari status {current}, aspirasi hanya bisa diubah ke: {listed}."
    )
    assert stored(engine, code).status == current and outbox(engine) == []


@pytest.mark.parametrize(
    ("status", "args", "expected"),
    [
        ("diverifikasi", ("diteruskan",), "Status diteruskan memerlukan unit: tambahkan --opd"),
        ("diverifikasi", ("diteruskan", "--opd", "NOPE"), "Unit NOPE tidak ditemukan."),
        ("diteruskan", ("diteruskan", "--opd", UNIT, "--note", REASON), "sudah di unit PUPR"),
        ("diterima", ("ditolak",), "Status ditolak memerlukan catatan: tambahkan --note"),
        ("diterima", ("tunda",), "Status tunda memerlukan catatan"),
        ("diteruskan", ("diverifikasi",), "Status diverifikasi memerlukan catatan"),
        ("diterima", ("duplik",), "Status duplik memerlukan kode aspirasi aslinya"),
        ("diterima", ("dibatalkan",), "Status dibatalkan tidak dikenal; pilih salah satu:"),
        (
            "diverifikasi",
            ("diteruskan", "--opd", UNIT, "--grade", "sedang"),
            "Target penyelesaian sedang tidak dikenal",
        ),
    ],
)
def test_a_move_missing_what_it_needs_is_refused(
    engine: Engine, siantar: Run, status: str, args: tuple[str, ...], expected: str
) -> None:
    code = seed(engine, status=status)
    line = refused(siantar("aspiration", "move", code, *args))
    assert expected in line
    assert stored(engine, code).status == status and outbox(engine) == []


def test_an_unknown_code_is_not_found(engine: Engine, siantar: Run) -> None:
    line = refused(siantar("aspiration", "move", "ASP-22222Z", "diverifikasi"))
    assert line == (
        "siantar: gagal: Aspirasi dengan kode ASP-22222Z tidak ditemukan. "
        "Silakan periksa lagi kodenya."
    )
    assert "tidak ditemukan" in refused(siantar("aspiration", "show", "ASP-22222Z"))


def test_list_filters_by_unit_status_and_overdue(engine: Engine, siantar: Run) -> None:
    late = seed(engine, at=NOW - timedelta(days=10))
    fresh = seed(engine)
    disposed = seed(engine, status="diteruskan")
    out = ok(siantar("aspiration", "list"))
    assert out.splitlines()[0].split()[:3] == ["KODE", "STATUS", "KATEGORI"]
    assert all(code in out for code in (late, fresh, disposed))
    out = ok(siantar("aspiration", "list", "--opd", "pupr"))
    assert disposed in out and late not in out and fresh not in out
    out = ok(siantar("aspiration", "list", "--overdue"))
    assert late in out and "(lewat)" in out and fresh not in out
    assert ok(siantar("aspiration", "list", "--status", "selesai")) == "tidak ada aspirasi\n"
    assert fresh not in ok(siantar("aspiration", "list", "--limit", "1"))


def test_show_has_the_history_unit_and_due_times_and_no_anonymous_name(
    engine: Engine, siantar: Run
) -> None:
    warga = seat(engine, WARGA, name="Budi Siregar")
    named = seed(engine, resident_id=warga, status="diteruskan")
    hidden = seed(engine, resident_id=warga, anonymous=True)
    out = ok(siantar("aspiration", "show", named))
    assert "pengirim:  Budi Siregar" in out
    assert "opd:       PUPR" in out
    assert "batas verifikasi: 2026-12-02 23:59 WIB" in out
    assert "batas tanggapan: 2026-12-04 23:59 WIB" in out
    assert "diteruskan (PUPR)  oleh console:9999" in out
    out = ok(siantar("aspiration", "show", hidden))
    assert "pengirim:  anonim" in out and "Budi" not in out
