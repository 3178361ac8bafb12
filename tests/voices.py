"""Real-shaped voice notes for tests: the media store reads their headers.

An Ogg Opus note as Telegram and WhatsApp record one (an OpusHead page, an
OpusTags page, audio pages whose last granule position gives the length at
48 kHz), built with mutagen's own Ogg page writer; an AMR note as older phones
send on WhatsApp (20 ms frames). The audio bytes are silence-shaped filler: only
the containers are read, nothing is decoded or played.
"""

from __future__ import annotations

import struct

from mutagen.ogg import OggPage

SERIAL = 0x5A17
PAGE = 50_000  # bytes of filler per page: an Ogg page holds at most 255 × 255


def ogg_opus(seconds: float = 42, *, padding: int = 0) -> bytes:
    """A voice note of ``seconds``; ``padding`` extra bytes (over more pages) make
    it larger."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 6) + b"siantr" + struct.pack("<I", 0)
    filler = [b"\xfc" + bytes(min(PAGE, padding - at)) for at in range(0, padding, PAGE)]
    packets = [(head, 0), (tags, 0)] + [(packet, 312) for packet in filler]
    packets.append((b"\xfc" + bytes(40), 312 + int(seconds * 48000)))
    pages = []
    for sequence, (packet, position) in enumerate(packets):
        page = OggPage()
        page.serial, page.sequence, page.position = SERIAL, sequence, position
        page.first, page.last = sequence == 0, sequence == len(packets) - 1
        page.packets = [packet]
        pages.append(page.write())
    return b"".join(pages)


def amr(seconds: float = 5) -> bytes:
    """An AMR-NB note: mode 7 frames (12.2 kbit/s), 50 a second."""
    frame = bytes([7 << 3 | 0x04]) + bytes(31)
    return b"#!AMR\n" + frame * int(seconds * 50)


OGG = ogg_opus()
