"""Which language an aspiration is written in (langdetect, seeded).

langdetect drifts on short Indonesian ("makasih ya kak" → Swahili), so a guess
counts only when it is confident and the text has three words or more; otherwise
the resident's own language stands.
"""

from __future__ import annotations

import hashlib
import threading

from langdetect import DetectorFactory, LangDetectException, detect_langs

DetectorFactory.seed = 0

MIN_WORDS = 3
MIN_PROBABILITY = 0.90


def confident_language(text: str) -> str | None:
    """The language code when the guess is confident, else None."""
    if len(text.split()) < MIN_WORDS:
        return None
    return _detect(text)


# A step asks about the same text more than once (its language, then whether to
# offer English); the seeded detector gives the same answer each time, so each
# thread keeps its last answer, under a digest of the text (never the text).
_last = threading.local()


def _detect(text: str) -> str | None:
    key = hashlib.blake2b(text.encode(), digest_size=16).digest()
    if getattr(_last, "key", None) == key:
        return _last.language  # type: ignore[no-any-return]
    try:
        best = detect_langs(text)[0]
        language = str(best.lang) if best.prob >= MIN_PROBABILITY else None
    except (LangDetectException, IndexError):
        language = None
    _last.key, _last.language = key, language
    return language


def aspiration_language(text: str, fallback: str) -> str:
    return confident_language(text) or fallback
