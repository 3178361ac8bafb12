"""Long replies cut into messages a chat platform accepts.

Telegram and WhatsApp both refuse a text message over 4096 characters (and
WhatsApp an interactive body over 1024); each channel passes its own limit.
"""

from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in chunks of at most ``limit`` characters, each cut at the last
    blank line, line break or space that fits (whitespace at a cut is dropped), or
    at ``limit`` itself when a chunk holds no whitespace. Short text is one chunk."""
    chunks: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    chunks.append(text)
    return chunks
