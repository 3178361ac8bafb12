"""The installed ``siantar`` command, driven from the outside as a newcomer would."""

from __future__ import annotations

import json
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from cli_helpers import COMMAND, installed, installed_env

from storage.db import head_revision
from storage.exports import ASPIRATION_FIELDS

CONVERSATION = [
    "Setuju",  # consent
    "Siantar Barat",  # home kecamatan
    "Bantan",  # home kelurahan
    "1",  # menu: Sampaikan aspirasi
    "1",  # category: Infrastruktur
    "1",  # Pakai kelurahan saya (Bantan)
    "Drainase di Jalan Kartini tersumbat, air meluap ke rumah warga setiap hujan.",
]


def siantar(
    *args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return installed(*args, cwd=cwd, stdin=stdin, env=env)


def lines(*typed: str) -> str:
    return "".join(f"{line}\n" for line in typed)


def export_json(cwd: Path, *filters: str) -> list[dict[str, object]]:
    result = siantar("export", "aspirations", "--format", "json", "--out", "-", *filters, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def test_piped_conversation_creates_an_aspiration_that_export_lists(tmp_path: Path) -> None:
    typed = lines(*CONVERSATION, "Lewati", "Tampilkan nama", "Kirim")
    result = siantar("chat", "--user", "1001", "--name", "Budi Siregar", cwd=tmp_path, stdin=typed)
    assert result.returncode == 0
    assert result.stderr == ""  # no log noise on the screen
    assert "Kode pelacakan: ASP-" in result.stdout
    assert "  [1] Setuju\n  [2] Tidak setuju" in result.stdout
    assert "\n> " in result.stdout
    [row] = export_json(tmp_path)
    assert list(row) == list(ASPIRATION_FIELDS)
    assert row["code"] in result.stdout
    assert row["resident_name"] == "Budi Siregar"
    assert (row["kecamatan"], row["kelurahan"], row["category"]) == (
        "Siantar Barat",
        "Bantan",
        "infrastruktur",
    )
    assert row["status"] == "diterima" and row["channel"] == "console"
    assert str(row["created_at"]).endswith("+07:00")
    assert row["status_history"][0]["status"] == "diterima"  # type: ignore[index]


def test_end_of_input_exits_zero(tmp_path: Path) -> None:
    result = siantar("chat", cwd=tmp_path, stdin="")
    assert result.returncode == 0
    assert "Apakah Anda setuju" in result.stdout


def test_photo_and_location_from_the_console(tmp_path: Path) -> None:
    (tmp_path / "jalan.png").write_bytes(tiny_png())
    (tmp_path / "notes.txt").write_text("bukan foto")
    typed = lines(
        *CONVERSATION,
        "/foto tidak-ada.jpg",
        "/foto notes.txt",
        "/foto jalan.png",
        "/lokasi 999,1",
        "/lokasi 2.9595, 99.0687",
        "Kirim anonim",
        "Kirim",
    )
    result = siantar("chat", "--user", "7", cwd=tmp_path, stdin=typed)
    assert result.returncode == 0, result.stderr
    for message in (
        "tidak ditemukan",
        "bukan foto",
        "Foto diterima",
        "tidak bisa dibaca",
        "Lokasi diterima",
    ):
        assert message in result.stdout
    [row] = export_json(tmp_path)
    assert row["has_photo"] is True and row["anonymous"] is True and row["resident_name"] is None
    assert (row["latitude"], row["longitude"]) == (2.9595, 99.0687)
    stored = list((tmp_path / "data" / "media").rglob("*.png"))  # in the data folder
    assert len(stored) == 1 and stored[0].read_bytes() == tiny_png()


def test_a_restart_continues_where_the_resident_was(tmp_path: Path) -> None:
    first = siantar("chat", "--user", "42", cwd=tmp_path, stdin=lines(*CONVERSATION[:5]))
    assert first.returncode == 0
    second = siantar(
        "chat",
        "--user",
        "42",
        cwd=tmp_path,
        stdin=lines(*CONVERSATION[5:], "Lewati", "Kirim anonim", "Kirim"),
    )
    assert second.returncode == 0
    assert second.stdout.startswith("Di kecamatan mana lokasi yang Anda maksud?")
    assert len(export_json(tmp_path)) == 1


def test_export_to_a_file_with_filters(tmp_path: Path) -> None:
    siantar("chat", cwd=tmp_path, stdin=lines(*CONVERSATION, "Lewati", "Kirim anonim", "Kirim"))
    for fmt in ("csv", "xlsx", "json"):
        out = tmp_path / f"aspirasi.{fmt}"
        result = siantar("export", "aspirations", "--format", fmt, "--out", str(out), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert out.stat().st_size > 0
    assert len(export_json(tmp_path, "--status", "diterima", "--kecamatan", "siantar barat")) == 1
    assert export_json(tmp_path, "--category", "kesehatan") == []
    assert export_json(tmp_path, "--until", "2000-01-01") == []


WORDS = {"registrations": "pendaftaran", "rsvps": "jawaban kehadiran"}


@pytest.mark.parametrize("kind", ["registrations", "rsvps"])
def test_kinds_without_data_export_a_well_formed_empty_file(tmp_path: Path, kind: str) -> None:
    from openpyxl import load_workbook

    from storage.exports import LAYOUTS

    headers = list(LAYOUTS[kind].headers)
    assert siantar("db", "upgrade", cwd=tmp_path).returncode == 0
    for fmt in ("csv", "xlsx", "json"):
        out = tmp_path / f"{kind}.{fmt}"
        result = siantar("export", kind, "--format", fmt, "--out", str(out), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert f"0 {WORDS[kind]} ditulis ke" in result.stderr
        if fmt == "json":
            assert json.loads(out.read_text(encoding="utf-8")) == []
        elif fmt == "csv":
            data = out.read_bytes()
            assert data.startswith(b"\xef\xbb\xbf")
            assert data.decode("utf-8-sig").splitlines() == [",".join(LAYOUTS[kind].fields)]
        else:
            sheet = load_workbook(out).active
            assert sheet is not None
            assert [c.value for c in next(sheet.iter_rows(max_row=1))] == headers
            assert sheet.freeze_panes == "A2"


def test_a_progress_bar_on_a_terminal_and_none_in_a_pipe(tmp_path: Path) -> None:
    import os
    import pty

    siantar("chat", cwd=tmp_path, stdin=lines(*CONVERSATION, "Lewati", "Kirim anonim", "Kirim"))
    piped = siantar("export", "aspirations", "--format", "csv", "--out", "x.csv", cwd=tmp_path)
    assert piped.returncode == 0 and "Mengekspor" not in piped.stderr
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [*COMMAND, "export", "aspirations", "--format", "csv", "--out", "y.csv"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=installed_env(tmp_path),
    ) as process:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            shown += chunk
        assert process.wait(timeout=120) == 0
    os.close(leader)
    assert b"Mengekspor  1/1 [####################] 100%" in shown


@pytest.mark.parametrize(
    ("config", "args", "message"),
    [
        ("[database]\nuri = 'x'\n", ["chat"], "unknown key 'database.uri'"),
        ("[server]\nport = 'abc'\n", ["db", "upgrade"], "server.port"),
        ("[telegram\n", ["chat"], "config.toml: TOML tidak sah (baris 1, kolom 10): "),
        ("[telegram]\nenabled = true\n", ["run"], "telegram.token"),
        ("", ["export", "aspirations", "--format", "pdf", "--out", "-"], "pilihan tidak sah"),
        (
            "",
            ["export", "aspirations", "--format", "csv", "--out", "-", "--since", "28-11-2026"],
            "tanggal '28-11-2026' tidak sah",
        ),
        (
            "",
            ["export", "aspirations", "--format", "csv", "--out", "-", "--kecamatan", "Medan"],
            "Medan",
        ),
        ("", ["run"], "tidak ada kanal yang aktif"),
        ("", ["frobnicate"], "pilihan tidak sah: 'frobnicate'"),
        ("", ["--lang", "en", "frobnicate"], "invalid choice: 'frobnicate'"),
        (
            "[telegram\n",
            ["--lang", "en", "chat"],
            "config.toml: invalid TOML (line 1, column 10): ",
        ),
    ],
)
def test_bad_config_or_arguments_exit_2_with_one_clear_line(
    tmp_path: Path, config: str, args: list[str], message: str
) -> None:
    (tmp_path / "config.toml").write_text(config)
    result = siantar(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_config_resolution_explicit_then_env_then_local(tmp_path: Path) -> None:
    (tmp_path / "custom.toml").write_text(f"[database]\nurl = 'sqlite:///{tmp_path}/custom.db'\n")
    result = siantar("--config", "custom.toml", "db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "custom.db").exists()
    env = {
        "SIANTAR_CONFIG": str(tmp_path / "custom.toml"),
        "SIANTAR_DATABASE_URL": f"sqlite:///{tmp_path}/env.db",
    }
    assert siantar("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    assert (tmp_path / "env.db").exists()
    missing = siantar("--config", "nope.toml", "chat", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.toml" in missing.stderr


def test_db_upgrade_reports_the_revision(tmp_path: Path) -> None:
    result = siantar("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"Basis data sudah terbaru (revisi {head_revision()}).\n"
    assert (tmp_path / "data" / "siantar.db").exists()  # the data folder, not the cwd
    assert not (tmp_path / "siantar.db").exists()
