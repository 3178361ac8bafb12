"""Issue 17 from the outside: the installed ``siantar run`` against the fake Bot API.

A resident sends an aspiration on Telegram; a staff member verifies it and passes
it to Dinas PUPR; an officer of PUPR (granted with ``siantar role grant … --opd
PUPR``) writes a follow-up, takes it up and finishes it. The resident hears of each
step, every time with the unit's name and, while a clock runs, the day it is due;
``siantar export`` shows the unit and the due times.

SQLite only: it drives whole processes against a database file (as
``test_telegram_process.py`` does, whose harness it uses).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_telegram import FakeTelegram
from test_telegram_process import (
    Deployment,
    Resident,
    clean_env,
    eventually,
    onboard,
    siantar_command,
)

STAFF_ID, OFFICER_ID = 7101, 7102
TEXT = "Jalan Melanthon di depan SD Negeri 5 berlubang besar dan sering membuat motor jatuh."
FOLLOW_UP = "Tim PUPR sudah meninjau lokasi; penambalan dijadwalkan Kamis."
DONE = "Lubang sudah ditambal dengan aspal."


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def deployment(tmp_path: Path, fake: FakeTelegram) -> Iterator[Deployment]:
    deployment = Deployment(tmp_path, fake)
    config = tmp_path / "config.toml"
    staff = f'\n[roles]\nstaff = ["telegram:{STAFF_ID}"]\n'
    config.write_text(config.read_text(encoding="utf-8") + staff, encoding="utf-8")
    try:
        yield deployment
    finally:
        for run in deployment.runs:
            run.ensure_dead()


def siantar(workdir: Path, *args: str) -> str:
    """Run the CLI in the deployment's folder (its config.toml); its output."""
    done = subprocess.run(
        [*siantar_command(), *args],
        cwd=workdir,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def said(person: Resident, text: str) -> str:
    """Send ``text``; everything the bot answered, as one text."""
    before = len(person.messages())
    person.send(text)
    return "\n".join(str(m["text"]) for m in person.settle(before))


def pressed(person: Resident, label: str) -> str:
    return "\n".join(person.press_all(label))


def told(resident: Resident, fragment: str) -> str:
    """The resident's notice containing ``fragment``, once the outbox sent it."""
    return eventually(
        lambda: next((str(m["text"]) for m in resident.messages() if fragment in m["text"]), ""),
        f"a notice with {fragment!r}",
    )


def test_a_resident_staff_and_a_pupr_officer_close_the_loop(
    deployment: Deployment, fake: FakeTelegram
) -> None:
    workdir = deployment.workdir
    granted = siantar(
        workdir, "role", "grant", f"telegram:{OFFICER_ID}", "petugas_opd", "--opd", "PUPR"
    )
    assert "PUPR" in granted
    deployment.start()
    resident, staff = Resident(fake), Resident(fake, STAFF_ID)
    officer = Resident(fake, OFFICER_ID)

    onboard(resident)
    assert "Pilih kategorinya" in resident.press("Sampaikan aspirasi")
    assert "Di kecamatan mana" in resident.press("Infrastruktur")
    assert "Di kelurahan mana" in resident.press("Siantar Utara")
    assert "Tuliskan aspirasi" in resident.press("Martoba")
    assert "foto atau lokasi" in resident.say(TEXT)
    assert "Boleh nama Anda ditampilkan" in resident.press("Lewati")
    resident.press("Tampilkan nama")
    confirmation, _menu = resident.press_all("Kirim")
    [code] = set(re.findall(r"ASP-[0-9A-Z]{6}", confirmation))

    # the city staff verify it, then pass it to the category's unit
    for person in (staff, officer):
        onboard(person)
    assert f"Aspirasi {code}" in said(staff, f"/aspirasi {code}")
    pressed(staff, "Ubah ke: Diverifikasi")
    pressed(staff, "Tanpa catatan")
    assert "tersimpan" in pressed(staff, "Simpan")
    told(resident, "Petugas sudah memeriksa aspirasi Anda")
    said(staff, f"/aspirasi {code}")
    assert "Ke unit mana" in pressed(staff, "Ubah ke: Diteruskan")
    pressed(staff, "Dinas PUPR (sesuai kategori)")
    pressed(staff, "(sesuai kategori)")  # the grade: kompleks, infrastruktur's
    pressed(staff, "Tanpa catatan")
    assert "tersimpan" in pressed(staff, "Simpan")
    passed_on = told(resident, "teruskan ke Dinas PUPR")
    assert code in passed_on and "Martoba" in passed_on and "paling lambat" in passed_on

    # PUPR's officer sees it, writes what was done and finishes it
    listing = said(officer, "/tugas")
    assert code in listing
    assert "Tulis tindak lanjut" in said(officer, f"/tugas {code}") or officer.button("Tulis")
    pressed(officer, "Tulis tindak lanjut")
    said(officer, FOLLOW_UP)
    assert "tersimpan" in pressed(officer, "Simpan").casefold()
    follow_up = told(resident, FOLLOW_UP)
    assert code in follow_up and "Dinas PUPR" in follow_up
    pressed(officer, "Proses")
    pressed(officer, "Tanpa catatan")
    pressed(officer, "Simpan")
    working = told(resident, "sedang mengerjakan")
    assert "Dinas PUPR" in working and "paling lambat" in working
    pressed(officer, "Selesai")
    said(officer, DONE)
    pressed(officer, "Simpan")
    finished = told(resident, DONE)
    assert code in finished
    assert resident.button("⭐⭐⭐⭐⭐", resident.messages()[-1])  # rate it

    # the export carries the unit and the clocks
    [row] = json.loads(siantar(workdir, "export", "aspirations", "--format", "json", "--out", "-"))
    assert (row["code"], row["status"], row["opd"]) == (code, "selesai", "PUPR")
    assert row["verify_due_at"] and row["response_due_at"] and row["completion_due_at"]
    assert not row["breached"] and row["tunda_count"] == 0
    # the resident's side of it (shown with ``pytest -s``)
    for message in resident.messages():
        print(f"[warga] {message['text']}")
