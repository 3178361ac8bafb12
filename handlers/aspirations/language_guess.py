"""Which language an aspiration is written in (langdetect, seeded).

langdetect drifts on short Indonesian ("makasih ya kak" → Swahili), so a guess
counts only when it is confident and the text has three words or more; otherwise
the resident's own language stands.
"""

from __future__ import annotations

from langdetect import DetectorFactory, LangDetectException, detect_langs

DetectorFactory.seed = 0

MIN_WORDS = 3
MIN_PROBABILITY = 0.90


def confident_language(text: str) -> str | None:
    """The language code when the guess is confident, else None."""
    if len(text.split()) < MIN_WORDS:
        return None
    try:
        best = detect_langs(text)[0]
    except (LangDetectException, IndexError):
        return None
    return str(best.lang) if best.prob >= MIN_PROBABILITY else None


def aspiration_language(text: str, fallback: str) -> str:
    return confident_language(text) or fallback
