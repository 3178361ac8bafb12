"""Residents rate a finished aspiration with the stars its notification brings.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL
(through the ``db`` fixture behind ``engine``). Who is who, seeding and the
shared steps are in ``staff_helpers``.
"""

from __future__ import annotations

import pytest
from conftest import NOW
from dialogue import Chat, play
from sqlmodel import Session, col, select
from staff_helpers import (
    JOURNEY,
    MENU_QUESTION,
    NOTE,
    STAFF,
    TOMUAN,
    WARGA,
    move,
    open_detail,
    outbox,
    person,
    seed,
    state,
    stored,
)

from handlers.core.engine import Engine
from handlers.core.types import ACTION_PROMPT, Choice
from storage.models import Aspiration, Resident

# --- 4. rating -----------------------------------------------------------------


def finished(desk: Engine, identity: str = WARGA) -> tuple[Chat, str]:
    """A resident with an aspiration staff have just marked selesai."""
    warga = person(desk, identity, name="Budi Siregar")
    with Session(desk.db) as session:
        resident = session.exec(select(Resident).where(Resident.identity == identity)).one()
    code = seed(desk, resident_id=resident.id, status="diproses")
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "selesai", NOTE)
    return warga, code


def stars(desk: Engine, code: str) -> list[str]:
    [message] = [m for m in outbox(desk) if code in m.payload["text"]]
    return [value for value, _label in message.payload["options"]]


@pytest.mark.parametrize("done", range(len(JOURNEY) + 1))
def test_a_star_pressed_at_any_step_rates_and_returns_there(desk: Engine, done: int) -> None:
    warga, code = finished(desk)
    play(warga, JOURNEY[:done])
    before, question = state(warga), warga.last
    warga._send(choice=Choice(ACTION_PROMPT, stars(desk, code)[3]))
    assert "Terima kasih atas nilai 4 dari Anda." in warga.said
    assert "Ada komentar singkat tentang penanganannya?" in warga.said
    rated = stored(desk, code)
    assert (rated.rating, rated.rating_comment, rated.rated_at) == (4, None, NOW)
    warga.send("Cepat ditangani, jalannya sudah rata lagi.")
    assert "Komentar Anda sudah kami simpan" in warga.said
    assert stored(desk, code).rating_comment == "Cepat ditangani, jalannya sudah rata lagi."
    assert stored(desk, code).rating == 4
    assert state(warga) == before
    assert warga.last.text.endswith(question.text.split("\n\n")[-1])
    assert warga.last.options == question.options


def test_after_rating_mid_aspiration_the_aspiration_can_still_be_sent(desk: Engine) -> None:
    warga, code = finished(desk)
    play(warga, JOURNEY[:4])  # at "Tuliskan aspirasi"
    warga._send(choice=Choice(ACTION_PROMPT, f"!rate:{code}:5"))
    warga.press("Lewati")  # no comment
    assert "Tuliskan aspirasi" in warga.said
    assert stored(desk, code).rating == 5 and stored(desk, code).rating_comment is None
    play(warga, JOURNEY[4:] + [(("press", "Kirim"), "Kode pelacakan")])
    with Session(desk.db) as session:
        newest = session.exec(select(Aspiration).order_by(col(Aspiration.id).desc())).first()
    assert newest is not None and newest.code != code
    assert (newest.category, newest.kelurahan_code) == ("infrastruktur", TOMUAN)


def test_rating_by_typing_the_command(desk: Engine) -> None:
    warga, code = finished(desk)
    warga.send(f"/nilai {code.lower()} 5")
    assert "Terima kasih atas nilai 5 dari Anda." in warga.said
    assert stored(desk, code).rating == 5
    warga.press("Lewati")
    assert warga.last.text.endswith(MENU_QUESTION)


def test_staff_see_the_rating_in_the_detail(desk: Engine) -> None:
    warga, code = finished(desk)
    warga.send(f"/nilai {code} 3")
    warga.send("Lama sekali, tetapi akhirnya selesai.")
    staff = Chat(desk, user_id="9001", channel="console", name="Rina Petugas")
    open_detail(staff, code)
    assert "Nilai warga: 3/5 — Lama sekali, tetapi akhirnya selesai." in staff.said


def test_rating_someone_elses_aspiration_is_not_found(desk: Engine) -> None:
    _, code = finished(desk)
    other = person(desk, "console:2009", name="Tono Sinaga")
    other.send(f"/nilai {code} 1")
    assert f"Aspirasi dengan kode {code} tidak ditemukan" in other.said
    other._send(choice=Choice(ACTION_PROMPT, f"!rate:{code}:1"))
    assert "tidak ditemukan" in other.said
    assert stored(desk, code).rating is None


def test_rating_an_unfinished_aspiration_is_refused(desk: Engine) -> None:
    warga = person(desk, WARGA, name="Budi Siregar")
    with Session(desk.db) as session:
        resident = session.exec(select(Resident).where(Resident.identity == WARGA)).one()
    code = seed(desk, resident_id=resident.id, status="diproses")
    warga.send(f"/nilai {code} 5")
    assert f"Aspirasi {code} belum selesai ditangani" in warga.said
    assert stored(desk, code).rating is None
    assert state(warga)[:2] == ("menu", "main")


@pytest.mark.parametrize(
    "typed",
    [
        "/nilai",
        "/nilai {code}",
        "/nilai {code} 6",
        "/nilai {code} 0",
        "/nilai {code} lima",
        "/nilai 5",
    ],
)
def test_bad_rating_usage_shows_the_usage(desk: Engine, typed: str) -> None:
    warga, code = finished(desk)
    warga.send(typed.format(code=code))
    assert "Untuk memberi nilai, ketik /nilai lalu kode dan angka 1–5" in warga.said
    assert stored(desk, code).rating is None


def test_a_forged_star_out_of_range_shows_the_usage(desk: Engine) -> None:
    warga, code = finished(desk)
    warga._send(choice=Choice(ACTION_PROMPT, f"!rate:{code}:9"))
    assert "Untuk memberi nilai" in warga.said
    warga._send(choice=Choice(ACTION_PROMPT, "!frob:1"))
    assert "tombol ini sudah tidak berlaku" in warga.said
    assert stored(desk, code).rating is None


def test_a_star_pressed_after_the_conversation_expired_still_rates(desk: Engine) -> None:
    warga, code = finished(desk)
    play(warga, JOURNEY[:4])  # left in the middle of a new aspiration
    warga.clock.advance(days=3)  # the notification is read days later
    warga._send(choice=Choice(ACTION_PROMPT, stars(desk, code)[4]))
    assert stored(desk, code).rating == 5
    assert "Terima kasih atas nilai 5" in warga.said
