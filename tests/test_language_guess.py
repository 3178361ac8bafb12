"""The language of an aspiration: langdetect only when it can be trusted."""

from __future__ import annotations

from handlers.aspirations.language_guess import aspiration_language, confident_language

ENGLISH = "The street lights near my house have been broken for a week, please fix them."
INDONESIAN = "Lampu jalan di Jalan Merdeka mati semua sejak minggu lalu."


def test_short_texts_keep_the_residents_language() -> None:
    assert confident_language("makasih ya") is None
    assert aspiration_language("thanks kak", "id") == "id"


def test_the_same_answer_each_time_a_text_is_asked_about() -> None:
    for _ in range(2):
        assert confident_language(ENGLISH) == "en"
        assert confident_language(ENGLISH) == "en"
        assert aspiration_language(INDONESIAN, "en") == "id"
        assert aspiration_language(INDONESIAN, "en") == "id"
