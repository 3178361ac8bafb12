"""Konsol's Pelatihan page: a facilitator creates a training through the form (a
bad form comes back with what was typed and a message per field), opens, closes
and cancels it (registrants told through the outbox), marks attendance, and
downloads the registrants; each change audited. Staff and OPD officers get 404;
a form without its CSRF token is refused; a title with markup is escaped."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

from conftest import NOW
from konsol_helpers import Browser, browser
from sqlalchemy import Engine as Database
from sqlmodel import Session, col, select
from staff_helpers import ADMIN, CONFIG_ROLES, FACILITATOR, GRANTED, STAFF, UNIT, outbox

from handlers.core.engine import Engine
from handlers.core.settings import CONSENT_VERSION
from storage.db import transaction
from storage.models import AuditEntry, Resident, TrainingProgram, TrainingRegistration
from storage.opd import grant_officer
from storage.trainings import NewProgram, RegistrationDetails, create_program, register

SCRIPT = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'
FORM = {
    "title": "Pelatihan Pemasaran Digital UMKM",
    "description": "Belajar berjualan lewat media sosial dan lokapasar untuk pelaku UMKM.",
    "category": "pemasaran",
    "starts": "2026-12-12T09:00",
    "ends": "2026-12-12T15:00",
    "place": "Aula Balai Kota Pematangsiantar",
    "map_url": "",
    "quota": "2",
    "area": "kota",
    "closes": "",
    "requirements": "",
    "organiser": "Dinas Koperasi dan UKM",
}


def facilitator(db: Database) -> Browser:
    person = browser(db, CONFIG_ROLES)
    person.log_in(FACILITATOR)
    return person


def post(person: Browser, path: str, fields: dict[str, str], **kw: Any) -> Any:
    return person.client.post(
        path, data={"csrf": person.csrf(), **fields}, follow_redirects=False, **kw
    )


def programs(db: Database) -> list[TrainingProgram]:
    with Session(db) as session:
        return list(session.exec(select(TrainingProgram).order_by(col(TrainingProgram.id))))


def audit(db: Database, action: str) -> list[dict[str, Any]]:
    with Session(db) as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.action == action)).all()
        return [{"actor": r.actor, **r.details} for r in rows]


def program(db: Database, *, quota: int = 2, status: str = "open", title: str = "") -> int:
    with transaction(db) as session:
        saved = create_program(
            session=session,
            new=NewProgram(
                title=title or "Pelatihan Pembukuan Sederhana",
                starts_at=NOW + timedelta(days=14),
                ends_at=NOW + timedelta(days=14, hours=4),
                quota=quota,
                place="Aula Kecamatan Siantar Barat",
                status=status,
            ),
            actor=FACILITATOR,
            now=NOW,
        )
        assert saved.id is not None
        return saved.id


def resident(db: Database, number: int, *, consent: bool = True) -> int:
    identity = f"console:50{number:02d}"
    with transaction(db) as session:
        person = Resident(
            identity=identity,
            channel="console",
            display_name=f"Warga {number}",
            language_chosen=True,
            onboarded_at=NOW,
            consent_at=NOW if consent else None,
            consent_version=CONSENT_VERSION if consent else None,
            created_at=NOW,
            last_seen_at=NOW,
        )
        session.add(person)
        session.flush()
        assert person.id is not None
        return person.id


def registered(db: Database, program_id: int, count: int) -> list[int]:
    """``count`` residents registered in order; beyond the quota they wait."""
    ids = []
    for number in range(1, count + 1):
        resident_id = resident(db, number)
        with transaction(db) as session:
            done = register(
                session=session,
                program_id=program_id,
                resident_id=resident_id,
                details=RegistrationDetails(f"Peserta {number}", "+6281234567890", None, "Kuliner"),
                now=NOW + timedelta(minutes=number),
            )
            assert done.registration.id is not None
            ids.append(done.registration.id)
    return ids


# --- create ------------------------------------------------------------------------


def test_a_bad_form_comes_back_with_the_typed_values_and_a_message_per_field(
    db: Database,
) -> None:
    person = facilitator(db)
    bad = {**FORM, "title": "Pelatihan " + SCRIPT, "starts": "2025-01-01T09:00", "quota": "nol"}
    answer = post(person, "/konsol/pelatihan/baru", bad)
    assert answer.status_code == 400
    html = answer.text
    assert 'aria-invalid="true"' in html
    errors = dict(re.findall(r'<p class="field-error" id="([a-z_]+)-error">([^<]+)</p>', html))
    assert set(errors) == {"starts", "quota"}  # ends is asked only once the start is good
    assert "sudah lewat" in errors["starts"]  # the chat's words (datetime.past)
    assert "angka" in errors["quota"]  # training_admin.quota_not_number
    # what was typed stays, escaped
    assert 'value="Pelatihan &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;' in html
    assert "<script>alert" not in html
    assert 'value="2025-01-01T09:00"' in html
    assert 'value="nol"' in html
    assert ">Belajar berjualan lewat media sosial" in html
    assert '<option value="pemasaran" selected>' in html
    assert programs(db) == []


def test_an_end_before_the_start_and_a_closing_after_it_are_refused(db: Database) -> None:
    person = facilitator(db)
    bad = {**FORM, "ends": "2026-12-12T08:00", "closes": "2026-12-13T09:00", "map_url": "peta"}
    html = post(person, "/konsol/pelatihan/baru", bad).text
    errors = dict(re.findall(r'id="([a-z_]+)-error">([^<]+)<', html))
    assert set(errors) == {"ends", "closes", "map_url"}
    assert "Sabtu, 12 Desember 2026 pukul 09.00 WIB" in errors["ends"]  # the start, in words
    assert programs(db) == []


def test_a_new_training_is_stored_listed_and_audited(db: Database) -> None:
    person = facilitator(db)
    fields = {**FORM, "title": SCRIPT + " UMKM", "area": "kecamatan:12.72.02", "status": "open"}
    answer = post(person, "/konsol/pelatihan/baru", fields)
    assert answer.status_code == 303
    [saved] = programs(db)
    assert answer.headers["location"] == f"/konsol/pelatihan/{saved.id}?ok=created"
    assert (saved.title, saved.status, saved.quota) == (SCRIPT + " UMKM", "open", 2)
    assert (saved.area_level, saved.area_code) == ("kecamatan", "12.72.02")
    assert saved.starts_at == NOW + timedelta(days=14)  # 09.00 WIB
    assert saved.created_by == FACILITATOR
    page = person.client.get(answer.headers["location"]).text
    assert "Pelatihan tersimpan." in page
    listing = person.client.get("/konsol/pelatihan").text
    assert f'data-program="{saved.id}"' in listing
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in listing
    assert "<script>alert" not in listing
    assert "Sabtu, 12 Desember 2026 pukul 09.00 WIB" in listing
    assert audit(db, "training_create") == [
        {"actor": FACILITATOR, "via": "konsol", "program": saved.id, "status": "open"}
    ]


def test_a_draft_stays_a_draft_until_registration_is_opened(db: Database) -> None:
    person = facilitator(db)
    post(person, "/konsol/pelatihan/baru", {**FORM, "status": "draft"})
    [saved] = programs(db)
    assert saved.status == "draft"
    answer = post(person, f"/konsol/pelatihan/{saved.id}/status", {"status": "open"})
    assert answer.headers["location"].endswith("?ok=open")
    post(person, f"/konsol/pelatihan/{saved.id}/status", {"status": "closed"})
    assert programs(db)[0].status == "closed"
    statuses = [entry["status"] for entry in audit(db, "training_status")]
    assert statuses == ["open", "closed"]
    # closing again is refused: it is no longer open
    again = post(person, f"/konsol/pelatihan/{saved.id}/status", {"status": "closed"})
    assert again.headers["location"].endswith("?ok=refused")


# --- edit, cancel, attendance -------------------------------------------------------------


def test_editing_the_time_tells_registrants_and_a_bigger_quota_seats_the_queue(
    engine: Engine, db: Database
) -> None:
    program_id = program(db, quota=1)
    registered(db, program_id, 2)  # one seated, one waiting
    person = facilitator(db)
    form = person.client.get(f"/konsol/pelatihan/{program_id}/ubah").text
    assert 'value="2026-12-12T09:00"' in form  # stored times shown in WIB
    fields = {**FORM, "title": "Pelatihan Pembukuan Sederhana", "quota": "2"}
    fields |= {"starts": "2026-12-13T09:00", "ends": "2026-12-13T13:00"}
    answer = post(person, f"/konsol/pelatihan/{program_id}/ubah", fields)
    assert answer.status_code == 303
    saved = programs(db)[0]
    assert saved.starts_at == NOW + timedelta(days=15)
    texts = [m.payload["text"] for m in outbox(engine, "training")]
    assert len(texts) == 2  # the seated one hears of the move; the promoted one of a seat
    assert sum("Minggu, 13 Desember 2026" in text for text in texts) == 2
    [entry] = audit(db, "training_edit")
    assert (entry["moved"], entry["told"], entry["promoted"]) == (True, 1, 1)


def test_a_new_title_alone_tells_nobody_and_a_bad_edit_keeps_what_was_typed(
    engine: Engine, db: Database
) -> None:
    program_id = program(db, quota=1)
    registered(db, program_id, 1)
    person = facilitator(db)
    fields = {**FORM, "title": "Pembukuan Sederhana untuk UMKM", "quota": "1"}
    answer = post(person, f"/konsol/pelatihan/{program_id}/ubah", fields)  # the same start
    assert answer.status_code == 303, answer.text
    assert programs(db)[0].title == "Pembukuan Sederhana untuk UMKM"
    # FORM's place differs from the seeded one: registrants hear of the new place only
    [told] = outbox(engine, "training")
    assert "Aula Balai Kota Pematangsiantar" in told.payload["text"]
    again = post(person, f"/konsol/pelatihan/{program_id}/ubah", fields)
    assert again.status_code == 303
    assert len(outbox(engine, "training")) == 1  # nothing moved the second time
    bad = post(person, f"/konsol/pelatihan/{program_id}/ubah", {**fields, "quota": "0"})
    assert bad.status_code == 400
    assert 'value="0"' in bad.text and 'id="quota-error"' in bad.text
    assert programs(db)[0].quota == 1


def test_cancelling_asks_first_then_tells_every_registrant(engine: Engine, db: Database) -> None:
    program_id = program(db, quota=1)
    registered(db, program_id, 3)  # one seat, two waiting
    person = facilitator(db)
    confirm = person.client.get(f"/konsol/pelatihan/{program_id}/batal").text
    assert "3 pendaftar" in confirm
    assert programs(db)[0].status == "open"  # asking changes nothing
    answer = post(person, f"/konsol/pelatihan/{program_id}/status", {"status": "cancelled"})
    assert answer.headers["location"] == f"/konsol/pelatihan/{program_id}?ok=cancelled"
    assert programs(db)[0].status == "cancelled"
    told = outbox(engine, "training")
    assert sorted(m.recipient for m in told) == ["5001", "5002", "5003"]
    assert all("dibatalkan" in m.payload["text"] for m in told)
    assert audit(db, "training_status")[0]["told"] == 3
    page = person.client.get(f"/konsol/pelatihan/{program_id}").text
    assert "/batal" not in page and "/ubah" not in page  # nothing more to change
    assert person.client.get(f"/konsol/pelatihan/{program_id}/batal").status_code == 404


def test_registrants_show_the_queue_and_attendance_is_recorded(db: Database) -> None:
    program_id = program(db, quota=2)
    seated, _, waiting = registered(db, program_id, 3)
    person = facilitator(db)
    page = person.client.get(f"/konsol/pelatihan/{program_id}").text
    rows = page.split('id="registrants"', 1)[1]
    assert rows.index("Peserta 1") < rows.index("Peserta 2") < rows.index("Peserta 3")
    assert "Antrean nomor 1" in rows
    assert "0812-3456-7890" in rows and "+6281234567890" not in rows  # the local form
    assert 'id="seats">2/2<' in page and 'id="waiting">1<' in page

    answer = post(
        person,
        f"/konsol/pelatihan/{program_id}/kehadiran",
        {"pendaftaran": str(seated), "hadir": "1"},
    )
    assert answer.status_code == 303
    with Session(db) as session:
        registration = session.get(TrainingRegistration, seated)
        assert registration is not None
        assert (registration.attended, registration.attendance_marked_by) == (True, FACILITATOR)
    assert audit(db, "training_attendance") == [
        {
            "actor": FACILITATOR,
            "via": "konsol",
            "program": program_id,
            "registration": seated,
            "attended": True,
        }
    ]
    row = person.client.get(f"/konsol/pelatihan/{program_id}").text.split(
        f'data-registration="{seated}"', 1
    )[1]
    assert 'data-attended="yes"' in row.split("</tr>", 1)[0]
    # someone still waiting has no seat to attend
    refused = post(
        person,
        f"/konsol/pelatihan/{program_id}/kehadiran",
        {"pendaftaran": str(waiting), "hadir": "1"},
    )
    assert refused.headers["location"].startswith(f"/konsol/pelatihan/{program_id}?ok=refused")
    # a registration of another program is not found here
    other = program(db, title="Pelatihan Lain")
    stranger = post(
        person, f"/konsol/pelatihan/{other}/kehadiran", {"pendaftaran": str(seated), "hadir": "0"}
    )
    assert stranger.status_code == 404


# --- export -----------------------------------------------------------------------------


def test_the_registrants_download_as_csv_and_xlsx_and_are_audited(db: Database) -> None:
    program_id = program(db, quota=1)
    registered(db, program_id, 2)
    other = program(db, title="Pelatihan Lain")
    registered_elsewhere = resident(db, 9)
    with transaction(db) as session:
        register(
            session=session,
            program_id=other,
            resident_id=registered_elsewhere,
            details=RegistrationDetails("Orang Lain", "+6281234567890", None, None),
            now=NOW,
        )
    person = facilitator(db)
    answer = person.client.get(f"/konsol/pelatihan/{program_id}/ekspor?format=csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="pendaftar-pelatihan-{program_id}-2026-11-28.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["resident_name"], r["status"]) for r in rows] == [
        ("Peserta 1", "registered"),
        ("Peserta 2", "waitlisted"),
    ]  # only this program's
    xlsx = person.client.get(f"/konsol/pelatihan/{program_id}/ekspor?format=xlsx")
    assert xlsx.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert xlsx.content[:2] == b"PK"
    assert audit(db, "export") == [
        {
            "actor": FACILITATOR,
            "via": "konsol",
            "kind": "registrations",
            "format": fmt,
            "filters": {"program": str(program_id)},
            "rows": 2,
        }
        for fmt in ("csv", "xlsx")
    ]
    assert person.client.get(f"/konsol/pelatihan/{program_id}/ekspor?format=pdf").status_code == 404


# --- who may, and refusals -------------------------------------------------------------------


def test_staff_and_unit_officers_get_404_and_unknown_programs_too(
    engine: Engine, db: Database
) -> None:
    program_id = program(db)
    with transaction(db) as session:
        grant_officer(session=session, identity=GRANTED, codes=[UNIT], actor=ADMIN, now=NOW)
    for identity in (STAFF, GRANTED):
        person = browser(db, CONFIG_ROLES)
        person.log_in(identity)
        assert 'href="/konsol/pelatihan"' not in person.client.get("/konsol/").text
        for path in (
            "/konsol/pelatihan",
            f"/konsol/pelatihan/{program_id}",
            "/konsol/pelatihan/baru",
        ):
            assert person.client.get(path).status_code == 404, (identity, path)
        assert post(person, "/konsol/pelatihan/baru", FORM).status_code == 404
        assert person.client.get(f"/konsol/pelatihan/{program_id}/ekspor").status_code == 404
    admin = browser(db, CONFIG_ROLES)
    admin.log_in(ADMIN)
    assert admin.client.get(f"/konsol/pelatihan/{program_id}").status_code == 200
    assert admin.client.get("/konsol/pelatihan/999").status_code == 404
    assert admin.client.get("/konsol/pelatihan/999/ubah").status_code == 404
    assert post(admin, "/konsol/pelatihan/999/status", {"status": "open"}).status_code == 404
    assert audit(db, "export") == []


def test_a_form_without_its_csrf_token_is_refused(db: Database) -> None:
    program_id = program(db)
    person = facilitator(db)
    answer = person.client.post("/konsol/pelatihan/baru", data=FORM, follow_redirects=False)
    assert answer.status_code == 403
    cancel = person.client.post(
        f"/konsol/pelatihan/{program_id}/status",
        data={"status": "cancelled", "csrf": "0" * 64},
        follow_redirects=False,
    )
    assert cancel.status_code == 403
    assert [p.status for p in programs(db)] == ["open"]


def test_a_notice_comes_from_the_catalog_never_from_the_url(db: Database) -> None:
    program_id = program(db)
    person = facilitator(db)
    page = person.client.get(f"/konsol/pelatihan/{program_id}?ok=<b>hacked</b>").text
    assert "hacked" not in page
    assert 'class="notice"' not in page
