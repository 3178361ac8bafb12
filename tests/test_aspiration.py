"""The aspiration flow as dialogue tables, from category to tracking code."""

from __future__ import annotations

import re

import pytest
from dialogue import ONBOARD, TO_SUMMARY, Chat, play
from sqlmodel import Session, select

from storage.aspirations import CODE_ALPHABET
from storage.models import Aspiration, AspirationStatusChange, Resident

CODE = re.compile(rf"ASP-[{CODE_ALPHABET}]{{6}}")


def aspirations(chat: Chat) -> list[Aspiration]:
    with Session(chat.engine.db) as session:
        return list(session.exec(select(Aspiration)).all())


def test_full_flow_gives_a_tracking_code_and_stores_everything(chat: Chat) -> None:
    play(chat, ONBOARD + TO_SUMMARY)
    assert "Jalan Sutomo di depan pasar" in chat.last.text
    assert "Kelurahan Tomuan, Kecamatan Siantar Timur" in chat.last.text
    assert "Budi Siregar" in chat.last.text
    play(chat, [(("press", "Kirim"), "Kode pelacakan")])
    code = CODE.search(chat.said)
    assert code, chat.said
    assert chat.labels[0] == "Sampaikan aspirasi"  # back at the menu
    [stored] = aspirations(chat)
    assert stored.code == code.group()
    assert (stored.category, stored.kecamatan_code, stored.kelurahan_code) == (
        "infrastruktur",
        "12.72.01",
        "12.72.01.1002",
    )
    assert stored.text == "Jalan Sutomo di depan pasar berlubang besar sejak Oktober."
    assert stored.anonymous is False
    assert stored.status == "diterima"
    assert stored.language == "id"
    assert stored.channel == "console"
    assert stored.created_at == chat.clock.now
    with Session(chat.engine.db) as session:
        history = session.exec(select(AspirationStatusChange)).all()
        resident = session.exec(select(Resident)).one()
    assert [h.status for h in history] == ["diterima"]
    assert stored.resident_id == resident.id


def test_options_can_be_typed_as_numbers_or_labels_in_any_case(chat: Chat) -> None:
    play(
        chat,
        [
            ("/start", "Apakah Anda setuju"),
            ("SETUJU", "kecamatan mana"),
            ("lewati", "Apa yang ingin Anda lakukan"),
            ("1", "Pilih kategorinya"),
            ("kesehatan", "Di kecamatan mana"),
            ("siantar barat", "Di kelurahan mana"),
            ("  Teladan ", "Tuliskan aspirasi"),
        ],
    )


def test_home_kelurahan_is_offered_first(chat: Chat) -> None:
    play(
        chat,
        ONBOARD
        + [
            (("press", "Sampaikan aspirasi"), "Pilih kategorinya"),
            (("press", "Pendidikan"), "Pakai kelurahan saya (Bantan)"),
            (("press", "Pakai kelurahan saya"), "Tuliskan aspirasi"),
        ],
    )


def test_photo_and_location_are_attached(chat: Chat) -> None:
    play(
        chat,
        ONBOARD
        + TO_SUMMARY[:5]
        + [
            (("photo", "2026/11/abc.jpg"), "Foto diterima"),
            (("location", 2.9595, 99.0687), "Lokasi diterima"),
            (("press", "Kirim anonim"), "Lampiran: foto, lokasi"),
            (("press", "Kirim"), "Kode pelacakan"),
        ],
    )
    [stored] = aspirations(chat)
    assert stored.photo_path == "2026/11/abc.jpg"
    assert (stored.latitude, stored.longitude) == (2.9595, 99.0687)
    assert stored.anonymous is True


FIELD_QUESTION = {  # what pressing each field of the summary's "Ubah" asks again
    "Kategori": "Pilih kategorinya",
    "Lokasi": "Di kecamatan mana lokasi yang Anda maksud?",
    "Isi aspirasi": "Tuliskan aspirasi atau pengaduan Anda",
    "Foto": "Ada foto atau lokasi yang ingin dilampirkan?",
    "Nama atau anonim": "Boleh nama Anda ditampilkan kepada petugas?",
}


@pytest.mark.parametrize(
    ("field", "steps", "shown"),
    [
        ("Kategori", [(("press", "Kesehatan"), "Periksa lagi")], "Kategori: Kesehatan"),
        (
            "Lokasi",
            [
                (("press", "Siantar Utara"), "Di kelurahan mana"),
                (("press", "Martoba"), "Periksa lagi"),
            ],
            "Kelurahan Martoba, Kecamatan Siantar Utara",
        ),
        (
            "Isi aspirasi",
            [("Lampu jalan di Jalan Merdeka mati semua.", "Periksa lagi")],
            "Lampu jalan di Jalan Merdeka",
        ),
        (
            "Foto",
            [(("photo", "p.jpg"), "Foto diterima"), (("press", "Lanjut"), "Periksa lagi")],
            "Lampiran: foto",
        ),
        ("Nama atau anonim", [(("press", "Kirim anonim"), "Periksa lagi")], "Pengirim: anonim"),
    ],
)
def test_each_field_can_be_changed_and_the_summary_returns(
    chat: Chat, field: str, steps: list, shown: str
) -> None:
    play(chat, ONBOARD + TO_SUMMARY + [(("press", "Ubah"), "Bagian mana")])
    play(chat, [(("press", field), FIELD_QUESTION[field]), *steps])
    assert shown in chat.last.text
    # what was not edited is still there
    assert "Periksa lagi aspirasi Anda" in chat.last.text
    play(chat, [(("press", "Kirim"), "Kode pelacakan")])
    assert len(aspirations(chat)) == 1


def test_cancel_at_summary_stores_nothing(chat: Chat) -> None:
    play(chat, ONBOARD + TO_SUMMARY + [(("press", "Batal"), "Tidak ada yang kami simpan")])
    assert aspirations(chat) == []


def test_without_consent_the_aspiration_is_anonymous_and_unlinked(chat: Chat) -> None:
    play(
        chat,
        [
            ("/start", "Apakah Anda setuju"),
            (("press", "Tidak setuju"), "tetap bisa mengirim aspirasi secara anonim"),
            *TO_SUMMARY[:5],
            (("press", "Lewati"), "dikirim secara anonim"),
            (("press", "Kirim"), "tidak mencatat siapa pengirimnya"),
        ],
    )
    [stored] = aspirations(chat)
    assert stored.anonymous is True and stored.resident_id is None
    with Session(chat.engine.db) as session:
        resident = session.exec(select(Resident)).one()
    assert resident.display_name is None and resident.consent_at is None


def test_a_resident_without_a_known_name_is_asked_for_one(engine) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(engine, name=None)
    play(
        chat,
        ONBOARD
        + TO_SUMMARY[:6]
        + [
            (("press", "Tampilkan nama saya"), "Tuliskan nama Anda"),
            ("12345", "Nama hanya boleh berisi huruf"),
            ("Rina Hutabarat", "Pengirim: Rina Hutabarat"),
        ],
    )


BAD_TEXTS = [
    ("", "kosong"),
    ("   \n\t  ", "kosong"),
    ("x" * 10_000, "terlalu panjang (10.000 karakter"),
    ("😡😡😡😡😡😡😡😡😡😡😡😡", "bukan hanya emoji"),
    ("\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b\u200b", "kosong"),
    ("\u202e\u202e\u202e   \u200f\u200f\u200e", "kosong"),
    ("Got rusak", "terlalu pendek (9 karakter"),
    ("!!! ??? ... ###", "bukan hanya emoji"),
]


@pytest.mark.parametrize(("text", "message"), BAD_TEXTS)
def test_bad_aspiration_text_is_refused_and_asked_again_keeping_earlier_answers(
    chat: Chat, text: str, message: str
) -> None:
    play(chat, ONBOARD + TO_SUMMARY[:4])
    chat.send(text)
    assert message.casefold() in chat.said.casefold()
    assert "Tuliskan aspirasi" in chat.last.text  # the same question again
    play(chat, TO_SUMMARY[4:])
    assert "Kelurahan Tomuan" in chat.last.text  # nothing entered earlier was lost


def test_sql_looking_text_is_stored_verbatim(chat: Chat) -> None:
    sql = "Robert'); DROP TABLE aspiration;-- jalan rusak di depan sekolah"
    play(chat, ONBOARD + TO_SUMMARY[:4] + [(sql, "foto atau lokasi")])
    play(
        chat,
        [
            (("press", "Lewati"), "nama Anda ditampilkan"),
            (("press", "Kirim anonim"), "Pengirim: anonim"),
            (("press", "Kirim"), "Kode"),
        ],
    )
    assert aspirations(chat)[0].text == sql


def test_right_to_left_script_is_stored_verbatim(chat: Chat) -> None:
    text = "Mohon perbaiki jalan menuju musala النور di Kelurahan Bantan"
    play(chat, ONBOARD + TO_SUMMARY[:4] + [(text, "foto atau lokasi")])
    play(
        chat,
        [
            (("press", "Lewati"), "nama Anda ditampilkan"),
            (("press", "Kirim anonim"), "Pengirim: anonim"),
            (("press", "Kirim"), "Kode"),
        ],
    )
    assert aspirations(chat)[0].text == text


def test_invisible_characters_are_removed_from_text(chat: Chat) -> None:
    text = "Saluran\u200b air \u202etersumbat\u202c di gang kami"
    play(chat, ONBOARD + TO_SUMMARY[:4] + [(text, "foto atau lokasi")])
    play(
        chat,
        [
            (("press", "Lewati"), "nama Anda ditampilkan"),
            (("press", "Kirim anonim"), "Pengirim: anonim"),
            (("press", "Kirim"), "Kode"),
        ],
    )
    assert aspirations(chat)[0].text == "Saluran air tersumbat di gang kami"


def test_confident_english_is_tagged_and_switching_offered_once(chat: Chat) -> None:
    english = "The street lights on my road have been broken for three weeks now."
    play(chat, ONBOARD + TO_SUMMARY[:4])
    chat.send(english)
    assert "Type /bahasa to switch" in chat.said
    assert "Ketik /bahasa untuk mengganti bahasa" in chat.said  # the offer in both languages
    play(
        chat,
        [
            (("press", "Lewati"), "nama Anda ditampilkan"),
            (("press", "Kirim anonim"), "Pengirim: anonim"),
            (("press", "Kirim"), "Kode"),
        ],
    )
    assert aspirations(chat)[0].language == "en"
    play(chat, TO_SUMMARY[:4])
    chat.send(english)
    assert "Type /bahasa" not in chat.said


def test_an_english_loanword_is_not_english(chat: Chat) -> None:
    text = "Lampu traffic light simpang Megaland mati"  # langdetect: English, 0.99999
    play(chat, ONBOARD + TO_SUMMARY[:4] + [(text, "foto atau lokasi")])
    assert "Type /bahasa" not in chat.said
    play(
        chat,
        [
            (("press", "Lewati"), "nama Anda ditampilkan"),
            (("press", "Kirim anonim"), "Pengirim: anonim"),
            (("press", "Kirim"), "Kode"),
        ],
    )
    assert aspirations(chat)[0].language == "id"


def test_short_indonesian_slang_stays_indonesian(chat: Chat) -> None:
    play(
        chat, ONBOARD + TO_SUMMARY[:4] + [("makasih ya kak, jalan sudah bagus", "foto atau lokasi")]
    )
    assert "Type /bahasa" not in chat.said
    play(
        chat,
        [
            (("press", "Lewati"), "nama Anda ditampilkan"),
            (("press", "Kirim anonim"), "Pengirim: anonim"),
            (("press", "Kirim"), "Kode"),
        ],
    )
    assert aspirations(chat)[0].language == "id"
