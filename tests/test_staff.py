"""Staff tools as conversations: who may use them, the status workflow, the
notification written with each change, ratings, the review list, exports,
statistics and role management.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL
(through the ``db`` fixture behind ``engine``). Product bugs found while writing
these are shown by ``xfail(strict=True)`` tests: they fail today and will turn
into errors (XPASS) once fixed, so the marker is removed with the fix.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from conftest import NOW
from dialogue import TO_SUMMARY, Chat, Step, act, play
from openpyxl import load_workbook
from sqlmodel import Session, col, select

import handlers.engine
import handlers.review
from bot.charts import stats_chart
from bot.media import MediaStore
from handlers import access
from handlers.commands import ROLE_FOR
from handlers.engine import Engine
from handlers.flow import CONSENT_VERSION
from handlers.registry import FLOWS
from handlers.types import ACTION_PROMPT, Choice, Reply
from storage.aspirations import CODE_ALPHABET, NewAspiration, create_aspiration, find_aspiration
from storage.conversations import ConversationConflict
from storage.db import transaction
from storage.exports import export_aspirations
from storage.forums import NewForum, create_forum
from storage.models import (
    ASPIRATION_STATUSES,
    ROLES,
    Aspiration,
    AspirationStatusChange,
    AuditEntry,
    Conversation,
    OutboxMessage,
    Resident,
    RoleGrant,
    TrainingProgram,
    TrainingRegistration,
)
from storage.roles import grant_role, revoke_role
from storage.trainings import NewProgram, RegistrationDetails, create_program, register
from storage.workflow import (
    NEEDS_ORIGINAL,
    NEEDS_REASON,
    NEXT_STATUSES,
    IllegalTransition,
    ReasonRequired,
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
}
LEGAL = [(current, wanted) for current, nexts in NEXT_STATUSES.items() for wanted in nexts]
ILLEGAL = [
    (current, wanted)
    for current in ASPIRATION_STATUSES
    for wanted in ASPIRATION_STATUSES
    if wanted not in NEXT_STATUSES[current]
]


def allowed_text(current: str) -> str:
    return ", ".join(LABEL[s] for s in NEXT_STATUSES[current]) or "-"


# --- fixtures and helpers --------------------------------------------------------


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media", 10**6)


@pytest.fixture
def desk(engine: Engine, media: MediaStore) -> Engine:
    """The engine as deployed for staff: config roles, a file store and charts."""
    settings = replace(engine.settings, config_roles=CONFIG_ROLES, files=media, chart=stats_chart)
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
    ratings, the outbox, role grants and files written."""
    with Session(engine.db) as session:
        aspirations = sorted(
            (a.code, a.status, a.updated_at, a.rating, a.rating_comment)
            for a in session.exec(select(Aspiration)).all()
        )
        changes = len(session.exec(select(AspirationStatusChange)).all())
        messages = [(m.kind, m.recipient, m.payload) for m in session.exec(select(OutboxMessage))]
        programs = sorted((p.id, p.status) for p in session.exec(select(TrainingProgram)))
        marks = sorted((r.id, r.attended) for r in session.exec(select(TrainingRegistration)))
    return aspirations, changes, messages, sorted(grants(engine)), files(media), programs, marks


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
    [record] = [r for r in caplog.records if r.name == "handlers.access"]
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


def move(staff: Chat, code: str, wanted: str, note: str | None = None) -> None:
    """Change ``code`` to ``wanted`` through the chat, from wherever ``staff`` is."""
    open_detail(staff, code)
    staff.press(f"Ubah ke: {LABEL[wanted]}")
    if note is None:
        staff.press("Tanpa catatan")
    else:
        staff.send(note)
    assert "Ubah status " in staff.said, staff.said
    staff.press("Simpan")


# --- 1. authorisation: every privileged entry point -----------------------------


@dataclass(frozen=True)
class Scene:
    """How someone holding the role reaches a step, what they answer there, and
    what that answer gives them (``{code}`` is the aspiration on the desk)."""

    path: tuple[Step, ...]
    answer: str
    done: str


FILTERS = ("/aspirasi", ("press", "Saring"))
TO_NOTE = ("/aspirasi {code}", ("press", "Ubah ke: Diverifikasi"))
TO_PERIOD = ("/ekspor", ("press", "Aspirasi"), ("press", "CSV"))
ANNOUNCEMENT = "Posyandu balita hari Sabtu pukul 08.00 di kantor lurah."
TO_SEGMENT = ("/umumkan", ANNOUNCEMENT, ("press", "Tanpa foto"))
TO_PREVIEW = (*TO_SEGMENT, ("press", "Semua warga"), "12-12-2026 09.00")
ANNOUNCED = (*TO_PREVIEW, ("press", "Kirim"))
FORUM_TITLE = "Musrenbang Kelurahan Bantan 2027"
FORUM_AGENDA = "Menyusun usulan prioritas pembangunan kelurahan 2027."
FORUM_RESULT = "Disepakati tiga usulan prioritas: drainase, posyandu, lampu jalan."
TO_FORUM_AREA = (
    "/forum_baru", FORUM_TITLE, ("press", "Musrenbang Kelurahan"), "12-12-2026 09.00",
    "Aula Kantor Lurah Bantan", FORUM_AGENDA,
)  # fmt: skip
FORUM_SAVED = (*TO_FORUM_AREA, ("press", "Seluruh kota"), ("press", "Simpan"))
TO_MOVE = (*FORUM_SAVED, "/kelola_forum", "2", ("press", "Pindahkan jadwal"))  # 1 is held
TO_RESULT = ("/kelola_forum", "1", ("press", "Kirim hasil forum"))  # on the desk, held
SCENES: dict[tuple[str, str], Scene] = {
    ("review", "list"): Scene(("/aspirasi",), "{code}", "Aspirasi {code} — Diterima"),
    ("review", "filter"): Scene(FILTERS, "Status", "Status yang mana?"),
    ("review", "filter_status"): Scene(
        (*FILTERS, ("press", "Status")), "Selesai", "Tidak ada aspirasi (Selesai)."
    ),
    ("review", "filter_category"): Scene(
        (*FILTERS, ("press", "Kategori")),
        "Kesehatan",
        "Tidak ada aspirasi (Masih berjalan · Kesehatan).",
    ),
    ("review", "filter_kecamatan"): Scene(
        (*FILTERS, ("press", "Kecamatan")),
        "Siantar Timur",
        "Aspirasi (Masih berjalan · Siantar Timur): 1, halaman 1 dari 1.",
    ),
    ("review", "detail"): Scene(
        ("/aspirasi {code}",),
        "diverifikasi",
        "Tulis catatan untuk warga tentang status Diverifikasi",
    ),
    ("review", "note"): Scene(
        TO_NOTE, NOTE, "Ubah status {code} dari Diterima menjadi Diverifikasi?"
    ),
    ("review", "confirm"): Scene((*TO_NOTE, NOTE), "Simpan", TOLD),
    ("review", "original"): Scene(
        ("/aspirasi {code}", ("press", "Ubah ke: Duplikat")), "Kembali", "Aspirasi {code} — "
    ),
    ("export", "kind"): Scene(("/ekspor",), "Aspirasi", "Dalam format apa?"),
    ("export", "format"): Scene(("/ekspor", ("press", "Aspirasi")), "CSV", "Untuk periode kapan?"),
    ("export", "period"): Scene(TO_PERIOD, "Semua waktu", "Ekspor Aspirasi siap: 1 baris."),
    ("stats", "period"): Scene(
        ("/statistik",), "Semua waktu", "Statistik aspirasi, Semua waktu: 1 aspirasi"
    ),
    ("roles", "action"): Scene(("/peran",), "Lihat daftar peran", "Daftar peran:"),
    ("roles", "grant_identity"): Scene(
        ("/peran", ("press", "Beri peran")), "telegram:555", "Peran apa untuk telegram:555?"
    ),
    ("roles", "grant_role"): Scene(
        ("/peran", ("press", "Beri peran"), "telegram:555"),
        "Admin",
        "Peran Admin diberikan kepada telegram:555.",
    ),
    ("roles", "revoke"): Scene(
        ("/peran", ("press", "Cabut peran")),
        "telegram:777 · Petugas",
        "Peran Petugas dicabut dari telegram:777.",
    ),
    ("announce", "text"): Scene(("/umumkan",), ANNOUNCEMENT, "Ingin melampirkan foto?"),
    ("announce", "photo"): Scene(
        ("/umumkan", ANNOUNCEMENT), "Tanpa foto", "Pengumuman ini untuk siapa?"
    ),
    ("announce", "segment"): Scene(TO_SEGMENT, "Semua warga", "Kapan pengumuman ini dikirim?"),
    ("announce", "area"): Scene(
        (*TO_SEGMENT, ("press", "Warga satu kecamatan")), "Siantar Barat", "Kapan pengumuman"
    ),
    ("announce", "kelurahan"): Scene(
        (*TO_SEGMENT, ("press", "Warga satu kelurahan"), ("press", "Siantar Barat")),
        "Bantan",
        "Kapan pengumuman ini dikirim?",
    ),
    ("announce", "training"): Scene(
        (*TO_SEGMENT, ("press", "Peserta pelatihan")), "kembali", "Pengumuman ini untuk siapa?"
    ),
    ("announce", "forum"): Scene(
        (*TO_SEGMENT, ("press", "Pengikut forum")), "kembali", "Pengumuman ini untuk siapa?"
    ),
    ("announce", "when"): Scene(
        (*TO_SEGMENT, ("press", "Semua warga")),
        "12-12-2026 09.00",
        "Waktu kirim: Sabtu, 12 Desember 2026 pukul 09.00 WIB",
    ),
    ("announce", "preview"): Scene(TO_PREVIEW, "Kirim", "Pengumuman #1 dijadwalkan pada"),
    ("announce", "edit"): Scene(
        (*TO_PREVIEW, ("press", "Ubah")), "Teks", "Tulis teks pengumuman yang baru"
    ),
    ("announce_status", "pick"): Scene(
        (*ANNOUNCED, "/status_umum"), "#1", "Pengumuman #1 · Terjadwal"
    ),
    ("announce_status", "card"): Scene(
        (*ANNOUNCED, "/status_umum 1"),
        "Batalkan pengumuman",
        "Belum ada warga yang menerimanya",
    ),
    ("announce_status", "cancel"): Scene(
        (*ANNOUNCED, "/status_umum 1", ("press", "Batalkan pengumuman")),
        "Ya, batalkan",
        "Pengumuman #1 dibatalkan.",
    ),
    ("forum_new", "title"): Scene(("/forum_baru",), FORUM_TITLE, "Jenis forumnya apa?"),
    ("forum_new", "type"): Scene(TO_FORUM_AREA[:2], "Musrenbang Kelurahan", "Kapan forum"),
    ("forum_new", "starts"): Scene(TO_FORUM_AREA[:3], "12-12-2026 09.00", "Di mana tempatnya?"),
    ("forum_new", "place"): Scene(TO_FORUM_AREA[:4], "Aula Kantor Lurah", "Apa agendanya?"),
    ("forum_new", "agenda"): Scene(TO_FORUM_AREA[:5], FORUM_AGENDA, "untuk warga mana?"),
    ("forum_new", "area"): Scene(TO_FORUM_AREA, "Seluruh kota", "Periksa lagi forumnya."),
    ("forum_new", "area_kelurahan"): Scene(
        (*TO_FORUM_AREA, ("press", "Siantar Barat")), "Bantan", "Periksa lagi forumnya."
    ),
    ("forum_new", "preview"): Scene(FORUM_SAVED[:-1], "Simpan", "Forum #2 tersimpan"),
    ("forum_new", "edit"): Scene(
        (*FORUM_SAVED[:-1], ("press", "Ubah")), "Judul", "Apa judul forumnya?"
    ),
    ("forum_manage", "pick"): Scene(("/kelola_forum",), "1", "Forum ini sudah berlangsung."),
    ("forum_manage", "forum"): Scene(TO_RESULT[:2], "Kirim hasil forum", "Tulis hasil forum"),
    ("forum_manage", "summary_text"): Scene(TO_RESULT, FORUM_RESULT, "akan diterima warga"),
    ("forum_manage", "summary_confirm"): Scene(
        (*TO_RESULT, FORUM_RESULT), "Kirim", "tersimpan dan dikirim ke 0 warga."
    ),
    ("forum_manage", "move_when"): Scene(TO_MOVE, "19-12-2026 09.00", "Tempat sekarang:"),
    ("forum_manage", "move_place"): Scene(
        (*TO_MOVE, "19-12-2026 09.00"), "Tempat tetap", f'Pindahkan "{FORUM_TITLE}"?'
    ),
    ("forum_manage", "move_confirm"): Scene(
        (*TO_MOVE, "19-12-2026 09.00", ("press", "Tempat tetap")),
        "Simpan dan kabari",
        "sudah diubah. Kabarnya dikirim ke 0 warga.",
    ),
    ("forum_manage", "cancel_confirm"): Scene(
        (*FORUM_SAVED, "/kelola_forum", "2", ("press", "Batalkan forum")),
        "Ya, batalkan forum",
        "dibatalkan. Kabarnya dikirim ke 0 warga.",
    ),
}
NEW = ("/pelatihan_baru",)
NEW_ANSWERS = (  # (step, answer there, the next question)
    ("title", "Pemasaran Online untuk UMKM", "Tuliskan penjelasan singkat"),
    ("description", "Belajar menjual produk lewat WhatsApp.", "termasuk kategori apa?"),
    ("category", "Pemasaran online", "Kapan pelatihan dimulai?"),
    ("starts", "12-12-2026 09.00", "Sampai jam berapa?"),
    ("ends", "12.00", "Di mana tempatnya?"),
    ("place", "Aula Kantor Wali Kota", "Ada tautan peta lokasinya"),
    ("map", "Lewati", "Berapa kursi yang tersedia?"),
    ("quota", "25", "Pelatihan ini untuk warga mana?"),
    ("area", "Siantar Barat", "Untuk seluruh Kecamatan Siantar Barat"),
    ("area_kelurahan", "Seluruh Kecamatan Siantar Barat", "Sampai kapan warga bisa mendaftar?"),
    ("closes", "Sampai pelatihan dimulai", "Ada persyaratan untuk peserta?"),
    ("requirements", "Lewati", "Siapa penyelenggaranya?"),
    ("organiser", "Dinas Koperasi dan UMKM", "Pratinjau — beginilah warga akan melihat"),
    ("preview", "Simpan sebagai draf", "disimpan sebagai draf"),
)
for number, (step_, answer_, done_) in enumerate(NEW_ANSWERS):
    path_ = (*NEW, *(answer for _, answer, _ in NEW_ANSWERS[:number]))
    SCENES[("training_new", step_)] = Scene(path_, answer_, done_)
SCENES[("training_new", "edit")] = Scene(
    (*NEW, *(answer for _, answer, _ in NEW_ANSWERS[:-1]), "Ubah"),
    "Kuota",
    "Berapa kursi yang tersedia?",
)
TRAINING = "Pemasaran Online untuk UMKM"  # on the desk, with Budi Siregar seated
SCENES[("attendance", "program")] = Scene(
    ("/kehadiran",), f"{TRAINING} · 12-12-2026", "0 dari 1 hadir"
)
SCENES[("attendance", "marks")] = Scene(
    ("/kehadiran", ("press", TRAINING)), "Budi Siregar", "Budi Siregar ditandai hadir."
)
ROLE_OF_FLOW = {flow.name: flow.role for flow in FLOWS if flow.role}
PRIVILEGED_STEPS = [(flow.name, step) for flow in FLOWS if flow.role for step in flow.steps]


def intruders(role: str) -> list[str]:
    """Who lacks ``role``: a plain resident, a facilitator, and staff for admin things
    (for facilitator things: a resident and staff)."""
    if role == "facilitator":
        return ["resident", "staff"]
    return ["resident", "facilitator", *(["staff"] if role == "admin" else [])]


def holder_of(role: str) -> str:
    return {"admin": ADMIN, "facilitator": FACILITATOR}.get(role, STAFF)


def on_the_desk(engine: Engine) -> str:
    """One open aspiration from a consenting, named resident, one role grant, and
    a forum held yesterday that awaits its result, and a training (12 Dec 2026,
    09.00 WIB) the same resident holds a seat in."""
    warga = seat(engine, WARGA, name="Budi Siregar")
    give(engine, "telegram:777", "staff")
    with transaction(engine.db) as session:
        held = NewForum(title="Forum Warga Bantan", starts_at=NOW - timedelta(days=1))
        create_forum(session=session, new=held, actor=FACILITATOR, now=NOW - timedelta(days=3))
        start = NOW + timedelta(days=14)
        program = create_program(
            session=session,
            new=NewProgram(TRAINING, start, start + timedelta(hours=3), 20, status="open"),
            actor=FACILITATOR,
            now=NOW,
        )
        assert program.id is not None
        details = RegistrationDetails("Budi Siregar", "+6281234567890", TOMUAN, None)
        register(
            session=session, program_id=program.id, resident_id=warga, details=details, now=NOW
        )
    return seed(engine, resident_id=warga)


def fill(step: Step, code: str) -> Step:
    if isinstance(step, str):
        return step.format(code=code)
    kind, *args = step
    return (kind, *(a.format(code=code) if isinstance(a, str) else a for a in args))


def reach(chat: Chat, flow: str, step: str, code: str) -> None:
    for move_ in SCENES[(flow, step)].path:
        act(chat, fill(move_, code))
        assert DENIED not in chat.said, chat.said
    assert state(chat)[:2] == (flow, step), chat.said


def test_every_privileged_step_has_a_scene() -> None:
    assert set(SCENES) == set(PRIVILEGED_STEPS)
    assert set(ROLE_OF_FLOW) == {
        "review",
        "export",
        "stats",
        "roles",
        "announce",
        "announce_status",
        "forum_new",
        "forum_manage",
        "training_new",
        "attendance",
    }


@pytest.mark.parametrize(
    ("flow", "step", "who"),
    [
        pytest.param(flow, step, who, id=f"{flow}.{step}-{who}")
        for flow, step in PRIVILEGED_STEPS
        for who in intruders(ROLE_OF_FLOW[flow])  # type: ignore[arg-type]
    ],
)
def test_a_privileged_step_refuses_an_answer_without_the_role(
    desk: Engine,
    media: MediaStore,
    caplog: pytest.LogCaptureFixture,
    flow: str,
    step: str,
    who: str,
) -> None:
    """The conversation row is written to stand at the step (as a stale or forged
    state would); the answer that works for the role holder does nothing here."""
    code = on_the_desk(desk)
    role = ROLE_OF_FLOW[flow]
    assert role is not None
    holder = person(desk, holder_of(role), name="Rina Petugas")
    reach(holder, flow, step, code)
    intruder = person(desk, INTRUDERS[who], name="Tono Sinaga")
    force(intruder, *state(holder))
    scene = SCENES[(flow, step)]
    before = world(desk, media)
    caplog.clear()
    caplog.set_level(logging.INFO, logger="handlers.access")
    intruder.send(scene.answer.format(code=code))
    assert_refused(intruder, caplog, role)
    assert scene.done.format(code=code) not in intruder.said
    assert world(desk, media) == before
    # the same answer at the same step does its work for the role holder
    holder.send(scene.answer.format(code=code))
    assert scene.done.format(code=code) in holder.said
    assert DENIED not in holder.said


@pytest.mark.parametrize(
    ("flow", "step"), [pytest.param(f, s, id=f"{f}.{s}") for f, s in PRIVILEGED_STEPS]
)
def test_a_grant_revoked_mid_flow_stops_at_the_next_message(
    desk: Engine,
    media: MediaStore,
    caplog: pytest.LogCaptureFixture,
    flow: str,
    step: str,
) -> None:
    code = on_the_desk(desk)
    role = ROLE_OF_FLOW[flow]
    assert role is not None
    chat = person(desk, GRANTED, name="Sari Damanik")
    give(desk, GRANTED, role)
    reach(chat, flow, step, code)
    take(desk, GRANTED, role)
    scene = SCENES[(flow, step)]
    before = world(desk, media)
    caplog.clear()
    caplog.set_level(logging.INFO, logger="handlers.access")
    chat.send(scene.answer.format(code=code))
    assert_refused(chat, caplog, role)
    assert scene.done.format(code=code) not in chat.said
    assert world(desk, media) == before


# What brings a step back on screen without answering it: a global command, or a
# detour (language, rating, a reminder's RSVP) that ends by asking it again.
REDRAWS = ("/bantuan", "/berhenti", "/langganan", "/status", "/bahasa", "rating", "rsvp")


def redraw(chat: Chat, how: str) -> None:
    """Make ``chat``'s current step be drawn again, the way ``how`` does it."""
    identity = f"{chat.channel}:{chat.user_id}"
    with Session(chat.engine.db) as session:
        resident = session.exec(select(Resident).where(Resident.identity == identity)).one()
    if how == "/status":
        chat.send(f"/status {seed(chat.engine, resident_id=resident.id)}")
    elif how == "/bahasa":
        chat.send("/bahasa")
        assert "Pilih bahasa" in chat.said, chat.said
        chat.press("Bahasa Indonesia")
    elif how == "rating":
        finished = seed(chat.engine, resident_id=resident.id, status="selesai")
        chat._send(choice=Choice(ACTION_PROMPT, f"!rate:{finished}:5"))
        assert "komentar" in chat.said.casefold(), chat.said
        chat.press("Lewati")
    elif how == "rsvp":
        with transaction(chat.engine.db) as session:
            ahead = NewForum(title="Forum Warga Tomuan", starts_at=NOW + timedelta(days=5))
            forum = create_forum(session=session, new=ahead, actor=FACILITATOR, now=NOW)
            forum_id = forum.id
        chat._send(choice=Choice(ACTION_PROMPT, f"!rsvp:{forum_id}:hadir"))
        assert "Forum Warga Tomuan" in chat.said, chat.said
    else:
        chat.send(how)


@pytest.mark.parametrize("how", REDRAWS)
@pytest.mark.parametrize(
    ("flow", "step"), [pytest.param(f, s, id=f"{f}.{s}") for f, s in PRIVILEGED_STEPS]
)
def test_a_revoked_role_never_sees_its_step_drawn_again(
    desk: Engine, media: MediaStore, flow: str, step: str, how: str
) -> None:
    """Each privileged screen checks the role when it is drawn, not only when it is
    answered: after a revoke, whatever redraws it shows the menu instead."""
    code = on_the_desk(desk)
    role = ROLE_OF_FLOW[flow]
    assert role is not None
    chat = person(desk, GRANTED, name="Sari Damanik")
    give(desk, GRANTED, role)
    reach(chat, flow, step, code)
    screen = chat.last.text
    take(desk, GRANTED, role)
    seed(desk)  # another resident's aspiration arrives meanwhile
    before = world(desk, media)
    with Session(desk.db) as session:
        others = [a.code for a in session.exec(select(Aspiration)).all()]
    redraw(chat, how)
    assert screen not in chat.said, chat.said
    assert chat.last.text.endswith(MENU_QUESTION), chat.said
    assert state(chat)[:2] == ("menu", "main")
    assert "Budi Siregar" not in chat.said
    assert DENIED not in chat.said
    assert not any(other in chat.said for other in others)  # not even the new one
    after = world(desk, media)
    assert after[3:] == before[3:]  # no grant, file, program or mark changed


@pytest.mark.parametrize("how", REDRAWS)
def test_a_role_holder_sees_the_step_again_after_each_redraw(desk: Engine, how: str) -> None:
    """The same redraws bring the privileged screen back to someone who holds the role."""
    code = on_the_desk(desk)
    chat = person(desk, GRANTED, name="Sari Damanik")
    give(desk, GRANTED, "staff")
    open_detail(chat, code)
    redraw(chat, how)
    assert f"Aspirasi {code} — " in chat.last.text, chat.said


COMMANDS = {
    "/aspirasi": "Aspirasi (Masih berjalan): 1, halaman 1 dari 1.",
    "/aspirasi {code}": "Aspirasi {code} — Diterima",
    "/ekspor": "Data apa yang ingin diunduh?",
    "/statistik": "Statistik untuk periode kapan?",
    "/peran": "Kelola peran: apa yang ingin Anda lakukan?",
    "/umumkan": "Tulis teks pengumumannya",
    "/status_umum": "Anda belum membuat pengumuman",
    "/forum_baru": "Apa judul forumnya?",
    "/kelola_forum": "Pilih forum yang ingin dikelola",
    "/pelatihan_baru": "Apa judul pelatihannya?",
    "/kehadiran": "Pilih pelatihan yang ingin dicatat kehadirannya",
}


def command_role(command: str) -> str:
    return ROLE_FOR[command.split()[0].removeprefix("/")]


def test_every_privileged_command_is_covered() -> None:
    assert {c.split()[0].removeprefix("/") for c in COMMANDS} == set(ROLE_FOR)


@pytest.mark.parametrize(
    ("command", "who"),
    [
        pytest.param(command, who, id=f"{command.split()[0]}{'-code' * (' ' in command)}-{who}")
        for command in COMMANDS
        for who in intruders(command_role(command))
    ],
)
def test_a_privileged_command_is_refused_without_the_role(
    desk: Engine,
    media: MediaStore,
    caplog: pytest.LogCaptureFixture,
    command: str,
    who: str,
) -> None:
    code = on_the_desk(desk)
    intruder = person(desk, INTRUDERS[who], name="Tono Sinaga")
    before = world(desk, media)
    caplog.clear()
    caplog.set_level(logging.INFO, logger="handlers.access")
    intruder.send(command.format(code=code))
    assert_refused(intruder, caplog, command_role(command))
    assert COMMANDS[command].format(code=code) not in intruder.said
    assert code not in intruder.said
    assert world(desk, media) == before
    holder = person(desk, holder_of(command_role(command)), name="Rina Petugas")
    holder.send(command.format(code=code))
    assert COMMANDS[command].format(code=code) in holder.said
    assert DENIED not in holder.said


@pytest.mark.parametrize("source", ["config", "grant"])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_do_what_by_role_from_either_source(
    engine: Engine, media: MediaStore, source: str, role: str
) -> None:
    """Staff may do staff things, admin everything, a facilitator neither."""
    identity = "console:4001"
    config = {identity: frozenset({role})} if source == "config" else {}
    desk = Engine(engine.db, replace(engine.settings, config_roles=config, files=media), FLOWS)
    code = on_the_desk(desk)
    if source == "grant":
        give(desk, identity, role)
    chat = person(desk, identity, name="Lina")
    for command, expected in COMMANDS.items():
        chat.send("/menu")
        chat.send(command.format(code=code))
        may = role == "admin" or role == command_role(command)
        assert (expected.format(code=code) in chat.said) is may, (command, chat.said)
        assert (DENIED in chat.said) is not may, (command, chat.said)


def test_a_revoked_grant_stops_working_at_the_next_message(desk: Engine) -> None:
    code = on_the_desk(desk)
    chat = person(desk, GRANTED, name="Sari Damanik")
    chat.send("/aspirasi")
    assert DENIED in chat.said
    give(desk, GRANTED, "staff")
    chat.send("/aspirasi")
    assert code in chat.said and DENIED not in chat.said
    take(desk, GRANTED, "staff")
    chat.press("Saring")  # the list's own button, one message later
    assert DENIED in chat.said and chat.last.text.endswith(MENU_QUESTION)
    chat.send("/aspirasi")
    assert DENIED in chat.said and code not in chat.said


def test_a_refused_command_mid_flow_keeps_the_residents_answers(desk: Engine) -> None:
    chat = person(desk, RESIDENT, name="Tono Sinaga")
    play(chat, JOURNEY[:4])
    before = state(chat)
    chat.send("/ekspor")
    assert DENIED in chat.said
    assert "Tuliskan aspirasi" in chat.last.text
    assert state(chat) == before


def test_help_lists_staff_commands_to_staff_only(desk: Engine) -> None:
    resident = person(desk, RESIDENT, name="Tono Sinaga")
    resident.send("/bantuan")
    assert "Untuk petugas:" not in resident.said and "/aspirasi" not in resident.said
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/bantuan")
    assert "Untuk petugas:" in staff.said and "/ekspor" in staff.said


def test_resume_does_not_show_a_privileged_step_after_the_role_is_gone(desk: Engine) -> None:
    code = on_the_desk(desk)
    chat = person(desk, GRANTED, name="Sari Damanik")
    give(desk, GRANTED, "staff")
    open_detail(chat, code)
    assert "Pengirim: Budi Siregar" in chat.said
    take(desk, GRANTED, "staff")
    replies = desk.resume(chat.channel, chat.user_id, chat.clock.now)
    shown = "\n".join(r.text for r in replies)
    assert "Budi Siregar" not in shown and code not in shown


# --- 2. transitions --------------------------------------------------------------


@pytest.mark.parametrize(("current", "wanted"), LEGAL)
def test_every_legal_transition_through_the_chat(desk: Engine, current: str, wanted: str) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status=current)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.clock.advance(hours=2)
    open_detail(staff, code)
    assert f"Aspirasi {code} — {LABEL[current]}" in staff.said
    assert staff.labels == [f"Ubah ke: {LABEL[s]}" for s in NEXT_STATUSES[current]] + [
        "« Kembali ke daftar"
    ]
    staff.press(f"Ubah ke: {LABEL[wanted]}")
    note = REASON if wanted == "ditolak" else NOTE
    if wanted in NEEDS_ORIGINAL:
        assert "Aspirasi ini duplikat dari aspirasi mana?" in staff.said
        staff.send(seed(desk))
    if wanted in NEEDS_REASON:
        assert "Tuliskan alasan penolakan" in staff.said
        assert "Tanpa catatan" not in staff.labels
    else:
        assert f"Tulis catatan untuk warga tentang status {LABEL[wanted]}" in staff.said
        assert "Tanpa catatan" in staff.labels
    staff.send(note)
    assert (
        f"Ubah status {code} dari {LABEL[current]} menjadi {LABEL[wanted]}?\n"
        f"Catatan untuk warga: {note}"
    ) in staff.said
    staff.press("Simpan")
    assert TOLD in staff.said
    assert f"Aspirasi {code} — {LABEL[wanted]}" in staff.said  # back at the detail
    assert state(staff)[:2] == ("review", "detail")
    assert staff.labels == [f"Ubah ke: {LABEL[s]}" for s in NEXT_STATUSES[wanted]] + [
        "« Kembali ke daftar"
    ]
    after = stored(desk, code)
    assert after.status == wanted and after.updated_at == staff.clock.now
    assert history(desk, code)[-1] == (wanted, staff.clock.now, STAFF, note)
    assert len(history(desk, code)) == len(ROUTE[current]) + 2  # diterima, route, this


def test_a_change_without_a_note_stores_none(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "diverifikasi")
    assert TOLD in staff.said
    assert history(desk, code)[-1] == ("diverifikasi", NOW, STAFF, None)
    [message] = outbox(desk)
    assert "Catatan petugas" not in message.payload["text"]


@pytest.mark.parametrize(("current", "wanted"), LEGAL)
def test_every_legal_transition_through_change_status(
    engine: Engine, current: str, wanted: str
) -> None:
    code = seed(engine, status=current)
    original = seed(engine) if wanted in NEEDS_ORIGINAL else None
    later = NOW + timedelta(hours=3)
    with transaction(engine.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None
        change = change_status(
            session=session,
            aspiration=aspiration,
            status=wanted,
            actor="telegram:42",
            note=f"  {REASON}  ",
            now=later,
            original=original,
        )
        assert (change.status, change.at, change.actor, change.note) == (
            wanted,
            later,
            "telegram:42",
            REASON,
        )
    assert stored(engine, code).status == wanted
    assert stored(engine, code).updated_at == later
    assert history(engine, code)[-1] == (wanted, later, "telegram:42", REASON)


@pytest.mark.parametrize(
    ("current", "wanted"), [*ILLEGAL, ("diterima", "dibatalkan"), ("diproses", "")]
)
def test_every_illegal_transition_raises_with_the_allowed_list(
    engine: Engine, current: str, wanted: str
) -> None:
    code = seed(engine, status=current)
    before = history(engine, code)
    with transaction(engine.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None
        with pytest.raises(IllegalTransition) as refused:
            change_status(
                session=session,
                aspiration=aspiration,
                status=wanted,
                actor=STAFF,
                note=REASON,  # a reason does not make it legal
                now=NOW + timedelta(hours=1),
            )
        assert refused.value.allowed == NEXT_STATUSES[current]
        assert (refused.value.current, refused.value.wanted) == (current, wanted)
        assert aspiration.status == current
        assert not session.new
    assert stored(engine, code).status == current
    assert history(engine, code) == before


@pytest.mark.parametrize(("current", "typed"), ILLEGAL)
def test_an_illegal_status_typed_at_the_detail_is_refused_with_the_allowed_list(
    desk: Engine, current: str, typed: str
) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status=current)
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    before = history(desk, code)
    staff.send(typed)
    expected = (
        f"Dari status {LABEL[current]}, aspirasi hanya bisa diubah ke: {allowed_text(current)}."
    )
    assert expected in staff.said
    assert state(staff)[:2] == ("review", "detail")
    assert stored(desk, code).status == current
    assert history(desk, code) == before
    assert outbox(desk) == []


def test_selesai_typed_when_diterima_names_the_two_choices(desk: Engine) -> None:
    code = seed(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    staff.send("selesai")
    assert "hanya bisa diubah ke: Diverifikasi, Ditolak" in staff.said


def test_rejecting_without_a_reason_is_impossible_in_the_chat(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    staff.press("Ubah ke: Ditolak")
    assert "Tuliskan alasan penolakan" in staff.said
    assert "Tanpa catatan" not in staff.labels
    question = staff.question
    assert question.prompt_id is not None
    staff._send(choice=Choice(question.prompt_id, "none"))  # a forged "no note" button
    assert "tombol ini sudah tidak berlaku" in staff.said
    staff.send("   ")
    assert "Tuliskan alasan penolakan" in staff.said
    assert state(staff)[:2] == ("review", "note")
    assert stored(desk, code).status == "diterima" and outbox(desk) == []


@pytest.mark.parametrize("note", [None, "", "   "])
def test_change_status_requires_a_reason_to_reject(engine: Engine, note: str | None) -> None:
    code = seed(engine)
    with transaction(engine.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None
        with pytest.raises(ReasonRequired):
            change_status(
                session=session,
                aspiration=aspiration,
                status="ditolak",
                actor=STAFF,
                note=note,
                now=NOW,
            )
        assert aspiration.status == "diterima" and not session.new
    assert stored(engine, code).status == "diterima"
    assert [h[0] for h in history(engine, code)] == ["diterima"]


@pytest.mark.parametrize(
    ("other", "other_note", "mine", "current_after"),
    [
        ("diverifikasi", None, "diverifikasi", "diverifikasi"),  # both verify
        ("ditolak", REASON, "diverifikasi", "ditolak"),  # it was rejected meanwhile
    ],
)
def test_a_change_made_meanwhile_by_other_staff_is_refused_with_the_allowed_list(
    desk: Engine, other: str, other_note: str | None, mine: str, current_after: str
) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    rina = person(desk, STAFF, name="Rina Petugas")
    open_detail(rina, code)
    rina.press(f"Ubah ke: {LABEL[mine]}")
    rina.send(NOTE)
    assert "Ubah status" in rina.said
    colleague = person(desk, ADMIN, name="Joko Admin")
    move(colleague, code, other, other_note)
    assert TOLD in colleague.said
    rina.press("Simpan")
    expected = (
        f"Dari status {LABEL[current_after]}, aspirasi hanya bisa diubah ke: "
        f"{allowed_text(current_after)}."
    )
    assert expected in rina.said
    assert TOLD not in rina.said
    assert state(rina)[:2] == ("review", "detail")
    assert stored(desk, code).status == current_after
    assert [h[2] for h in history(desk, code)[1:]] == [ADMIN]  # only the colleague's change
    assert len(outbox(desk)) == 1


def test_a_rejection_confirmed_on_a_stale_view_is_refused(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    rina = person(desk, STAFF, name="Rina Petugas")
    open_detail(rina, code)
    rina.press("Ubah ke: Ditolak")
    rina.send(REASON)
    assert "dari Diterima menjadi Ditolak?" in rina.said
    colleague = person(desk, ADMIN, name="Joko Admin")
    move(colleague, code, "diverifikasi", NOTE)
    rina.press("Simpan")
    assert TOLD not in rina.said
    assert "hanya bisa diubah ke" in rina.said
    assert stored(desk, code).status == "diverifikasi"


def test_a_change_committed_during_the_save_is_not_overwritten(
    desk: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    rina = person(desk, STAFF, name="Rina Petugas")
    open_detail(rina, code)
    rina.press("Ubah ke: Diverifikasi")
    rina.send(NOTE)
    real = handlers.review.change_status

    def racing(**kwargs: Any) -> AspirationStatusChange:
        with transaction(desk.db) as other:  # another officer's save lands first
            aspiration = find_aspiration(session=other, code=code)
            assert aspiration is not None
            real(
                session=other,
                aspiration=aspiration,
                status="ditolak",
                actor=ADMIN,
                note=REASON,
                now=NOW,
            )
        monkeypatch.setattr(handlers.review, "change_status", real)
        return real(**kwargs)

    monkeypatch.setattr(handlers.review, "change_status", racing)
    rina.press("Simpan")
    assert stored(desk, code).status == "ditolak"
    assert [h[0] for h in history(desk, code)] == ["diterima", "ditolak"]
    assert "Dari status Ditolak" in rina.said


# --- 3. the notification, in the same transaction --------------------------------


def test_a_status_change_writes_one_notification_to_the_resident(desk: Engine) -> None:
    warga = seat(desk, "telegram:555000", name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "diverifikasi", NOTE)
    assert TOLD in staff.said
    [message] = outbox(desk)
    assert (message.kind, message.channel, message.recipient) == ("status", "telegram", "555000")
    assert message.status == "pending" and message.due_at == NOW
    assert message.claimed_until is None  # for the dispatcher, not the handler
    assert message.priority > 0  # behind direct replies
    reply = Reply.from_payload(message.payload)
    assert reply.text == (
        f"Kabar aspirasi {code}: statusnya sekarang Diverifikasi.\n\nCatatan petugas: {NOTE}"
    )
    assert reply.options == () and reply.prompt_id is None
    assert outbox(desk, "reply") == []  # handle() does not record replies


def test_the_notification_is_in_the_residents_language(desk: Engine) -> None:
    warga = seat(desk, "console:2002", name="John Smith", language="en")
    code = seed(desk, resident_id=warga, language="en")
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "diverifikasi", NOTE)
    assert TOLD in staff.said  # staff read Indonesian
    [message] = outbox(desk)
    assert message.recipient == "2002"
    text = message.payload["text"]
    assert text.startswith(f"News about aspiration {code}: its status is now ")
    assert ENGLISH_LABEL["diverifikasi"] in text and NOTE in text
    assert "Kabar aspirasi" not in text and "statusnya" not in text


def test_selesai_brings_the_rating_stars(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status="diproses")
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "selesai", NOTE)
    [message] = outbox(desk)
    reply = Reply.from_payload(message.payload)
    assert f"Kabar aspirasi {code}: statusnya sekarang Selesai." in reply.text
    assert f"Beri nilai 1 sampai 5 bintang, atau ketik /nilai {code} 5." in reply.text
    assert reply.prompt_id == ACTION_PROMPT == 0
    assert [o.value for o in reply.options] == [f"!rate:{code}:{n}" for n in range(1, 6)]
    assert [o.label for o in reply.options] == ["⭐" * n for n in range(1, 6)]


def test_the_english_selesai_notification_has_english_stars_text(desk: Engine) -> None:
    warga = seat(desk, "console:2002", name="John Smith", language="en")
    code = seed(desk, resident_id=warga, status="diproses", language="en")
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "selesai")
    [message] = outbox(desk)
    assert "Give it 1 to 5 stars" in message.payload["text"]
    assert len(message.payload["options"]) == 5


def test_an_unlinked_sender_gets_no_notification_and_staff_are_told(desk: Engine) -> None:
    code = seed(desk, resident_id=None)  # sent without consent: not linked to anyone
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "diverifikasi", NOTE)
    assert "tidak ada yang dikabari" in staff.said
    assert UNTOLD in staff.said
    assert stored(desk, code).status == "diverifikasi"
    assert outbox(desk) == []


def test_a_resident_without_consent_who_sends_through_the_chat_is_not_notified(
    desk: Engine,
) -> None:
    warga = person(desk, "console:2003", consent=False)
    play(warga, JOURNEY[:5] + [(("press", "Lewati"), "Periksa lagi aspirasi Anda")])
    warga.press("Kirim")
    found = CODE.search(warga.said)
    assert found, warga.said
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, found.group(), "diverifikasi")
    assert UNTOLD in staff.said and outbox(desk) == []


def test_an_anonymous_sender_who_consented_is_still_notified(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, anonymous=True)
    staff = person(desk, STAFF, name="Rina Petugas")
    move(staff, code, "diverifikasi")
    assert TOLD in staff.said
    [message] = outbox(desk)
    assert message.recipient == "2001"


def _at_confirm(desk: Engine, code: str) -> Chat:
    staff = person(desk, STAFF, name="Rina Petugas")
    open_detail(staff, code)
    staff.press("Ubah ke: Diverifikasi")
    staff.send(NOTE)
    assert "Ubah status" in staff.said
    return staff


def test_a_failure_after_the_notification_rolls_back_both(
    desk: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = _at_confirm(desk, code)
    before = state(staff)
    real = handlers.review.notify_status_change
    calls: list[bool] = []

    def notify_then_fail(*args: Any, **kwargs: Any) -> bool:
        calls.append(real(*args, **kwargs))
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(handlers.review, "notify_status_change", notify_then_fail)
    with pytest.raises(RuntimeError, match="disk is full"):
        staff.press("Simpan")
    assert calls == [True]  # the row was written, then the transaction failed
    assert stored(desk, code).status == "diterima"
    assert [h[0] for h in history(desk, code)] == ["diterima"]
    assert outbox(desk) == []
    assert state(staff) == before  # still at the confirmation, nothing lost
    monkeypatch.setattr(handlers.review, "notify_status_change", real)
    staff.press("Simpan")  # the same button again, once the fault is gone
    assert TOLD in staff.said
    assert stored(desk, code).status == "diverifikasi" and len(outbox(desk)) == 1


def test_a_failure_saving_the_conversation_rolls_back_the_change_and_the_notification(
    desk: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = _at_confirm(desk, code)
    real = handlers.engine.save_conversation
    failures = [OSError("connection reset")]

    def save_or_fail(**kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        real(**kwargs)

    monkeypatch.setattr(handlers.engine, "save_conversation", save_or_fail)
    with pytest.raises(OSError, match="connection reset"):
        staff.press("Simpan")
    assert stored(desk, code).status == "diterima"
    assert [h[0] for h in history(desk, code)] == ["diterima"]
    assert outbox(desk) == []
    staff.press("Simpan")
    assert TOLD in staff.said
    assert [h[0] for h in history(desk, code)] == ["diterima", "diverifikasi"]
    assert len(outbox(desk)) == 1


def test_a_retried_save_changes_and_notifies_once(
    desk: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conversation conflict re-runs the whole inbound: still one change, one row."""
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga)
    staff = _at_confirm(desk, code)
    real = handlers.engine.save_conversation
    conflicts = [ConversationConflict("console")]

    def save_or_conflict(**kwargs: Any) -> None:
        if conflicts:
            raise conflicts.pop()
        real(**kwargs)

    monkeypatch.setattr(handlers.engine, "save_conversation", save_or_conflict)
    staff.press("Simpan")
    assert conflicts == []
    assert TOLD in staff.said
    assert [h[0] for h in history(desk, code)] == ["diterima", "diverifikasi"]
    assert len(outbox(desk)) == 1


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


# --- 5. the review list ----------------------------------------------------------


def codes_in(chat: Chat) -> list[str]:
    return [o.value for o in chat.last.options if CODE.fullmatch(o.value)]


def test_the_list_pages_by_five_oldest_first(desk: Engine) -> None:
    codes = [seed(desk, at=NOW - timedelta(minutes=60 - i)) for i in range(12)]
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    assert "Aspirasi (Masih berjalan): 12, halaman 1 dari 3." in staff.said
    assert codes_in(staff) == codes[:5]
    assert "Berikutnya »" in staff.labels and "« Sebelumnya" not in staff.labels
    staff.press("Berikutnya")
    assert "halaman 2 dari 3" in staff.said and codes_in(staff) == codes[5:10]
    assert {"Berikutnya »", "« Sebelumnya"} <= set(staff.labels)
    staff.send("berikutnya")
    assert "halaman 3 dari 3" in staff.said and codes_in(staff) == codes[10:]
    assert "Berikutnya »" not in staff.labels and "« Sebelumnya" in staff.labels
    staff.press("Sebelumnya")
    assert "halaman 2 dari 3" in staff.said and codes_in(staff) == codes[5:10]
    staff.press(codes[7])
    assert f"Aspirasi {codes[7]} — Diterima" in staff.said
    staff.press("Kembali ke daftar")
    assert "halaman 2 dari 3" in staff.said  # the page is kept


def test_filters_by_status_category_and_kecamatan_and_clearing_them(desk: Engine) -> None:
    a = seed(desk, category="infrastruktur", kelurahan=TOMUAN)
    b = seed(desk, category="kesehatan", kelurahan="12.72.02.1001", status="diproses")
    c = seed(desk, category="kesehatan", kelurahan=TOMUAN, status="diverifikasi")
    d = seed(desk, category="kesehatan", kelurahan=TOMUAN, status="selesai")
    e = seed(desk, category="lingkungan", kelurahan="12.72.02.1002", status="ditolak")
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    assert "Aspirasi (Masih berjalan): 3" in staff.said
    assert set(codes_in(staff)) == {a, b, c}  # closed ones are not "open"
    play(
        staff, [(("press", "Saring"), "Saring menurut apa?"), (("press", "Status"), "Status yang")]
    )
    staff.press("Selesai")
    assert "Aspirasi (Selesai): 1" in staff.said and codes_in(staff) == [d]
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Status"), "Status yang mana")])
    staff.send("ditolak")
    assert codes_in(staff) == [e]
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Status"), "Status yang mana")])
    staff.press("Semua")
    assert set(codes_in(staff)) == {a, b, c}
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Kategori"), "Kategori yang mana")])
    staff.press("Kesehatan")
    assert "Aspirasi (Masih berjalan · Kesehatan): 2" in staff.said
    assert set(codes_in(staff)) == {b, c}
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Kecamatan"), "Kecamatan yang mana")])
    staff.press("Siantar Timur")
    assert "Aspirasi (Masih berjalan · Kesehatan · Siantar Timur): 1" in staff.said
    assert codes_in(staff) == [c]
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Status"), "Status yang mana")])
    staff.press("Selesai")
    assert "(Selesai · Kesehatan · Siantar Timur): 1" in staff.said and codes_in(staff) == [d]
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Hapus saringan"), "halaman 1")])
    assert "Aspirasi (Masih berjalan): 3" in staff.said
    assert set(codes_in(staff)) == {a, b, c}


def test_a_filter_with_nothing_says_so(desk: Engine) -> None:
    seed(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    play(staff, [(("press", "Saring"), "Saring"), (("press", "Kategori"), "Kategori yang mana")])
    staff.press("Pendidikan")
    assert "Tidak ada aspirasi (Masih berjalan · Pendidikan)." in staff.said
    assert codes_in(staff) == []


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "asp {bare}", "{bare}"])
def test_an_aspiration_opens_by_its_typed_code(desk: Engine, typed: str) -> None:
    code = seed(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    staff.send(typed.format(code=code, lower=code.lower(), bare=code[4:].lower()))
    assert f"Aspirasi {code} — Diterima" in staff.said
    assert state(staff)[:2] == ("review", "detail")


def test_an_unknown_code_is_not_found_in_the_list_and_by_command(desk: Engine) -> None:
    seed(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    staff.send("ASP-2222ZZ")
    assert "Aspirasi dengan kode ASP-2222ZZ tidak ditemukan" in staff.said
    assert state(staff)[:2] == ("review", "list")
    staff.send("/aspirasi ASP-3333YY")
    assert "Aspirasi dengan kode ASP-3333YY tidak ditemukan" in staff.said
    assert state(staff)[:2] == ("review", "list")


def test_the_command_with_a_code_opens_the_detail_directly(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, status="diteruskan")
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send(f"/aspirasi {code}")
    said = staff.said
    assert f"Aspirasi {code} — Diteruskan ke instansi terkait" in said
    assert "Kategori: Infrastruktur" in said
    assert "Lokasi: Kelurahan Tomuan, Kecamatan Siantar Timur" in said
    assert "Pengirim: Budi Siregar" in said
    assert ASPIRATION_TEXT in said
    assert "Riwayat:" in said
    assert "Titik peta" not in said and "Foto: ada" not in said
    assert staff.labels == [
        "Ubah ke: Sedang diproses",
        "Ubah ke: Ditolak",
        "Ubah ke: Spam",
        "Ubah ke: Duplikat",
        "« Kembali ke daftar",
    ]


def test_an_anonymous_aspiration_never_shows_the_name(desk: Engine) -> None:
    warga = seat(desk, WARGA, name="Budi Siregar")
    code = seed(desk, resident_id=warga, anonymous=True)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    assert "Budi" not in staff.said
    staff.press(code)
    assert "Pengirim: anonim" in staff.said
    move(staff, code, "diverifikasi", NOTE)
    staff.press("Kembali ke daftar")
    transcript = "\n".join(r.text + " ".join(o.label for o in r.options) for r in staff.transcript)
    assert "Budi" not in transcript and "Siregar" not in transcript


def test_a_photo_comes_as_a_photo_reply_and_a_location_as_a_map_link(desk: Engine) -> None:
    code = seed(desk, photo="2026/11/3f9c0d.jpg", location=(2.9595, 99.0687))
    staff = person(desk, STAFF, name="Rina Petugas")
    replies = staff.send(f"/aspirasi {code}")
    photo, detail = replies
    assert photo.photo == "2026/11/3f9c0d.jpg" and photo.text == f"Foto untuk {code}"
    assert detail.photo is None
    assert "Foto: ada (dikirim di atas)" in detail.text
    assert "Titik peta: https://www.google.com/maps?q=2.959500,99.068700" in detail.text
    staff.send("/aspirasi")
    replies = staff.send(code)
    assert [r.photo for r in replies] == ["2026/11/3f9c0d.jpg", None]


def test_closing_the_last_aspiration_of_a_page_does_not_strand_the_list(desk: Engine) -> None:
    codes = [seed(desk, at=NOW - timedelta(minutes=10 - i)) for i in range(6)]
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/aspirasi")
    staff.press("Berikutnya")
    assert codes_in(staff) == [codes[5]]
    staff.press(codes[5])
    staff.press("Ubah ke: Ditolak")
    staff.send(REASON)
    staff.press("Simpan")
    staff.press("Kembali ke daftar")
    assert "halaman 2 dari 1" not in staff.said
    assert codes_in(staff)


# --- 6. /ekspor, /statistik, /peran --------------------------------------------


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


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("7 hari terakhir", ["today"]),
        ("30 hari terakhir", ["weeks", "today"]),
        ("Bulan ini", ["weeks", "today"]),
        ("Semua waktu", ["months", "weeks", "today"]),
    ],
)
def test_export_sends_a_csv_file_with_the_periods_rows(
    desk: Engine, media: MediaStore, period: str, expected: list[str]
) -> None:
    codes = spread(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    file = export_via_chat(staff, "Aspirasi", "CSV", period)
    assert file.text == f"Ekspor Aspirasi siap: {len(expected)} baris."
    assert file.document is not None and file.document.endswith("/aspirasi-2026-11-28.csv")
    path = media.path_of(file.document)
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    found = [row[header.index("code")] for row in body]
    assert sorted(found) == sorted(codes[k] for k in expected)
    assert staff.last.text.endswith(MENU_QUESTION)
    assert state(staff) == ("menu", "main", {})


def test_export_as_json_and_xlsx(desk: Engine, media: MediaStore) -> None:
    codes = spread(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    file = export_via_chat(staff, "Aspirasi", "JSON", "30 hari terakhir")
    rows = json.loads(media.path_of(file.document or "").read_text("utf-8"))
    assert sorted(r["code"] for r in rows) == sorted([codes["today"], codes["weeks"]])
    file = export_via_chat(staff, "Aspirasi", "Excel", "Semua waktu")
    assert (file.document or "").endswith(".xlsx")
    sheet = load_workbook(media.path_of(file.document or ""))["Aspirasi"]
    assert sheet.max_row == 1 + 3
    assert file.text == "Ekspor Aspirasi siap: 3 baris."


def test_export_without_a_file_store_says_it_cannot(engine: Engine) -> None:
    desk = Engine(engine.db, replace(engine.settings, config_roles=CONFIG_ROLES), FLOWS)
    seed(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/ekspor")
    staff.press("Aspirasi")
    staff.press("CSV")
    staff.press("Semua waktu")
    assert "pengiriman file belum bisa dilakukan" in staff.said
    assert all(r.document is None for r in staff.last_batch)


def test_statistics_give_counts_and_a_png_chart(desk: Engine, media: MediaStore) -> None:
    spread(desk)
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/statistik")
    assert "Statistik untuk periode kapan?" in staff.said
    staff.press("Semua waktu")
    [chart] = [r for r in staff.last_batch if r.photo]
    assert "Statistik aspirasi, Semua waktu: 3 aspirasi" in chart.text
    by_category = "Per kategori:\n• Infrastruktur (jalan, jembatan, drainase): 2\n• Kesehatan: 1"
    assert by_category in chart.text
    assert "Per kecamatan:\n• Siantar Timur: 2\n• Siantar Barat: 1" in chart.text
    assert "Per status:" in chart.text and "• Selesai: 1" in chart.text
    assert media.path_of(chart.photo or "").read_bytes().startswith(PNG)
    assert staff.last.text.endswith(MENU_QUESTION)
    staff.send("/statistik")
    staff.press("7 hari terakhir")
    assert "Statistik aspirasi, 7 hari terakhir: 1 aspirasi" in staff.said


def test_statistics_with_nothing_to_count_send_no_chart(desk: Engine, media: MediaStore) -> None:
    staff = person(desk, STAFF, name="Rina Petugas")
    staff.send("/statistik")
    staff.press("Semua waktu")
    assert "Statistik aspirasi, Semua waktu: 0 aspirasi" in staff.said
    assert all(r.photo is None for r in staff.last_batch)
    assert files(media) == []


def test_admin_grants_lists_and_revokes_a_role_in_chat(desk: Engine) -> None:
    code = seed(desk)
    admin = person(desk, ADMIN, name="Joko Admin")
    admin.send("/peran")
    assert "Kelola peran: apa yang ingin Anda lakukan?" in admin.said
    admin.press("Beri peran")
    assert "Tulis identitas orangnya" in admin.said
    for bad in ("bob", "telegram:abc", "whatsapp:123", "telegram:123 staff", "console:"):
        admin.send(bad)
        assert "Identitas itu tidak sesuai format" in admin.said, bad
        assert state(admin)[:2] == ("roles", "grant_identity")
    admin.send("telegram:123456789")
    assert "Peran apa untuk telegram:123456789?" in admin.said
    assert admin.labels == ["Admin", "Petugas", "Pendamping"]
    admin.press("Petugas")
    assert "Peran Petugas diberikan kepada telegram:123456789." in admin.said
    with Session(desk.db) as session:
        [grant] = session.exec(select(RoleGrant)).all()
    assert (grant.identity, grant.role, grant.granted_by, grant.granted_at) == (
        "telegram:123456789",
        "staff",
        ADMIN,
        NOW,
    )
    play(admin, [(("press", "Beri peran"), "identitas"), ("telegram:123456789", "Peran apa")])
    admin.press("Petugas")
    assert "telegram:123456789 sudah memiliki peran Petugas." in admin.said
    admin.press("Lihat daftar peran")
    assert "Daftar peran:" in admin.said
    assert "• telegram:123456789 — Petugas (console:9002)" in admin.said
    assert "• console:9001 — Petugas (dari file konfigurasi)" in admin.said
    # the new officer may now review
    officer = person(desk, "telegram:123456789", name="Maria")
    officer.send("/aspirasi")
    assert code in officer.said
    admin.press("Cabut peran")
    assert "Peran mana yang dicabut?" in admin.said
    admin.press("telegram:123456789")
    assert "Peran Petugas dicabut dari telegram:123456789." in admin.said
    assert grants(desk) == set()
    officer.send("/aspirasi")
    assert DENIED in officer.said
    admin.press("Cabut peran")
    assert "Belum ada peran yang diberikan lewat chat." in admin.said
    admin.press("Kembali")
    admin.press("Kembali ke menu")
    assert admin.last.text.endswith(MENU_QUESTION)


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
    assert notices_to(desk, "555000") == [
        f"Aspirasi {code} kami tandai sebagai spam, jadi tidak kami tindak lanjuti. "
        "Jika menurut Anda ini keliru, silakan kirim aspirasi baru dengan keterangan yang jelas."
    ]
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
    assert notices_to(desk, "555000") == [
        f"Aspirasi {code} sama dengan aspirasi {original} yang sudah tercatat, jadi kami "
        f"menindaklanjutinya bersama {original}. Kami akan mengabari Anda setiap kali status "
        f"{original} berubah.\n\nCatatan petugas: {NOTE}"
    ]
    assert notices_to(desk, "111000") == []  # the original's resident hears nothing yet
    assert audit_of(desk, code)[-1] == {
        "code": code,
        "from": "diterima",
        "to": "duplik",
        "duplicate_of": original,
    }
    open_detail(staff, original)
    assert f"Laporan yang sama (1): {code}" in staff.said
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
    assert f"Laporan yang sama (2): {second}, {third}" in staff.said


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
    assert by_recipient["111000"].startswith(f"Kabar aspirasi {original}: statusnya sekarang")
    assert by_recipient["555000"] == (
        f"News about aspiration {original}, the same as your aspiration {copy}: "
        "its status is now Verified."
    )
    assert NOTE not in by_recipient["555000"]  # the note was written for Sari
    resident = Chat(desk, user_id="555000", channel="telegram", name="Budi Siregar")
    with transaction(desk.db) as session:
        row = session.exec(select(Resident).where(Resident.id == budi)).one()
        row.language = "id"
    resident.send(f"/status {copy}")
    assert (
        f"Aspirasi ini sama dengan aspirasi {original} dan ditindaklanjuti bersamanya. "
        f"Status {original} sekarang: Diverifikasi."
    ) in resident.said
