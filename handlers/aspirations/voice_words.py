"""How long a voice note is, in the words staff and residents read: "0:42"."""

from __future__ import annotations


def duration(seconds: int | None) -> str:
    """0:42, 4:05; "?" when neither the channel nor the file said."""
    if seconds is None:
        return "?"
    return f"{seconds // 60}:{seconds % 60:02d}"
