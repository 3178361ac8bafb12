"""Konsol's Pengumuman: compose → preview (the chat's count and text) → confirm,
the list with delivery figures, cancelling a scheduled one; photos checked and
stored as chat stores them; CSRF, escaping and who may open the page."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import NOW
from images import png
from konsol_helpers import Browser, browser
from sqlalchemy import Engine as Database
from sqlmodel import Session, col, select
from staff_helpers import ADMIN, CONFIG_ROLES, FACILITATOR, STAFF
from test_announcements import BANTAN, BARAT, TOMUAN, person

from bot.jobs import broadcast_tick
from bot.media import MediaStore
from storage.announcements import Segment, count_members, create_announcement
from storage.db import transaction
from storage.models import Announcement, AuditEntry, OutboxMessage

SCRIPT = '<script>alert("x")</script>"><img src=x onerror=alert(1)>\u202e'
TEXT = "Kerja bakti Minggu pagi di kantor lurah. Bawa cangkul dan sapu."
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@pytest.fixture
def city(db: Database) -> dict[str, int]:
    """Three reachable residents in Bantan, two in Tomuan, one who said BERHENTI."""
    return {
        "a": person(db, "11"),
        "b": person(db, "12"),
        "c": person(db, "13"),
        "d": person(db, "14", kelurahan=TOMUAN),
        "e": person(db, "15", kelurahan=TOMUAN, language="en"),
        "stopped": person(db, "16", opted_out=True),
    }


def facilitator(db: Database, media: Path | None = None) -> Browser:
    b = browser(db, CONFIG_ROLES)
    if media is not None and b.konsol is not None:
        store = MediaStore(media, 50_000)
        b.konsol.settings = replace(b.konsol.settings, files=store)
    b.log_in(FACILITATOR)
    return b


def fields(b: Browser, **typed: str) -> dict[str, str]:
    return {"csrf": b.csrf(), "text": TEXT, "segment": "everyone", "when": "now", **typed}


def preview(b: Browser, **typed: str) -> Any:
    return b.client.post("/konsol/pengumuman/pratinjau", data=fields(b, **typed))


def hidden(page: str) -> dict[str, str]:
    """The confirm form's fields, as the browser would send them."""
    form = page.split('action="/konsol/pengumuman/kirim"', 1)[1].split("</form>", 1)[0]
    return {name: html.unescape(value) for name, value in HIDDEN.findall(form)}


def shown_count(page: str) -> int:
    found = re.search(r'id="jumlah">(\d+)<', page)
    assert found is not None, page
    return int(found.group(1))


def announcements(db: Database) -> list[Announcement]:
    with Session(db) as session:
        return list(session.exec(select(Announcement).order_by(col(Announcement.id))))


def members(db: Database, segment: Segment) -> int:
    with Session(db) as session:
        return count_members(session, segment)


@pytest.mark.parametrize(
    "typed, segment",
    [
        ({"segment": "everyone"}, Segment("everyone")),
        ({"segment": "kecamatan", "kecamatan": BARAT}, Segment("kecamatan", BARAT)),
        ({"segment": "kelurahan", "kelurahan": TOMUAN}, Segment("kelurahan", TOMUAN)),
    ],
)
def test_the_preview_counts_as_count_members_does(
    db: Database, city: dict[str, int], typed: dict[str, str], segment: Segment
) -> None:
    b = facilitator(db)
    answer = preview(b, **typed)
    assert answer.status_code == 200, answer.text
    expected = members(db, segment)
    assert expected > 0
    assert shown_count(answer.text) == expected
    live = b.client.get("/konsol/pengumuman/jumlah", params=typed)  # htmx, on change
    assert live.status_code == 200
    assert live.text == str(expected)
    assert TEXT in answer.text
    assert announcements(db) == []  # nothing stored before confirming


def test_confirm_now_stores_it_audited_and_the_job_fans_it_out(
    db: Database, city: dict[str, int]
) -> None:
    b = facilitator(db)
    page = preview(b, segment="kelurahan", kelurahan=BANTAN).text
    answer = b.client.post("/konsol/pengumuman/kirim", data=hidden(page), follow_redirects=False)
    assert answer.status_code == 303
    [announcement] = announcements(db)
    assert (announcement.text, announcement.created_by) == (TEXT, FACILITATOR)
    assert (announcement.segment_kind, announcement.segment_value) == ("kelurahan", BANTAN)
    assert announcement.send_at == NOW  # due at once
    with Session(db) as session:
        entry = session.exec(
            select(AuditEntry).where(AuditEntry.action == "announcement_create")
        ).one()
    assert entry.actor == FACILITATOR and entry.details["id"] == announcement.id

    assert broadcast_tick(db, NOW) == 3  # the job that fans announcements out
    with Session(db) as session:
        rows = session.exec(
            select(OutboxMessage).where(OutboxMessage.announcement_id == announcement.id)
        ).all()
    assert sorted(r.recipient for r in rows) == ["11", "12", "13"]
    assert {r.payload["text"] for r in rows} == {TEXT}

    listed = b.client.get(answer.headers["location"]).text
    row = listed.split(f'data-id="{announcement.id}"', 1)[1].split("</tr>", 1)[0]
    assert "menunggu: 3" in row  # three rows queued for sending
    assert "/batal" not in row  # under way: no cancelling
    assert f"#{announcement.id}" in listed.split('role="status"', 1)[1].split("</p>", 1)[0]


def test_kirim_pressed_twice_sends_once(db: Database, city: dict[str, int]) -> None:
    b = facilitator(db)
    confirm = hidden(preview(b, segment="kelurahan", kelurahan=BANTAN).text)
    first = b.client.post("/konsol/pengumuman/kirim", data=confirm, follow_redirects=False)
    b.clock.advance(seconds=5)
    again = b.client.post("/konsol/pengumuman/kirim", data=confirm, follow_redirects=False)
    [announcement] = announcements(db)
    assert first.headers["location"].endswith(f"ok=sent&id={announcement.id}")
    assert again.headers["location"].endswith(f"ok=repeat&id={announcement.id}")
    assert "tidak dikirim dua kali" in b.client.get(again.headers["location"]).text.lower()
    b.clock.advance(minutes=11)  # the same words later are a new announcement
    b.client.post("/konsol/pengumuman/kirim", data=confirm, follow_redirects=False)
    assert len(announcements(db)) == 2


def test_a_scheduled_one_is_cancelled_and_shows_so(db: Database, city: dict[str, int]) -> None:
    b = facilitator(db)
    later = {"when": "later", "date": "2026-11-29", "time": "08:30"}  # WIB, tomorrow
    page = preview(b, **later).text
    assert "Minggu, 29 November 2026 pukul 08.30 WIB" in page
    b.client.post("/konsol/pengumuman/kirim", data=hidden(page))
    [announcement] = announcements(db)
    assert announcement.status == "scheduled"
    assert announcement.send_at == NOW + timedelta(hours=23, minutes=30)

    listed = b.client.get("/konsol/pengumuman").text
    assert f'action="/konsol/pengumuman/{announcement.id}/batal"' in listed
    refused = b.client.post(f"/konsol/pengumuman/{announcement.id}/batal", data={})
    assert refused.status_code == 403  # no CSRF token
    assert announcements(db)[0].status == "scheduled"

    done = b.client.post(
        f"/konsol/pengumuman/{announcement.id}/batal",
        data={"csrf": b.csrf()},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert announcements(db)[0].status == "cancelled"
    listed = b.client.get(done.headers["location"]).text
    row = listed.split(f'data-id="{announcement.id}"', 1)[1].split("</tr>", 1)[0]
    assert "Dibatalkan" in row and "/batal" not in row
    again = b.client.post(f"/konsol/pengumuman/{announcement.id}/batal", data={"csrf": b.csrf()})
    assert again.status_code == 409 and "memang sudah dibatalkan" in again.text


def test_one_whose_time_came_cannot_be_cancelled(db: Database, city: dict[str, int]) -> None:
    b = facilitator(db)
    with transaction(db) as session:
        number = create_announcement(
            session=session,
            text=TEXT,
            segment=Segment("everyone"),
            send_at=NOW + timedelta(minutes=5),
            actor=FACILITATOR,
            now=NOW,
        ).id
    b.clock.advance(minutes=6)
    answer = b.client.post(f"/konsol/pengumuman/{number}/batal", data={"csrf": b.csrf()})
    assert answer.status_code == 409
    assert "sudah mulai dikirim" in answer.text
    assert announcements(db)[0].status == "scheduled"  # the job sends it


def test_a_bot_written_announcement_is_not_found(db: Database, city: dict[str, int]) -> None:
    with transaction(db) as session:
        number = create_announcement(
            session=session,
            text="Pengingat forum",
            segment=Segment("everyone"),
            send_at=NOW + timedelta(days=1),
            actor="bot",
            now=NOW,
            kind="forum_reminder",
        ).id
    b = facilitator(db)
    answer = b.client.post(f"/konsol/pengumuman/{number}/batal", data={"csrf": b.csrf()})
    assert answer.status_code == 404
    assert announcements(db)[0].status == "scheduled"


def test_errors_redraw_the_form_with_what_was_typed(db: Database, city: dict[str, int]) -> None:
    b = facilitator(db)
    typed = {
        "text": "Rapat RT malam ini\r\njam 20.00",
        "segment": "kelurahan",
        "kelurahan": "",
        "kecamatan": BARAT,
        "when": "later",
        "date": "2026-11-27",
        "time": "10:00",
    }
    answer = preview(b, **typed)
    assert answer.status_code == 400
    page = answer.text
    assert ">Rapat RT malam ini\njam 20.00</textarea>" in page
    assert '<option value="kelurahan" selected>' in page
    assert f'<option value="{BARAT}" selected>' in page
    assert 'value="later" checked' in page
    assert 'value="2026-11-27"' in page and 'value="10:00"' in page
    assert 'id="segment-problem"' in page and 'id="when-problem"' in page
    assert "sudah lewat" in page
    assert 'id="text-problem"' not in page

    empty = preview(b, text="  ")
    assert empty.status_code == 400 and 'id="text-problem"' in empty.text
    assert announcements(db) == []


def test_now_to_nobody_is_not_sent(db: Database, city: dict[str, int]) -> None:
    b = facilitator(db)
    nobody = {"segment": "kelurahan", "kelurahan": "12.72.03.1001"}
    page = preview(b, **nobody).text
    assert shown_count(page) == 0
    assert "belum ada warga yang bisa menerima" in page
    answer = b.client.post("/konsol/pengumuman/kirim", data=hidden(page))
    assert answer.status_code == 400
    assert announcements(db) == []


def test_a_photo_is_checked_stored_and_sent_with_it(
    db: Database, city: dict[str, int], tmp_path: Path
) -> None:
    tmp_path = tmp_path / "media"
    b = facilitator(db, tmp_path)
    fake = {"photo": ("foto.jpg", b"%PDF-1.4 not a photo at all", "image/jpeg")}
    refused = b.client.post("/konsol/pengumuman/pratinjau", data=fields(b), files=fake)
    assert refused.status_code == 400
    assert "bukan foto JPG atau PNG" in refused.text
    assert f">{TEXT}</textarea>" in refused.text  # the text is kept
    assert not tmp_path.exists() or not any(tmp_path.rglob("*.*"))  # nothing stored

    webp = {"photo": ("foto.png", png()[:0] + b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/png")}
    assert (
        b.client.post("/konsol/pengumuman/pratinjau", data=fields(b), files=webp).status_code == 400
    )

    real = {"photo": ("foto.png", png(), "image/png")}
    answer = b.client.post("/konsol/pengumuman/pratinjau", data=fields(b), files=real)
    assert answer.status_code == 200, answer.text
    form = hidden(answer.text)
    reference = form["photo"]
    assert (tmp_path / reference).is_file() and reference.endswith(".png")
    shown = b.client.get(
        "/konsol/pengumuman/foto", params={"ref": reference, "sig": form["photo_sig"]}
    )
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/png"
    assert shown.headers["content-disposition"] == 'inline; filename="pengumuman.png"'
    forged = {"ref": reference, "sig": "0" * 64}
    assert b.client.get("/konsol/pengumuman/foto", params=forged).status_code == 404
    tampered = b.client.post("/konsol/pengumuman/kirim", data={**form, "photo_sig": "0" * 64})
    assert tampered.status_code == 404 and announcements(db) == []

    b.client.post("/konsol/pengumuman/kirim", data=form)
    [announcement] = announcements(db)
    assert announcement.photo == reference

    big = {"photo": ("besar.png", b"\x89PNG\r\n\x1a\n" + b"0" * 200_000, "image/png")}
    too_large = b.client.post("/konsol/pengumuman/pratinjau", data=fields(b), files=big)
    assert too_large.status_code == 413 and "terlalu besar" in too_large.text


def test_without_a_media_store_there_is_no_photo_field(db: Database) -> None:
    b = facilitator(db)
    assert 'type="file"' not in b.client.get("/konsol/pengumuman").text
    real = {"photo": ("foto.png", png(), "image/png")}
    answer = b.client.post("/konsol/pengumuman/pratinjau", data=fields(b), files=real)
    assert answer.status_code == 400 and "Foto belum bisa dilampirkan" in answer.text


def test_forms_without_csrf_are_refused(db: Database, city: dict[str, int]) -> None:
    b = facilitator(db)
    typed = fields(b)
    del typed["csrf"]
    assert b.client.post("/konsol/pengumuman/pratinjau", data=typed).status_code == 403
    multipart = {"photo": ("foto.png", png(), "image/png")}
    assert (
        b.client.post("/konsol/pengumuman/pratinjau", data=typed, files=multipart).status_code
        == 403
    )
    assert b.client.post("/konsol/pengumuman/kirim", data=typed).status_code == 403
    wrong = {**typed, "csrf": "0" * 64}
    assert b.client.post("/konsol/pengumuman/kirim", data=wrong).status_code == 403
    assert announcements(db) == []


def test_resident_text_is_escaped_in_the_preview_and_the_list(
    db: Database, city: dict[str, int]
) -> None:
    b = facilitator(db)
    page = preview(b, text=f"Pengumuman penting {SCRIPT}").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page
    b.client.post("/konsol/pengumuman/kirim", data=hidden(page))
    listed = b.client.get("/konsol/pengumuman").text
    assert "<script>alert" not in listed and "<img src=x" not in listed
    assert "&lt;script&gt;alert" in listed
    assert announcements(db)[0].text.startswith("Pengumuman penting <script>")


def test_staff_only_do_not_get_the_page(db: Database, city: dict[str, int]) -> None:
    staff = browser(db, CONFIG_ROLES)
    staff.log_in(STAFF)
    assert 'href="/konsol/pengumuman"' not in staff.client.get("/konsol/").text
    assert staff.client.get("/konsol/pengumuman").status_code == 404
    assert staff.client.get("/konsol/pengumuman/jumlah").status_code == 404
    typed = fields(staff)
    assert staff.client.post("/konsol/pengumuman/kirim", data=typed).status_code == 404
    assert announcements(db) == []
    admin = browser(db, CONFIG_ROLES)
    admin.log_in(ADMIN)
    assert admin.client.get("/konsol/pengumuman").status_code == 200


def test_edit_from_the_preview_brings_the_form_back_filled_in(
    db: Database, city: dict[str, int], tmp_path: Path
) -> None:
    b = facilitator(db, tmp_path / "media")
    real = {"photo": ("foto.png", png(), "image/png")}
    typed = fields(b, segment="kecamatan", kecamatan=BARAT, when="later")
    typed.update(date="2026-12-01", time="07:15")
    page = b.client.post("/konsol/pengumuman/pratinjau", data=typed, files=real).text
    form = hidden(page)
    again = b.client.post("/konsol/pengumuman/ubah", data=form)
    assert again.status_code == 200
    assert f">{TEXT}</textarea>" in again.text
    assert f'<option value="{BARAT}" selected>' in again.text
    assert 'value="2026-12-01"' in again.text and 'value="07:15"' in again.text
    assert f'name="photo" value="{form["photo"]}"' in again.text  # the photo stays
    assert "Foto sudah dilampirkan" in again.text
    forged = b.client.post("/konsol/pengumuman/ubah", data={**form, "photo_sig": "0" * 64})
    assert "Foto sudah dilampirkan" not in forged.text  # an unsigned reference is dropped
    assert announcements(db) == []


def test_a_preview_whose_photo_was_purged_asks_for_it_again(
    db: Database, city: dict[str, int], tmp_path: Path
) -> None:
    """Left at the preview past ``file_hours``, the photo went with the daily purge
    (it was named by nothing): "Kirim" keeps the text and asks for the photo again."""
    tmp_path = tmp_path / "media"
    b = facilitator(db, tmp_path)
    real = {"photo": ("foto.png", png(), "image/png")}
    form = hidden(b.client.post("/konsol/pengumuman/pratinjau", data=fields(b), files=real).text)
    (tmp_path / form["photo"]).unlink()  # what the daily purge does to an unsent photo

    answer = b.client.post("/konsol/pengumuman/kirim", data=form)
    assert answer.status_code == 400
    assert "Foto ini sudah tidak tersimpan" in answer.text
    assert f">{TEXT}</textarea>" in answer.text  # the text is kept
    assert announcements(db) == []
