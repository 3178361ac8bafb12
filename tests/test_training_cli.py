"""``siantar training …`` through ``bot.cli.main``, on both backends: programs from
TOML files (good and bad), edits that move a program or seat the waitlist, the
listing, status changes with their notices, registrants and attendance.

The CLI's clock is fixed at NOW (Saturday 28 November 2026, 09:00 WIB)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_helpers import Run, cli_runner, ok, refused
from conftest import NOW
from sqlalchemy import Engine
from sqlmodel import select

from bot import cli
from bot.cli import training as cli_training
from storage.db import transaction
from storage.models import OutboxMessage, Resident, TrainingProgram, TrainingRegistration
from storage.trainings import RegistrationDetails, cancel_registration, register

PROGRAM = """\
title = "Pelatihan Pembukuan Sederhana untuk UMKM"
description = "Mencatat pemasukan dan pengeluaran harian serta menghitung laba sederhana."
organiser = "Dinas Koperasi dan UKM Kota Pematangsiantar"
category = "pembukuan"
starts_at = 2026-12-05T09:00:00
ends_at = "2026-12-05T15:00"
place = "Aula Kantor Camat Siantar Barat"
map_url = "https://maps.app.goo.gl/siantarbarat"
quota = 2
registration_closes_at = 2026-12-04T17:00:00+07:00
area = "siantar barat"
requirements = "Membawa KTP dan buku tulis."
"""
START = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # 09:00 WIB


@pytest.fixture
def siantar(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    """``siantar(*args)`` runs the CLI on ``db``, from ``tmp_path``, at NOW."""
    return cli_runner(db, tmp_path, monkeypatch, capsys, cli_training, NOW)


def write(name: str, text: str) -> str:
    Path(name).write_text(text, encoding="utf-8")
    return name


def add_program(siantar: Run, text: str = PROGRAM) -> int:
    out = ok(siantar("training", "add", write("program.toml", text)))
    return int(out.split()[1])


def programs(db: Engine) -> list[TrainingProgram]:
    with transaction(db) as session:
        return list(session.exec(select(TrainingProgram).order_by(TrainingProgram.id)))


def registration(db: Engine, registration_id: int) -> TrainingRegistration:
    with transaction(db) as session:
        found = session.get(TrainingRegistration, registration_id)
        assert found is not None
        return found


def notices(db: Engine) -> list[OutboxMessage]:
    with transaction(db) as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "training")
        return list(session.exec(query.order_by(OutboxMessage.id)))


def resident(
    db: Engine, user: str, *, language: str = "id", consent: bool = True, unreachable: bool = False
) -> int:
    with transaction(db) as session:
        row = Resident(
            identity=f"telegram:{user}",
            channel="telegram",
            display_name=f"warga {user}",
            language=language,
            consent_at=NOW if consent else None,
            created_at=NOW,
            last_seen_at=NOW,
            unreachable_at=NOW if unreachable else None,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def sign_up(db: Engine, program_id: int, resident_id: int, name: str, phone: str) -> int:
    with transaction(db) as session:
        details = RegistrationDetails(
            full_name=name, phone=phone, kelurahan_code="12.72.02.1003", business_type="Warung kopi"
        )
        done = register(
            session=session,
            program_id=program_id,
            resident_id=resident_id,
            details=details,
            now=NOW,
        )
        assert done.registration.id is not None
        return done.registration.id


def full_program(db: Engine, siantar: Run) -> tuple[int, list[int]]:
    """A program with quota 2: Rina and Joko seated (Joko reads English), Tigor waiting."""
    program_id = add_program(siantar)
    people = [("101", "id", "Rina Sitorus"), ("102", "en", "Joko Purba"), ("103", "id", "Tigor")]
    ids = [
        sign_up(db, program_id, resident(db, user, language=lang), name, f"+628126000{user}")
        for user, lang, name in people
    ]
    return program_id, ids


# --- add --------------------------------------------------------------------------


def test_add_a_program_from_a_toml_file(db: Engine, siantar: Run) -> None:
    out = ok(siantar("training", "add", write("program.toml", PROGRAM)))
    assert out == (
        "program 1 dibuat: Pelatihan Pembukuan Sederhana untuk UMKM [open], "
        "2026-12-05 09:00–15:00 WIB, Aula Kantor Camat Siantar Barat, 2 kursi, "
        "kec. Siantar Barat\n"
    )
    [program] = programs(db)
    assert (program.area_level, program.area_code) == ("kecamatan", "12.72.02")
    assert program.starts_at == START  # a naive time is WIB
    assert program.ends_at == START + timedelta(hours=6)
    assert program.registration_closes_at == datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert program.registration_opens_at is None
    assert (program.status, program.category, program.quota) == ("open", "pembukuan", 2)
    assert program.organiser == "Dinas Koperasi dan UKM Kota Pematangsiantar"
    assert program.map_url == "https://maps.app.goo.gl/siantarbarat"
    assert program.created_by == "cli" and program.created_at == NOW


@pytest.mark.parametrize(
    ("area", "level", "code", "shown"),
    [
        ('"Kota"', "kota", None, "kota"),
        ('"BANTAN"', "kelurahan", "12.72.02.1003", "kel. Bantan"),
        ('"  Siantar   Marihat "', "kecamatan", "12.72.05", "kec. Siantar Marihat"),
        ('"12.72.01.1002"', "kelurahan", "12.72.01.1002", "kel. Tomuan"),
    ],
)
def test_area_is_resolved_to_its_official_code(
    db: Engine, siantar: Run, area: str, level: str, code: str | None, shown: str
) -> None:
    text = PROGRAM.replace('area = "siantar barat"', f"area = {area}")
    out = ok(siantar("training", "add", write("program.toml", text + 'status = "draft"\n')))
    assert out.rstrip().endswith(shown) and "[draft]" in out
    [program] = programs(db)
    assert (program.area_level, program.area_code, program.status) == (level, code, "draft")


def test_a_minimal_file_gets_the_defaults(db: Engine, siantar: Run) -> None:
    minimal = (
        'title = "Pemasaran Daring"\nquota = 25\n'
        'starts_at = "2026-12-12 09:00"\nends_at = "2026-12-12T12:00:00+07:00"\n'
    )
    out = ok(siantar("training", "add", write("program.toml", minimal)))
    assert "tempat menyusul" in out and out.rstrip().endswith("kota")
    [program] = programs(db)
    assert (program.area_level, program.area_code, program.category) == ("kota", None, "usaha")
    assert program.starts_at == datetime(2026, 12, 12, 2, 0, tzinfo=UTC)


def replace(key: str, value: str) -> str:
    lines = [line for line in PROGRAM.splitlines() if not line.startswith(f"{key} =")]
    return "\n".join([*lines, f"{key} = {value}" if value else ""]) + "\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (PROGRAM + "harga = 0\n", "kunci 'harga' tidak dikenal; kuncinya: title, "),
        (replace("quota", "0"), "kuota harus antara 1 dan 10.000"),
        (replace("quota", "10001"), "kuota harus antara 1 dan 10.000"),
        (replace("quota", '"30"'), "quota harus bilangan bulat, bukan '30'"),
        (replace("quota", "2.5"), "quota harus bilangan bulat"),
        (replace("quota", ""), "kunci quota belum ada"),
        (replace("title", ""), "kunci title belum ada"),
        (replace("title", '"   "'), "title tidak boleh kosong"),
        (replace("title", '"' + "x" * 121 + '"'), "title paling banyak 120 karakter"),
        (replace("title", "42"), "title harus berupa teks dalam tanda kutip, bukan 42"),
        (
            replace("category", '"kuliner"'),
            "category harus salah satu dari usaha, produksi, pemasaran",
        ),
        (replace("starts_at", "2026-12-05"), "starts_at harus berupa tanggal dan jam seperti"),
        (replace("starts_at", '"2026-12-05"'), "jamnya juga perlu"),
        (replace("starts_at", '"besok pagi"'), "bukan 'besok pagi'"),
        (replace("starts_at", "2026-11-01T09:00:00"), "starts_at sudah lewat"),
        (replace("ends_at", '"2026-12-05T08:00"'), "waktu selesai harus setelah waktu mulai"),
        (
            replace("registration_closes_at", '"2026-12-06T09:00"'),
            "pendaftaran harus ditutup paling lambat saat mulai",
        ),
        (replace("area", '"Medan Baru"'), "area harus kota atau nama resmi sebuah"),
        (replace("area", "3"), "area harus berupa teks dalam tanda kutip"),
        (replace("map_url", '"maps.google.com"'), "map_url harus tautan http(s)"),
        (replace("status", '"closed"'), "status harus open atau draft"),
        (PROGRAM + "[lokasi]\nnama = 'Aula'\n", "kunci 'lokasi' tidak dikenal"),
        ('title = "Pelatihan\n', "bukan TOML yang sah: "),
    ],
)
def test_a_bad_file_is_refused_in_one_line(
    db: Engine, siantar: Run, text: str, message: str
) -> None:
    line = refused(siantar("training", "add", write("program.toml", text)))
    assert line.startswith("siantar: gagal: program.toml: ")
    assert message in line
    assert programs(db) == []


def test_a_missing_file_is_refused(db: Engine, siantar: Run) -> None:
    line = refused(siantar("training", "add", "tidak-ada.toml"))
    assert line == "siantar: gagal: tidak bisa membaca tidak-ada.toml: berkas atau folder tidak ada"


# --- edit -------------------------------------------------------------------------


def test_moving_a_program_tells_each_registrant_in_their_language(db: Engine, siantar: Run) -> None:
    program_id, _ = full_program(db, siantar)
    assert notices(db) == []
    moved = 'starts_at = 2026-12-06T13:00:00\nends_at = 2026-12-06T16:00:00\nplace = "Aula"\n'
    out = ok(siantar("training", "edit", str(program_id), write("move.toml", moved)))
    assert out.splitlines() == [
        "program 1 diperbarui: ends_at, place, starts_at",
        "3 pendaftar dikabari waktu barunya",
        "Pelatihan Pembukuan Sederhana untuk UMKM [open], 2026-12-06 13:00–16:00 WIB, Aula, "
        "2 kursi, kec. Siantar Barat",
    ]
    [program] = programs(db)
    assert program.starts_at == datetime(2026, 12, 6, 6, 0, tzinfo=UTC)
    assert program.title == "Pelatihan Pembukuan Sederhana untuk UMKM"  # absent keys stay
    sent = notices(db)
    assert [m.recipient for m in sent] == ["101", "102", "103"]
    assert all(m.channel == "telegram" and m.status == "pending" for m in sent)
    assert sent[0].payload["text"].startswith("Ada perubahan pada Pelatihan Pembukuan")
    assert "Minggu, 6 Desember 2026 pukul 13.00 WIB" in sent[0].payload["text"]
    assert sent[1].payload["text"].startswith("There is a change to Pelatihan Pembukuan")


def test_an_edit_that_keeps_the_time_tells_nobody(db: Engine, siantar: Run) -> None:
    program_id, _ = full_program(db, siantar)
    same = 'starts_at = "2026-12-05T09:00+07:00"\ndescription = "Materi baru."\n'
    out = ok(siantar("training", "edit", str(program_id), write("same.toml", same)))
    assert out.splitlines()[0] == "program 1 diperbarui: description"
    assert "dikabari" not in out and notices(db) == []


def test_a_bigger_quota_seats_the_waitlist_and_tells_them(db: Engine, siantar: Run) -> None:
    program_id, (rina, joko, tigor) = full_program(db, siantar)
    assert registration(db, tigor).status == "waitlisted"
    out = ok(siantar("training", "edit", str(program_id), write("quota.toml", "quota = 3\n")))
    assert out.splitlines()[:2] == [
        "program 1 diperbarui: quota",
        "1 mendapat kursi dari daftar tunggu, 1 dikabari",
    ]
    assert registration(db, tigor).status == "registered"
    [notice] = notices(db)
    assert notice.recipient == "103" and notice.payload["text"].startswith("Kabar baik!")


def test_edit_refusals(db: Engine, siantar: Run) -> None:
    program_id, _ = full_program(db, siantar)
    edit = ("training", "edit", str(program_id))
    assert refused(siantar(*edit, write("e.toml", "quota = 1\n"))) == (
        "siantar: gagal: e.toml: kuota lebih kecil dari kursi yang sudah terisi (2)"
    )
    assert (
        refused(siantar(*edit, write("e.toml", "")))
        == "siantar: gagal: e.toml: tidak ada kunci yang diubah"
    )
    assert refused(siantar(*edit, write("e.toml", 'status = "draft"\n'))) == (
        "siantar: gagal: program 1 berstatus open: tidak bisa kembali ke draf"
    )
    past = 'starts_at = "2026-11-27T09:00"\n'
    assert refused(siantar(*edit, write("e.toml", past))) == (
        "siantar: gagal: e.toml: starts_at sudah lewat"
    )
    assert refused(siantar("training", "edit", "9", write("e.toml", "quota = 5\n"))) == (
        "siantar: gagal: program pelatihan 9 tidak ada"
    )
    [program] = programs(db)
    assert (program.quota, program.status) == (2, "open")  # nothing was half-applied
    ok(siantar("training", "cancel", str(program_id)))
    assert refused(siantar(*edit, write("e.toml", "quota = 5\n"))) == (
        "siantar: gagal: program 1 berstatus cancelled: tidak bisa diubah lagi"
    )


def test_edit_can_publish_a_draft(db: Engine, siantar: Run) -> None:
    program_id = add_program(siantar, PROGRAM + 'status = "draft"\n')
    out = ok(siantar("training", "edit", str(program_id), write("e.toml", 'status = "open"\n')))
    assert out.splitlines()[0] == "program 1 sekarang open"
    assert programs(db)[0].status == "open"


# --- list -------------------------------------------------------------------------


def test_list_shows_open_programs_with_seats_and_waitlist(db: Engine, siantar: Run) -> None:
    assert ok(siantar("training", "list")) == (
        "tidak ada program pelatihan (lihat --all untuk yang sudah lewat)\n"
    )
    full_program(db, siantar)
    long_title = "Pelatihan Pemasaran Digital untuk Pengrajin Ulos dan Kuliner Khas Siantar"
    other = replace("title", f'"{long_title}"').replace('"siantar barat"', '"kota"')
    other = other.replace("2026-12-05", "2026-12-12")
    second = add_program(siantar, other)
    lines = ok(siantar("training", "list")).splitlines()
    assert lines[0].split() == [
        "ID",
        "STATUS",
        "MULAI",
        "(WIB)",
        "JUDUL",
        "KURSI",
        "MENUNGGU",
        "WILAYAH",
    ]
    assert lines[1].split() == [
        "1", "open", "2026-12-05", "09:00", "Pelatihan", "Pembukuan", "Sederhana", "untuk",
        "UMKM", "2/2", "1", "kec.", "Siantar", "Barat",
    ]  # fmt: skip
    assert "Pelatihan Pemasaran Digital untuk Pengr…" in lines[2]
    assert lines[2].split()[-3:] == ["0/2", "0", "kota"]
    ok(siantar("training", "cancel", str(second)))
    assert len(ok(siantar("training", "list")).splitlines()) == 2
    everything = ok(siantar("training", "list", "--all")).splitlines()
    assert len(everything) == 3 and everything[2].split()[:2] == ["2", "cancelled"]


# --- open, close, cancel ------------------------------------------------------------


def test_close_and_reopen_registration(db: Engine, siantar: Run) -> None:
    program_id = add_program(siantar)
    out = ok(siantar("training", "close", str(program_id)))
    assert out.startswith("program 1 sekarang closed: Pelatihan Pembukuan")
    assert programs(db)[0].status == "closed"
    again = refused(siantar("training", "close", str(program_id)))
    assert again == "siantar: gagal: program 1 memang sudah closed"
    assert ok(siantar("training", "open", str(program_id))).startswith("program 1 sekarang open")
    assert (
        refused(siantar("training", "open", "7")) == "siantar: gagal: program pelatihan 7 tidak ada"
    )


def test_cancel_tells_every_active_registrant_once(db: Engine, siantar: Run) -> None:
    program_id, (rina, _joko, _tigor) = full_program(db, siantar)
    gone = resident(db, "104", unreachable=True)  # blocked the bot: nobody to tell
    sign_up(db, program_id, gone, "Maria", "+6281260000104")
    with transaction(db) as session:
        cancel_registration(session=session, registration_id=rina, resident_id=None, now=NOW)
    out = ok(siantar("training", "cancel", str(program_id)))
    assert out == "program 1 dibatalkan; 2 pendaftar dikabari (1 tidak terjangkau)\n"
    sent = notices(db)
    assert [m.recipient for m in sent] == ["102", "103"]  # Rina had cancelled already
    assert sent[0].payload["text"].startswith("We are sorry: Pelatihan Pembukuan")
    assert sent[1].payload["text"].startswith("Mohon maaf, Pelatihan Pembukuan")
    assert programs(db)[0].status == "cancelled"
    assert refused(siantar("training", "cancel", str(program_id))) == (
        "siantar: gagal: program 1 memang sudah cancelled"
    )
    assert len(notices(db)) == 2


# --- registrants and attendance -----------------------------------------------------


def test_registrants_lists_seats_then_the_queue(db: Engine, siantar: Run) -> None:
    program_id, (rina, joko, tigor) = full_program(db, siantar)
    shy = sign_up(db, program_id, resident(db, "105", consent=False), "Tanpa Izin", "+62812600105")
    lines = ok(siantar("training", "registrants", str(program_id))).splitlines()
    assert lines[0] == (
        "program 1: Pelatihan Pembukuan Sederhana untuk UMKM (open), 2026-12-05 09:00 WIB, "
        "kursi 2/2, 2 menunggu"
    )
    assert lines[1].split() == [
        "DAFTAR", "STATUS", "ANTRE", "NAMA", "HP", "KELURAHAN", "USAHA", "HADIR",
    ]  # fmt: skip
    rows = [line.split() for line in lines[2:]]
    business = ["Bantan", "Warung", "kopi"]
    assert rows == [
        [str(rina), "registered", "Rina", "Sitorus", "0812-6000-101", *business, "tidak"],
        [str(joko), "registered", "Joko", "Purba", "0812-6000-102", *business, "tidak"],
        [str(tigor), "waitlisted", "1", "Tigor", "0812-6000-103", *business],
        [str(shy), "waitlisted", "2", "—", "—", *business],  # no consent: no name, no phone
    ]
    empty = add_program(siantar)
    assert ok(siantar("training", "registrants", str(empty))).splitlines()[1] == (
        "belum ada pendaftaran"
    )


def test_attendance_is_marked_and_unmarked(db: Engine, siantar: Run) -> None:
    program_id, (rina, joko, tigor) = full_program(db, siantar)
    attend = ("training", "attend", str(program_id))
    assert ok(siantar(*attend, str(rina), str(joko))) == "program 1: 2 ditandai hadir\n"
    marked = registration(db, rina)
    assert marked.attended and marked.attendance_marked_by == "cli"
    assert marked.attendance_marked_at == NOW
    assert ok(siantar(*attend, str(joko), "--absent")) == "program 1: 1 ditandai tidak hadir\n"
    assert not registration(db, joko).attended and registration(db, rina).attended
    # One refused registration refuses them all.
    assert refused(siantar(*attend, str(joko), str(tigor))) == (
        f"siantar: gagal: pendaftaran {tigor} berstatus waitlisted, belum mendapat kursi"
    )
    assert not registration(db, joko).attended
    assert (
        refused(siantar(*attend, "99"))
        == "siantar: gagal: pendaftaran 99 bukan bagian dari program 1"
    )
    other = add_program(siantar)
    assert refused(siantar("training", "attend", str(other), str(rina))) == (
        f"siantar: gagal: pendaftaran {rina} bukan bagian dari program {other}"
    )
    lines = ok(siantar("training", "registrants", str(program_id))).splitlines()
    assert lines[2].split()[-1] == "ya" and lines[3].split()[-1] == "tidak"


def test_bad_arguments_exit_2_in_one_line(db: Engine, siantar: Run) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["training", "attend", "1"])
    assert exit_.value.code == 2
    with pytest.raises(SystemExit) as exit_:
        cli.main(["training", "open", "satu"])
    assert exit_.value.code == 2
