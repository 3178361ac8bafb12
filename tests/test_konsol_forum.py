"""Konsol's Forum page: a facilitator creates a forum (a bad form comes back with
what was typed and a message per field), moves it (its followers and those who
answered hear the new time, as from /kelola_forum), cancels it after a
confirmation, posts the result once held (to those who answered), sees the
RSVPs and downloads them; each change audited. Staff and OPD officers get 404;
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
from staff_helpers import ADMIN, CONFIG_ROLES, FACILITATOR, GRANTED, STAFF, UNIT
from test_announcements import BANTAN, person

from bot.jobs import broadcast_tick
from handlers.core.engine import Engine
from storage.db import transaction
from storage.forums import NewForum, create_forum, set_rsvp, set_subscription
from storage.models import Announcement, AuditEntry, ForumEvent, OutboxMessage, Resident
from storage.opd import grant_officer

SCRIPT = '<script>alert("x")</script>"><img src=x onerror=alert(1)>'
FORM = {
    "title": "Musrenbang Kelurahan Bantan 2027",
    "forum_type": "musrenbang_kelurahan",
    "starts": "2026-12-12T09:00",
    "place": "Aula Kantor Lurah Bantan",
    "agenda": "Menyusun usulan prioritas pembangunan kelurahan untuk tahun 2027.",
    "area": f"kelurahan:{BANTAN}",
}


def facilitator(db: Database) -> Browser:
    someone = browser(db, CONFIG_ROLES)
    someone.log_in(FACILITATOR)
    return someone


def post(someone: Browser, path: str, fields: dict[str, str]) -> Any:
    return someone.client.post(
        path, data={"csrf": someone.csrf(), **fields}, follow_redirects=False
    )


def forums(db: Database) -> list[ForumEvent]:
    with Session(db) as session:
        return list(session.exec(select(ForumEvent).order_by(col(ForumEvent.id))))


def announcements(db: Database) -> list[tuple[str, str | None, str, str | None]]:
    with Session(db) as session:
        rows = session.exec(select(Announcement).order_by(col(Announcement.id))).all()
        return [(a.kind, a.template, a.segment_kind, a.segment_value) for a in rows]


def sent(db: Database, kind: str) -> list[OutboxMessage]:
    with Session(db) as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind)
        return list(session.exec(query.order_by(col(OutboxMessage.recipient))))


def audit(db: Database, action: str) -> list[dict[str, Any]]:
    with Session(db) as session:
        rows = session.exec(select(AuditEntry).where(AuditEntry.action == action)).all()
        return [{"actor": r.actor, **r.details} for r in rows]


def forum(db: Database, *, starts: Any = None, title: str = FORM["title"]) -> int:
    with transaction(db) as session:
        saved = create_forum(
            session=session,
            new=NewForum(
                title=title,
                starts_at=starts or NOW + timedelta(days=14),
                forum_type="musrenbang_kelurahan",
                place="Kantor Lurah Bantan",
                agenda=FORM["agenda"],
                area_level="kelurahan",
                area_code=BANTAN,
            ),
            actor=FACILITATOR,
            now=NOW - timedelta(days=30),
        )
        assert saved.id is not None
        return saved.id


def answers(db: Database, forum_id: int, *, at: Any = NOW) -> None:
    """Two residents answered (one hadir, one mungkin, the second without consent);
    a third subscribed to Bantan's forums without answering."""
    answering = [
        (person(db, "11"), "hadir"),
        (person(db, "12", consented=False), "mungkin"),
    ]
    follower = person(db, "13")
    with transaction(db) as session:
        for resident_id, answer in answering:
            set_rsvp(
                session=session, forum_id=forum_id, resident_id=resident_id, answer=answer, now=at
            )
        set_subscription(session=session, resident_id=follower, scope="kelurahan", on=True, now=NOW)
        for resident in session.exec(select(Resident)):  # named, as residents name themselves
            resident.display_name = f"Warga {resident.identity.partition(':')[2]}"
            session.add(resident)


# --- create -----------------------------------------------------------------------


def test_a_bad_form_comes_back_with_the_typed_values_and_a_message_per_field(
    db: Database,
) -> None:
    someone = facilitator(db)
    bad = {**FORM, "title": SCRIPT, "starts": "besok pagi", "agenda": "rapat"}
    answer = post(someone, "/konsol/forum/baru", bad)
    assert answer.status_code == 400
    errors = dict(re.findall(r'id="([a-z_]+)-error">([^<]+)<', answer.text))
    assert set(errors) == {"starts", "agenda"}
    assert "misalnya 12-12-2026 09.00" in errors["starts"]  # the chat's words, an example
    assert 'value="besok pagi"' in answer.text
    assert "&lt;script&gt;" in answer.text and "<script>alert" not in answer.text
    assert f'<option value="kelurahan:{BANTAN}" selected>' in answer.text
    assert forums(db) == []


def test_a_new_forum_is_stored_listed_and_audited(db: Database) -> None:
    someone = facilitator(db)
    answer = post(someone, "/konsol/forum/baru", {**FORM, "title": SCRIPT + " Bantan"})
    assert answer.status_code == 303
    [saved] = forums(db)
    assert answer.headers["location"] == f"/konsol/forum/{saved.id}?ok=created"
    assert (saved.title, saved.status, saved.area_code) == (SCRIPT + " Bantan", "scheduled", BANTAN)
    assert saved.starts_at == NOW + timedelta(days=14)
    listing = someone.client.get("/konsol/forum").text
    assert f'data-forum="{saved.id}"' in listing
    assert "<script>alert" not in listing and "&lt;script&gt;" in listing
    assert "Sabtu, 12 Desember 2026 pukul 09.00 WIB" in listing
    assert audit(db, "forum_create") == [{"actor": FACILITATOR, "via": "konsol", "forum": saved.id}]


# --- move, cancel, result ---------------------------------------------------------------


def test_moving_tells_those_who_answered_and_the_followers(db: Database) -> None:
    forum_id = forum(db)
    answers(db, forum_id)
    someone = facilitator(db)
    unchanged = post(someone, f"/konsol/forum/{forum_id}/pindah", {"starts": "", "place": ""})
    assert unchanged.status_code == 400
    assert "forum_admin" not in unchanged.text  # worded, not a key
    answer = post(
        someone,
        f"/konsol/forum/{forum_id}/pindah",
        {"starts": "2026-12-19T14:00", "place": "Aula Camat Siantar Barat"},
    )
    assert answer.headers["location"] == f"/konsol/forum/{forum_id}?ok=moved"
    [moved] = forums(db)
    assert (moved.status, moved.place) == ("moved", "Aula Camat Siantar Barat")
    assert moved.starts_at == NOW + timedelta(days=21, hours=5)
    assert announcements(db) == [
        ("forum_notice", "forum.moved", "forum_subscribers", str(forum_id))
    ]
    broadcast_tick(db, NOW)
    told = sent(db, "forum_notice")
    assert [m.recipient for m in told] == ["11", "12", "13"]
    assert all("Sabtu, 19 Desember 2026 pukul 14.00 WIB" in m.payload["text"] for m in told)
    assert audit(db, "forum_move")[0]["told"] == 3
    page = someone.client.get(answer.headers["location"]).text
    assert "Jadwal baru tersimpan" in page


def test_cancelling_asks_first_then_tells_the_followers(db: Database) -> None:
    forum_id = forum(db)
    answers(db, forum_id)
    someone = facilitator(db)
    confirm = someone.client.get(f"/konsol/forum/{forum_id}/batal").text
    assert "3 warga" in confirm
    assert forums(db)[0].status == "scheduled"
    answer = post(someone, f"/konsol/forum/{forum_id}/batal", {})
    assert answer.headers["location"] == f"/konsol/forum/{forum_id}?ok=cancelled"
    assert forums(db)[0].status == "cancelled"
    assert announcements(db) == [
        ("forum_notice", "forum.cancelled", "forum_subscribers", str(forum_id))
    ]
    broadcast_tick(db, NOW)
    assert [m.recipient for m in sent(db, "forum_notice")] == ["11", "12", "13"]
    assert someone.client.get(f"/konsol/forum/{forum_id}/batal").status_code == 404
    again = post(someone, f"/konsol/forum/{forum_id}/batal", {})
    assert again.headers["location"].endswith("?ok=refused")


def test_the_result_of_a_held_forum_goes_to_those_who_answered(db: Database) -> None:
    forum_id = forum(db, starts=NOW + timedelta(days=1))
    answers(db, forum_id)
    someone = facilitator(db)
    early = someone.client.get(f"/konsol/forum/{forum_id}").text
    assert "/hasil" not in early  # not held yet
    someone.clock.advance(days=2)
    someone.log_in(FACILITATOR)  # the idle session ended meanwhile
    page = someone.client.get(f"/konsol/forum/{forum_id}").text
    assert f"/konsol/forum/{forum_id}/hasil" in page
    short = post(someone, f"/konsol/forum/{forum_id}/hasil", {"summary": "ok"})
    assert (
        short.status_code == 400
        and 'value="ok"' not in short.text
        and ">ok</textarea>" in short.text
    )
    result = "Disepakati tiga usulan: drainase Jl. Bantan, lampu jalan, dan posyandu."
    answer = post(someone, f"/konsol/forum/{forum_id}/hasil", {"summary": result})
    assert answer.headers["location"] == f"/konsol/forum/{forum_id}?ok=result"
    [held] = forums(db)
    assert (held.status, held.summary) == ("held", result)
    assert announcements(db) == [("forum_summary", "forum.summary", "forum_rsvp", str(forum_id))]
    broadcast_tick(db, someone.clock.now)
    told = sent(db, "forum_summary")
    assert [m.recipient for m in told] == ["11", "12"]  # not the follower who never answered
    assert all(result in m.payload["text"] for m in told)
    assert audit(db, "forum_result")[0]["told"] == 2


def test_rsvps_are_counted_listed_and_downloaded(db: Database) -> None:
    forum_id = forum(db)
    answers(db, forum_id)
    someone = facilitator(db)
    page = someone.client.get(f"/konsol/forum/{forum_id}").text
    assert "1 hadir, 0 tidak hadir, 1 mungkin" in page
    rows = page.split('id="answers"', 1)[1]
    assert "Warga 11" in rows
    assert "Warga 12" not in rows  # no consent: no name
    listing = someone.client.get("/konsol/forum").text
    row = listing.split(f'data-forum="{forum_id}"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'class="num">(\d+)<', row) == ["1", "1", "0"]  # hadir, mungkin, tidak

    other = forum(db, title="Forum Warga Lain")
    with transaction(db) as session:
        set_rsvp(
            session=session, forum_id=other, resident_id=person(db, "21"), answer="hadir", now=NOW
        )
    answer = someone.client.get(f"/konsol/forum/{forum_id}/ekspor?format=csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith(
        f'attachment; filename="rsvp-forum-{forum_id}-'
    )
    rows_out = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert sorted((r["answer"], r["resident_name"]) for r in rows_out) == [
        ("hadir", "Warga 11"),
        ("mungkin", ""),
    ]
    assert audit(db, "export") == [
        {
            "actor": FACILITATOR,
            "via": "konsol",
            "kind": "rsvps",
            "format": "csv",
            "filters": {"forum": str(forum_id)},
            "rows": 2,
        }
    ]


# --- who may, and refusals -------------------------------------------------------------------


def test_staff_and_unit_officers_get_404_and_unknown_forums_too(
    engine: Engine, db: Database
) -> None:
    forum_id = forum(db)
    with transaction(db) as session:
        grant_officer(session=session, identity=GRANTED, codes=[UNIT], actor=ADMIN, now=NOW)
    for identity in (STAFF, GRANTED):
        someone = browser(db, CONFIG_ROLES)
        someone.log_in(identity)
        assert 'href="/konsol/forum"' not in someone.client.get("/konsol/").text
        for path in (
            "/konsol/forum",
            f"/konsol/forum/{forum_id}",
            f"/konsol/forum/{forum_id}/ekspor",
        ):
            assert someone.client.get(path).status_code == 404, (identity, path)
        assert post(someone, f"/konsol/forum/{forum_id}/batal", {}).status_code == 404
    assert forums(db)[0].status == "scheduled"
    someone = facilitator(db)
    assert someone.client.get("/konsol/forum/999").status_code == 404
    assert post(someone, "/konsol/forum/999/batal", {}).status_code == 404
    assert post(someone, "/konsol/forum/999/pindah", {"place": "Aula"}).status_code == 404


def test_a_form_without_its_csrf_token_is_refused(db: Database) -> None:
    forum_id = forum(db)
    someone = facilitator(db)
    answer = someone.client.post(f"/konsol/forum/{forum_id}/batal", follow_redirects=False)
    assert answer.status_code == 403
    created = someone.client.post("/konsol/forum/baru", data=FORM, follow_redirects=False)
    assert created.status_code == 403
    assert [f.status for f in forums(db)] == ["scheduled"]
