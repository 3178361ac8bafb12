"""``siantar role`` and ``siantar stats`` through the installed command, as an
operator would run them (cwd is a fresh directory without a config file, so the
database ``siantar.db`` is created in the data folder, ``cwd/data``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_helpers import installed

PNG = b"\x89PNG\r\n\x1a\n"
DENIED = "hanya untuk petugas yang berwenang"

CONVERSATION = [
    "Setuju",  # consent
    "Siantar Barat",  # home kecamatan
    "Bantan",  # home kelurahan
    "1",  # menu: Sampaikan aspirasi
    "1",  # category: Infrastruktur
    "1",  # Pakai kelurahan saya (Bantan)
    "Drainase di Jalan Kartini tersumbat, air meluap ke rumah warga setiap hujan.",
    "Lewati",  # no photo or location
    "Tampilkan nama",
    "Kirim",
]


def siantar(
    *args: str, cwd: Path, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return installed(*args, cwd=cwd, stdin=stdin, env=env)


def lines(*typed: str) -> str:
    return "".join(f"{line}\n" for line in typed)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def submit_one(cwd: Path) -> None:
    """A resident sends one aspiration through the console chat."""
    result = siantar(
        "chat", "--user", "1001", "--name", "Budi Siregar", cwd=cwd, stdin=lines(*CONVERSATION)
    )
    assert "Kode pelacakan: ASP-" in ok(result)


def test_grant_list_and_revoke_a_role(tmp_path: Path) -> None:
    ok(siantar("db", "upgrade", cwd=tmp_path))
    assert ok(siantar("role", "list", cwd=tmp_path)) == "belum ada peran yang diberikan\n"
    granted = siantar("role", "grant", "telegram:123456789", "staff", cwd=tmp_path)
    assert ok(granted) == "telegram:123456789: peran staff diberikan\n"
    assert granted.stderr == ""
    again = siantar("role", "grant", "telegram:123456789", "staff", cwd=tmp_path)
    assert ok(again) == "telegram:123456789: peran staff sudah dimiliki\n"
    ok(siantar("role", "grant", "whatsapp:6281234567890", "facilitator", cwd=tmp_path))
    listed = ok(siantar("role", "list", cwd=tmp_path)).splitlines()
    assert [line.split() for line in listed] == [
        ["whatsapp:6281234567890", "facilitator", "diberikan", "oleh", "cli"],
        ["telegram:123456789", "staff", "diberikan", "oleh", "cli"],
    ]
    revoked = siantar("role", "revoke", "telegram:123456789", "staff", cwd=tmp_path)
    assert ok(revoked) == "telegram:123456789: peran staff dicabut\n"
    gone = siantar("role", "revoke", "telegram:123456789", "staff", cwd=tmp_path)
    assert ok(gone) == "telegram:123456789: peran staff memang tidak dimiliki\n"
    assert "telegram:123456789" not in ok(siantar("role", "list", cwd=tmp_path))


def test_config_file_roles_are_listed_and_stay_after_a_revoke(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[roles]\nadmins = ["telegram:1"]\nstaff = ["console:7", "telegram:1"]\n'
    )
    ok(siantar("role", "grant", "console:8", "staff", cwd=tmp_path))
    listed = [line.split() for line in ok(siantar("role", "list", cwd=tmp_path)).splitlines()]
    assert ["console:7", "staff", "konfigurasi"] in listed
    assert ["telegram:1", "admin", "konfigurasi"] in listed
    assert ["telegram:1", "staff", "konfigurasi"] in listed
    assert ["console:8", "staff", "diberikan", "oleh", "cli"] in listed
    revoked = ok(siantar("role", "revoke", "telegram:1", "admin", cwd=tmp_path))
    assert revoked.splitlines() == [
        "telegram:1: peran admin memang tidak dimiliki",
        "catatan: berkas konfigurasi masih memberikan peran ini ([roles])",
    ]


def test_a_role_granted_on_the_command_line_works_in_the_chat(tmp_path: Path) -> None:
    submit_one(tmp_path)
    refused = ok(
        siantar("chat", "--user", "7", cwd=tmp_path, stdin=lines("Setuju", "Lewati", "/aspirasi"))
    )
    assert DENIED in refused
    ok(siantar("role", "grant", "console:7", "staff", cwd=tmp_path))
    typed = lines("/aspirasi", "1", "Diverifikasi", "Tanpa catatan", "Simpan")
    review = ok(siantar("chat", "--user", "7", cwd=tmp_path, stdin=typed))
    assert "Aspirasi (Masih berjalan): 1, halaman 1 dari 1." in review
    assert "Pengirim: Budi Siregar" in review
    assert "Status tersimpan. Warga akan menerima kabarnya." in review
    exported = siantar("export", "aspirations", "--format", "json", "--out", "-", cwd=tmp_path)
    [row] = json.loads(ok(exported))
    assert row["status"] == "diverifikasi"
    ok(siantar("role", "revoke", "console:7", "staff", cwd=tmp_path))
    again = ok(siantar("chat", "--user", "7", cwd=tmp_path, stdin=lines("/aspirasi", "Kembali")))
    assert DENIED in again
    assert "Apa yang ingin Anda lakukan?" in again.rsplit(DENIED, 1)[1]


def test_a_revoked_officer_restarting_the_console_sees_no_aspiration(tmp_path: Path) -> None:
    submit_one(tmp_path)
    ok(siantar("role", "grant", "console:7", "staff", cwd=tmp_path))
    first = siantar(
        "chat", "--user", "7", cwd=tmp_path, stdin=lines("Setuju", "Lewati", "/aspirasi", "1")
    )
    assert "Pengirim: Budi Siregar" in ok(first)  # left at the aspiration's detail
    ok(siantar("role", "revoke", "console:7", "staff", cwd=tmp_path))
    restarted = ok(siantar("chat", "--user", "7", cwd=tmp_path, stdin=""))
    assert "Budi Siregar" not in restarted and "ASP-" not in restarted


def test_stats_print_counts_and_write_a_chart(tmp_path: Path) -> None:
    submit_one(tmp_path)
    out = ok(siantar("stats", "--chart", "out.png", cwd=tmp_path))
    assert out.startswith("Statistik aspirasi, … – …: 1 aspirasi\n")
    assert "Per kategori:" in out and "Per kecamatan:" in out and "Per status:" in out
    counts = {
        line.rsplit(maxsplit=1)[0].strip(): int(line.rsplit(maxsplit=1)[1])
        for line in out.splitlines()
        if line.startswith("  ")
    }
    assert counts["Infrastruktur (jalan, jembatan, drainase)"] == 1
    assert counts["Siantar Barat"] == 1 and counts["Siantar Timur"] == 0
    assert counts["Diterima"] == 1 and counts["Selesai"] == 0
    assert "\ngrafik ditulis ke out.png\n" in out
    assert (tmp_path / "out.png").read_bytes().startswith(PNG)
    # the service numbers, and the chart per unit beside the other one
    assert "Ketepatan waktu layanan:\n" in out
    assert "Terbuka sekarang: 1, lewat batas waktu: 0" in out
    assert "• Petugas kota (belum diteruskan): 1 terbuka, 0 lewat batas waktu" in out
    assert out.rstrip().endswith("grafik per unit ditulis ke out-unit.png")
    assert (tmp_path / "out-unit.png").read_bytes().startswith(PNG)


def test_stats_in_english_and_for_an_empty_period(tmp_path: Path) -> None:
    submit_one(tmp_path)
    english = ok(siantar("stats", "--lang", "en", cwd=tmp_path))
    assert english.startswith("Aspiration statistics, ")
    assert ": 1 aspiration\n" in english  # one, not "1 aspirations"
    old = ok(siantar("stats", "--until", "2000-01-01", "--chart", "old.png", cwd=tmp_path))
    assert "2000-01-01: 0 aspirasi" in old.splitlines()[0]
    assert (tmp_path / "old.png").read_bytes().startswith(PNG)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["role", "grant", "bob", "staff"], "identitas 'bob' tidak sah"),
        (["role", "grant", "telegram:12ab", "staff"], "tidak sah"),
        (["role", "revoke", "whatsapp:123", "staff"], "tidak sah"),
        (["role", "grant", "telegram:1", "boss"], "peran 'boss' tidak dikenal"),
        (["role", "revoke", "telegram:1", "Admin"], "peran 'Admin' tidak dikenal"),
        (["role", "grant", "telegram:1"], "cara pakai: siantar role grant IDENTITAS PERAN"),
        (["role", "revoke"], "cara pakai: siantar role revoke IDENTITAS PERAN"),
        (["role", "promote", "telegram:1", "staff"], "pilihan tidak sah: 'promote'"),
        (
            ["stats", "--since", "2026-12-01", "--until", "2026-11-01"],
            "--since jatuh setelah --until",
        ),
        (["stats", "--since", "1-12-2026"], "tanggal '1-12-2026' tidak sah; tulis YYYY-MM-DD"),
        (["stats", "--lang", "fr"], "pilihan tidak sah: 'fr'"),
        (["--lang", "en", "stats", "--since", "1-12-2026"], "invalid date '1-12-2026'"),
        (["--lang", "en", "role", "promote", "telegram:1", "staff"], "invalid choice: 'promote'"),
    ],
)
def test_bad_identity_role_or_arguments_exit_2_with_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = siantar(*args, cwd=tmp_path)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
    if args[0] == "role":
        assert "diberikan" not in result.stdout


def test_a_refused_grant_writes_nothing(tmp_path: Path) -> None:
    assert siantar("role", "grant", "bob", "admin", cwd=tmp_path).returncode == 2
    assert siantar("role", "grant", "telegram:1", "root", cwd=tmp_path).returncode == 2
    assert not (tmp_path / "data" / "siantar.db").exists()  # refused before opening it
    ok(siantar("db", "upgrade", cwd=tmp_path))
    assert ok(siantar("role", "list", cwd=tmp_path)) == "belum ada peran yang diberikan\n"


def test_a_chart_path_that_cannot_be_written_is_one_clear_line(tmp_path: Path) -> None:
    result = siantar("stats", "--chart", "missing/out.png", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "missing/out.png" in result.stderr
