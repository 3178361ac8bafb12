"""The media directory: residents' photos and voice notes, and the files the bot
sends in chat.

Photos are named by random ids under ``YYYY/MM/``; adapters hand them here before
the conversation core sees them, and each is cleaned of its metadata on the way
in (``bot.photos``). The core only stores the returned reference (a path relative
to the media directory). Voice notes go under the same ``YYYY/MM/`` folders, kept
as sent once ``bot.voices`` has found them audio within the limits. Files sent in
chat live under ``files/`` and are transient (``bot.chat_files``).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import chat_files
from bot.photos import MAX_PIXELS, AttachmentRefused, clean_photo
from bot.voices import check_voice
from handlers.core.settings import VoiceLimits

__all__ = ["AttachmentRefused", "MediaStore"]


class MediaStore:
    def __init__(
        self,
        directory: Path,
        max_bytes: int,
        max_pixels: int = MAX_PIXELS,
        voice: VoiceLimits | None = None,
    ) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.voice = voice or VoiceLimits()

    def store_voice(
        self, data: bytes, now: datetime, seconds: float | None = None
    ) -> tuple[str, int | None]:
        """Keep a voice note (audio, within ``voice`` limits) and return its reference
        and length in whole seconds; ``seconds`` is the channel's word for it."""
        suffix, length = check_voice(data, self.voice, seconds)
        reference = f"{now:%Y/%m}/{secrets.token_hex(16)}{suffix}"
        target = self.directory / reference
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return reference, length

    def store_bytes(self, data: bytes, now: datetime) -> str:
        """Keep an image, without its metadata, and return its reference,
        e.g. ``2026/11/3f9c….jpg``. CPU-bound: adapters call it in a thread."""
        if len(data) > self.max_bytes:
            raise AttachmentRefused("too_large")
        cleaned, suffix = clean_photo(data, self.max_pixels)
        reference = f"{now:%Y/%m}/{secrets.token_hex(16)}{suffix}"
        target = self.directory / reference
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(cleaned)
        return reference

    def store_file(self, path: Path, now: datetime) -> str:
        try:
            if not path.is_file():
                raise AttachmentRefused("not_found")
            if path.stat().st_size > self.max_bytes:
                raise AttachmentRefused("too_large")
            data = path.read_bytes()
        except OSError as exc:
            raise AttachmentRefused("not_found") from exc
        return self.store_bytes(data, now)

    def new_file(self, filename: str, now: datetime, *, owner: str) -> tuple[str, Path]:
        """A fresh place for a file the bot sends to ``owner`` (an identity): an
        export, a chart. ``filename`` is the name the recipient sees."""
        reference = chat_files.new_reference(owner, filename, secrets.token_hex(8), now)
        path = self.directory / reference
        path.parent.mkdir(parents=True, exist_ok=True)
        return reference, path

    def path_of(self, reference: str) -> Path:
        return self.directory / reference

    def kept_files(self, before: datetime) -> list[str]:
        """References of the photos and voice notes (``YYYY/MM/…``, not the files
        sent in chat) written before ``before``. The daily retention job removes
        those nothing names any more (``storage.retention.unclaimed``): the
        attachments of forms never sent."""
        found = []
        for path in self.directory.glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/*"):
            try:
                if path.is_file() and datetime.fromtimestamp(path.stat().st_mtime, UTC) < before:
                    found.append(path.relative_to(self.directory).as_posix())
            except OSError:  # removed meanwhile
                continue
        return sorted(found)

    def delivered(self, *references: str | None) -> int:
        """A message went out: the files sent in chat that it carried are deleted
        (a resident's photo shown to staff stays). Returns how many."""
        return sum(
            chat_files.remove(self.directory, reference)
            for reference in references
            if reference and chat_files.is_transient(reference)
        )

    def expired_files(self, now: datetime, grace: timedelta) -> list[str]:
        """Files sent in chat that were written more than ``grace`` before ``now``."""
        return chat_files.expired(self.directory, now - grace)

    def remove_files(self, references: Iterable[str]) -> int:
        return chat_files.remove_all(
            self.directory, (r for r in references if chat_files.is_transient(r))
        )

    def erase_files(self, owner: str, mentions: Iterable[str]) -> int:
        """Delete the files sent to ``owner`` and every other waiting file that holds
        one of ``mentions``; returns how many."""
        return chat_files.erase(self.directory, owner, mentions)
