"""``siantar announce …`` through ``bot.cli.main``, on both backends: sending now or
at a time with the exact recipient count, the confirmation (asked on a terminal,
refused without one unless --yes), every segment form, status, list and cancel.

Most tests run ``siantar --lang en announce …`` and read English; the last ones
check that without ``--lang`` all of it is Indonesian, refusals included.

The CLI's clock is fixed at NOW (Saturday 28 November 2026, 09:00 WIB)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_helpers import Run, cli_runner, ok, refused
from conftest import NOW
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from test_announcements import BANTAN, BARAT, TOMUAN, city  # noqa: F401
from test_training import add_program

from bot.cli import announce as cli_announce
from bot.jobs import broadcast_tick
from storage.db import transaction
from storage.forums import NewForum, create_forum
from storage.models import Announcement, OutboxMessage

TEXT = "Pendaftaran bantuan modal UMKM dibuka sampai 20 Desember."
TWELFTH = datetime(2026, 12, 12, 2, 0, tzinfo=UTC)  # 09:00 WIB


@dataclass
class Terminal:
    """Whether stdin is a terminal, what the person answers, and what they were asked."""

    present: bool = False
    answer: str = "y"
    asked: list[str] | None = None


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    term = Terminal(asked=[])

    def ask(question: str) -> str:
        assert term.asked is not None
        term.asked.append(question)
        return term.answer

    monkeypatch.setattr(cli_announce, "interactive", lambda: term.present)
    monkeypatch.setattr(cli_announce, "ask", ask)
    return term


@pytest.fixture
def siantar(
    db: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    terminal: Terminal,
) -> Run:
    """``siantar(*args)`` runs ``siantar --lang en`` on ``db``, from ``tmp_path``, at NOW."""
    return cli_runner(db, tmp_path, monkeypatch, capsys, cli_announce, NOW, language="en")


@pytest.fixture
def siantar_id(
    db: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    terminal: Terminal,
) -> Run:
    """The same without ``--lang``: Indonesian."""
    return cli_runner(db, tmp_path, monkeypatch, capsys, cli_announce, NOW)


def stored(db: Engine) -> list[Announcement]:
    with Session(db) as session:
        return list(session.exec(select(Announcement).order_by(col(Announcement.id))))


def recipients(db: Engine) -> list[str]:
    with Session(db) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        return sorted(r.recipient for r in rows)


def test_send_now_with_yes(siantar: Run, db: Engine, city: dict[str, int]) -> None:  # noqa: F811
    out = ok(siantar("announce", "send", "--text", TEXT, "--segment", "kelurahan:bantan", "--yes"))
    assert out.splitlines() == [
        "announcement 1 created: 2 recipients, Residents of Kelurahan Bantan, "
        "Kecamatan Siantar Barat (kelurahan:12.72.02.1003), sending now",
        "'siantar run' sends it; follow it with: siantar announce status 1",
    ]
    [announcement] = stored(db)
    assert (announcement.text, announcement.created_by, announcement.send_at) == (TEXT, "cli", NOW)
    assert broadcast_tick(db, NOW) == 2
    assert recipients(db) == ["1", "2"]


def test_the_short_form_without_send(siantar: Run, db: Engine, city: dict[str, int]) -> None:  # noqa: F811
    out = ok(siantar("announce", "--text", TEXT, "--segment", "everyone", "--yes"))
    assert out.startswith("announcement 1 created: 5 recipients, All residents")


def test_a_terminal_is_asked_with_the_exact_count(
    siantar: Run,
    db: Engine,
    terminal: Terminal,
    city: dict[str, int],  # noqa: F811
) -> None:
    terminal.present, terminal.answer = True, "n"
    out = ok(siantar("announce", "send", "--text", TEXT, "--segment", "kecamatan:SIANTAR TIMUR"))
    assert (
        "Preview. Residents receive exactly this text:\n────────\n"
        f"{TEXT}\n────────\n"
        "Recipients: Residents of Kecamatan Siantar Timur (kecamatan:12.72.01)\n"
        "Number of recipients: 2 (without those who unsubscribed or blocked the bot)\n"
        "Sending time: now\n"
    ) in out
    assert out.endswith("not sent\n")
    assert terminal.asked == ["Send it? [y/N] "]
    assert stored(db) == []
    terminal.answer = "y"
    out = ok(siantar("announce", "send", "--text", TEXT, "--segment", "kecamatan:12.72.01"))
    assert "announcement 1 created: 2 recipients" in out
    assert len(stored(db)) == 1


def test_no_terminal_and_no_yes_is_refused(
    siantar: Run,
    db: Engine,
    city: dict[str, int],  # noqa: F811
) -> None:
    line = refused(siantar("announce", "send", "--text", TEXT, "--segment", "everyone"))
    assert line == (
        "siantar: error: not sent: 5 recipients, All residents of Kota Pematangsiantar; "
        "there is no terminal to confirm on, so add --yes"
    )
    assert stored(db) == []


def test_scheduled_from_a_file(
    siantar: Run,
    db: Engine,
    city: dict[str, int],  # noqa: F811
) -> None:
    Path("pengumuman.txt").write_text(f"  {TEXT}\n\n\n\nSalam.\n", encoding="utf-8")
    out = ok(
        siantar(
            "announce",
            "send",
            "--file",
            "pengumuman.txt",
            "--segment",
            "kelurahan:Tomuan",
            "--at",
            "12-12-2026 09.00",
            "--yes",
        )
    )
    assert out.splitlines() == [
        "announcement 1 scheduled for 2026-12-12 09:00 WIB: 2 recipients as of now, "
        "Residents of Kelurahan Tomuan, Kecamatan Siantar Timur (kelurahan:12.72.01.1002)",
        "follow it: siantar announce status 1; cancel it: siantar announce cancel 1",
    ]
    [announcement] = stored(db)
    assert announcement.text == f"{TEXT}\n\nSalam."  # cleaned as in chat
    assert announcement.send_at == TWELFTH
    assert broadcast_tick(db, NOW) == 0
    assert broadcast_tick(db, TWELFTH) == 2


@pytest.mark.parametrize(
    "at",
    [
        "12-12-2026 09.00",
        "12 Desember 2026 09:00",
        "2026-12-12 09:00",
        "2026-12-12T09:00",
        "2026-12-12T02:00+00:00",
    ],
)
def test_every_form_of_the_time(siantar: Run, db: Engine, at: str) -> None:
    ok(siantar("announce", "--text", TEXT, "--segment", "everyone", "--at", at, "--yes"))
    assert stored(db)[0].send_at == TWELFTH


def test_training_forum_and_rsvp_segments(siantar: Run, db: Engine) -> None:
    program = add_program(db)
    with transaction(db) as session:
        forum = create_forum(
            session=session,
            new=NewForum("Musrenbang Kota", NOW + timedelta(days=5), "musrenbang_kota"),
            actor="x",
            now=NOW,
        )
        forum_id = forum.id
    for segment, kind in (
        (f"training:{program}", "training"),
        (f"forum:{forum_id}", "forum_subscribers"),
        (f"rsvp:{forum_id}", "forum_rsvp"),
    ):
        out = ok(
            siantar(
                "announce",
                "--text",
                TEXT,
                "--segment",
                segment,
                "--at",
                "12-12-2026 09.00",
                "--yes",
            )
        )
        assert f"({segment})" in out and "0 recipients as of now" in out
        assert stored(db)[-1].segment_kind == kind


@pytest.mark.parametrize(
    ("args", "line"),
    [
        ((), "give the text with --text TEXT or --file PATH"),
        (("--text", TEXT), "--segment is required"),
        (("--text", "   ", "--segment", "everyone"), "--text: Your message is empty"),
        (("--text", "x" * 3501, "--segment", "everyone"), "(3,501 characters, at most 3,500)"),
        (("--file", "missing.txt", "--segment", "everyone"), "cannot read missing.txt"),
        (("--text", TEXT, "--segment", "kota"), "--segment must be everyone, kecamatan:NAME"),
        (("--text", TEXT, "--segment", "kelurahan:Atlantis"), "no kelurahan named 'Atlantis'"),
        (("--text", TEXT, "--segment", "training:x"), "needs a number, not 'x'"),
        (("--text", TEXT, "--segment", "training:99"), "--segment training:99: no such training"),
        (("--text", TEXT, "--segment", "rsvp:99"), "--segment rsvp:99: no such forum"),
        (("--text", TEXT, "--segment", "everyone"), "nobody to send to"),
        (("--text", TEXT, "--segment", "everyone", "--at", "kemarin"), "--at: Sorry, we could not"),
        (("--text", TEXT, "--segment", "everyone", "--at", "27-11-2026 09.00"), "already passed"),
        (("--text", TEXT, "--segment", "everyone", "--at", "2026-11-27T09:00"), "in the past"),
        (("--text", TEXT, "--segment", "everyone", "--at", "2028-11-27T09:00"), "a year ahead"),
    ],
)
def test_bad_arguments_are_one_line(
    siantar: Run, db: Engine, args: tuple[str, ...], line: str
) -> None:
    assert line in refused(siantar("announce", "send", *args, "--yes"))
    assert stored(db) == []


def test_status_list_and_cancel(
    siantar: Run,
    db: Engine,
    city: dict[str, int],  # noqa: F811
) -> None:
    ok(siantar("announce", "--text", TEXT, "--segment", "everyone", "--yes"))
    ok(
        siantar(
            "announce",
            "--text",
            "Kedua kalinya.",
            "--segment",
            f"kecamatan:{BARAT}",
            "--at",
            "12-12-2026 09.00",
            "--yes",
        )
    )
    broadcast_tick(db, NOW)
    with transaction(db) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        for row, status in zip(
            rows, ["sent", "sent", "failed", "unreachable", "opted_out"], strict=True
        ):
            row.status = status
            session.add(row)
    out = ok(siantar("announce", "status", "1"))
    assert out.splitlines() == [
        "announcement 1 · Done (announcement)",
        "recipients: All residents of Kota Pematangsiantar",
        "sending time: 2026-11-28 09:00 WIB",
        "created: 2026-11-28 09:00 WIB by cli",
        "messages prepared: 5",
        "sent 2 · failed 1 · unreachable 1 · unsubscribed 1 · pending 0 · cancelled 0",
        f"text: {TEXT}",
    ]
    out = ok(siantar("announce", "status", "2"))
    assert "announcement 2 · Scheduled" in out and "recipients as of now: 2" in out
    listing = ok(siantar("announce", "list")).splitlines()
    assert listing[0].split() == ["ID", "STATE", "SENDING", "TIME", "PREPARED", "SEGMENT", "TEXT"]
    assert listing[1].split()[:2] == ["2", "Scheduled"] and "kecamatan:Siantar Barat" in listing[1]
    assert listing[2].split()[:2] == ["1", "Done"] and "everyone" in listing[2]
    assert len(ok(siantar("announce", "list", "--limit", "1")).splitlines()) == 2
    assert ok(siantar("announce", "cancel", "2")) == "announcement 2 cancelled; nothing was sent\n"
    assert "announcement 2 · Cancelled" in ok(siantar("announce", "status", "2"))
    assert refused(siantar("announce", "cancel", "2")) == (
        "siantar: error: announcement 2 is already cancelled"
    )
    assert refused(siantar("announce", "cancel", "1")) == (
        "siantar: error: announcement 1 has already started going out; it cannot be cancelled"
    )
    assert refused(siantar("announce", "status", "9")) == "siantar: error: no announcement 9"
    assert broadcast_tick(db, TWELFTH) == 0


def test_an_empty_list(siantar: Run) -> None:
    assert ok(siantar("announce", "list")) == "no announcements\n"


def test_indonesian_without_lang(
    siantar_id: Run,
    db: Engine,
    terminal: Terminal,
    city: dict[str, int],  # noqa: F811
) -> None:
    terminal.present, terminal.answer = True, "y"
    out = ok(siantar_id("announce", "--text", TEXT, "--segment", "kelurahan:Tomuan"))
    assert terminal.asked == ["Kirim? [y/N] "]
    where = "Warga Kelurahan Tomuan, Kecamatan Siantar Timur (kelurahan:12.72.01.1002)"
    assert out.splitlines() == [
        "Pratinjau. Warga menerima persis teks ini:",
        "────────",
        TEXT,
        "────────",
        f"Penerima: {where}",
        "Jumlah penerima: 2 (tanpa yang berhenti menerima pengumuman atau memblokir bot)",
        "Waktu kirim: sekarang",
        f"pengumuman 1 dibuat: 2 penerima, {where}, dikirim sekarang",
        "'siantar run' yang mengirimnya; pantau dengan: siantar announce status 1",
    ]
    status = ok(siantar_id("announce", "status", "1")).splitlines()
    assert status[0] == "pengumuman 1 · Sedang dikirim (announcement)"
    assert "terkirim 0 · gagal 0 · tak terjangkau 0" in status[-2]
    listing = ok(siantar_id("announce", "list")).splitlines()
    assert listing[0].split() == ["ID", "STATUS", "WAKTU", "KIRIM", "DISIAPKAN", "PENERIMA", "TEKS"]
    assert listing[1].split()[:3] == ["1", "Sedang", "dikirim"]
    assert refused(siantar_id("announce", "cancel", "1")) == (
        "siantar: gagal: pengumuman 1 sudah mulai dikirim; tidak bisa dibatalkan"
    )
    assert (
        refused(siantar_id("announce", "status", "9")) == "siantar: gagal: pengumuman 9 tidak ada"
    )


@pytest.mark.parametrize(
    ("language", "line"),
    [
        (
            None,
            "siantar: gagal: --segment harus everyone, kecamatan:NAMA, kelurahan:NAMA, "
            "training:ID, forum:ID atau rsvp:ID, bukan 'kota'",
        ),
        (
            "en",
            "siantar: error: --segment must be everyone, kecamatan:NAME, kelurahan:NAME, "
            "training:ID, forum:ID or rsvp:ID, not 'kota'",
        ),
    ],
)
def test_a_bad_segment_is_refused_in_the_runs_language(
    db: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    language: str | None,
    line: str,
) -> None:
    siantar = cli_runner(db, tmp_path, monkeypatch, capsys, cli_announce, NOW, language=language)
    assert refused(siantar("announce", "--text", TEXT, "--segment", "kota", "--yes")) == line
    assert stored(db) == []
