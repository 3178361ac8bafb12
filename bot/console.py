"""The console channel: chat with the bot in a terminal or through a pipe.

Bot text is printed as is, options one per line as ``  [1] Label``, the input
prompt is ``> ``. ``/foto PATH`` and ``/lokasi LAT,LON`` stand in for a chat
app's attachment button. End of input ends the chat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.i18n import translator
from bot.media import AttachmentRefused, MediaStore
from handlers.core.engine import Engine
from handlers.core.types import Inbound, Location, Reply, Voice

logger = logging.getLogger(__name__)

CHANNEL = "console"
PROMPT = "> "


def utc_now() -> datetime:
    return datetime.now(UTC)


def render(reply: Reply, media: MediaStore | None = None) -> str:
    """Text as is, options as ``  [1] Label``, files as the path to open."""

    def where(reference: str) -> str:
        return str(media.path_of(reference)) if media else reference

    lines = [reply.text]
    lines += [f"  [{number}] {option.label}" for number, option in enumerate(reply.options, 1)]
    if reply.photo:
        lines.append(f"  (foto: {where(reply.photo)})")
    if reply.document:
        lines.append(f"  (file: {where(reply.document)})")
    if reply.voice:
        lines.append(f"  (pesan suara: {where(reply.voice)})")
    return "\n".join(lines)


def parse_location(text: str) -> Location | None:
    """``2.9595,99.0687`` → Location; None when it is not a valid coordinate."""
    parts = text.replace(";", ",").split(",")
    if len(parts) != 2:
        return None
    try:
        latitude, longitude = (float(part.strip()) for part in parts)
    except ValueError:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return Location(latitude, longitude)


class ConsoleChat:
    """One resident (``console:<user_id>``) talking through stdin/stdout."""

    def __init__(
        self,
        engine: Engine,
        media: MediaStore,
        *,
        user_id: str,
        name: str | None = None,
        language: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.media = media
        self.user_id = user_id
        self.name = name
        self.language = language
        self.clock = clock

    def _voice(self, path: Path) -> Voice:
        """A voice note from a file, kept as chat keeps one."""
        try:
            data = path.read_bytes()
        except OSError as error:
            raise AttachmentRefused("voice_not_found") from error
        reference, seconds = self.media.store_voice(data, self.clock())
        return Voice(reference, seconds)

    def inbound(self, line: str) -> Inbound:
        """Turn one typed line into what the core understands."""
        base = Inbound(
            channel=CHANNEL,
            user_id=self.user_id,
            display_name=self.name,
            language_hint=self.language,
        )
        head, _, rest = line.strip().partition(" ")
        command = head.casefold()
        if command == "/foto":
            try:
                reference = self.media.store_file(Path(rest.strip()).expanduser(), self.clock())
            except AttachmentRefused as refused:
                return replace(base, refused=refused.reason)
            return replace(base, photo=reference)
        if command == "/suara":
            try:
                voice = self._voice(Path(rest.strip()).expanduser())
            except AttachmentRefused as refused:
                return replace(base, refused=refused.reason)
            return replace(base, voice=voice)
        if command == "/lokasi":
            location = parse_location(rest)
            if location is None:
                return replace(base, refused="bad_location")
            return replace(base, location=location)
        return replace(base, text=line.rstrip("\r\n"))

    def run(self, stdin: TextIO, stdout: TextIO) -> int:
        """Chat until end of input; returns the exit status."""
        replies = self.engine.resume(CHANNEL, self.user_id, self.clock())
        if not replies:
            replies = self.engine.handle(self.inbound("/start"), self.clock())
        self._show(replies, stdout)
        while True:
            stdout.write(PROMPT)
            stdout.flush()
            line = stdin.readline()
            if not line:
                stdout.write("\n")
                return 0
            if not line.strip() and stdin.isatty():
                continue  # a stray Enter at the terminal is not a message
            try:
                replies = self.engine.handle(self.inbound(line), self.clock())
            except Exception:  # one failed message must not end the chat
                logger.exception("could not handle a console message")
                replies = [Reply(translator(self.language or "id")("engine.error"))]
            self._show(replies, stdout)

    def _show(self, replies: list[Reply], stdout: TextIO) -> None:
        for reply in replies:
            stdout.write(render(reply, self.media) + "\n\n")
        stdout.flush()
