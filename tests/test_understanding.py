"""Free text understood where it is likely meant (issue 19, item 2 and item 1's
second half): a complaint typed at the menu or as the first message, a tracking
code typed anywhere, greetings and thanks, typos and synonyms at every option."""

from __future__ import annotations

import re

import pytest
from dialogue import ONBOARD, TO_SUMMARY, Chat, play
from sqlmodel import Session, select
from test_training import TO_FORM, add_program

from handlers.core.engine import Engine
from handlers.core.matching import guess_option
from handlers.core.types import Option
from storage.aspirations import CODE_ALPHABET
from storage.models import Aspiration, Conversation

CODE = re.compile(rf"ASP-[{CODE_ALPHABET}]{{6}}")
COMPLAINT = "Pak, jalan di depan rumah saya di Jl. Sutomo rusak parah"
MENU = "Apa yang ingin Anda lakukan"
SKIP_HOME = [("/start", "Apakah Anda setuju"), (("press", "Setuju"), "kecamatan mana")]


def stored(chat: Chat) -> list[Aspiration]:
    with Session(chat.engine.db) as session:
        return list(session.exec(select(Aspiration)).all())


def held_data(chat: Chat) -> dict[str, object]:
    with Session(chat.engine.db) as session:
        row = session.get(Conversation, (chat.channel, chat.user_id))
        assert row is not None
        return dict(row.data)


def onboarded(engine: Engine, user_id: str = "1001") -> Chat:
    chat = Chat(engine, user_id=user_id)
    play(chat, [*SKIP_HOME, ("lewati", MENU)])
    return chat


# --- the first message, kept through consent -----------------------------------------


def test_a_first_message_with_content_is_offered_back_after_consent(chat: Chat) -> None:
    play(chat, [(COMPLAINT, "Apakah Anda setuju")])
    assert held_data(chat)["_held"] == COMPLAINT  # in the conversation only
    assert stored(chat) == []
    play(
        chat,
        [
            (("press", "Setuju"), "Kirim ini sebagai aspirasi?"),
            (("press", "Lanjutkan"), "Sepertinya ini tentang Infrastruktur"),
        ],
    )
    assert "Terima kasih atas persetujuan Anda" in chat.transcript[-2].text
    assert COMPLAINT in chat.transcript[-2].text
    assert chat.labels[0].startswith("Infrastruktur")  # the suggestion first: one press
    play(
        chat,
        [
            ("1", "Di kecamatan mana"),
            (("press", "Siantar Timur"), "Di kelurahan mana"),
            (("press", "Tomuan"), "foto atau lokasi"),  # the text is not asked again
            (("press", "Lewati"), "nama Anda ditampilkan"),
            (("press", "Tampilkan nama"), COMPLAINT),
            (("press", "Kirim"), "Kode pelacakan"),
        ],
    )
    [aspiration] = stored(chat)
    assert aspiration.text == COMPLAINT
    assert aspiration.category == "infrastruktur"
    assert aspiration.resident_id is not None and not aspiration.anonymous


def test_a_complaint_typed_at_the_consent_question_is_held_too(chat: Chat) -> None:
    play(
        chat,
        [
            ("/start", "Apakah Anda setuju"),  # Telegram's first message
            (COMPLAINT, "Pesan Anda belum kami simpan"),
        ],
    )
    assert "Apakah Anda setuju" in chat.said and "tidak ada dalam pilihan" not in chat.said
    assert held_data(chat)["_held"] == COMPLAINT and stored(chat) == []
    play(
        chat,
        [
            ("halo", "Apakah Anda setuju"),  # not a complaint: the question again
            (("press", "Setuju"), "Kirim ini sebagai aspirasi?"),
            (("press", "Lanjutkan"), "Sepertinya ini tentang Infrastruktur"),
        ],
    )


def test_a_held_first_message_can_be_left_after_consent(chat: Chat) -> None:
    play(
        chat,
        [
            (COMPLAINT, "Apakah Anda setuju"),
            (("press", "Setuju"), "Kirim ini sebagai aspirasi?"),
            (("press", "Tidak, ke menu"), "tidak dikirim dan tidak disimpan"),
        ],
    )
    assert chat.labels[0] == "Sampaikan aspirasi"
    assert stored(chat) == [] and "_held" not in held_data(chat)


def test_refused_consent_drops_the_first_message_and_stores_nothing(chat: Chat) -> None:
    play(
        chat,
        [
            (COMPLAINT, "Apakah Anda setuju"),
            (("press", "Tidak setuju"), "Pesan Anda tadi tidak kami simpan"),
        ],
    )
    assert "tanpa nama" in chat.said and chat.labels == ["Kirim tanpa nama", "Tidak, hapus saja"]
    play(chat, [(("press", "Tidak, hapus saja"), "tidak dikirim dan tidak disimpan")])
    assert stored(chat) == []
    assert COMPLAINT not in str(held_data(chat))
    play(chat, [("/menu", MENU)])
    assert stored(chat) == []


def test_refused_consent_may_still_send_it_anonymously_on_purpose(chat: Chat) -> None:
    play(
        chat,
        [
            (COMPLAINT, "Apakah Anda setuju"),
            (("press", "Tidak setuju"), "Pesan Anda tadi tidak kami simpan"),
            (("press", "Kirim tanpa nama"), "Sepertinya ini tentang Infrastruktur"),
            (("press", "Infrastruktur"), "Di kecamatan mana"),
            (("press", "Siantar Barat"), "Di kelurahan mana"),
            (("press", "Bantan"), "foto atau lokasi"),
            (("press", "Lewati"), "dikirim secara anonim"),
        ],
    )
    assert stored(chat) == []  # nothing until Kirim
    play(chat, [(("press", "Kirim"), "Aspirasi anonim Anda sudah kami terima")])
    [aspiration] = stored(chat)
    assert aspiration.text == COMPLAINT and aspiration.anonymous
    assert aspiration.resident_id is None


def test_a_short_first_message_is_not_held(chat: Chat) -> None:
    play(chat, [("halo", "Apakah Anda setuju")])
    assert "_held" not in held_data(chat)
    play(chat, [(("press", "Setuju"), "Anda tinggal di kecamatan mana")])


# --- free text at the menu -------------------------------------------------------------


def test_free_text_at_the_menu_is_offered_as_an_aspiration(engine: Engine) -> None:
    chat = onboarded(engine)
    play(
        chat,
        [
            ("Lampu jalan di simpang Megaland mati sudah seminggu", "Sepertinya Anda ingin"),
            (("press", "Lanjutkan"), "Sepertinya ini tentang Perhubungan"),
            (("press", "Perhubungan"), "Di kecamatan mana"),
            ("siantar barat", "Di kelurahan mana"),
            ("bantan", "foto atau lokasi"),
            ("lewati", "nama Anda ditampilkan"),
            ("1", "Periksa lagi aspirasi Anda"),
            ("kirim", "Kode pelacakan"),
        ],
    )
    [aspiration] = stored(chat)
    assert aspiration.text == "Lampu jalan di simpang Megaland mati sudah seminggu"
    assert aspiration.category == "perhubungan"


def test_free_text_at_the_menu_can_go_back_to_the_menu(engine: Engine) -> None:
    chat = onboarded(engine)
    play(chat, [("Saya mau tanya soal bantuan sosial untuk lansia", "Sepertinya Anda ingin")])
    assert chat.labels == ["Lanjutkan", "Kembali ke menu"]
    play(chat, [(("press", "Kembali ke menu"), MENU)])
    assert chat.labels[0] == "Sampaikan aspirasi"
    assert stored(chat) == [] and held_data(chat) == {}


def test_free_text_at_another_question_goes_back_to_that_question(engine: Engine) -> None:
    chat = onboarded(engine)
    play(
        chat,
        [
            (("press", "Bahasa"), "bahasa"),
            ("Tolong perbaiki jalan rusak di Kelurahan Bantan", "Sepertinya Anda ingin"),
            (("press", "Ke pertanyaan tadi"), "Bahasa Indonesia"),
        ],
    )
    assert chat.labels == ["Bahasa Indonesia", "English"]


def test_a_category_word_in_the_text_puts_its_category_first(engine: Engine) -> None:
    chat = onboarded(engine)
    play(
        chat,
        [
            ("Mohon diperhatikan keadaan di lingkungan kami pak", "Sepertinya Anda ingin"),
            (("press", "Lanjutkan"), "Sepertinya ini tentang Lingkungan"),
        ],
    )
    assert chat.labels[0].startswith("Lingkungan")  # "lingkungan" is Lingkungan's word


def test_without_a_category_word_the_categories_keep_their_order(engine: Engine) -> None:
    chat = onboarded(engine)
    play(
        chat,
        [
            ("Mohon diperhatikan keadaan di tempat kami pak, sudah lama", "Sepertinya Anda ingin"),
            (("press", "Lanjutkan"), "Tulisan Anda sudah kami catat. Aspirasi ini tentang apa?"),
        ],
    )
    assert chat.labels[0].startswith("Infrastruktur") and chat.labels[-1] == "Lainnya"


def test_a_complaint_typed_at_the_category_question_becomes_its_text(engine: Engine) -> None:
    chat = onboarded(engine)
    play(
        chat,
        [
            (("press", "Sampaikan aspirasi"), "Pilih kategorinya"),
            ("Sampah menumpuk di pasar Horas sudah tiga hari", "Sepertinya ini tentang Lingkungan"),
            ("1", "Di kecamatan mana"),
            (("press", "Siantar Barat"), "Di kelurahan mana"),
            (("press", "Bantan"), "foto atau lokasi"),
        ],
    )


# --- a tracking code anywhere -----------------------------------------------------------


def _submitted(engine: Engine) -> tuple[Chat, str]:
    owner = Chat(engine, user_id="1001")
    play(owner, ONBOARD + TO_SUMMARY + [(("press", "Kirim"), "Kode pelacakan")])
    found = CODE.search(owner.said)
    assert found
    return owner, found.group()


@pytest.mark.parametrize("typed", ["{code}", "{lower}", "{bare}", "cek {code} dong"])
def test_a_code_at_the_menu_shows_its_status_to_its_owner(engine: Engine, typed: str) -> None:
    owner, code = _submitted(engine)
    text = typed.format(code=code, lower=code.lower(), bare=code.replace("-", "").lower())
    play(owner, [(text, f"Aspirasi {code}")])
    assert "Kelurahan Tomuan" in owner.said  # its details: the owner's own
    assert owner.labels[0] == "Sampaikan aspirasi"  # and the menu again


def test_a_code_at_the_menu_is_not_found_for_anyone_else(engine: Engine) -> None:
    _owner, code = _submitted(engine)
    other = onboarded(engine, "2002")
    play(other, [(code, f"Aspirasi dengan kode {code} tidak ditemukan")])
    assert "Jalan Sutomo" not in other.said
    assert other.labels[0] == "Sampaikan aspirasi"


def test_a_code_at_a_question_answers_and_asks_again(engine: Engine) -> None:
    owner, code = _submitted(engine)
    play(owner, [(("press", "Bahasa"), "bahasa"), (code.lower(), f"Aspirasi {code}")])
    assert owner.labels == ["Bahasa Indonesia", "English"]


# --- greetings and thanks ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("halo min", "Halo, selamat datang!"),
        ("Pagi pak!", "Halo, selamat datang!"),
        ("Assalamualaikum", "Halo, selamat datang!"),
        ("makasih ya kak", "Sama-sama"),
        ("Terima kasih.", "Sama-sama"),
        ("terima kasih banyak atas bantuannya", "Sama-sama"),
    ],
)
def test_greetings_and_thanks_get_a_friendly_word_and_the_menu(
    engine: Engine, typed: str, answer: str
) -> None:
    chat = onboarded(engine)
    play(chat, [(typed, answer)])
    assert chat.labels[0] == "Sampaikan aspirasi" and len(chat.last_batch) == 1
    assert "tidak ada dalam pilihan" not in chat.said


def test_a_greeting_mid_flow_keeps_the_question(engine: Engine) -> None:
    chat = onboarded(engine)
    play(
        chat,
        [
            (("press", "Sampaikan aspirasi"), "Pilih kategorinya"),
            ("halo kak", "Kita lanjutkan dari pertanyaan ini"),
        ],
    )
    assert "Pilih kategorinya" in chat.said


def test_a_returning_resident_greeting_without_a_conversation(engine: Engine) -> None:
    chat = onboarded(engine)
    with Session(engine.db) as session:
        row = session.get(Conversation, (chat.channel, chat.user_id))
        session.delete(row)
        session.commit()
    play(chat, [("selamat pagi", "Halo, selamat datang!")])
    assert chat.labels[0] == "Sampaikan aspirasi"


# --- typos and synonyms at every option ---------------------------------------------------


def test_jalan_picks_infrastruktur_and_typos_pick_places(engine: Engine) -> None:
    chat = onboarded(engine)
    play(
        chat,
        [
            (("press", "Sampaikan aspirasi"), "Pilih kategorinya"),
            ("jalan", "Di kecamatan mana"),
            ("siantar brat", "Di kelurahan mana di Kecamatan Siantar Barat"),
            ("bantn", "Tuliskan aspirasi"),
        ],
    )


@pytest.mark.parametrize("typed", ["indo", "Indonesia", "bahasa indonesia", "indonesa"])
def test_indonesian_is_understood_at_the_language_picker(engine: Engine, typed: str) -> None:
    chat = onboarded(engine)
    play(chat, [("/bahasa", "bahasa"), (typed, "kami memakai Bahasa Indonesia")])


def test_an_unsure_match_asks_did_you_mean(engine: Engine) -> None:
    chat = onboarded(engine)
    play(
        chat,
        [
            (("press", "Sampaikan aspirasi"), "Pilih kategorinya"),
            (("press", "Infrastruktur"), "Di kecamatan mana"),
            ("timor", "Maksud Anda: Siantar Timur?"),
        ],
    )
    assert chat.labels == ["Ya", "Bukan"]
    play(chat, [(("press", "Ya"), "Di kelurahan mana di Kecamatan Siantar Timur")])


def test_bukan_asks_the_question_again_and_typed_ya_works(engine: Engine) -> None:
    chat = onboarded(engine)
    play(
        chat,
        [
            (("press", "Sampaikan aspirasi"), "Pilih kategorinya"),
            (("press", "Infrastruktur"), "Di kecamatan mana"),
            ("timor", "Maksud Anda: Siantar Timur?"),
            (("press", "Bukan"), "Silakan pilih salah satu di bawah ini"),
        ],
    )
    assert "Siantar Barat" in chat.labels
    play(chat, [("timor", "Maksud Anda: Siantar Timur?"), ("ya", "Kecamatan Siantar Timur")])


def test_another_answer_while_asked_did_you_mean_is_read_as_the_answer(engine: Engine) -> None:
    chat = onboarded(engine)
    play(
        chat,
        [
            (("press", "Sampaikan aspirasi"), "Pilih kategorinya"),
            (("press", "Infrastruktur"), "Di kecamatan mana"),
            ("timor", "Maksud Anda: Siantar Timur?"),
            ("siantar utara", "Di kelurahan mana di Kecamatan Siantar Utara"),
        ],
    )


def test_the_guess_waits_in_the_conversation_and_keeps_nothing_behind(engine: Engine) -> None:
    chat = onboarded(engine)
    play(
        chat,
        [
            (("press", "Sampaikan aspirasi"), "Pilih kategorinya"),
            ("infrastuktur", "Di kecamatan mana"),  # a clear typo: taken at once
            ("timor", "Maksud Anda: Siantar Timur?"),
        ],
    )
    assert held_data(chat)["_guess"] == {
        "at": ["aspiration", "kecamatan"],
        "value": "12.72.01",
        "label": "Siantar Timur",
    }
    play(chat, [("1", "Di kelurahan mana di Kecamatan Siantar Timur")])  # 1: Ya
    assert "_guess" not in held_data(chat)


def test_loose_matching_takes_a_clear_winner_asks_when_unsure_and_skips_ties() -> None:
    places = tuple(
        Option(str(n), f"Siantar {name}")
        for n, name in enumerate(("Barat", "Timur", "Utara", "Selatan", "Marihat", "Martoba"))
    )
    sure = guess_option(places, "siantar brat")
    assert sure is not None and sure.sure and sure.option.label == "Siantar Barat"
    unsure = guess_option(places, "timor")
    assert unsure is not None and not unsure.sure and unsure.option.label == "Siantar Timur"
    assert guess_option(places, "siantar") is None  # every one alike: no guess
    assert guess_option(places, "siantar tengah") is None  # no such kecamatan
    together = guess_option(places, "siantarbarat")
    assert together is not None and together.sure and together.option.label == "Siantar Barat"
    yes_no = (Option("send", "Kirim"), Option("cancel", "Batal"))
    assert guess_option(yes_no, "jangan kirim") is None  # never the other way round
    assert guess_option(yes_no, "7") is None


# --- numbers out of range -----------------------------------------------------------------


def test_a_number_out_of_range_at_two_options_says_which_numbers(engine: Engine) -> None:
    chat = onboarded(engine)
    play(
        chat,
        [
            (("press", "Sampaikan aspirasi"), "Pilih kategorinya"),
            (("press", "Infrastruktur"), "Di kecamatan mana"),
            (("press", "Siantar Timur"), "Di kelurahan mana"),
            (("press", "Tomuan"), "Tuliskan aspirasi"),
            (COMPLAINT, "foto atau lokasi"),
            ("7", "Ketik 1 untuk memilih “Lewati”"),
            (("press", "Lewati"), "nama Anda ditampilkan"),
            ("7", "Silakan pilih nomor 1 sampai 2"),
            (("press", "Tampilkan nama"), "Periksa lagi"),
            (("press", "Kirim"), "Kode pelacakan"),
            # a question that also takes typed text (a code): "7" is still no option
            (("press", "Cek status"), "ketik kode pelacakannya"),
            ("7", "Silakan pilih nomor 1 sampai 2"),
        ],
    )
    assert "emoji" not in chat.said and len(chat.labels) == 2


def test_a_number_at_a_text_question_with_a_button_is_not_read_as_text(chat: Chat) -> None:
    add_program(chat.engine.db)
    play(chat, ONBOARD + TO_FORM + [("7", "Ketik 1 untuk memilih “Pakai: Budi Siregar”")])
    assert "emoji" not in chat.said and "nama lengkap" in chat.said
    play(chat, [("1", "nomor HP")])
