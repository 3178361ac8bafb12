"""The button data decoders are total: our own signed data comes back as the press it
stands for, anything else as ``FORGED`` (the engine's "expired") — never an exception."""

from __future__ import annotations

import random

import pytest

from bot.telegram.callbacks import FORGED as TELEGRAM_FORGED
from bot.telegram.callbacks import CallbackSigner
from bot.whatsapp.callbacks import FORGED as WHATSAPP_FORGED
from bot.whatsapp.callbacks import ButtonIds, PageTurn, ShareNumber
from handlers.core.types import ACTION_PROMPT, Choice

CHAT_ID = 7001
WA_ID = "6281200000001"
NOT_OURS: list[object] = [
    "1|ü|é",
    "²",
    "²|x|AAAAAAAAAA",
    "١٢٣|x|AAAAAAAAAA",
    "o١٢٣|x|AAAAAAAAAA",
    "o1|ü|é",
    "p1|²|AAAAAAAAAA",
    "",
    "|",
    "||",
    "\x00",
    "1|\x00|\x00",
    "1|\ud800|AAAAAAAAAA",
    "o1|\ud800|AAAAAAAAAA",
    "9" * 5000 + "|x|AAAAAAAAAA",
    "o" + "9" * 5000 + "|x|AAAAAAAAAA",
    "1|x|" + "A" * 5000,
    None,
    5,
    ["1", "x"],
    {"data": "1|x|AAAAAAAAAA"},
]


@pytest.mark.parametrize("data", NOT_OURS, ids=repr)
def test_telegram_data_that_is_not_ours_is_forged(data: object) -> None:
    assert CallbackSigner("1:token").decode(CHAT_ID, data) == TELEGRAM_FORGED


@pytest.mark.parametrize("data", NOT_OURS, ids=repr)
def test_whatsapp_ids_that_are_not_ours_are_forged(data: object) -> None:
    assert ButtonIds("secret").decode(WA_ID, data) == WHATSAPP_FORGED


@pytest.mark.parametrize("value", ["yes", "a|b", "é", "", "!rsvp:12:yes"])
@pytest.mark.parametrize("prompt_id", [ACTION_PROMPT, 1, 123456])
def test_our_own_data_comes_back_and_only_for_its_chat(prompt_id: int, value: str) -> None:
    signer = CallbackSigner("1:token")
    data = signer.encode(CHAT_ID, prompt_id, value)
    assert signer.decode(CHAT_ID, data) == Choice(prompt_id, value)
    assert signer.decode(CHAT_ID + 1, data) == TELEGRAM_FORGED
    ids = ButtonIds("secret")
    assert ids.decode(WA_ID, ids.option(WA_ID, prompt_id, value)) == Choice(prompt_id, value)
    assert ids.decode("6281200000002", ids.option(WA_ID, prompt_id, value)) == WHATSAPP_FORGED
    assert ids.decode(WA_ID, ids.page(WA_ID, prompt_id, 2)) == PageTurn(prompt_id, 2)
    assert ids.decode(WA_ID, ids.share_number(WA_ID, prompt_id)) == ShareNumber(prompt_id)


def test_random_text_never_raises() -> None:
    """Thousands of random strings from all of Unicode (surrogates included),
    some shaped like our data."""
    rng = random.Random(15)
    signer, ids = CallbackSigner("1:token"), ButtonIds("secret")

    def noise(length: int) -> str:
        return "".join(chr(rng.randrange(0x110000)) for _ in range(length))

    for _ in range(3000):
        data = rng.choice(
            [
                noise(rng.randrange(80)),
                f"{noise(3)}|{noise(5)}|{noise(10)}",
                f"o{noise(2)}|{noise(4)}|{noise(10)}",
                f"{rng.randrange(100)}|{noise(4)}|{noise(10)}",
            ]
        )
        assert signer.decode(CHAT_ID, data) == TELEGRAM_FORGED
        assert ids.decode(WA_ID, data) == WHATSAPP_FORGED
