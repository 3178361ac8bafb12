"""Where siantar keeps its data (README: Where data lives): never the folder a
command happens to run in. Read-only commands never create a database and say
which one they looked for; ``siantar info`` and ``--version`` name the places."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from cli_helpers import installed
from sqlalchemy import text

from bot import cli
from storage.db import current_revision, head_revision, make_engine, migrate

VERSION = version("siantar-bot")


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """For the in-process runs: the data folder, and a current folder without a
    config file that is not the data folder."""
    folder = tmp_path / "home"
    monkeypatch.setenv("SIANTAR_HOME", str(folder))
    for name in ("SIANTAR_CONFIG", "SIANTAR_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    return folder


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# --------------------------------------------------------------------------- the folder


def test_a_command_from_another_folder_finds_the_same_database(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    env = {"SIANTAR_HOME": str(tmp_path / "home")}
    ok(installed("role", "grant", "console:s2", "staff", cwd=first, env=env))
    listed = ok(installed("role", "list", cwd=second, env=env))
    assert listed.split() == ["console:s2", "staff", "diberikan", "oleh", "cli"]
    assert (tmp_path / "home" / "siantar.db").is_file()
    assert not [*first.glob("siantar.db*"), *second.glob("siantar.db*")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG layout is Linux's")
def test_without_siantar_home_the_user_data_folder(tmp_path: Path) -> None:
    env = {"SIANTAR_HOME": None, "XDG_DATA_HOME": None}  # HOME is tmp_path
    folder = tmp_path / ".local" / "share" / "siantar"
    version = ok(installed("--version", cwd=tmp_path, env=env))
    assert version == f"siantar {VERSION}\nfolder data: {folder}\n"
    ok(installed("db", "upgrade", cwd=tmp_path, env=env))
    assert (folder / "siantar.db").is_file() and not (tmp_path / "siantar.db").exists()


def test_relative_paths_of_a_config_follow_the_config_folder(tmp_path: Path) -> None:
    etc, work = tmp_path / "etc", tmp_path / "work"
    etc.mkdir()
    work.mkdir()
    (etc / "config.toml").write_text('[database]\nurl = "sqlite:///db/siantar.db"\n')
    ok(installed("--config", "../etc/config.toml", "db", "upgrade", cwd=work))
    assert (etc / "db" / "siantar.db").is_file()
    env = {"SIANTAR_CONFIG": str(etc / "config.toml")}
    info = ok(installed("info", cwd=tmp_path, env=env))
    assert f"basis data:         sqlite:///{etc}/db/siantar.db\n" in info
    assert f"folder media:       {etc / 'media'}\n" in info
    assert not list(work.iterdir())


# --------------------------------------------------------------------------- read-only commands

READ_ONLY = [
    ("role", "list"),
    ("training", "list"),
    ("training", "registrants", "1"),
    ("forum", "list"),
    ("announce", "list"),
    ("announce", "status", "1"),
    ("export", "aspirations", "--format", "csv", "--out", "x.csv"),
    ("export", "rsvps", "--format", "json", "--out", "-"),
    ("stats",),
    ("audit",),
    ("privacy", "purge", "--dry-run"),
]


@pytest.mark.parametrize("args", READ_ONLY, ids=" ".join)
def test_a_read_only_command_never_creates_a_database(
    home: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    code, out, err = run(capsys, *args)
    database = home / "siantar.db"
    assert (code, out) == (1, "")
    assert err == f"siantar: tidak ada basis data di {database}: belum ada yang tersimpan di sana\n"
    assert not home.exists()
    assert not list(Path.cwd().iterdir())  # nor a siantar.db (or x.csv) here


def test_a_missing_database_is_named_in_the_runs_language(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = home / "siantar.db"
    code, _out, err = run(capsys, "--lang", "en", "role", "list")
    assert (code, err) == (
        1,
        f"siantar: no database at {database}: nothing has been stored there yet\n",
    )
    code, _out, err = run(capsys, "role", "list")
    assert code == 1 and err.startswith(f"siantar: tidak ada basis data di {database}: ")


def test_an_empty_or_unknown_database_is_named_not_migrated(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home.mkdir()
    (home / "siantar.db").touch()
    code, _out, err = run(capsys, "stats")
    empty = f"basis data {home / 'siantar.db'} kosong: belum ada yang tersimpan di sana"
    assert (code, err) == (1, f"siantar: {empty}\n")
    db = make_engine(f"sqlite:///{home / 'siantar.db'}")
    assert current_revision(db) is None
    migrate(db)
    with db.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    code, _out, err = run(capsys, "audit")
    assert code == 1 and "revisi skema 9999, yang tidak dikenal versi siantar ini" in err
    code, _out, err = run(capsys, "--lang", "en", "audit")
    assert code == 1 and "schema revision 9999, which this version of siantar does not know" in err
    db.dispose()


def test_an_older_schema_asks_for_db_upgrade_instead_of_migrating(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic.script import ScriptDirectory

    from storage.db import _alembic_config

    head = head_revision()
    previous = ScriptDirectory.from_config(_alembic_config()).get_revision(head).down_revision
    assert isinstance(previous, str)
    home.mkdir()
    db = make_engine(f"sqlite:///{home / 'siantar.db'}")
    migrate(db, previous)
    code, out, err = run(capsys, "export", "aspirations", "--format", "json", "--out", "-")
    assert (code, out) == (1, "")
    assert err == (
        f"siantar: basis data {home / 'siantar.db'} ada di revisi skema {previous}, "
        f"versi ini memerlukan {head}: jalankan dulu 'siantar db upgrade'\n"
    )
    assert current_revision(db) == previous  # left as it was
    behind = (
        f"skema:              {previous}, tertinggal dari {head}: jalankan 'siantar db upgrade'"
    )
    assert behind in run(capsys, "info")[1]
    assert run(capsys, "db", "upgrade")[0] == 0
    assert run(capsys, "export", "aspirations", "--format", "json", "--out", "-")[1] == "[]\n"
    db.dispose()


def test_a_bad_filter_is_a_bad_argument_even_without_a_database(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("export", "aspirations", "--format", "csv", "--out", "-", "--kecamatan", "Medan")
    code, _out, err = run(capsys, *args)
    assert code == 2 and err.startswith("siantar: gagal: kecamatan 'Medan' tidak dikenal: ")
    code, _out, err = run(capsys, "--lang", "en", *args)
    assert code == 2 and err.startswith("siantar: error: unknown kecamatan 'Medan': ")
    assert not home.exists()


# --------------------------------------------------------------------------- info, --version


def test_info_names_every_place_and_changes_nothing(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "info")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"siantar {VERSION}",
        "berkas konfigurasi: tidak ada (bawaan)",
        f"folder data:        {home}",
        f"basis data:         sqlite:///{home}/siantar.db",
        f"folder media:       {home / 'media'}",
        f"log chat:           {home / 'siantar.log'}",
        "skema:              belum ada basis data (chat, run atau db upgrade membuatnya)",
    ]
    assert not home.exists()
    run(capsys, "db", "upgrade")
    assert run(capsys, "info")[1].endswith(f"skema:              {head_revision()} (terbaru)\n")
    english = run(capsys, "--lang", "en", "info")[1]
    assert english.endswith(f"schema:       {head_revision()} (up to date)\n")
    assert "config file:  none (built-in defaults)\n" in english


def test_info_masks_a_database_password(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[database]\nurl = "postgresql+psycopg://siantar:rahasia-pw@127.0.0.1:1/kota"\n'
    )
    code, out, err = run(capsys, "--config", str(config), "info")
    assert "rahasia-pw" not in out + err
    assert f"berkas konfigurasi: {config}\n" in out
    assert "basis data:         postgresql+psycopg://siantar:***@127.0.0.1:1/kota\n" in out
    assert (
        code == 1 and "skema:              tidak bisa membaca basis data: " in out
    )  # nothing listens on :1


def test_version_names_the_data_folder(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"siantar {VERSION}\nfolder data: {home}\n"
    with pytest.raises(SystemExit):
        cli.main(["--lang", "en", "--version"])
    assert capsys.readouterr().out == f"siantar {VERSION}\ndata folder: {home}\n"
    with pytest.raises(SystemExit):  # --lang after --version counts too, as argparse reads it
        cli.main(["--version", "--lang=en"])
    assert capsys.readouterr().out == f"siantar {VERSION}\ndata folder: {home}\n"


def test_a_siantar_db_left_in_the_current_folder_is_pointed_out(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy = Path.cwd() / "siantar.db"
    migrate(make_engine(f"sqlite:///{legacy}"))
    code, _out, err = run(capsys, "role", "list")
    assert code == 1
    note, error = err.splitlines()
    assert note.startswith(f"siantar: catatan: {legacy} tidak dipakai tanpa berkas konfigurasi")
    assert f"basis datanya {home / 'siantar.db'}" in note
    assert error.startswith(f"siantar: tidak ada basis data di {home / 'siantar.db'}")
    assert run(capsys, "db", "upgrade")[0] == 0
    assert run(capsys, "role", "list")[2] == ""  # the note is for before the first use only
