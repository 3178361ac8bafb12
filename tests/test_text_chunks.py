"""Long replies are cut into messages within the platform's limit, at whitespace,
losing no word; Telegram and WhatsApp use the one ``split_text``."""

from __future__ import annotations

import random

import pytest

import bot.telegram.channel
import bot.whatsapp.render
from bot.text_chunks import split_text


def test_short_text_is_one_chunk() -> None:
    assert split_text("Halo, apa kabar?", 16) == ["Halo, apa kabar?"]
    assert split_text("", 10) == [""]


def test_cuts_at_the_last_whitespace_that_fits() -> None:
    text = "Jalan rusak.\n\nLampu mati di gang."
    assert split_text(text, 15) == ["Jalan rusak.", "Lampu mati di", "gang."]
    assert split_text("satu dua\ntiga", 9) == ["satu dua", "tiga"]


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    assert split_text("a" * 25, 10) == ["a" * 10, "a" * 10, "a" * 5]


@pytest.mark.parametrize("seed", range(20))
def test_chunks_fit_and_keep_every_word(seed: int) -> None:
    rng = random.Random(seed)
    words = ["".join(rng.choices("abcdeé", k=rng.randint(1, 19))) for _ in range(400)]
    text = "".join(word + rng.choice([" ", " ", "\n", "\n\n", "  "]) for word in words).strip()
    limit = rng.randint(20, 200)
    chunks = split_text(text, limit)
    assert all(0 < len(chunk) <= limit for chunk in chunks)
    assert all(chunk == chunk.strip() for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_both_chat_channels_use_the_same_function() -> None:
    assert bot.telegram.channel.split_text is split_text
    assert bot.whatsapp.render.split_text is split_text
    assert not hasattr(bot.telegram.render, "split_text")
