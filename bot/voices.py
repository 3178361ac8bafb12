"""Voice notes residents send: checked to be audio, measured, kept as they came.

Many residents speak rather than type (WhatsApp voice notes above all), so a voice
note is taken as an aspiration's attachment or as its whole text. It is kept as
sent (no speech recognition, no re-encoding): only its kind and length are read.
mutagen (pure Python, reads the headers only) tells Ogg Opus/Vorbis (Telegram and
WhatsApp voice notes), MP3, MP4/M4A and ADTS AAC apart and gives the duration;
mutagen does not read AMR (WhatsApp's older phones), whose frames are counted here
(20 ms each, the frame size given by its mode in the first byte).

Anything else is "not_audio"; over ``VoiceLimits`` it is "voice_too_large" or
"voice_too_long" (``bot.photos.AttachmentRefused``).
"""

from __future__ import annotations

import io
import math

import mutagen
from mutagen.aac import AAC
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from bot.photos import AttachmentRefused
from handlers.core.settings import VoiceLimits

# what the channels send, by the suffix kept (Konsol serves them with these types)
CONTENT_TYPES = {
    ".ogg": "audio/ogg",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".amr": "audio/amr",
}
_KINDS: tuple[tuple[type[mutagen.FileType], str], ...] = (
    (OggOpus, ".ogg"),
    (OggVorbis, ".ogg"),
    (MP3, ".mp3"),
    (MP4, ".m4a"),
    (AAC, ".aac"),
)
# bytes after the one-byte frame header, by frame type (RFC 4867, section 5.3)
_AMR_NB = (12, 13, 15, 17, 19, 20, 26, 31, 5)
_AMR_WB = (17, 23, 32, 36, 40, 46, 50, 58, 60, 5)
_AMR_SILENCE = 15  # "no data" frames carry no bytes


def audio_kind(data: bytes) -> tuple[str, float | None]:
    """The suffix to keep the note under and its length in seconds (None: unknown).

    Raises ``AttachmentRefused("not_audio")``."""
    for header, sizes in ((b"#!AMR-WB\n", _AMR_WB), (b"#!AMR\n", _AMR_NB)):
        if data.startswith(header):
            return ".amr", _amr_seconds(data[len(header) :], sizes)
    try:
        found = mutagen.File(io.BytesIO(data), options=[kind for kind, _ in _KINDS])
    except mutagen.MutagenError as error:
        raise AttachmentRefused("not_audio") from error
    for kind, suffix in _KINDS:
        if isinstance(found, kind):
            length = getattr(found.info, "length", None)
            return suffix, float(length) if length else None
    raise AttachmentRefused("not_audio")


def _amr_seconds(frames: bytes, sizes: tuple[int, ...]) -> float:
    count, at = 0, 0
    while at < len(frames):
        kind = (frames[at] >> 3) & 0x0F
        if kind < len(sizes):
            at += 1 + sizes[kind]
        elif kind == _AMR_SILENCE:
            at += 1
        else:
            raise AttachmentRefused("not_audio")
        count += 1
    return count * 0.02


def check_voice(
    data: bytes, limits: VoiceLimits, seconds: float | None = None
) -> tuple[str, int | None]:
    """The suffix and whole seconds of a voice note within ``limits``; ``seconds``
    is what the channel said, used when the file does not say."""
    if len(data) > limits.max_bytes:
        raise AttachmentRefused("voice_too_large")
    suffix, measured = audio_kind(data)
    length = measured if measured is not None else seconds
    if length is not None and length > limits.max_seconds:
        raise AttachmentRefused("voice_too_long")
    return suffix, math.ceil(length) if length is not None else None
