"""Output cut short by its reader (``siantar audit | head -1``): the installed
command ends quietly, with status 141 as a Unix tool killed by SIGPIPE, and no
traceback; an export cut short is still in the audit trail."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from cli_helpers import COMMAND, installed_env
from conftest import NOW
from sqlmodel import Session

from storage.aspirations import NewAspiration, create_aspiration
from storage.audit import entries_since, record
from storage.db import make_engine, migrate, transaction
from storage.trainings import NewProgram, create_program

# Far more than a pipe holds (64 KiB on Linux), so the command is still writing
# when its reader goes away.
ROWS = 1500


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose data folder holds a database with long listings."""
    cwd = tmp_path_factory.mktemp("pipes")
    db = make_engine(f"sqlite:///{cwd / 'data' / 'siantar.db'}")
    (cwd / "data").mkdir()
    migrate(db)
    with transaction(db) as session:
        for i in range(ROWS):
            moment = NOW + timedelta(minutes=i)
            record(
                session=session,
                actor="cli",
                action="block",
                details={"identity": f"console:u{i}", "reason": "uji pipa " * 4},
                now=moment,
            )
            create_program(
                session=session,
                new=NewProgram(
                    title=f"Pelatihan menjahit angkatan {i}",
                    starts_at=moment + timedelta(days=30),
                    ends_at=moment + timedelta(days=31),
                    quota=20,
                    status="open",
                ),
                actor="cli",
                now=moment,
            )
            create_aspiration(
                session=session,
                new=NewAspiration(
                    category="infrastruktur",
                    kecamatan_code="12.72.02",
                    kelurahan_code="12.72.02.1001",
                    text="Drainase di Jalan Kartini tersumbat, air meluap setiap hujan.",
                    language="id",
                    anonymous=True,
                    channel="console",
                    resident_id=None,
                ),
                now=moment,
            )
    db.dispose()
    return cwd


def cut_short(cwd: Path, *args: str, keep: int = 1) -> tuple[int, list[str], str]:
    """Run ``siantar ARGS``, read ``keep`` lines of its output and close the pipe,
    as ``| head -KEEP`` does; its status, the lines read and its stderr."""
    with subprocess.Popen(
        [*COMMAND, *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=installed_env(cwd),
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        read = [process.stdout.readline().decode() for _ in range(keep)]
        process.stdout.close()
        err = process.stderr.read().decode()
        return process.wait(timeout=120), read, err


@pytest.mark.parametrize(
    "args",
    [
        ("audit",),
        ("training", "list", "--all"),
        ("export", "aspirations", "--format", "csv", "--out", "-"),
    ],
)
def test_a_reader_that_stops_early_ends_the_command_quietly(
    workdir: Path, args: tuple[str, ...]
) -> None:
    code, read, err = cut_short(workdir, *args)
    assert read[0].strip()  # the command did start answering
    assert err == ""  # no BrokenPipeError traceback, no "Exception ignored" line
    assert code == 141


def test_stats_with_a_chart_piped_to_head(workdir: Path, tmp_path: Path) -> None:
    chart = tmp_path / "x.png"
    code, read, err = cut_short(workdir, "stats", "--chart", str(chart), keep=2)
    assert read[0].startswith("Statistik aspirasi")
    assert err == ""
    assert code in (0, 141)  # 0 when all of it fitted in the pipe before head left
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_an_export_cut_short_is_still_audited(workdir: Path) -> None:
    code, _read, err = cut_short(workdir, "export", "aspirations", "--format", "json", "--out", "-")
    assert (code, err) == (141, "")
    db = make_engine(f"sqlite:///{workdir / 'data' / 'siantar.db'}")
    with Session(db) as session:
        exports = [e.details for e in entries_since(session=session) if e.action == "export"]
    db.dispose()
    assert {"kind": "aspirations", "format": "json", "rows": None}.items() <= exports[-1].items()
