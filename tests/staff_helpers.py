"""Shared by the ``test_staff_*`` modules: who is who, the texts staff read, the
``media`` and ``desk`` fixtures, and helpers that seat people, seed aspirations,
grant and revoke roles and read what was stored.

Product bugs found while writing staff tests are shown by ``xfail(strict=True)``
tests: they fail today and turn into errors (XPASS) once fixed, so the marker is
removed with the fix.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from conftest import NOW
from dialogue import TO_SUMMARY, Chat, Step
from sqlmodel import Session, col, select

from bot.charts import stats_chart, unit_chart
from bot.media import MediaStore
from handlers.core import access
from handlers.core.engine import Engine
from handlers.core.settings import CONSENT_VERSION
from handlers.core.types import Reply
from handlers.registry import FLOWS
from storage.aspirations import CODE_ALPHABET, NewAspiration, create_aspiration, find_aspiration
from storage.db import transaction
from storage.models import (
    ASPIRATION_STATUSES,
    Aspiration,
    AspirationStatusChange,
    Conversation,
    Opd,
    OpdOfficer,
    OutboxMessage,
    Resident,
    RoleGrant,
    TrainingProgram,
    TrainingRegistration,
)
from storage.roles import grant_role, revoke_role
from storage.workflow import (
    NEEDS_ORIGINAL,
    NEEDS_REASON,
    NEEDS_UNIT,
    NEXT_STATUSES,
    change_status,
)

# --- who is who ----------------------------------------------------------------

STAFF, ADMIN, FACILITATOR = "console:9001", "console:9002", "console:9003"
CONFIG_ROLES = {
    STAFF: frozenset({"staff"}),
    ADMIN: frozenset({"admin"}),
    FACILITATOR: frozenset({"facilitator"}),
}
WARGA = "console:2001"  # the resident whose aspirations staff handle
RESIDENT = "console:1001"  # an ordinary resident with no role
INTRUDERS = {"resident": RESIDENT, "facilitator": FACILITATOR, "staff": STAFF}
GRANTED = "console:3001"  # holds a role through a database grant only

# --- what they read (bot/locales/id.po) ----------------------------------------

DENIED = "Maaf, perintah ini hanya untuk petugas yang berwenang."
MENU_QUESTION = "Apa yang ingin Anda lakukan?"
TOLD = "Status tersimpan. Warga akan menerima kabarnya."
UNTOLD = "Status tersimpan. Pengirimnya tidak tercatat, jadi tidak ada yang dikabari."
LABEL = {
    "diterima": "Diterima",
    "diverifikasi": "Diverifikasi",
    "diteruskan": "Diteruskan ke instansi terkait",
    "diproses": "Sedang diproses",
    "selesai": "Selesai",
    "ditolak": "Ditolak",
    "spam": "Spam",
    "duplik": "Duplikat",
    "tunda": "Tunda (menunggu keterangan warga)",
    "bukan_wewenang": "Bukan wewenang",
    "arsip": "Arsip",
}
ENGLISH_LABEL = {"diverifikasi": "Verified", "selesai": "Resolved"}
CODE = re.compile(rf"ASP-[{CODE_ALPHABET}]{{6}}")
REASON = "Lokasinya di luar wilayah Kota Pematangsiantar."
NOTE = "Petugas sudah meninjau lokasi bersama lurah."
ASPIRATION_TEXT = "Jalan Sutomo di depan pasar berlubang besar sejak Oktober."
TOMUAN, BANTAN_KEC = "12.72.01.1002", "12.72.02"  # Tomuan is in Siantar Timur (12.72.01)
PNG = b"\x89PNG\r\n\x1a\n"
JOURNEY = cast(list[tuple[Step, str]], TO_SUMMARY)  # menu → summary of a new aspiration

# The statuses an aspiration goes through to reach each one, in order.
ROUTE = {
    "diterima": (),
    "diverifikasi": ("diverifikasi",),
    "diteruskan": ("diverifikasi", "diteruskan"),
    "diproses": ("diverifikasi", "diteruskan", "diproses"),
    "selesai": ("diverifikasi", "diteruskan", "diproses", "selesai"),
    "ditolak": ("ditolak",),
    "spam": ("spam",),
    "duplik": ("duplik",),  # of an aspiration seeded first
    "tunda": ("tunda",),  # held at diterima: the resident's answer resumes it there
    "bukan_wewenang": ("bukan_wewenang",),
    "arsip": ("arsip",),
}
UNIT, UNIT_NAME = "PUPR", "Dinas PUPR"  # the unit seeded aspirations are disposed to
OTHER_UNIT, OTHER_NAME = "DISHUB", "Dinas Perhubungan"
HELD = {"tunda": "diterima"}  # where a seeded tunda goes back to


def allowed(current: str) -> tuple[str, ...]:
    """What a seeded aspiration in ``current`` may move to (``allowed_next``)."""
    held = (HELD[current],) if current in HELD else ()
    return (*held, *NEXT_STATUSES[current])


LEGAL = [(current, wanted) for current in NEXT_STATUSES for wanted in allowed(current)]
ILLEGAL = [
    (current, wanted)
    for current in ASPIRATION_STATUSES
    for wanted in ASPIRATION_STATUSES
    if wanted not in allowed(current)
]


def allowed_text(current: str) -> str:
    return ", ".join(LABEL[s] for s in allowed(current)) or "-"


# --- fixtures and helpers --------------------------------------------------------


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media", 10**6)


@pytest.fixture
def desk(engine: Engine, media: MediaStore) -> Engine:
    """The engine as deployed for staff: config roles, a file store and charts."""
    settings = replace(
        engine.settings,
        config_roles=CONFIG_ROLES,
        files=media,
        chart=stats_chart,
        unit_chart=unit_chart,
    )
    return Engine(engine.db, settings, FLOWS)


def seat(
    engine: Engine,
    identity: str,
    *,
    name: str | None = None,
    language: str = "id",
    consent: bool = True,
) -> int:
    """An onboarded resident standing at the menu; returns their id."""
    channel, _, user_id = identity.partition(":")
    with transaction(engine.db) as session:
        resident = Resident(
            identity=identity,
            channel=channel,
            display_name=name if consent else None,
            language=language,
            language_chosen=True,
            onboarded_at=NOW,
            consent_at=NOW if consent else None,
            consent_version=CONSENT_VERSION if consent else None,
            created_at=NOW,
            last_seen_at=NOW,
        )
        session.add(resident)
        session.add(
            Conversation(
                channel=channel,
                user_id=user_id,
                flow="menu",
                step="main",
                data={},
                prompt_id=1,
                version=1,
                expires_at=NOW + timedelta(hours=24),
                updated_at=NOW,
            )
        )
        session.flush()
        assert resident.id is not None
        return resident.id


def person(
    engine: Engine,
    identity: str,
    *,
    name: str | None = None,
    language: str = "id",
    consent: bool = True,
) -> Chat:
    """A chat for ``identity``, seated at the menu (its question on screen)."""
    seat(engine, identity, name=name, language=language, consent=consent)
    channel, _, user_id = identity.partition(":")
    chat = Chat(engine, user_id=user_id, channel=channel, name=name)
    chat.send("/menu")
    return chat


def seed(
    engine: Engine,
    *,
    resident_id: int | None = None,
    status: str = "diterima",
    category: str = "infrastruktur",
    kelurahan: str = TOMUAN,
    anonymous: bool = False,
    photo: str | None = None,
    location: tuple[float, float] | None = None,
    at: datetime = NOW,
    language: str = "id",
) -> str:
    """An aspiration moved along the workflow to ``status``; returns its code.

    A ``duplik`` one is a duplicate of another aspiration, seeded first."""
    original = seed(engine, at=at) if status in NEEDS_ORIGINAL else None
    with transaction(engine.db) as session:
        aspiration = create_aspiration(
            session=session,
            new=NewAspiration(
                category=category,
                kecamatan_code=kelurahan.rsplit(".", 1)[0],
                kelurahan_code=kelurahan,
                text=ASPIRATION_TEXT,
                language=language,
                anonymous=anonymous,
                channel="console",
                resident_id=resident_id,
                photo_path=photo,
                latitude=location[0] if location else None,
                longitude=location[1] if location else None,
            ),
            now=at,
        )
        for status_ in ROUTE[status]:
            change_status(
                session=session,
                aspiration=aspiration,
                status=status_,
                actor="console:9999",
                note=REASON if status_ in NEEDS_REASON else None,
                now=at,
                original=original,
                opd=UNIT if status_ in NEEDS_UNIT else None,
            )
        return aspiration.code


def stored(engine: Engine, code: str) -> Aspiration:
    with Session(engine.db) as session:
        found = find_aspiration(session=session, code=code)
        assert found is not None
        return found


def history(engine: Engine, code: str) -> list[tuple[str, datetime, str | None, str | None]]:
    with Session(engine.db) as session:
        rows = session.exec(
            select(AspirationStatusChange)
            .join(Aspiration, col(Aspiration.id) == col(AspirationStatusChange.aspiration_id))
            .where(Aspiration.code == code)
            .order_by(col(AspirationStatusChange.at), col(AspirationStatusChange.id))
        ).all()
        return [(r.status, r.at, r.actor, r.note) for r in rows]


def outbox(engine: Engine, kind: str = "status") -> list[OutboxMessage]:
    with Session(engine.db) as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.kind == kind)
                .order_by(col(OutboxMessage.id))
            ).all()
        )


def grants(engine: Engine) -> set[tuple[str, str]]:
    with Session(engine.db) as session:
        return {(g.identity, g.role) for g in session.exec(select(RoleGrant)).all()}


def give(engine: Engine, identity: str, role: str) -> None:
    with transaction(engine.db) as session:
        assert grant_role(session=session, identity=identity, role=role, granted_by=ADMIN, now=NOW)


def take(engine: Engine, identity: str, role: str) -> None:
    with transaction(engine.db) as session:
        assert revoke_role(session=session, identity=identity, role=role)


def files(media: MediaStore) -> list[str]:
    if not media.directory.exists():
        return []
    return sorted(str(p) for p in media.directory.rglob("*") if p.is_file())


def world(engine: Engine, media: MediaStore) -> tuple[Any, ...]:
    """Everything a privileged step could change: statuses and their history,
    ratings, the outbox, role grants, officers' units, the units and files written."""
    with Session(engine.db) as session:
        aspirations = sorted(
            (a.code, a.status, a.updated_at, a.rating, a.rating_comment)
            for a in session.exec(select(Aspiration)).all()
        )
        changes = len(session.exec(select(AspirationStatusChange)).all())
        messages = [(m.kind, m.recipient, m.payload) for m in session.exec(select(OutboxMessage))]
        programs = sorted((p.id, p.status) for p in session.exec(select(TrainingProgram)))
        marks = sorted((r.id, r.attended) for r in session.exec(select(TrainingRegistration)))
        units = sorted(
            (u.code, u.name, u.short_name, u.kind, u.active) for u in session.exec(select(Opd))
        )
        officers = sorted((o.identity, o.opd_code) for o in session.exec(select(OpdOfficer)))
    staff = sorted(grants(engine)), officers, units
    return aspirations, changes, messages, staff, files(media), programs, marks


def state(chat: Chat) -> tuple[str, str, dict[str, Any]]:
    with Session(chat.engine.db) as session:
        row = session.get(Conversation, (chat.channel, chat.user_id))
        assert row is not None
        return row.flow, row.step, dict(row.data)


def force(chat: Chat, flow: str, step: str, data: dict[str, Any]) -> None:
    """Write ``chat``'s conversation row so that it stands at ``flow``/``step``."""
    with transaction(chat.engine.db) as session:
        row = session.get(Conversation, (chat.channel, chat.user_id))
        assert row is not None
        row.flow, row.step, row.data = flow, step, dict(data)
        row.version += 1
        session.add(row)


def pseudonym(identity: str) -> str:
    return access.log_reference(identity)


def assert_refused(chat: Chat, caplog: pytest.LogCaptureFixture, role: str) -> None:
    """Refused politely, logged without the identity in clear, back at the menu."""
    assert DENIED in chat.said
    assert chat.last.text.endswith(MENU_QUESTION), chat.said
    assert state(chat) == ("menu", "main", {})
    identity = f"{chat.channel}:{chat.user_id}"
    [record] = [r for r in caplog.records if r.name == "handlers.core.access"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert pseudonym(identity) in message and role in message
    # not a hash anyone could recompute from the identity
    assert hashlib.sha256(identity.encode()).hexdigest()[:10] not in message
    assert identity not in message and chat.user_id not in message
    assert all(chat.user_id not in str(arg) for arg in record.args or ())


def open_detail(staff: Chat, code: str) -> None:
    staff.send(f"/aspirasi {code}")
    assert f"Aspirasi {code} — " in staff.said, staff.said


def move(
    staff: Chat, code: str, wanted: str, note: str | None = None, unit: str | None = None
) -> None:
    """Change ``code`` to ``wanted`` through the chat, from wherever ``staff`` is:
    ``diteruskan`` to ``unit`` (a button's label; default the category's own), at
    the category's grade the first time."""
    open_detail(staff, code)
    staff.press(f"Ubah ke: {LABEL[wanted]}")
    if "Aspirasi ini sekarang di" in staff.said:  # to another unit
        if unit:
            staff.press(unit)
        else:
            staff.send(OTHER_UNIT)
    elif "Ke unit mana aspirasi ini" in staff.said:
        staff.press(unit or f"{UNIT_NAME} (sesuai kategori)")
    if "Berapa lama target penyelesaiannya?" in staff.said:
        [default] = [label for label in staff.labels if label.endswith("(sesuai kategori)")]
        staff.press(default)
    if note is None:
        staff.press("Tanpa catatan")
    else:
        staff.send(note)
    assert "Ubah status " in staff.said, staff.said
    staff.press("Simpan")


def spread(desk: Engine) -> dict[str, str]:
    """Aspirations from today, three weeks ago and two months ago."""
    return {
        "today": seed(desk, at=NOW),
        "weeks": seed(desk, at=NOW - timedelta(days=20), category="kesehatan", status="selesai"),
        "months": seed(desk, at=NOW - timedelta(days=60), kelurahan="12.72.02.1001"),
    }


def export_via_chat(staff: Chat, kind: str, fmt: str, period: str) -> Reply:
    staff.send("/ekspor")
    assert "Data apa yang ingin diunduh?" in staff.said
    staff.press(kind)
    assert "Dalam format apa?" in staff.said
    staff.press(fmt)
    assert "Untuk periode kapan?" in staff.said
    staff.press(period)
    [file] = [r for r in staff.last_batch if r.document]
    return file
