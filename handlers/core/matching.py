"""Matching what a resident typed to the options offered.

First exactly (its number, its label or one of its aliases, in any case), then
loosely: typos and partial labels ("siantar brat" → Siantar Barat, "pelatihn" →
Daftar pelatihan) are scored with rapidfuzz, the kept library for fuzzy string
matching (C-fast, maintained, one call per comparison) rather than a hand-written
edit distance. A clear winner is taken; a likely one is only a ``Guess`` the
resident confirms ("Maksud Anda …?"); a tie is no match at all.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, utils

from handlers.core.types import Option

SURE = 88  # at least this score, and MARGIN above every other option: taken
MARGIN = 10
LIKELY = 72  # at least this, and a little above the others: asked about
NEAR = 5
MAX_WORDS = 5  # longer text is a message, not a mistyped option
MIN_TOKEN = 3  # "di", "ya": too short to say anything loosely


def fold(text: str) -> str:
    """Case-, width- and accent-insensitive form for comparing typed labels."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split()).strip(" .!?")


def match_option(options: tuple[Option, ...], typed: str) -> Option | None:
    """The option a typed answer means: its number, its label or an alias."""
    wanted = fold(typed)
    if not wanted:
        return None
    if wanted.isdigit():
        number = int(wanted)
        return options[number - 1] if 1 <= number <= len(options) else None
    for option in options:
        if wanted == fold(option.label) or wanted in (fold(a) for a in option.aliases):
            return option
    return None


@dataclass(frozen=True)
class Guess:
    """The option a loosely typed answer most likely means; ``sure`` when it
    stands out enough to be taken without asking."""

    option: Option
    sure: bool


def guess_option(options: tuple[Option, ...], typed: str) -> Guess | None:
    """The option ``typed`` resembles (label or alias, typos forgiven), or None
    when nothing does or two options resemble it alike."""
    wanted = utils.default_process(fold(typed))
    if len(wanted.replace(" ", "")) < MIN_TOKEN or len(wanted.split()) > MAX_WORDS:
        return None
    if wanted.replace(" ", "").isdigit():
        return None
    scored = sorted(
        ((_best(wanted, option), n) for n, option in enumerate(options)),
        key=lambda pair: -pair[0],
    )
    if not scored:
        return None
    top, index = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if top >= SURE and top - runner_up >= MARGIN:
        return Guess(options[index], sure=True)
    if top >= LIKELY and top - runner_up >= NEAR:
        return Guess(options[index], sure=False)
    return None


def _best(wanted: str, option: Option) -> float:
    names = (option.label, *option.aliases)
    return max(_score(wanted, utils.default_process(fold(name))) for name in names)


def _score(wanted: str, name: str) -> float:
    """How much ``wanted`` looks like ``name``, or like a part of it: the whole
    compared, and every typed word against the name's closest word (the worst of
    them counts: "siantar tengah" is not Siantar Utara). Only the typed words are
    looked for in the name, never the other way round: "jangan kirim" does not
    mean "Kirim"."""
    if not name:
        return 0.0
    whole = fuzz.ratio(wanted, name)
    typed = [word for word in wanted.split() if len(word) >= MIN_TOKEN]
    words = name.split()
    if not typed or len(typed) != len(wanted.split()):
        return whole  # a short word among them ("di", "ya"): compare the whole only
    parts = min(max(fuzz.ratio(word, other) for other in words) for word in typed)
    if len(typed) > 1 and whole < SURE:
        whole = 0.0  # words in common ("siantar …") make a loose whole look alike
    return max(whole, parts)
