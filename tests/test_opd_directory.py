"""The directory of units (OPD) in storage and through ``siantar opd`` / ``siantar
role … petugas_opd --opd``: codes, kinds, (de)activation, officers' units, the audit.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import Run, cli_runner, ok, refused
from conftest import NOW
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.cli import opd as cli_opd
from storage.audit import entries_since
from storage.db import transaction
from storage.models import Opd, OpdOfficer, RoleGrant
from storage.opd import (
    UnitError,
    add_unit,
    default_units,
    edit_unit,
    find_unit,
    grant_officer,
    revoke_officer,
    set_active,
    units,
    units_of,
)

OFFICER = "telegram:555"


@pytest.fixture
def siantar(
    db: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    return cli_runner(db, tmp_path, monkeypatch, capsys, cli_opd, NOW)


def audit(db: Engine) -> list[tuple[str, str, dict[str, str]]]:
    with Session(db) as session:
        return [(e.actor, e.action, e.details) for e in entries_since(session=session)]


def officers(db: Engine) -> set[tuple[str, str]]:
    with Session(db) as session:
        return {(o.identity, o.opd_code) for o in session.exec(select(OpdOfficer))}


def roles(db: Engine) -> set[tuple[str, str]]:
    with Session(db) as session:
        return {(g.identity, g.role) for g in session.exec(select(RoleGrant))}


def unit(db: Engine, code: str) -> Opd:
    with Session(db) as session:
        found = find_unit(session=session, code=code)
        assert found is not None
        return found


# --- storage ---------------------------------------------------------------------------


def test_the_shipped_units_are_seeded(db: Engine) -> None:
    shipped = {row["code"] for row in default_units()}
    assert {"PUPR", "DISHUB", "DLH", "DISDUKCAPIL", "BPBD", "TIRTAULI"} <= shipped
    assert sum(code.startswith("KEC-") for code in shipped) == 8
    with Session(db) as session:
        assert {u.code for u in units(session=session)} == shipped


def test_add_edit_and_deactivate_a_unit_are_audited(db: Engine) -> None:
    with transaction(db) as session:
        added = add_unit(
            session=session,
            code=" dispora ",
            name="Dinas  Pemuda dan Olahraga",
            short_name="Dispora",
            kind="Dinas",
            actor="console:1",
            now=NOW,
        )
        assert (added.code, added.name, added.kind, added.active) == (
            "DISPORA",
            "Dinas Pemuda dan Olahraga",
            "dinas",
            True,
        )
        edit_unit(
            session=session,
            code="Dispora",
            short_name="Dispora Siantar",
            actor="console:1",
            now=NOW,
        )
        edit_unit(
            session=session, code="DISPORA", kind="dinas", actor="console:1", now=NOW
        )  # no change
        assert set_active(session=session, code="dispora", active=False, actor="console:1", now=NOW)
        assert not set_active(session=session, code="DISPORA", active=False, actor="cli", now=NOW)
        assert set_active(session=session, code="DISPORA", active=True, actor="cli", now=NOW)
    assert unit(db, "DISPORA").short_name == "Dispora Siantar"
    assert audit(db) == [
        (
            "console:1",
            "opd_add",
            {"code": "DISPORA", "name": "Dinas Pemuda dan Olahraga", "kind": "dinas"},
        ),
        ("console:1", "opd_edit", {"code": "DISPORA", "short_name": "Dispora Siantar"}),
        ("console:1", "opd_deactivate", {"code": "DISPORA"}),
        ("cli", "opd_activate", {"code": "DISPORA"}),
    ]


@pytest.mark.parametrize(
    ("code", "name", "short", "kind", "reason"),
    [
        ("DIS PORA", "Dinas Pemuda", "Dispora", "dinas", "bad_code"),
        ("DISPORA_1", "Dinas Pemuda", "Dispora", "dinas", "bad_code"),
        ("X" * 25, "Dinas Pemuda", "Dispora", "dinas", "bad_code"),
        ("", "Dinas Pemuda", "Dispora", "dinas", "bad_code"),
        ("DISPORA", "Dinas Pemuda", "Dispora", "kementerian", "bad_kind"),
        ("DISPORA", "D", "Dispora", "dinas", "bad_name"),
        ("DISPORA", "Dinas Pemuda", "D" * 61, "dinas", "bad_short_name"),
        ("pupr", "Dinas PU", "PU", "dinas", "exists"),
    ],
)
def test_a_bad_unit_is_refused(
    db: Engine, code: str, name: str, short: str, kind: str, reason: str
) -> None:
    with pytest.raises(UnitError) as refusal, transaction(db) as session:
        add_unit(
            session=session, code=code, name=name, short_name=short, kind=kind, actor="cli", now=NOW
        )
    assert refusal.value.reason == reason
    assert audit(db) == []


def test_an_officer_gets_units_and_loses_the_role_with_the_last(db: Engine) -> None:
    with transaction(db) as session:
        assert grant_officer(
            session=session, identity=OFFICER, codes=["pupr", "DLH", "PUPR"], actor="cli", now=NOW
        ) == (True, ["PUPR", "DLH"])
        assert grant_officer(
            session=session, identity=OFFICER, codes=["DLH"], actor="cli", now=NOW
        ) == (False, [])
    assert officers(db) == {(OFFICER, "PUPR"), (OFFICER, "DLH")}
    assert roles(db) == {(OFFICER, "petugas_opd")}
    with transaction(db) as session:
        assert revoke_officer(
            session=session, identity=OFFICER, codes=["pupr"], actor="cli", now=NOW
        ) == (["PUPR"], False)
        assert units_of(session=session, identity=OFFICER) == {"DLH"}
        assert revoke_officer(
            session=session, identity=OFFICER, codes=["DLH"], actor="cli", now=NOW
        ) == (["DLH"], True)
    assert officers(db) == set() and roles(db) == set()
    actions = [action for _, action, _ in audit(db)]
    assert actions == [
        "role_grant",
        "opd_grant",
        "opd_grant",
        "opd_revoke",
        "opd_revoke",
        "role_revoke",
    ]


@pytest.mark.parametrize(
    ("codes", "reason"),
    [(["PUPR", "NOPE"], "not_found"), (["PUPR", "OLD"], "inactive"), ([], "no_unit")],
)
def test_an_unknown_or_inactive_unit_grants_nothing(
    db: Engine, codes: list[str], reason: str
) -> None:
    with transaction(db) as session:
        add_unit(
            session=session,
            code="OLD",
            name="Dinas Lama",
            short_name="Lama",
            kind="dinas",
            actor="cli",
            now=NOW,
        )
        set_active(session=session, code="OLD", active=False, actor="cli", now=NOW)
    with pytest.raises(UnitError) as refusal, transaction(db) as session:
        grant_officer(session=session, identity=OFFICER, codes=codes, actor="cli", now=NOW)
    assert refusal.value.reason == reason
    assert officers(db) == set() and roles(db) == set()


# --- siantar opd -------------------------------------------------------------------------


def test_opd_cli_lists_adds_edits_and_deactivates(siantar: Run, db: Engine) -> None:
    listing = ok(siantar("opd", "list")).splitlines()
    assert listing[0].split() == ["KODE", "JENIS", "NAMA", "SINGKAT", "NAMA", "PETUGAS"]
    assert any(line.startswith("PUPR ") and "Dinas PUPR" in line for line in listing)
    assert len(listing) == 1 + len(default_units())
    added = siantar(
        "opd",
        "add",
        "dispora",
        "--name",
        "Dinas Pemuda dan Olahraga",
        "--short",
        "Dispora",
        "--kind",
        "dinas",
    )
    assert ok(added) == "unit DISPORA ditambahkan: Dispora — Dinas Pemuda dan Olahraga [dinas]\n"
    assert ok(siantar("opd", "edit", "DISPORA", "--short", "Dispora Siantar")) == (
        "unit DISPORA diubah: Dispora Siantar — Dinas Pemuda dan Olahraga [dinas]\n"
    )
    assert ok(siantar("opd", "deactivate", "dispora")) == "unit DISPORA sekarang nonaktif\n"
    assert ok(siantar("opd", "deactivate", "DISPORA")) == "unit DISPORA memang sudah nonaktif\n"
    assert "DISPORA" not in ok(siantar("opd", "list"))
    [line] = [row for row in ok(siantar("opd", "list", "--all")).splitlines() if "DISPORA" in row]
    assert "Dispora Siantar (nonaktif)" in line
    assert ok(siantar("opd", "activate", "DISPORA")) == "unit DISPORA sekarang aktif\n"
    assert unit(db, "DISPORA").active
    assert [(actor, action) for actor, action, _ in audit(db)] == [
        ("cli", "opd_add"),
        ("cli", "opd_edit"),
        ("cli", "opd_deactivate"),
        ("cli", "opd_activate"),
    ]


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("add", "PUPR", "--name", "Dinas PU", "--short", "PU", "--kind", "dinas"),
            "unit PUPR sudah ada",
        ),
        (
            ("add", "A B", "--name", "Dinas AB", "--short", "AB", "--kind", "dinas"),
            "kode 'A B': pakai huruf, angka dan '-', paling banyak 24",
        ),
        (
            ("add", "AB", "--name", "Dinas AB", "--short", "AB", "--kind", "kantor"),
            "jenis harus salah satu dari dinas, badan, kecamatan, kelurahan, bumd, eksternal, "
            "bukan 'kantor'",
        ),
        (("edit", "PUPR"), "tidak ada yang diubah: berikan --name, --short atau --kind"),
        (("edit", "NOPE", "--name", "Dinas Nope"), "unit 'NOPE' tidak ada"),
        (("deactivate", "NOPE"), "unit 'NOPE' tidak ada"),
    ],
)
def test_opd_cli_refuses_with_one_line(
    siantar: Run, db: Engine, args: tuple[str, ...], line: str
) -> None:
    assert refused(siantar("opd", *args)) == f"siantar: gagal: {line}"
    assert audit(db) == []
    assert unit(db, "PUPR").name == "Dinas Pekerjaan Umum dan Penataan Ruang"


def test_opd_cli_refuses_in_english_with_lang_en(siantar: Run, db: Engine) -> None:
    add = ("opd", "add", "PUPR", "--name", "Dinas PU", "--short", "PU", "--kind", "dinas")
    assert refused(siantar("--lang", "en", *add)) == "siantar: error: unit PUPR already exists"
    short = ("opd", "edit", "PUPR", "--short", "P")
    assert refused(siantar("--lang", "en", *short)) == (
        "siantar: error: short name must be 2–60 characters with letters"
    )
    assert refused(siantar(*short)) == (
        "siantar: gagal: nama singkat harus 2–60 karakter dan berisi huruf"
    )
    assert audit(db) == []


def test_opd_cli_needs_an_action(siantar: Run, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as leaving:
        siantar("opd")
    assert leaving.value.code == 2
    assert "argumen ini wajib diisi: ACTION" in capsys.readouterr().err


# --- siantar role … petugas_opd --opd -----------------------------------------------------


def test_role_grant_petugas_opd_with_units(siantar: Run, db: Engine) -> None:
    assert ok(
        siantar("role", "grant", OFFICER, "petugas_opd", "--opd", "pupr", "--opd", "DLH")
    ) == (f"{OFFICER}: peran petugas_opd diberikan; unit: DLH, PUPR\n")
    assert ok(siantar("role", "grant", OFFICER, "petugas_opd", "--opd", "DISHUB")) == (
        f"{OFFICER}: unit petugas_opd ditambah; unit: DISHUB, DLH, PUPR\n"
    )
    assert ok(siantar("role", "grant", OFFICER, "petugas_opd", "--opd", "DISHUB")) == (
        f"{OFFICER}: peran petugas_opd sudah dimiliki; unit: DISHUB, DLH, PUPR\n"
    )
    listed = ok(siantar("role", "list"))
    assert f"{OFFICER}  petugas_opd  diberikan oleh cli; unit: DISHUB, DLH, PUPR" in listed
    assert ok(siantar("role", "revoke", OFFICER, "petugas_opd", "--opd", "PUPR")) == (
        f"{OFFICER}: peran petugas_opd dicabut untuk PUPR\n{OFFICER}: unit tersisa: DISHUB, DLH\n"
    )
    assert ok(siantar("role", "revoke", OFFICER, "petugas_opd", "--opd", "PUPR")) == (
        f"{OFFICER}: bukan petugas unit PUPR\n{OFFICER}: unit tersisa: DISHUB, DLH\n"
    )
    assert ok(
        siantar("role", "revoke", OFFICER, "petugas_opd", "--opd", "DISHUB", "--opd", "DLH")
    ) == (
        f"{OFFICER}: peran petugas_opd dicabut untuk DISHUB, DLH\n"
        f"{OFFICER}: tidak ada unit tersisa, peran petugas_opd dicabut\n"
    )
    assert officers(db) == set() and roles(db) == set()
    ok(siantar("role", "grant", OFFICER, "petugas_opd", "--opd", "PUPR", "--opd", "DLH"))
    assert ok(siantar("role", "revoke", OFFICER, "petugas_opd")) == (
        f"{OFFICER}: peran petugas_opd dicabut (unit: DLH, PUPR)\n"
    )
    assert officers(db) == set() and roles(db) == set()


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("grant", OFFICER, "petugas_opd"),
            "petugas_opd perlu unitnya: tambahkan --opd KODE (lihat siantar opd list)",
        ),
        (
            ("grant", OFFICER, "petugas_opd", "--opd", "PUPR", "--opd", "NOPE"),
            "unit 'NOPE' tidak ada",
        ),
        (("grant", OFFICER, "petugas_opd", "--opd", "OLD"), "unit OLD nonaktif"),
        (
            ("grant", OFFICER, "petugas_opd", "--opd", "P U"),
            "--opd: kode 'P U': pakai huruf, angka dan '-', paling banyak 24",
        ),
        (("grant", OFFICER, "staff", "--opd", "PUPR"), "--opd hanya untuk peran petugas_opd"),
        (("list", "--opd", "PUPR"), "--opd hanya untuk role grant atau revoke"),
    ],
)
def test_role_grant_refuses_a_unit_it_cannot_use(
    siantar: Run, db: Engine, args: tuple[str, ...], line: str
) -> None:
    with transaction(db) as session:
        add_unit(
            session=session,
            code="OLD",
            name="Dinas Lama",
            short_name="Lama",
            kind="dinas",
            actor="cli",
            now=NOW,
        )
        set_active(session=session, code="OLD", active=False, actor="cli", now=NOW)
    assert refused(siantar("role", *args)) == f"siantar: gagal: {line}"
    assert officers(db) == set() and roles(db) == set()
