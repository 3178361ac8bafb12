"""A voice note in the words staff and residents read: how long it is ("0:42"),
the text of something spoken instead of typed ("(pesan suara, 0:42)"), and the
mark staff see where an answer was spoken ("🎤 pesan suara (0:42)")."""

from __future__ import annotations

from handlers.core.types import Translator
from storage.models import AspirationNote


def duration(seconds: int | None) -> str:
    """0:42, 4:05; "?" when neither the channel nor the file said."""
    if seconds is None:
        return "?"
    return f"{seconds // 60}:{seconds % 60:02d}"


def spoken_text(t: Translator, seconds: int | None) -> str:
    """The text of an aspiration or an answer the resident spoke: "(pesan suara,
    0:42)", in their language; it stays when the voice note itself is erased."""
    if seconds is None:
        return t("aspiration.voice_text_unknown")
    return t("aspiration.voice_text", length=duration(seconds))


def note_words(t: Translator, note: AspirationNote) -> str:
    """What staff read for a note: for a spoken answer the voice mark while its
    voice note is kept (its text is only ``spoken_text``), else the note's text."""
    if note.voice_path:
        return t("review.note_voice", length=duration(note.voice_seconds))
    return note.text
