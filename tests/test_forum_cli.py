"""``siantar forum …`` through ``bot.cli.main``, on both backends: forums from TOML
files (good and bad), the listing with subscribers and RSVP counts, moving,
cancelling and posting the result, each with the announcement to the followers.

The CLI's clock is fixed at NOW (Saturday 28 November 2026, 09:00 WIB)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_helpers import Run, cli_runner, ok, refused
from conftest import NOW
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from test_announcements import BANTAN, TOMUAN, person

from bot import cli
from bot.cli import forum as cli_forum
from storage.db import transaction
from storage.forums import set_rsvp, set_subscription
from storage.models import Announcement, ForumEvent

FORUM = """\
title = "Musrenbang Kelurahan Bantan 2027"
type = "musrenbang_kelurahan"
starts_at = 2026-12-12T09:00:00
place = "Aula Kantor Lurah Bantan, Jl. Sisingamangaraja"
agenda = \"\"\"
Menyusun usulan prioritas pembangunan Kelurahan Bantan untuk RKPD 2027:
drainase, penerangan jalan, posyandu.\"\"\"
area = "bantan"
"""
START = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)  # 09:00 WIB


@pytest.fixture
def siantar(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    """``siantar(*args)`` runs the CLI on ``db``, from ``tmp_path``, at NOW."""
    return cli_runner(db, tmp_path, monkeypatch, capsys, cli_forum, NOW)


def write(tmp_path: Path, text: str, name: str = "forum.toml") -> str:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return name


def forums(db: Engine) -> list[ForumEvent]:
    with Session(db) as session:
        return list(session.exec(select(ForumEvent).order_by(col(ForumEvent.id))))


def announcements(db: Engine) -> list[tuple[str, str | None, str, str | None]]:
    with Session(db) as session:
        rows = session.exec(select(Announcement).order_by(col(Announcement.id))).all()
        return [(a.kind, a.template, a.segment_kind, a.segment_value) for a in rows]


def subscribers(db: Engine) -> None:
    """Two reachable kelurahan subscribers in Bantan, one in Tomuan, one opted out."""
    for user, kelurahan, off in (("1", BANTAN, False), ("2", BANTAN, False),
                                 ("3", TOMUAN, False), ("4", BANTAN, True)):  # fmt: skip
        resident_id = person(db, user, kelurahan=kelurahan, opted_out=off)
        with transaction(db) as session:
            set_subscription(
                session=session, resident_id=resident_id, scope="kelurahan", on=True, now=NOW
            )


def test_add_a_forum_from_a_file(siantar: Run, db: Engine, tmp_path: Path) -> None:
    subscribers(db)
    out = ok(siantar("forum", "add", write(tmp_path, FORUM)))
    assert out.splitlines() == [
        "forum 1 dibuat: Musrenbang Kelurahan Bantan 2027 [musrenbang_kelurahan], "
        "2026-12-12 09:00 WIB, Aula Kantor Lurah Bantan, Jl. Sisingamangaraja, kel. Bantan",
        "2 pelanggan akan diingatkan sebelum forum dimulai",
    ]
    [forum] = forums(db)
    assert (forum.starts_at, forum.area_level, forum.area_code) == (START, "kelurahan", BANTAN)
    assert forum.agenda.startswith("Menyusun usulan prioritas") and forum.created_by == "cli"
    assert forum.status == "scheduled"


@pytest.mark.parametrize(
    ("area", "stored"),
    [("kota", ("kota", None)), ("Siantar Barat", ("kecamatan", "12.72.02")),
     ("12.72.01.1002", ("kelurahan", TOMUAN))],
)  # fmt: skip
def test_areas_by_name_or_code(
    siantar: Run, db: Engine, tmp_path: Path, area: str, stored: tuple[str, str | None]
) -> None:
    text = FORUM.replace('area = "bantan"', f'area = "{area}"')
    ok(siantar("forum", "add", write(tmp_path, text)))
    [forum] = forums(db)
    assert (forum.area_level, forum.area_code) == stored


BAD_FILES = [
    ('title = "x"\nstarts_at = 2026-12-12T09:00:00\n', "kunci type, area belum ada"),
    ("title = \n", "bukan TOML yang sah"),
    (FORUM + 'quota = 3\n', "kunci 'quota' tidak dikenal; kuncinya: title, type, starts_at"),
    (FORUM.replace('"musrenbang_kelurahan"', '"rapat"'), "type harus salah satu dari musrenbang_"),
    (FORUM.replace('"bantan"', '"Siantar Tengah"'), "area harus kota atau nama resmi"),
    (FORUM.replace("2026-12-12T09:00:00", "2026-12-12"), "starts_at harus berupa tanggal dan jam"),
    (FORUM.replace("2026-12-12T09:00:00", '"12/12/2026"'), "bukan '12/12/2026'"),
    (FORUM.replace("2026-12-12T09:00:00", "2026-11-20T09:00:00"), "starts_at sudah lewat"),
    (FORUM.replace('"Musrenbang Kelurahan Bantan 2027"', '"' + "M" * 121 + '"'),
     "title paling banyak 120 karakter"),
    (FORUM.replace('"Musrenbang Kelurahan Bantan 2027"', "2027"), "title harus berupa teks"),
    (FORUM.replace('"Musrenbang Kelurahan Bantan 2027"', '"  "'), "title tidak boleh kosong"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_a_bad_file_is_refused_in_one_line(
    siantar: Run, db: Engine, tmp_path: Path, text: str, message: str
) -> None:
    line = refused(siantar("forum", "add", write(tmp_path, text)))
    assert line.startswith("siantar: gagal: forum.toml: ") and message in line, line
    assert forums(db) == []


def test_a_missing_file(siantar: Run, db: Engine) -> None:
    line = refused(siantar("forum", "add", "nowhere.toml"))
    assert line == "siantar: gagal: tidak bisa membaca nowhere.toml: berkas atau folder tidak ada"


def test_list_shows_what_is_ahead_with_reminders_and_answers(
    siantar: Run, db: Engine, tmp_path: Path
) -> None:
    subscribers(db)
    ok(siantar("forum", "add", write(tmp_path, FORUM)))
    city = FORUM.replace('area = "bantan"', 'area = "kota"').replace(
        "Musrenbang Kelurahan Bantan 2027", "Forum Warga Kota"
    )
    ok(siantar("forum", "add", write(tmp_path, city)))
    with transaction(db) as session:
        set_rsvp(session=session, forum_id=1, resident_id=3, answer="hadir", now=NOW)
        set_rsvp(session=session, forum_id=1, resident_id=1, answer="mungkin", now=NOW)
    ok(siantar("forum", "cancel", "2"))
    assert ok(siantar("forum", "list")).splitlines() == [
        "ID  STATUS     MULAI (WIB)       JENIS                 JUDUL                             "
        "WILAYAH      PENGINGAT  JAWABAN H/T/M",
        " 1  scheduled  2026-12-12 09:00  musrenbang_kelurahan  Musrenbang Kelurahan Bantan 2027  "
        "kel. Bantan          3  1/0/1",
    ]
    listing = ok(siantar("forum", "list", "--all")).splitlines()
    assert len(listing) == 3 and listing[2].startswith(" 2  cancelled")
    assert listing[2].split()[-2:] == ["-", "0/0/0"]


def test_list_when_there_is_nothing(siantar: Run) -> None:
    assert ok(siantar("forum", "list")) == "tidak ada forum (lihat --all untuk yang sudah lewat)\n"


def test_move_tells_the_followers(siantar: Run, db: Engine, tmp_path: Path) -> None:
    subscribers(db)
    ok(siantar("forum", "add", write(tmp_path, FORUM)))
    out = ok(siantar("forum", "move", "1", "--at", "2026-12-19T09:00", "--place", " Aula  Camat "))
    assert out.splitlines() == [
        "forum 1 dipindah: Musrenbang Kelurahan Bantan 2027 [musrenbang_kelurahan], "
        "2026-12-19 09:00 WIB, Aula Camat, kel. Bantan",
        "2 pengikut akan dikabari; pengingat mengikuti waktu baru",
    ]
    [forum] = forums(db)
    assert forum.status == "moved" and forum.starts_at == START + timedelta(days=7)
    assert announcements(db) == [("forum_notice", "forum.moved", "forum_subscribers", "1")]
    ok(siantar("forum", "move", "1", "--at", "2026-12-19T14:00+07:00"))
    assert forums(db)[0].place == "Aula Camat"  # kept without --place


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--at", "besok"), "--at harus berupa tanggal dan jam seperti 2026-12-12T09:00"),
        (("--at", "2026-12-19"), "jamnya juga perlu"),
        (("--at", "2026-11-01T09:00"), "forum 1: waktunya harus di masa depan"),
        (("--at", "2026-12-12T09:00"), "forum 1: forum memang sudah pada waktu dan tempat itu"),
        (("--at", "2026-12-13T09:00", "--place", "  "), "--place tidak boleh kosong"),
    ],
)
def test_a_bad_move_is_refused(
    siantar: Run, db: Engine, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    ok(siantar("forum", "add", write(tmp_path, FORUM)))
    line = refused(siantar("forum", "move", "1", *args))
    assert message in line, line
    assert forums(db)[0].status == "scheduled" and announcements(db) == []


def test_cancel_and_what_a_cancelled_forum_refuses(
    siantar: Run, db: Engine, tmp_path: Path
) -> None:
    subscribers(db)
    ok(siantar("forum", "add", write(tmp_path, FORUM)))
    assert ok(siantar("forum", "cancel", "1")) == "forum 1 dibatalkan; 2 pengikut akan dikabari\n"
    assert announcements(db) == [("forum_notice", "forum.cancelled", "forum_subscribers", "1")]
    line = refused(siantar("forum", "cancel", "1"))
    assert line == "siantar: gagal: forum 1 sudah dibatalkan: tidak bisa dibatalkan lagi"
    line = refused(siantar("forum", "move", "1", "--at", "2026-12-19T09:00"))
    assert line == "siantar: gagal: forum 1 sudah dibatalkan: tidak bisa dipindah lagi"
    line = refused(siantar("forum", "summary", "1", "--text", "Hasil"))
    assert line == "siantar: gagal: forum 1: forum yang dibatalkan tidak punya hasil"
    assert refused(siantar("forum", "cancel", "9")) == "siantar: gagal: forum 9 tidak ada"


def test_the_result_after_the_forum(
    siantar: Run, db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    subscribers(db)
    ok(siantar("forum", "add", write(tmp_path, FORUM)))
    with transaction(db) as session:
        set_rsvp(session=session, forum_id=1, resident_id=3, answer="hadir", now=NOW)
    line = refused(siantar("forum", "summary", "1", "--text", "Hasil musrenbang"))
    assert line == "siantar: gagal: forum 1: forum belum berlangsung"
    monkeypatch.setattr(cli_forum, "now", lambda: START + timedelta(hours=4))
    assert "menunggu hasil" in ok(siantar("forum", "list"))
    (tmp_path / "hasil.txt").write_text(
        "Disepakati tiga usulan prioritas: drainase, posyandu, lampu jalan.\n", encoding="utf-8"
    )
    out = ok(siantar("forum", "summary", "1", "--file", "hasil.txt"))
    assert out == "forum 1: hasil tersimpan; 1 warga yang menjawab akan menerimanya\n"
    [forum] = forums(db)
    assert forum.status == "held" and forum.summary is not None
    assert forum.summary.startswith("Disepakati tiga usulan")
    assert announcements(db) == [("forum_summary", "forum.summary", "forum_rsvp", "1")]
    line = refused(siantar("forum", "summary", "1", "--text", "lagi"))
    assert line == "siantar: gagal: forum 1: hasil forum ini sudah dikirim"
    assert ok(siantar("forum", "list")) == "tidak ada forum (lihat --all untuk yang sudah lewat)\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--text", "  "), "siantar: gagal: hasilnya kosong"),
        (
            ("--file", "nothing.txt"),
            "siantar: gagal: tidak bisa membaca nothing.txt: berkas atau folder",
        ),
        (("--file", "latin1.txt"), "siantar: gagal: latin1.txt: bukan teks UTF-8"),
    ],
)
def test_a_bad_result_is_refused(
    siantar: Run, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "latin1.txt").write_bytes(
        "Hasil: jalan rusak diperbaiki, caf\xe9".encode("latin-1")
    )
    assert refused(siantar("forum", "summary", "1", *args)).startswith(message)


def test_arguments_are_checked_by_the_parser(siantar: Run) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["forum", "summary", "1"])  # neither --text nor --file
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        cli.main(["forum", "move", "1"])  # no --at
    assert exit_.value.code == 2
