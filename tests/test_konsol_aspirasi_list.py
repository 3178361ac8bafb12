"""Konsol's aspiration list: each filter narrows it to the seeded rows it should,
free text finds codes and words, paging and sorting keep the filters, an OPD
officer sees only their units' rows, the bulk action moves several at once through
the chat's rules (refusing a stale row, and a form without its CSRF token), and
resident text is escaped."""

from __future__ import annotations

import html as markup
import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from conftest import NOW
from konsol_helpers import Browser, browser
from sqlalchemy import Engine as Database
from sqlmodel import Session, select
from staff_helpers import (
    ADMIN,
    CONFIG_ROLES,
    GRANTED,
    NOTE,
    OTHER_UNIT,
    STAFF,
    UNIT,
    outbox,
    seat,
    seed,
    stored,
)

from bot.i18n import translator
from handlers.core.engine import Engine
from storage import console_aspirations
from storage.console_aspirations import PAGE_SIZE
from storage.db import transaction
from storage.models import Aspiration
from storage.opd import grant_officer
from storage.workflow import change_status

SCRIPT = '<script>alert("x")</script>"><img src=x onerror=alert(1)>\u202e'
DWIKORA, SIANTAR_BARAT = "12.72.02.1001", "12.72.02"
LAMP = "Lampu jalan di Gang Mawar mati total sejak pekan lalu."


def codes(html: str) -> list[str]:
    """The codes listed in the table, in order."""
    return re.findall(r'<tr data-code="(ASP-[0-9A-Z]{6})"', html)


def count(html: str) -> int:
    found = re.search(r'id="count"[^>]*>([\d.]+) aspirasi<', html)
    assert found is not None, html
    return int(found.group(1).replace(".", ""))


def seen(html: str) -> dict[str, str]:
    """Each listed row's hidden ``seen_<CODE>`` value: its status and unit when drawn."""
    return {
        code: markup.unescape(value)
        for code, value in re.findall(r'name="seen_(ASP-[0-9A-Z]{6})" value="([^"]*)"', html)
    }


def log_in(db: Database, identity: str = STAFF) -> Browser:
    person = browser(db, CONFIG_ROLES)
    person.log_in(identity)
    return person


def listed(person: Browser, **params: str) -> list[str]:
    page = person.client.get(f"/konsol/aspirasi?{urlencode(params)}")
    assert page.status_code == 200, page.text
    return codes(page.text)


def set_text(db: Database, code: str, text: str) -> None:
    with transaction(db) as session:
        row = session.exec(select(Aspiration).where(Aspiration.code == code)).one()
        row.text = text
        session.add(row)


def set_unit(db: Database, code: str, unit: str) -> None:
    with transaction(db) as session:
        row = session.exec(select(Aspiration).where(Aspiration.code == code)).one()
        row.opd_code = unit
        session.add(row)


def seeded(engine: Engine) -> dict[str, str]:
    """Saturday 28 November 2026, 09:00 WIB. Names → codes."""
    made = {
        "fresh": seed(engine, at=NOW - timedelta(hours=1)),
        "late": seed(engine, at=NOW - timedelta(days=30)),  # verification overdue
        "sent": seed(
            engine,
            status="diteruskan",
            category="kesehatan",
            photo="foto/a.jpg",
            at=NOW - timedelta(days=2),
        ),
        "done": seed(
            engine,
            status="selesai",
            kelurahan=DWIKORA,
            anonymous=True,
            at=NOW - timedelta(days=10),
        ),
        "spam": seed(engine, status="spam", category="lingkungan", at=NOW - timedelta(days=5)),
    }
    set_text(engine.db, made["spam"], LAMP)
    return made


FILTERS = [
    ({}, ["fresh", "sent", "spam", "done", "late"]),  # newest first
    ({"status": "diterima"}, ["fresh", "late"]),
    ({"category": "kesehatan"}, ["sent"]),
    ({"kecamatan": SIANTAR_BARAT}, ["done"]),
    ({"kelurahan": DWIKORA}, ["done"]),
    ({"opd": UNIT}, ["sent", "done"]),
    ({"opd": UNIT.lower()}, ["sent", "done"]),
    ({"since": "2026-11-26"}, ["fresh", "sent"]),
    ({"until": "2026-11-20"}, ["done", "late"]),
    ({"since": "2026-11-18", "until": "2026-11-23"}, ["spam", "done"]),
    ({"photo": "ya"}, ["sent"]),
    ({"photo": "tidak"}, ["fresh", "spam", "done", "late"]),
    ({"anonymous": "ya"}, ["done"]),
    ({"anonymous": "tidak"}, ["fresh", "sent", "spam", "late"]),
    ({"overdue": "1"}, ["late"]),
    ({"status": "diterima", "overdue": "1"}, ["late"]),
    ({"q": "berlubang"}, ["fresh", "sent", "done", "late"]),
    ({"q": "LAMPU jalan"}, ["spam"]),
    ({"q": "100%"}, []),
    ({"sort": "oldest"}, ["late", "done", "spam", "sent", "fresh"]),
]


@pytest.mark.parametrize(("params", "expected"), FILTERS)
def test_each_filter_narrows_the_list(
    engine: Engine, db: Database, params: dict[str, str], expected: list[str]
) -> None:
    made = seeded(engine)
    staff = log_in(db)
    page = staff.client.get(f"/konsol/aspirasi?{urlencode(params)}")
    assert page.status_code == 200
    assert codes(page.text) == [made[name] for name in expected]
    assert count(page.text) == len(expected)
    assert 'id="ignored"' not in page.text


def test_a_code_is_found_whole_or_by_its_start_in_any_case(engine: Engine, db: Database) -> None:
    made = seeded(engine)
    staff = log_in(db)
    code = made["sent"]
    assert listed(staff, q=code) == [code]
    assert listed(staff, q=code.lower().replace("-", " ")) == [code]
    assert listed(staff, q=code[4:9].lower()) == [code]  # 5 of its 6 characters


def test_bad_filter_values_are_ignored_with_a_notice(engine: Engine, db: Database) -> None:
    made = seeded(engine)
    staff = log_in(db)
    bad = {"status": "hilang", "since": "2026-13-45", "page": "x", "sort": "acak", "opd": "a b"}
    page = staff.client.get(f"/konsol/aspirasi?{urlencode(bad)}")
    assert page.status_code == 200
    assert 'id="ignored"' in page.text
    assert count(page.text) == len(made)
    # a kelurahan code of the right shape that does not exist simply matches nothing
    assert listed(staff, kelurahan="99.99.99.9999", category="air") == []


def test_paging_and_sorting_keep_the_filters(engine: Engine, db: Database) -> None:
    for minutes in range(PAGE_SIZE + 2):
        seed(engine, at=NOW - timedelta(minutes=minutes))
    other = seed(engine, category="kesehatan", at=NOW)
    staff = log_in(db)
    first = staff.client.get("/konsol/aspirasi?category=infrastruktur").text
    assert count(first) == PAGE_SIZE + 2
    assert len(codes(first)) == PAGE_SIZE and other not in codes(first)
    assert "Halaman 1 dari 2" in first
    [following] = re.findall(r'href="\?([^"]*)" rel="next"', first)
    assert markup.unescape(following) == "category=infrastruktur&page=2"
    second = staff.client.get(f"/konsol/aspirasi?{markup.unescape(following)}").text
    assert len(codes(second)) == 2 and not set(codes(second)) & set(codes(first))
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # the oldest first: the last two of the newest-first order, reversed
    oldest = listed(staff, category="infrastruktur", sort="oldest")
    assert oldest[:2] == codes(second)[::-1]
    # a page past the end shows the last one
    assert listed(staff, category="infrastruktur", page="9") == codes(second)


def test_due_soonest_puts_closed_ones_last(engine: Engine, db: Database) -> None:
    made = seeded(engine)
    staff = log_in(db)
    order = listed(staff, sort="due")
    with Session(db) as session:
        rows = {a.code: a for a in session.exec(select(Aspiration)).all()}
    dues = [rows[code].next_due_at for code in order]
    timed = [d for d in dues if d is not None]
    assert timed == sorted(timed) and len(timed) >= 2
    assert dues[len(timed) :] == [None] * (len(dues) - len(timed))
    assert order[0] == made["late"]  # the most overdue first


def test_an_officer_sees_only_their_units_rows(engine: Engine, db: Database) -> None:
    made = seeded(engine)
    elsewhere = seed(engine, status="diteruskan", at=NOW - timedelta(days=1))
    set_unit(db, elsewhere, OTHER_UNIT)
    with transaction(db) as session:
        grant_officer(session=session, identity=GRANTED, codes=[UNIT], actor=ADMIN, now=NOW)
    officer = log_in(db, GRANTED)
    page = officer.client.get("/konsol/aspirasi").text
    assert codes(page) == [made["sent"], made["done"]]
    assert listed(officer, opd=OTHER_UNIT) == []
    assert listed(officer, status="diterima") == []
    assert f'<option value="{OTHER_UNIT}"' not in page.split('id="f-opd"')[1].split("</select>")[0]
    # the bulk action offers only an officer's moves
    offered = re.findall(
        r'<option value="([a-z_]+)"', page.split('id="b-ke"')[1].split("</select>")[0]
    )
    assert offered == ["diproses", "diverifikasi", "selesai"]
    # and the staff see every row
    assert len(listed(log_in(db), opd=OTHER_UNIT)) == 1


def test_bulk_change_of_three_with_one_note_tells_each_resident(
    engine: Engine, db: Database
) -> None:
    people = [seat(engine, f"console:20{n:02d}") for n in range(3)]
    chosen = [
        seed(engine, resident_id=p, at=NOW - timedelta(hours=n)) for n, p in enumerate(people)
    ]
    untouched = seed(engine, at=NOW - timedelta(hours=5))
    staff = log_in(db)
    page = staff.client.get("/konsol/aspirasi?status=diterima").text
    drawn = seen(page)
    assert set(chosen) | {untouched} == set(drawn)
    form = {
        "csrf": staff.csrf(),
        "ke": "diverifikasi",
        "catatan": NOTE,
        "kembali": "status=diterima",
    }
    for code in chosen:
        form[f"pilih_{code}"] = "1"
    form.update({f"seen_{code}": value for code, value in drawn.items()})
    answer = staff.client.post("/konsol/aspirasi/massal", data=form)
    assert answer.status_code == 200
    assert "3 aspirasi diubah ke Diverifikasi." in answer.text
    assert 'id="ditolak"' not in answer.text
    assert 'href="/konsol/aspirasi?status=diterima"' in answer.text
    assert [stored(engine, code).status for code in chosen] == ["diverifikasi"] * 3
    assert stored(engine, untouched).status == "diterima"
    told = outbox(engine)
    assert len(told) == 3
    assert sorted(m.recipient for m in told) == [f"20{n:02d}" for n in range(3)]
    assert all(NOTE in str(m.payload) for m in told)


def test_bulk_dispose_to_a_unit_and_a_reason_is_required(engine: Engine, db: Database) -> None:
    chosen = [seed(engine, status="diverifikasi") for _ in range(2)]
    staff = log_in(db)
    drawn = seen(staff.client.get("/konsol/aspirasi").text)
    base = {"csrf": staff.csrf(), **{f"seen_{c}": v for c, v in drawn.items()}}
    picks = {f"pilih_{c}": "1" for c in chosen}
    refused = staff.client.post("/konsol/aspirasi/massal", data={**base, **picks, "ke": "ditolak"})
    assert "0 aspirasi diubah" in refused.text
    assert refused.text.count("perlu catatan alasan") == 2
    assert [stored(engine, c).status for c in chosen] == ["diverifikasi"] * 2
    sent = staff.client.post(
        "/konsol/aspirasi/massal",
        data={**base, **picks, "ke": "diteruskan", "unit": OTHER_UNIT, "tingkat": "ringan"},
    )
    assert "2 aspirasi diubah ke" in sent.text
    assert [(stored(engine, c).status, stored(engine, c).opd_code) for c in chosen] == [
        ("diteruskan", OTHER_UNIT)
    ] * 2
    assert {stored(engine, c).grade for c in chosen} == {"ringan"}


def test_bulk_refuses_a_stale_row_and_moves_the_others(engine: Engine, db: Database) -> None:
    chosen = [seed(engine, at=NOW - timedelta(hours=n)) for n in range(3)]
    staff = log_in(db)
    drawn = seen(staff.client.get("/konsol/aspirasi").text)
    # someone else marks the second as spam after the list was drawn
    with transaction(db) as session:
        row = session.exec(select(Aspiration).where(Aspiration.code == chosen[1])).one()
        change_status(
            session=session,
            aspiration=row,
            status="spam",
            actor=ADMIN,
            note=None,
            now=NOW + timedelta(minutes=5),
        )
    form = {"csrf": staff.csrf(), "ke": "spam", **{f"seen_{c}": v for c, v in drawn.items()}}
    form.update({f"pilih_{c}": "1" for c in chosen})
    answer = staff.client.post("/konsol/aspirasi/massal", data=form).text
    assert "2 aspirasi diubah ke Spam." in answer
    [line] = re.findall(r'<li data-code="([^"]+)">(.*?)</li>', answer)
    assert line[0] == chosen[1]
    when = translator("id").datetime(NOW + timedelta(minutes=5))
    assert f"sudah diubah oleh {ADMIN} pada {when}" in markup.unescape(line[1])
    assert [stored(engine, c).status for c in chosen] == ["spam"] * 3


def test_bulk_without_its_csrf_token_is_refused(engine: Engine, db: Database) -> None:
    chosen = seed(engine)
    staff = log_in(db)
    drawn = seen(staff.client.get("/konsol/aspirasi").text)
    form = {"ke": "spam", f"pilih_{chosen}": "1", f"seen_{chosen}": drawn[chosen]}
    assert staff.client.post("/konsol/aspirasi/massal", data=form).status_code == 403
    wrong = {**form, "csrf": "0" * 64}
    assert staff.client.post("/konsol/aspirasi/massal", data=wrong).status_code == 403
    assert stored(engine, chosen).status == "diterima"


def test_an_officer_cannot_bulk_what_is_not_theirs(engine: Engine, db: Database) -> None:
    mine = seed(engine, status="diteruskan")
    city = seed(engine)
    with transaction(db) as session:
        grant_officer(session=session, identity=GRANTED, codes=[UNIT], actor=ADMIN, now=NOW)
    officer = log_in(db, GRANTED)
    drawn = seen(officer.client.get("/konsol/aspirasi").text)
    assert set(drawn) == {mine}
    base = {"csrf": officer.csrf(), f"pilih_{mine}": "1", f"seen_{mine}": drawn[mine]}
    spam = officer.client.post("/konsol/aspirasi/massal", data={**base, "ke": "spam"})
    assert spam.status_code == 400 and stored(engine, mine).status == "diteruskan"
    # a row outside their units, posted anyway, is "not found"
    sneaky = {**base, f"pilih_{city}": "1", f"seen_{city}": "diterima|", "ke": "diproses"}
    answer = officer.client.post("/konsol/aspirasi/massal", data=sneaky).text
    assert "1 aspirasi diubah ke Sedang diproses." in answer
    assert "tidak ditemukan" in answer.split(f'data-code="{city}"')[1]
    assert stored(engine, mine).status == "diproses"
    assert stored(engine, city).status == "diterima"


def test_resident_text_is_escaped_in_the_list(engine: Engine, db: Database) -> None:
    code = seed(engine)
    set_text(db, code, SCRIPT)
    staff = log_in(db)
    page = staff.client.get("/konsol/aspirasi").text
    assert code in codes(page)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#34;&gt;&lt;img" in page
    # and what is typed into the search box comes back escaped too
    searched = staff.client.get(f"/konsol/aspirasi?{urlencode({'q': SCRIPT})}").text
    assert "<script>alert" not in searched and codes(searched) == [code]


def test_a_search_counts_up_to_its_cap(
    engine: Engine, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console_aspirations, "SEARCH_COUNT_CAP", 2)
    made = [seed(engine, at=NOW - timedelta(hours=n)) for n in range(4)]
    staff = log_in(db)
    page = staff.client.get("/konsol/aspirasi?q=berlubang").text
    assert "Lebih dari 2 aspirasi." in page
    assert codes(page) == made  # every row still listed, newest first
    assert count(staff.client.get("/konsol/aspirasi").text) == 4  # no search: exact
