"""Trainings for residents: the registration flow as dialogue tables, the quota
and the waitlist, cancelling, and the notices that go through the outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import NOW
from dialogue import ONBOARD, Chat, play
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.i18n import translator
from handlers.trainings.notices import notify_cancelled, notify_moved
from storage.db import transaction
from storage.models import OutboxMessage, Resident, TrainingRegistration
from storage.trainings import (
    NewProgram,
    RegistrationDetails,
    TrainingError,
    cancel_registration,
    create_program,
    register,
    registrants,
    set_program_status,
    update_program,
    waitlist_rank,
)

PEMBUKUAN = "Pembukuan Sederhana untuk UMKM"


def add_program(db: Engine, **overrides: object) -> int:
    fields: dict[str, object] = {
        "title": PEMBUKUAN,
        "starts_at": NOW + timedelta(days=7),
        "ends_at": NOW + timedelta(days=7, hours=3),
        "quota": 2,
        "organiser": "Dinas Koperasi dan UKM",
        "place": "Aula Kantor Camat Siantar Barat",
        "status": "open",
    }
    fields.update(overrides)
    with transaction(db) as session:
        program = create_program(
            session=session,
            new=NewProgram(**fields),
            actor="console:9",
            now=NOW,  # type: ignore[arg-type]
        )
        assert program.id is not None
        return program.id


def add_resident(db: Engine, user_id: str, *, language: str = "id") -> int:
    with transaction(db) as session:
        resident = Resident(
            identity=f"console:{user_id}",
            channel="console",
            display_name=f"Warga {user_id}",
            language=language,
            consent_at=NOW,
            consent_version="2026-11",
            onboarded_at=NOW,
            created_at=NOW,
            last_seen_at=NOW,
        )
        session.add(resident)
        session.flush()
        assert resident.id is not None
        return resident.id


DETAILS = RegistrationDetails(
    full_name="Warga", phone="+6281234567890", kelurahan_code="12.72.01.1002", business_type="Jasa"
)


def sign_up(
    db: Engine, program_id: int, resident_id: int, *, at: object = NOW
) -> TrainingRegistration:
    with transaction(db) as session:
        done = register(
            session=session,
            program_id=program_id,
            resident_id=resident_id,
            details=DETAILS,
            now=at,  # type: ignore[arg-type]
        )
        return done.registration


def outbox(db: Engine, kind: str | None = None) -> list[OutboxMessage]:
    with Session(db) as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)  # type: ignore[arg-type]
        rows = list(session.exec(query))
    return [r for r in rows if kind is None or r.kind == kind]


def registrations(db: Engine) -> list[TrainingRegistration]:
    with Session(db) as session:
        return list(session.exec(select(TrainingRegistration).order_by(TrainingRegistration.id)))  # type: ignore[arg-type]


TO_FORM = [
    (("press", "Pelatihan"), "Pelatihan yang sedang dibuka"),
    (("press", "Pembukuan"), "Penyelenggara: Dinas Koperasi dan UKM"),
    (("press", "Daftar"), "nama lengkap"),
]
FORM = [
    (("press", "Pakai: Budi Siregar"), "nomor HP"),
    ("0812-3456-7890", "kecamatan mana"),
    (("press", "Pakai kelurahan saya"), "jenis usaha"),
    (("press", "Makanan"), "apa yang ingin Anda pelajari"),
    (("press", "Lewati"), "Periksa lagi pendaftaran Anda"),
]


def test_a_resident_registers_and_gets_a_seat(chat: Chat) -> None:
    add_program(chat.engine.db)
    play(chat, ONBOARD + TO_FORM + FORM)
    assert "Nomor HP: 0812-3456-7890" in chat.last.text  # as residents write it
    assert "+62" not in chat.last.text
    assert "Kelurahan Bantan, Kecamatan Siantar Barat" in chat.last.text
    play(chat, [(("press", "Daftar sekarang"), "Pendaftaran berhasil")])
    [registration] = registrations(chat.engine.db)
    assert registration.status == "registered"
    assert (registration.full_name, registration.phone) == ("Budi Siregar", "+6281234567890")
    assert registration.kelurahan_code == "12.72.02.1003"
    assert registration.business_type == "Makanan & minuman"
    with Session(chat.engine.db) as session:
        resident = session.exec(select(Resident)).one()
    assert resident.phone == "+6281234567890"  # offered again next time
    play(
        chat,
        [
            (("press", "Pelatihan"), "sisa 1 dari 2 kursi"),
            (("press", "Pelatihan saya"), "Status: terdaftar"),
        ],
    )


@pytest.mark.parametrize(
    "typed",
    ["081234567890", "+62 812 3456 7890", "6281234567890", "0812.3456.7890", "(0812) 3456-7890"],
)
def test_every_usual_form_of_a_number_is_stored_the_same(chat: Chat, typed: str) -> None:
    add_program(chat.engine.db)
    play(chat, ONBOARD + TO_FORM + [(("press", "Pakai"), "nomor HP"), (typed, "kecamatan mana")])
    play(chat, FORM[2:] + [(("press", "Daftar sekarang"), "Pendaftaran berhasil")])
    assert registrations(chat.engine.db)[0].phone == "+6281234567890"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0812", "terlalu pendek"),
        ("nol delapan satu dua", "hanya boleh berisi angka"),
        ("0812abc4567", "hanya boleh berisi angka"),
        ("+1 202 555 0143", "hanya menerima nomor Indonesia"),
        ("+60 12 345 6789", "hanya menerima nomor Indonesia"),
        ("0000 0000 0000", "bukan nomor HP yang aktif"),
        ("", "nomor HP"),
    ],
)
def test_a_bad_number_is_explained_and_asked_again(chat: Chat, typed: str, expected: str) -> None:
    add_program(chat.engine.db)
    play(chat, ONBOARD + TO_FORM + [(("press", "Pakai"), "nomor HP"), (typed, expected)])
    assert "Berapa nomor HP" in chat.last.text  # the same question again
    play(chat, [("0812 3456 7890", "kecamatan mana")])


def test_a_shared_contact_is_taken_as_the_phone_number(chat: Chat) -> None:
    add_program(chat.engine.db)
    play(chat, ONBOARD + TO_FORM + [(("press", "Pakai"), "nomor HP")])
    assert chat.last.contact_button == "📱 Kirim nomor saya"
    play(chat, [(("contact", "6281298765432"), "kecamatan mana")])
    play(chat, FORM[2:] + [(("press", "Daftar sekarang"), "Pendaftaran berhasil")])
    assert registrations(chat.engine.db)[0].phone == "+6281298765432"


def test_a_whatsapp_resident_is_offered_their_own_number(engine: object) -> None:
    chat = Chat(engine, channel="whatsapp", user_id="6281377778888")  # type: ignore[arg-type]
    add_program(chat.engine.db)
    play(chat, ONBOARD + TO_FORM + [(("press", "Pakai"), "Pakai: 0813-7777-8888")])
    play(chat, [(("press", "0813-7777-8888"), "kecamatan mana")])
    play(chat, FORM[2:] + [(("press", "Daftar sekarang"), "Pendaftaran berhasil")])
    assert registrations(chat.engine.db)[0].phone == "+6281377778888"  # stored in E.164


def test_typed_name_kelurahan_and_own_business_type(chat: Chat) -> None:
    add_program(chat.engine.db)
    play(
        chat,
        [
            ("/start", "setuju"),
            (("press", "Setuju"), "kecamatan"),
            (("press", "Lewati"), "Baik, kita lewati."),
        ]
        + TO_FORM
        + [
            ("B", "nama"),  # too short: asked again
            ("Rosdiana Br. Sinaga", "nomor HP"),
            ("0812 3456 7890", "kecamatan mana"),
            (("press", "Siantar Marihat"), "Di kelurahan mana"),
            (("press", "Kecamatan lain"), "kecamatan mana"),
            (("press", "Siantar Timur"), "Di kelurahan mana"),
            (("press", "Tomuan"), "jenis usaha"),
            (("press", "Lainnya"), "Tulis jenis usaha"),
            ("ok", "terlalu singkat"),
            ("Bengkel sepeda motor", "ingin Anda pelajari"),
            ("Saya ingin bisa mencatat utang piutang pelanggan.", "Periksa lagi"),
        ],
    )
    text = chat.last.text
    assert "Rosdiana Br. Sinaga" in text and "Tomuan" in text and "Bengkel sepeda motor" in text
    play(chat, [(("press", "Daftar sekarang"), "Pendaftaran berhasil")])
    [registration] = registrations(chat.engine.db)
    assert registration.business_type == "Bengkel sepeda motor"
    assert registration.motivation == "Saya ingin bisa mencatat utang piutang pelanggan."


def test_the_summary_can_be_edited_without_losing_anything(chat: Chat) -> None:
    add_program(chat.engine.db)
    play(
        chat,
        ONBOARD
        + TO_FORM
        + FORM
        + [
            (("press", "Ubah"), "Bagian mana"),
            (("press", "Nomor HP"), "nomor HP"),
            ("0813 1111 2222", "Periksa lagi pendaftaran Anda"),
        ],
    )
    assert "0813-1111-2222" in chat.last.text and "Budi Siregar" in chat.last.text
    assert "Makanan & minuman" in chat.last.text


def test_a_resident_without_consent_is_asked_for_it_first(chat: Chat) -> None:
    add_program(chat.engine.db)
    play(
        chat,
        [
            ("/start", "Apakah Anda setuju"),
            (("press", "Tidak setuju"), "Apa yang ingin Anda lakukan"),
        ]
        + TO_FORM[:2]
        + [
            (("press", "Daftar"), "Anda belum memberi persetujuan"),
            (("press", "Kembali"), "pendaftaran tidak bisa dilanjutkan"),
            (("press", "Pembukuan"), "Penyelenggara"),
            (("press", "Daftar"), "Anda belum memberi persetujuan"),
            (("press", "Setuju dan lanjut"), "nama lengkap"),
        ],
    )
    with Session(chat.engine.db) as session:
        assert session.exec(select(Resident)).one().consent_at == chat.clock.now


def test_a_full_program_puts_the_resident_on_the_waitlist(chat: Chat) -> None:
    db = chat.engine.db
    program_id = add_program(db, quota=1)
    sign_up(db, program_id, add_resident(db, "501"))
    play(chat, ONBOARD + TO_FORM[:1] + [(("press", "Pembukuan"), "kuota penuh")])
    play(chat, [(("press", "Masuk daftar tunggu"), "nama lengkap")] + FORM)
    play(chat, [(("press", "Daftar sekarang"), "daftar tunggu nomor 1")])
    assert [r.status for r in registrations(db)] == ["registered", "waitlisted"]


def test_registering_twice_is_refused(chat: Chat) -> None:
    db = chat.engine.db
    add_program(db)
    play(chat, ONBOARD + TO_FORM + FORM + [(("press", "Daftar sekarang"), "berhasil")])
    play(
        chat,
        [
            (("press", "Pelatihan"), "Pelatihan yang sedang dibuka"),
            (("press", "Pembukuan"), "Status: terdaftar"),
        ],
    )
    assert "Daftar" not in chat.labels
    # the resident reads their own seat, not the line meant for newcomers
    assert "Kursi: satu kursi sudah untuk Anda" in chat.last.text
    assert "sisa" not in chat.last.text and "kuota penuh" not in chat.last.text


def test_a_title_that_names_the_training_is_not_repeated(chat: Chat) -> None:
    add_program(chat.engine.db, title="Pelatihan Pemasaran Digital UMKM")
    to_detail = [TO_FORM[0], (("press", "Pelatihan Pemasaran"), "Penyelenggara")]
    play(chat, ONBOARD + to_detail + [(("press", "Daftar"), "nama lengkap")] + FORM)
    play(chat, [(("press", "Daftar sekarang"), "terdaftar di Pelatihan Pemasaran Digital UMKM.")])
    assert "pelatihan Pelatihan" not in chat.last.text


def test_a_seat_holder_of_a_full_program_is_not_offered_the_waitlist(chat: Chat) -> None:
    db = chat.engine.db
    add_program(db, quota=1)
    play(chat, ONBOARD + TO_FORM + FORM + [(("press", "Daftar sekarang"), "berhasil")])
    play(chat, [(("press", "Pelatihan"), "kuota penuh")])
    play(chat, [(("press", "Pelatihan saya"), "Status: terdaftar")])
    play(chat, [(("press", "Pembukuan"), "Status: terdaftar ✅")])
    assert "Kursi: satu kursi sudah untuk Anda" in chat.last.text
    assert "masih bisa masuk daftar tunggu" not in chat.last.text


def test_a_waitlisted_resident_reads_their_own_place(chat: Chat) -> None:
    db = chat.engine.db
    program_id = add_program(db, quota=1)
    sign_up(db, program_id, add_resident(db, "501"))
    play(chat, ONBOARD + TO_FORM[:1] + [(("press", "Pembukuan"), "masih bisa masuk daftar")])
    play(chat, [(("press", "Masuk daftar tunggu"), "nama lengkap")] + FORM)
    play(chat, [(("press", "Daftar sekarang"), "daftar tunggu nomor 1")])
    play(chat, [(("press", "Pelatihan"), "Pelatihan yang sedang dibuka")])
    play(chat, [(("press", "Pembukuan"), "Kursi: kuota penuh, Anda sudah di daftar tunggu")])
    assert "Status: daftar tunggu nomor 1" in chat.last.text


def test_registration_closing_while_the_form_is_filled_in(chat: Chat) -> None:
    db = chat.engine.db
    program_id = add_program(db)
    play(chat, ONBOARD + TO_FORM + FORM)
    with transaction(db) as session:
        set_program_status(session=session, program_id=program_id, status="closed", now=NOW)
    play(chat, [(("press", "Daftar sekarang"), "baru saja ditutup")])
    assert registrations(db) == []
    assert "sudah ditutup" in chat.last.text


@pytest.mark.parametrize(
    ("overrides", "shown"),
    [
        ({"status": "draft"}, False),
        ({"status": "cancelled"}, False),
        ({"registration_closes_at": NOW - timedelta(minutes=1)}, False),
        ({"registration_opens_at": NOW + timedelta(days=1)}, False),
        ({"area_level": "kecamatan", "area_code": "12.72.02"}, True),  # Siantar Barat: home
        ({"area_level": "kecamatan", "area_code": "12.72.01"}, False),
        ({"area_level": "kelurahan", "area_code": "12.72.02.1003"}, True),  # Bantan: home
        ({"area_level": "kelurahan", "area_code": "12.72.02.1001"}, False),
    ],
)
def test_the_list_shows_open_programs_for_the_residents_area(
    chat: Chat, overrides: dict[str, object], shown: bool
) -> None:
    if overrides.get("registration_closes_at") or overrides.get("registration_opens_at"):
        overrides = {"registration_opens_at": NOW - timedelta(days=2), **overrides}
    add_program(chat.engine.db, **overrides)
    play(chat, ONBOARD + [(("press", "Pelatihan"), "Pelatihan")])
    assert (PEMBUKUAN in chat.last.text) is shown
    if not shown:
        assert "belum ada pelatihan" in chat.last.text


def test_the_list_pages_through_many_programs(chat: Chat) -> None:
    for day in range(1, 8):
        add_program(
            chat.engine.db,
            title=f"Pelatihan hari ke-{day}",
            starts_at=NOW + timedelta(days=day),
            ends_at=NOW + timedelta(days=day, hours=2),
        )
    play(chat, ONBOARD + [(("press", "Pelatihan"), "halaman 1 dari 2")])
    assert "Pelatihan hari ke-5" in chat.last.text and "hari ke-6" not in chat.last.text
    play(chat, [(("press", "Berikutnya"), "halaman 2 dari 2")])
    assert "Pelatihan hari ke-7" in chat.last.text
    play(chat, [(("press", "Sebelumnya"), "halaman 1 dari 2")])


def test_cancelling_promotes_the_first_on_the_waitlist_and_tells_them(chat: Chat) -> None:
    db = chat.engine.db
    program_id = add_program(db, quota=1)
    play(chat, ONBOARD + TO_FORM + FORM + [(("press", "Daftar sekarang"), "berhasil")])
    first, second = add_resident(db, "601", language="en"), add_resident(db, "602")
    sign_up(db, program_id, first)
    sign_up(db, program_id, second)
    play(
        chat,
        [
            (("press", "Pelatihan"), "Pelatihan yang sedang dibuka"),
            (("press", "Pelatihan saya"), "Status: terdaftar"),
            (("press", "Pembukuan"), "Batalkan pendaftaran"),
            (("press", "Batalkan pendaftaran"), "Yakin ingin membatalkan"),
            (("press", "Ya, batalkan"), "sudah dibatalkan"),
        ],
    )
    assert "belum terdaftar di pelatihan apa pun" in chat.last.text
    states = {r.resident_id: r.status for r in registrations(db)}
    assert states[first] == "registered" and states[second] == "waitlisted"
    [notice] = outbox(db, "training")
    assert notice.recipient == "601"
    assert "A seat has opened up" in notice.payload["text"]  # in the resident's language


def test_quota_waitlist_and_promotion_in_order(db: Engine) -> None:
    program_id = add_program(db, quota=2)
    people = [add_resident(db, str(700 + i)) for i in range(5)]
    regs = [sign_up(db, program_id, p) for p in people]
    assert [r.status for r in regs] == ["registered"] * 2 + ["waitlisted"] * 3
    with Session(db) as session:
        ranks = [waitlist_rank(session, session.get(TrainingRegistration, r.id)) for r in regs]  # type: ignore[arg-type]
    assert ranks == [0, 0, 1, 2, 3]
    with transaction(db) as session:
        done = cancel_registration(
            session=session, registration_id=regs[0].id, resident_id=None, now=NOW
        )  # type: ignore[arg-type]
    assert [r.id for r in done.promoted] == [regs[2].id]
    with transaction(db) as session:  # a waiting one leaves: nobody is promoted
        done = cancel_registration(
            session=session, registration_id=regs[3].id, resident_id=None, now=NOW
        )  # type: ignore[arg-type]
    assert done.promoted == []
    with Session(db) as session:
        last = session.get(TrainingRegistration, regs[4].id)
        assert last is not None and waitlist_rank(session, last) == 1
    with transaction(db) as session:  # a bigger quota seats the queue
        change = update_program(
            session=session, program_id=program_id, changes={"quota": 3}, now=NOW
        )
    assert [r.id for r in change.promoted] == [regs[4].id]


def test_double_registration_and_registration_after_close(db: Engine) -> None:
    program_id = add_program(db)
    resident = add_resident(db, "801")
    registration = sign_up(db, program_id, resident)
    with pytest.raises(TrainingError) as refused:
        sign_up(db, program_id, resident)
    assert refused.value.reason == "already"
    with transaction(db) as session:  # cancelled, then registered again: the same row
        cancel_registration(
            session=session, registration_id=registration.id, resident_id=resident, now=NOW
        )  # type: ignore[arg-type]
    again = sign_up(db, program_id, resident)
    assert again.id == registration.id and again.status == "registered"
    with pytest.raises(TrainingError) as refused:
        sign_up(db, program_id, add_resident(db, "802"), at=NOW + timedelta(days=7))
    assert refused.value.reason == "started"
    with transaction(db) as session:
        set_program_status(session=session, program_id=program_id, status="cancelled", now=NOW)
    with pytest.raises(TrainingError) as refused:
        sign_up(db, program_id, add_resident(db, "803"))
    assert refused.value.reason == "cancelled"


def test_cancelling_a_program_tells_every_registrant(db: Engine) -> None:
    program_id = add_program(db, quota=1)
    seated, waiting, gone = (add_resident(db, u) for u in ("901", "902", "903"))
    sign_up(db, program_id, seated)
    sign_up(db, program_id, waiting)
    left = sign_up(db, program_id, gone)
    with transaction(db) as session:
        cancel_registration(session=session, registration_id=left.id, resident_id=None, now=NOW)  # type: ignore[arg-type]
    with transaction(db) as session:
        program, affected = set_program_status(
            session=session, program_id=program_id, status="cancelled", now=NOW
        )
        told = notify_cancelled(session, translator, program, affected, NOW)
    assert told == 2
    assert sorted(m.recipient for m in outbox(db, "training")) == ["901", "902"]
    assert all("dibatalkan oleh penyelenggara" in m.payload["text"] for m in outbox(db))


def test_moving_a_program_tells_registrants_the_new_time(db: Engine) -> None:
    program_id = add_program(db)
    sign_up(db, program_id, add_resident(db, "911"))
    later = NOW + timedelta(days=8)
    with transaction(db) as session:
        change = update_program(
            session=session,
            program_id=program_id,
            changes={"starts_at": later, "ends_at": later + timedelta(hours=3)},
            now=NOW,
        )
        assert change.moved_from == NOW + timedelta(days=7)
        notify_moved(session, translator, change.program, registrants(session, program_id), NOW)
    [notice] = outbox(db, "training")
    assert "Minggu, 6 Desember 2026 pukul 09.00 WIB" in notice.payload["text"]


def test_my_data_shows_registrations_and_deleting_gives_the_seat_away(chat: Chat) -> None:
    db = chat.engine.db
    program_id = add_program(db, quota=1)
    play(chat, ONBOARD + TO_FORM + FORM + [(("press", "Daftar sekarang"), "berhasil")])
    waiting = add_resident(db, "1201")
    sign_up(db, program_id, waiting)
    play(
        chat,
        [
            ("/datasaya", "Nomor HP: 0812-3456-7890"),
            ("/datasaya", f"{PEMBUKUAN} · terdaftar · nomor HP 0812-3456-7890"),
            ("/hapusdata", "Pendaftaran pelatihan Anda dibatalkan"),
            (("press", "Hapus"), "dihapus"),
        ],
    )
    rows = {r.resident_id: r for r in registrations(db)}
    assert rows[waiting].status == "registered"  # promoted
    [gone] = [r for key, r in rows.items() if key != waiting]
    assert (gone.resident_id, gone.full_name, gone.phone, gone.status) == (
        None,
        None,
        None,
        "cancelled",
    )
    assert [m.recipient for m in outbox(db, "training")] == ["1201"]


def test_a_cancelled_program_voids_its_registrations(db: Engine) -> None:
    program_id = add_program(db, quota=1)
    seated, waiting = add_resident(db, "1301"), add_resident(db, "1302")
    sign_up(db, program_id, seated)
    sign_up(db, program_id, waiting)
    with transaction(db) as session:
        _program, affected = set_program_status(
            session=session, program_id=program_id, status="cancelled", now=NOW
        )
    assert len(affected) == 2
    assert [(r.status, r.waitlist_position) for r in registrations(db)] == [("cancelled", None)] * 2


def test_a_new_place_alone_is_a_change_to_tell(db: Engine) -> None:
    program_id = add_program(db)
    with transaction(db) as session:
        change = update_program(
            session=session, program_id=program_id, changes={"place": "Balai Kota"}, now=NOW
        )
    assert change.relocated and change.moved_from is None
    with transaction(db) as session:
        change = update_program(
            session=session, program_id=program_id, changes={"quota": 5}, now=NOW
        )
    assert not change.relocated
