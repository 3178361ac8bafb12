"""Konsol's aspiration page: what it shows and to whom, the photos behind the
session and the scope, moving an aspiration through the workflow with notes (the
resident told through the outbox), refused forms that keep what was typed, a
stale form naming who changed it and when, CSRF, and resident text escaped."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from conftest import NOW
from konsol_helpers import Browser, browser
from PIL import Image
from pydantic import ValidationError
from sqlalchemy import Engine as Database
from sqlmodel import Session, select
from staff_helpers import (
    ADMIN,
    ASPIRATION_TEXT,
    CONFIG_ROLES,
    GRANTED,
    OTHER_UNIT,
    STAFF,
    UNIT,
    WARGA,
    outbox,
    seat,
    seed,
    stored,
)

from bot.config import WebSettings
from bot.konsol.security import policy
from bot.media import MediaStore
from handlers.core.engine import Engine
from storage.db import transaction
from storage.models import Aspiration, AspirationNote
from storage.opd import grant_officer
from storage.sla import STAGES
from storage.sla_alerts import mark_breached
from storage.workflow import NEXT_STATUSES, add_follow_up, change_status

SCRIPT = '<script>alert("x")</script>"><img src=x onerror=alert(1)>\u202e'
OFFICER = GRANTED  # petugas_opd of UNIT (granted in the database)
STRANGER = "console:3002"  # petugas_opd of OTHER_UNIT
WHERE = (2.959617, 99.068703)  # Jalan Sutomo, Pematangsiantar


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media", 10**6)


def officers(db: Database) -> None:
    with transaction(db) as session:
        grant_officer(session=session, identity=OFFICER, codes=[UNIT], actor=ADMIN, now=NOW)
        grant_officer(session=session, identity=STRANGER, codes=[OTHER_UNIT], actor=ADMIN, now=NOW)


def konsol(db: Database, media: MediaStore, identity: str | None = None) -> Browser:
    """A browser on Konsol whose engine keeps photos in ``media``; logged in as
    ``identity`` when given."""
    person = browser(db, CONFIG_ROLES)
    assert person.konsol is not None
    person.konsol.settings = replace(person.konsol.settings, files=media)
    if identity:
        person.log_in(identity)
    return person


def photo(media: MediaStore) -> str:
    """A small PNG kept in the media store, as an adapter keeps a resident's photo."""
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 30)).save(out, "PNG")
    return media.store_bytes(out.getvalue(), NOW)


def page(person: Browser, code: str, query: str = "") -> str:
    answer = person.client.get(f"/konsol/aspirasi/{code}{query}")
    assert answer.status_code == 200, answer.text
    return answer.text


def field(html: str, name: str) -> str:
    """A hidden field's value on the page."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, name
    return unescape(found.group(1))


def form(html: str, **values: str) -> dict[str, str]:
    """The status form as drawn, with ``values`` filled in."""
    drawn = {name: field(html, name) for name in ("csrf", "seen_status", "seen_opd")}
    return {**drawn, **values}


def text_of(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:dd|p|textarea|ol)>', html, re.S)
    assert found is not None, element_id
    return unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


def test_the_page_shows_the_aspiration(engine: Engine, db: Database, media: MediaStore) -> None:
    code = seed(engine, status="diteruskan", photo=photo(media), location=WHERE)
    staff = konsol(db, media, STAFF)
    html = page(staff, code)
    assert f"<h1>Aspirasi {code}</h1>" in html
    assert 'data-status="diteruskan"' in html
    assert "Diteruskan ke instansi terkait" in text_of(html, "status")
    assert text_of(html, "category").strip() == "Infrastruktur (jalan, jembatan, drainase)"
    assert text_of(html, "place").strip() == "Kelurahan Tomuan, Kecamatan Siantar Timur"
    assert "Dinas PUPR (PUPR)" in text_of(html, "unit")
    assert "Sabtu, 28 November 2026 pukul 09.00 WIB" in text_of(html, "received")
    assert text_of(html, "channel").strip() == "Konsol"
    assert text_of(html, "text") == ASPIRATION_TEXT
    # the service clocks: verification met, the unit's response and completion running
    dues = html.split('id="dues"', 1)[1].split("</table>", 1)[0]
    assert re.search(r'data-stage="verify">.*?Terpenuhi', dues, re.S)
    assert re.search(r'data-stage="response">.*?Berjalan', dues, re.S)
    assert 'data-stage="completion"' in dues
    # the photo through the authorised route, the map and the coordinates as text
    assert f'src="/konsol/aspirasi/{code}/foto"' in html
    assert 'data-lat="2.959617" data-lon="99.068703"' in html
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert "Koordinat: 2.959617, 99.068703" in html
    assert "https://www.openstreetmap.org/?mlat=2.959617&amp;mlon=99.068703" in html
    assert "/konsol/static/vendor/leaflet/leaflet.js" in html
    assert "/konsol/static/peta.js" in html
    # the staff's buttons are the chat's: what allowed_next gives from diteruskan
    buttons = re.findall(r'name="status" value="([a-z_]+)"', html)
    assert buttons == list(NEXT_STATUSES["diteruskan"]) and "diproses" in buttons
    assert 'name="opd"' in html and 'name="grade"' in html and 'name="original"' in html
    assert "<script>" not in html.split("</head>", 1)[1]  # no inline script in the body
    assert "konsol.detail." not in html  # every text is in the catalog
    staff.client.cookies.set("konsol_bahasa", "en", path="/konsol/")
    english = page(staff, code)
    assert f"<h1>Aspiration {code}</h1>" in english and "konsol.detail." not in english
    assert "Change to: " in english and "Ubah ke: " not in english


def test_a_stage_once_overdue_stays_marked(engine: Engine, db: Database, media: MediaStore) -> None:
    code = seed(engine, status="diteruskan", at=NOW - timedelta(days=30))
    staff = konsol(db, media, STAFF)
    late = page(staff, code).split('data-stage="response"', 1)[1].split("</tr>", 1)[0]
    assert "Lewat batas waktu" in late
    with transaction(db) as session:  # as the service-clock alert job marks it
        aspiration = session.exec(select(Aspiration).where(Aspiration.code == code)).one()
        mark_breached(aspiration=aspiration, stage="response", order=STAGES)
        session.add(aspiration)
    html = page(staff, code)
    answer = staff.client.post(
        f"/konsol/aspirasi/{code}/status",
        data=form(html, status="diteruskan", note="Ini urusan perhubungan.", opd=OTHER_UNIT),
        follow_redirects=True,
    )
    response = answer.text.split('data-stage="response"', 1)[1].split("</tr>", 1)[0]
    assert "Berjalan" in response and "Pernah lewat batas waktu sebelumnya" in response
    assert "Dinas Perhubungan (DISHUB)" in text_of(answer.text, "unit")


def test_the_csp_allows_the_tile_host_and_no_map_without_tiles(
    engine: Engine, db: Database, media: MediaStore
) -> None:
    code = seed(engine, location=WHERE)
    staff = konsol(db, media, STAFF)
    answer = staff.client.get(f"/konsol/aspirasi/{code}")
    csp = answer.headers["content-security-policy"]
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in csp
    assert "script-src 'self';" in csp
    assert staff.konsol is not None
    staff.konsol.web = staff.konsol.web.model_copy(update={"map_tiles": ""})
    html = page(staff, code)
    assert 'id="peta"' not in html and "leaflet.js" not in html
    assert "Koordinat: 2.959617, 99.068703" in html  # the point is still there, as text


def test_history_merges_changes_notes_ratings_and_duplicates(
    engine: Engine, db: Database, media: MediaStore
) -> None:
    code = seed(engine, status="diproses")
    copy = seed(engine)
    with transaction(db) as session:
        aspiration = session.exec(select(Aspiration).where(Aspiration.code == code)).one()
        add_follow_up(
            session=session,
            aspiration=aspiration,
            actor=OFFICER,
            opd_code=UNIT,
            text="Tim sudah menambal lubang.",
            now=NOW + timedelta(hours=2),
            photo_path=photo(media),
        )
        aspiration.rating, aspiration.rating_comment = 4, "Cepat, terima kasih."
        duplicate = session.exec(select(Aspiration).where(Aspiration.code == copy)).one()
        change_status(
            session=session,
            aspiration=duplicate,
            status="duplik",
            actor=STAFF,
            note=None,
            now=NOW + timedelta(hours=3),
            original=code,
        )
        note_id = session.exec(select(AspirationNote.id)).one()
    staff = konsol(db, media, STAFF)
    html = page(staff, code)
    history = html.split('id="history"', 1)[1].split("</ol>", 1)[0]
    kinds = re.findall(r'data-kind="([a-z_]+)"', history)
    assert kinds == ["status", "status", "status", "status", "tindak_lanjut"]
    assert "Tim sudah menambal lubang." in history and "Dinas PUPR (PUPR)" in history
    assert f"oleh {OFFICER}" in history and "oleh warga" in history
    assert f'href="/konsol/aspirasi/{code}/catatan/{note_id}/foto"' in history
    assert "4 dari 5" in text_of(html, "rating") and "Cepat, terima kasih." in html
    duplicates = html.split('id="duplicates"', 1)[1].split("</dd>", 1)[0]
    assert f'<a href="/konsol/aspirasi/{copy}">{copy}</a>' in duplicates
    other = page(staff, copy)
    assert f'<a href="/konsol/aspirasi/{code}">{code}</a>' in other  # its original, linked
    answer = staff.client.get(f"/konsol/aspirasi/{code}/catatan/{note_id}/foto")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert staff.client.get(f"/konsol/aspirasi/{copy}/catatan/{note_id}/foto").status_code == 404


def test_who_sent_it_shows_only_when_not_anonymous(
    engine: Engine, db: Database, media: MediaStore
) -> None:
    resident = seat(engine, WARGA, name="Rina Sitorus")
    named = seed(engine, resident_id=resident, status="diteruskan")
    hidden = seed(engine, resident_id=resident, status="diteruskan", anonymous=True)
    officers(db)
    staff = konsol(db, media, STAFF)
    sender = text_of(page(staff, named), "sender")
    assert "Rina Sitorus" in sender and WARGA in sender
    html = page(staff, hidden)
    assert "Anonim" in text_of(html, "sender")
    assert "Rina Sitorus" not in html and WARGA not in html
    # a unit's officer reads the name, as in the chat's /tugas, never the identity
    officer = konsol(db, media, OFFICER)
    html = page(officer, named)
    assert "Rina Sitorus" in text_of(html, "sender") and WARGA not in html
    html = page(officer, hidden)
    assert "Rina Sitorus" not in html and WARGA not in html


def test_an_aspiration_outside_the_scope_reads_as_missing(
    engine: Engine, db: Database, media: MediaStore
) -> None:
    ours = seed(engine, status="diteruskan", photo=photo(media))
    waiting = seed(engine)  # still with the city staff
    officers(db)
    stranger = konsol(db, media, STRANGER)
    unknown = stranger.client.get("/konsol/aspirasi/ASP-ZZZZZZ")
    assert unknown.status_code == 404
    for code in (ours, waiting):  # the same page; only the language switch's way back differs
        forbidden = stranger.client.get(f"/konsol/aspirasi/{code}")
        assert forbidden.status_code == 404
        assert forbidden.text.replace(code, "ASP-ZZZZZZ") == unknown.text
    wrong = stranger.client.get("/konsol/aspirasi/bukan-kode")
    assert wrong.text.replace("bukan-kode", "ASP-ZZZZZZ") == unknown.text
    officer = konsol(db, media, OFFICER)
    assert officer.client.get(f"/konsol/aspirasi/{ours}").status_code == 200
    assert officer.client.get(f"/konsol/aspirasi/{waiting}").status_code == 404
    # a facilitator has no aspiration page at all
    facilitator = konsol(db, media, "console:9003")
    assert facilitator.client.get(f"/konsol/aspirasi/{ours}").status_code == 404


def test_the_photo_route_checks_the_session_and_the_scope(
    engine: Engine, db: Database, media: MediaStore
) -> None:
    code = seed(engine, status="diteruskan", photo=photo(media))
    bare = seed(engine)
    officers(db)
    staff = konsol(db, media, STAFF)
    answer = staff.client.get(f"/konsol/aspirasi/{code}/foto")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["content-disposition"] == f'inline; filename="{code}.png"'
    assert answer.headers["cache-control"] == "no-store"
    assert answer.content.startswith(b"\x89PNG")
    assert staff.client.get(f"/konsol/aspirasi/{bare}/foto").status_code == 404  # none sent
    officer = konsol(db, media, OFFICER)
    assert officer.client.get(f"/konsol/aspirasi/{code}/foto").status_code == 200
    stranger = konsol(db, media, STRANGER)
    refused = stranger.client.get(f"/konsol/aspirasi/{code}/foto")
    assert refused.status_code == 404 and b"PNG" not in refused.content
    nobody = konsol(db, media)
    out = nobody.client.get(f"/konsol/aspirasi/{code}/foto", follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/konsol/masuk")


def test_moving_it_through_the_workflow_tells_the_resident(
    engine: Engine, db: Database, media: MediaStore
) -> None:
    resident = seat(engine, WARGA, name="Rina Sitorus")
    code = seed(engine, resident_id=resident)
    officers(db)
    staff = konsol(db, media, STAFF)

    def post(person: Browser, **values: str) -> str:
        html = page(person, code)
        answer = person.client.post(
            f"/konsol/aspirasi/{code}/status", data=form(html, **values), follow_redirects=False
        )
        assert answer.status_code == 303, answer.text
        return str(answer.headers["location"])

    where = post(staff, status="diverifikasi", note="Lokasi sudah kami cek.")
    assert where == f"/konsol/aspirasi/{code}?ok=moved"
    assert "Status diubah. Warga sudah diberi tahu." in page(staff, code, "?ok=moved")
    assert len(outbox(engine)) == 1
    post(staff, status="diteruskan", note="Mohon ditangani.", opd=UNIT, grade="ringan")
    aspiration = stored(engine, code)
    assert (aspiration.status, aspiration.opd_code, aspiration.grade) == (
        "diteruskan",
        UNIT,
        "ringan",
    )
    assert "Dinas PUPR" in outbox(engine)[-1].payload["text"]
    # the unit's officer writes a follow-up, then finishes it
    officer = konsol(db, media, OFFICER)
    html = page(officer, code)
    assert re.findall(r'name="status" value="([a-z_]+)"', html) == ["diproses", "diverifikasi"]
    answer = officer.client.post(
        f"/konsol/aspirasi/{code}/tindak-lanjut",
        data={**form(html), "text": "Tim turun ke lokasi besok pagi."},
        follow_redirects=False,
    )
    assert answer.headers["location"] == f"/konsol/aspirasi/{code}?ok=follow_up"
    assert "Tim turun ke lokasi besok pagi." in outbox(engine)[-1].payload["text"]
    post(officer, status="diproses", note="")
    post(officer, status="selesai", note="Jalan sudah ditambal.")
    assert stored(engine, code).status == "selesai"
    texts = [message.payload["text"] for message in outbox(engine)]
    assert len(texts) == 5 and "Jalan sudah ditambal." in texts[-1]
    assert all(message.recipient == WARGA.split(":")[1] for message in outbox(engine))
    html = page(staff, code)
    assert 'name="status"' not in html  # selesai: nothing follows
    history = html.split('id="history"', 1)[1]
    for note in ("Lokasi sudah kami cek.", "Mohon ditangani.", "Jalan sudah ditambal."):
        assert note in history


def test_an_officer_hands_it_back_and_loses_it(
    engine: Engine, db: Database, media: MediaStore
) -> None:
    code = seed(engine, status="diteruskan")
    officers(db)
    officer = konsol(db, media, OFFICER)
    html = page(officer, code)
    answer = officer.client.post(
        f"/konsol/aspirasi/{code}/status",
        data=form(html, status="diverifikasi", note="Ini wewenang Dinas Perhubungan."),
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/konsol/aspirasi?ok=")
    assert stored(engine, code).opd_code is None
    listed = officer.client.get(answer.headers["location"]).text
    assert 'id="moved"' in listed and code not in listed  # told it went, and it is gone
    assert officer.client.get(f"/konsol/aspirasi/{code}").status_code == 404


def test_refused_moves_keep_what_was_typed(engine: Engine, db: Database, media: MediaStore) -> None:
    code = seed(engine, status="diverifikasi")
    staff = konsol(db, media, STAFF)
    html = page(staff, code)
    answer = staff.client.post(
        f"/konsol/aspirasi/{code}/status", data=form(html, status="ditolak", note="")
    )
    assert answer.status_code == 422
    assert "Perubahan ini perlu catatan untuk warga." in text_of(answer.text, "problem")
    typed = "Sudah kami tinjau, mohon maaf."
    answer = staff.client.post(
        f"/konsol/aspirasi/{code}/status",
        data=form(html, status="diteruskan", note=typed, opd="TIDAKADA", grade="kompleks"),
    )
    assert answer.status_code == 422
    assert "Unit itu tidak dikenal." in text_of(answer.text, "problem")
    assert text_of(answer.text, "note") == typed
    assert '<option value="kompleks" selected>' in answer.text
    answer = staff.client.post(
        f"/konsol/aspirasi/{code}/status",
        data=form(html, status="duplik", note=typed, original="ASP-ZZZZZZ"),
    )
    assert "Kode aspirasi asli tidak ditemukan." in text_of(answer.text, "problem")
    assert 'value="ASP-ZZZZZZ"' in answer.text and text_of(answer.text, "note") == typed
    answer = staff.client.post(
        f"/konsol/aspirasi/{code}/status", data=form(html, status="selesai", note=typed)
    )
    assert "tidak bisa dipilih" in text_of(answer.text, "problem")  # not a next status
    assert stored(engine, code).status == "diverifikasi"
    assert outbox(engine) == []


def test_a_stale_form_is_refused_naming_who_and_when(
    engine: Engine, db: Database, media: MediaStore
) -> None:
    code = seed(engine)
    staff = konsol(db, media, STAFF)
    html = page(staff, code)  # drawn while it is diterima
    with transaction(db) as session:
        aspiration = session.exec(select(Aspiration).where(Aspiration.code == code)).one()
        change_status(
            session=session,
            aspiration=aspiration,
            status="diverifikasi",
            actor=ADMIN,
            note=None,
            now=NOW + timedelta(minutes=5),
        )
    typed = "Sudah dicek di lapangan."
    answer = staff.client.post(
        f"/konsol/aspirasi/{code}/status", data=form(html, status="diverifikasi", note=typed)
    )
    assert answer.status_code == 409
    problem = text_of(answer.text, "problem")
    assert ADMIN in problem and "Sabtu, 28 November 2026 pukul 09.05 WIB" in problem
    assert text_of(answer.text, "note") == typed
    assert field(answer.text, "seen_status") == "diverifikasi"  # drawn again as it is now
    assert [change.actor for change in _changes(db, code)] == [None, ADMIN]


def _changes(db: Database, code: str) -> list[object]:
    from storage.models import AspirationStatusChange

    with Session(db) as session:
        aspiration = session.exec(select(Aspiration).where(Aspiration.code == code)).one()
        return list(
            session.exec(
                select(AspirationStatusChange).where(
                    AspirationStatusChange.aspiration_id == aspiration.id
                )
            )
        )


def test_a_form_without_its_csrf_token_is_refused(
    engine: Engine, db: Database, media: MediaStore
) -> None:
    code = seed(engine, status="diteruskan")
    officers(db)
    staff = konsol(db, media, STAFF)
    html = page(staff, code)
    fields = form(html, status="diproses", note="")
    del fields["csrf"]
    answer = staff.client.post(f"/konsol/aspirasi/{code}/status", data=fields)
    assert answer.status_code == 403
    officer = konsol(db, media, OFFICER)
    fields = {**form(page(officer, code)), "text": "Tim sudah ke lokasi.", "csrf": "x"}
    answer = officer.client.post(f"/konsol/aspirasi/{code}/tindak-lanjut", data=fields)
    assert answer.status_code == 403
    assert stored(engine, code).status == "diteruskan" and outbox(engine) == []


def test_resident_text_and_notes_are_escaped(
    engine: Engine, db: Database, media: MediaStore
) -> None:
    resident = seat(engine, WARGA, name="Rina Sitorus")
    code = seed(engine, resident_id=resident)
    with transaction(db) as session:
        aspiration = session.exec(select(Aspiration).where(Aspiration.code == code)).one()
        aspiration.text = SCRIPT
        aspiration.rating_comment, aspiration.rating = SCRIPT, 1
    staff = konsol(db, media, STAFF)
    html = page(staff, code)
    answer = staff.client.post(
        f"/konsol/aspirasi/{code}/status",
        data=form(html, status="ditolak", note="Alasan: " + SCRIPT),
        follow_redirects=True,
    )
    assert answer.status_code == 200
    html = answer.text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#34;&gt;&lt;img") == 3
    # the text is shown as sent, inside its own element that isolates its direction
    assert 'class="resident-text" lang="id">&lt;script&gt;' in html
    assert text_of(html, "text") == SCRIPT
    # the note was cleaned like every typed note: the bidi override is gone
    history = html.split('id="history"', 1)[1]
    assert "\u202e" not in history.split('data-status="ditolak"', 1)[1]
    # refused: the typed note comes back escaped in the text area
    other = seed(engine, status="diverifikasi")
    answer = staff.client.post(
        f"/konsol/aspirasi/{other}/status",
        data=form(page(staff, other), status="diteruskan", note=SCRIPT[:-1], opd="X"),
    )
    assert answer.status_code == 422
    assert "<script>alert" not in answer.text and text_of(answer.text, "note") == SCRIPT[:-1]


@pytest.mark.parametrize(
    ("tiles", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example.id/peta/{z}/{x}/{y}.png", "https://*.tiles.example.id"),
        ("http://10.0.0.5:8080/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
        ("", ""),
    ],
)
def test_the_tile_server_is_the_only_other_image_source(tiles: str, origin: str) -> None:
    web = WebSettings(map_tiles=tiles)
    assert web.tile_origin == origin
    csp = policy(web.tile_origin)
    assert f"img-src 'self' data:{' ' + origin if origin else ''};" in csp
    assert "script-src 'self';" in csp and "style-src 'self';" in csp


@pytest.mark.parametrize(
    "tiles",
    [
        "tile.openstreetmap.org/{z}/{x}/{y}.png",  # no scheme
        "https://tile.openstreetmap.org/tiles.png",  # no {z}/{x}/{y}
        "javascript:alert(1)//{z}{x}{y}",
        "https://a.example/{z}/{x}/{y}.png; script-src *",  # would widen the policy
        "https://a.example;script-src:1/{z}/{x}/{y}.png",
        "https://user@a.example/{z}/{x}/{y}.png",
    ],
)
def test_a_tile_url_that_is_not_one_is_refused(tiles: str) -> None:
    with pytest.raises(ValidationError):
        WebSettings(map_tiles=tiles)
