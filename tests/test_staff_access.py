"""Who may use the staff tools: every privileged step, command and scene refused
without the role, and a role revoked mid-flow never drawn again.

Every test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on PostgreSQL
(through the ``db`` fixture behind ``engine``). Who is who, seeding and the
shared steps are in ``staff_helpers``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from conftest import NOW
from desk_helpers import OFFICER, disposed_to_pupr, on_the_units_desk
from dialogue import Chat, Step, act, play
from sqlmodel import Session, select
from staff_helpers import (
    ADMIN,
    DENIED,
    FACILITATOR,
    GRANTED,
    INTRUDERS,
    JOURNEY,
    MENU_QUESTION,
    NOTE,
    RESIDENT,
    STAFF,
    TOLD,
    TOMUAN,
    WARGA,
    assert_refused,
    force,
    give,
    open_detail,
    person,
    seat,
    seed,
    state,
    take,
    world,
)

from bot.media import MediaStore
from handlers.core.engine import Engine
from handlers.core.types import ACTION_PROMPT, Choice
from handlers.registry import FLOWS, REGISTRY
from storage.db import transaction
from storage.forums import NewForum, create_forum
from storage.models import ROLES, Aspiration, Resident
from storage.trainings import NewProgram, RegistrationDetails, create_program, register

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
TO_UNIT = (
    *TO_NOTE, ("press", "Tanpa catatan"), ("press", "Simpan"),
    ("press", "Ubah ke: Diteruskan"),
)  # fmt: skip
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
TO_UNIT_CODE = ("/opd", ("press", "Tambah unit"))
TO_UNIT_SHORT = (*TO_UNIT_CODE, "DISPORA", "Dinas Pemuda dan Olahraga")
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
    ("review", "unit"): Scene(TO_UNIT, "PUPR", "Berapa lama target penyelesaiannya?"),
    ("review", "grade"): Scene(
        (*TO_UNIT, "PUPR"), "Ringan", "Tulis catatan untuk warga tentang status Diteruskan"
    ),
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
    ("roles", "grant_unit"): Scene(
        ("/peran", ("press", "Beri peran"), "telegram:555", ("press", "Petugas OPD")),
        "Dinas PUPR (PUPR)",
        "Peran Petugas OPD untuk Dinas PUPR (PUPR) diberikan kepada telegram:555.",
    ),
    ("units", "list"): Scene(("/opd",), "Tambah unit", "Tulis kode unit yang baru"),
    ("units", "unit"): Scene(("/opd PUPR",), "Nonaktifkan", "Nonaktifkan Dinas PUPR (PUPR)?"),
    ("units", "toggle"): Scene(
        ("/opd PUPR", ("press", "Nonaktifkan")), "Ya", "Dinas PUPR (PUPR) sudah dinonaktifkan."
    ),
    ("units", "edit"): Scene(("/opd PUPR", ("press", "Ubah")), "Nama singkat", "nama singkat"),
    ("units", "code"): Scene(TO_UNIT_CODE, "DISPORA", "Tulis nama lengkap unit"),
    ("units", "name"): Scene(
        (*TO_UNIT_CODE, "DISPORA"), "Dinas Pemuda dan Olahraga", "Tulis nama singkat"
    ),
    ("units", "short"): Scene(TO_UNIT_SHORT, "Dispora", "Unit ini jenis apa?"),
    ("units", "kind"): Scene((*TO_UNIT_SHORT, "Dispora"), "Dinas", "Periksa unit baru ini"),
    ("units", "summary"): Scene(
        (*TO_UNIT_SHORT, "Dispora", ("press", "Dinas")),
        "Simpan",
        "Unit Dispora (DISPORA) ditambahkan.",
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
        (*TO_MOVE, "19-12-2026 09.00"), "Tempat tetap", f"Pindahkan “{FORUM_TITLE}”?"
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
# A unit's officer: the only thing on PUPR's desk is put there as they reach it
TO_TASK = ("/tugas", ("press", "ASP-"))
SCENES[("desk", "list")] = Scene(
    ("/tugas",), "Lihat yang sudah selesai", "Tidak ada aspirasi sudah selesai untuk Dinas PUPR."
)
SCENES[("desk", "detail")] = Scene(TO_TASK, "Proses", "Tulis catatan untuk warga")
SCENES[("desk", "note")] = Scene(
    (*TO_TASK, ("press", "Proses")), "Tanpa catatan", "menjadi Sedang diproses?"
)
SCENES[("desk", "confirm")] = Scene(
    (*TO_TASK, ("press", "Proses"), ("press", "Tanpa catatan")),
    "Simpan",
    "Status tersimpan. Pengirimnya tidak tercatat",
)
ROLE_OF_FLOW = {flow.name: flow.role for flow in FLOWS if flow.role}
PRIVILEGED_STEPS = [(flow.name, step.value) for flow in FLOWS if flow.role for step in flow.steps]


def intruders(role: str) -> list[str]:
    """Who lacks ``role``: a plain resident, a facilitator, and staff for admin things
    (for facilitator things: a resident and staff)."""
    if role == "facilitator":
        return ["resident", "staff"]
    return ["resident", "facilitator", *(["staff"] if role in ("admin", "petugas_opd") else [])]


def holder_of(role: str) -> str:
    return {"admin": ADMIN, "facilitator": FACILITATOR, "petugas_opd": OFFICER}.get(role, STAFF)


WHOEVER = "console:4001"  # given one role or another by a test


def on_the_desk(engine: Engine) -> str:
    """One open aspiration from a consenting, named resident, one role grant, and
    a forum held yesterday that awaits its result, and a training (12 Dec 2026,
    09.00 WIB) the same resident holds a seat in."""
    warga = seat(engine, WARGA, name="Budi Siregar")
    give(engine, "telegram:777", "staff")
    give(engine, OFFICER, "petugas_opd")
    on_the_units_desk(engine, OFFICER, GRANTED, WHOEVER)  # a unit, should they get the role
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
    if flow == "desk":
        disposed_to_pupr(chat.engine)
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
        "desk",
        "units",
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
    caplog.set_level(logging.INFO, logger="handlers.core.access")
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
    caplog.set_level(logging.INFO, logger="handlers.core.access")
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
    "/tugas": "Tidak ada aspirasi masih berjalan untuk Dinas PUPR.",
    "/opd PUPR": "Unit PUPR",
}


# The role each privileged command needs, as its feature declares it.
ROLES_OF = {name: command.role for name, command in REGISTRY.commands.items() if command.role}


def command_role(command: str) -> str:
    return ROLES_OF[command.split()[0].removeprefix("/")]


def test_every_privileged_command_is_covered() -> None:
    assert {c.split()[0].removeprefix("/") for c in COMMANDS} == set(ROLES_OF)


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
    caplog.set_level(logging.INFO, logger="handlers.core.access")
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
    identity = WHOEVER
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
    said = resident.all_commands()
    assert "Untuk petugas:" not in said and "/aspirasi" not in said
    staff = person(desk, STAFF, name="Rina Petugas")
    said = staff.all_commands()
    assert "Untuk petugas:" in said and "/ekspor" in said


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
