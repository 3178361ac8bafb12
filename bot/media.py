"""Where residents' photos are kept: a directory of files named by random ids.

Adapters hand photos here before the conversation core sees them, and each is
cleaned of its metadata on the way in (``bot.photos``); the core only stores the
returned reference (a path relative to the media directory).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

from bot.photos import MAX_PIXELS, AttachmentRefused, clean_photo

__all__ = ["AttachmentRefused", "MediaStore"]


class MediaStore:
    def __init__(self, directory: Path, max_bytes: int, max_pixels: int = MAX_PIXELS) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels

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

    def new_file(self, filename: str, now: datetime) -> tuple[str, Path]:
        """A fresh place for a file the bot sends (an export, a chart), keeping
        ``filename`` as the name the recipient sees."""
        reference = f"files/{now:%Y/%m}/{secrets.token_hex(16)}/{filename}"
        path = self.directory / reference
        path.parent.mkdir(parents=True, exist_ok=True)
        return reference, path

    def path_of(self, reference: str) -> Path:
        return self.directory / reference
