"""Spam and duplicates: closing, naming the original, and telling residents.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL
(through the ``db`` fixture behind ``engine``). Who is who, seeding and the
shared steps are in ``staff_helpers``.
"""

from __future__ import annotations

import io
import json
from typing import Any

from conftest import NOW
from dialogue import Chat
from sqlmodel import Session, col, select
from staff_helpers import (
    ADMIN,
    NOTE,
    STAFF,
    TOLD,
    history,
    move,
    open_detail,
    outbox,
    person,
    seat,
    seed,
    state,
    stored,
)

from handlers.core.engine import Engine
from storage.db import transaction
from storage.exports import export_aspirations
from storage.models import AuditEntry, Resident

# --- 7. spam and duplicates ------------------------------------------------------


def audit_of(engine: Engine, code: str) -> list[dict[str, Any]]:
    with Session(engine.db) as session:
        return [
            e.details
            for e in session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
            if e.action == "status_change" and e.details.get("code") == code
        ]


def notices_to(engine: Engine, recipient: str) -> list[str]:
    return [m.payload["text"] for m in outbox(engine) if m.recipient == recipient]


def mark_duplicate(staff: Chat, code: str, original: str, note: str | None = None) -> None:
    open_detail(staff, code)
    staff.press("Ubah ke: Duplikat")
    assert "Aspirasi ini duplikat dari aspirasi mana?" in staff.said
    staff.send(original)
    assert f"Duplikat dari: {original.upper()}" in staff.said, staff.said
    if note is None:
        staff.press("Tanpa catatan")
    else:
        staff.send(note)
    assert f"Duplikat dari: {original.upper()}" in staff.said, staff.said
    staff.press("Simpan")


def test_spam_closes_the_aspiration_and_tells_the_resident(desk: Engine) -> None:
    warga = seat(desk, "telegram:555000", name="Budi Siregar")
    code = seed(desk, resident_id=warga, status="diverifikasi")
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "spam")
    assert TOLD in staff.said
    assert f"Aspirasi {code} — Spam" in staff.said
    assert staff.labels == ["« Kembali ke daftar"]  # closed: nothing follows spam
    assert stored(desk, code).status == "spam" and stored(desk, code).duplicate_of is None
    assert history(desk, code)[-1] == ("spam", NOW, STAFF, None)
    [notice] = notices_to(desk, "555000")
    assert notice.startswith(f"Kabar aspirasi {code} (Infrastruktur")  # names it
    assert notice.endswith(  # staff's word "Spam" is not the resident's
        "Status: Tidak ditindaklanjuti\n"
        "Aspirasi ini tidak kami tindak lanjuti. "
        "Jika menurut Anda ini keliru, silakan kirim aspirasi baru dengan keterangan yang jelas."
    )
    assert "spam" not in notice.lower()
    assert audit_of(desk, code)[-1] == {"code": code, "from": "diverifikasi", "to": "spam"}
    staff.send("/aspirasi")  # a closed aspiration leaves the open list
    assert code not in staff.said


def test_a_duplicate_names_its_original_to_the_resident_staff_and_the_export(
    desk: Engine,
) -> None:
    first = seat(desk, "telegram:111000", name="Sari Damanik")
    original = seed(desk, resident_id=first, status="diteruskan")
    warga = seat(desk, "telegram:555000", name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = person(desk, STAFF, name="Rina Petugas")
    mark_duplicate(staff, code, original.lower(), NOTE)  # typed in lower case
    assert TOLD in staff.said
    assert (
        f"Aspirasi {code} — Duplikat" in staff.said and f"Duplikat dari: {original}" in staff.said
    )
    after = stored(desk, code)
    assert (after.status, after.duplicate_of) == ("duplik", original)
    assert history(desk, code)[-1] == ("duplik", NOW, STAFF, NOTE)
    [notice] = notices_to(desk, "555000")
    assert notice.startswith(f"Kabar aspirasi {code} (")
    assert notice.endswith(
        f"Aspirasi {code} sama dengan aspirasi {original} yang sudah tercatat, jadi kami "
        f"menindaklanjutinya bersama {original}. Kami akan mengabari Anda setiap kali status "
        f"{original} berubah.\n\nCatatan petugas: {NOTE}"
    )
    assert notices_to(desk, "111000") == []  # the original's resident hears nothing yet
    assert audit_of(desk, code)[-1] == {
        "code": code,
        "from": "diterima",
        "to": "duplik",
        "duplicate_of": original,
    }
    open_detail(staff, original)
    assert f"Aspirasi yang sama (1): {code}" in staff.said
    out = io.BytesIO()
    export_aspirations(engine=desk.db, fmt="json", out=out)
    rows = {row["code"]: row for row in json.loads(out.getvalue())}
    assert rows[code]["status"] == "duplik" and rows[code]["duplicate_of"] == original
    assert rows[original]["duplicate_of"] is None


def test_the_original_code_is_asked_again_until_it_is_a_real_other_aspiration(
    desk: Engine,
) -> None:
    code = seed(desk)
    prank = seed(desk, status="spam")
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    staff.press("Ubah ke: Duplikat")
    for typed, expected in [
        ("ASP-22222Z", "Kode ASP-22222Z tidak ditemukan atau sama dengan aspirasi ini."),
        ("bukan kode", "Kode BUKAN KODE tidak ditemukan atau sama dengan aspirasi ini."),
        (code, f"Kode {code} tidak ditemukan atau sama dengan aspirasi ini."),
        (prank, f"Aspirasi {prank} sudah ditandai spam, jadi tidak bisa menjadi aspirasi asli."),
    ]:
        staff.send(typed)
        assert expected in staff.said, staff.said
        assert "Aspirasi ini duplikat dari aspirasi mana?" in staff.said  # the same question
        assert state(staff)[:2] == ("review", "original")
    staff.press("Kembali")
    assert f"Aspirasi {code} — Diterima" in staff.said
    assert stored(desk, code).status == "diterima" and outbox(desk) == []


def test_a_duplicate_of_a_duplicate_points_at_the_first_report(desk: Engine) -> None:
    first = seed(desk)
    second = seed(desk)
    third = seed(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    mark_duplicate(staff, second, first)
    open_detail(staff, third)
    staff.press("Ubah ke: Duplikat")
    staff.send(second)
    assert f"Duplikat dari: {first}" in staff.said  # not the copy typed
    staff.press("Tanpa catatan")
    staff.press("Simpan")
    assert stored(desk, third).duplicate_of == first
    open_detail(staff, first)
    assert f"Aspirasi yang sama (2): {second}, {third}" in staff.said


def test_an_original_marked_spam_meanwhile_is_refused_at_saving(desk: Engine) -> None:
    original = seed(desk)
    code = seed(desk)
    rina = person(desk, STAFF, name="Rina Petugas")
    open_detail(rina, code)
    rina.press("Ubah ke: Duplikat")
    rina.send(original)
    rina.press("Tanpa catatan")
    move(person(desk, ADMIN, name="Joko Admin"), original, "spam")
    rina.press("Simpan")
    assert f"Aspirasi {original} sudah ditandai spam" in rina.said
    assert TOLD not in rina.said
    assert state(rina)[:2] == ("review", "detail")
    assert stored(desk, code).status == "diterima"


def test_residents_of_duplicates_hear_when_the_original_moves_on(desk: Engine) -> None:
    first = seat(desk, "telegram:111000", name="Sari Damanik")
    original = seed(desk, resident_id=first)
    budi = seat(desk, "telegram:555000", name="Budi Siregar", language="en")
    copy = seed(desk, resident_id=budi)
    own_copy = seed(desk, resident_id=first)  # Sari reported it twice herself
    anonymous_copy = seed(desk)  # nobody to tell
    staff = person(desk, STAFF, name="Rina Petugas")
    for duplicate in (copy, own_copy, anonymous_copy):
        mark_duplicate(staff, duplicate, original)
    before = len(outbox(desk))
    move(staff, original, "diverifikasi", NOTE)
    new = outbox(desk)[before:]
    by_recipient = {m.recipient: m.payload["text"] for m in new}
    assert len(new) == 2  # Sari once, Budi once
    assert by_recipient["111000"].startswith(f"Kabar aspirasi {original} (")
    assert by_recipient["555000"].startswith(f"News about aspiration {copy} (Infrastructure, ")
    assert by_recipient["555000"].endswith(
        f"\n\nThis aspiration of yours is the same as aspiration {original} and is followed "
        f"up with it. The status of {original} is now: Checked by our staff. "
        "We will tell you whenever it changes."
    )
    assert NOTE not in by_recipient["555000"]  # the note was written for Sari
    resident = Chat(desk, user_id="555000", channel="telegram", name="Budi Siregar")
    with transaction(desk.db) as session:
        row = session.exec(select(Resident).where(Resident.id == budi)).one()
        row.language = "id"
    resident.send(f"/status {copy}")
    assert (
        f"Aspirasi ini sama dengan aspirasi {original} dan ditindaklanjuti bersamanya. "
        f"Status {original} sekarang: Sudah diperiksa petugas."
    ) in resident.said
