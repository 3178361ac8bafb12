"""Where residents' photos are kept: a directory of files named by random ids.

Adapters hand photos here before the conversation core sees them; the core only
stores the returned reference (a path relative to the media directory).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

_SIGNATURES = {
    b"\xff\xd8\xff": ".jpg",
    b"\x89PNG\r\n\x1a\n": ".png",
}


class AttachmentRefused(Exception):
    """The file cannot be kept; ``reason`` is ``not_found``, ``not_image`` or ``too_large``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def image_suffix(head: bytes) -> str | None:
    """The file suffix for a JPEG, PNG or WebP image, judged by its first bytes."""
    for signature, suffix in _SIGNATURES.items():
        if head.startswith(signature):
            return suffix
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ".webp"
    return None


class MediaStore:
    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    def store_bytes(self, data: bytes, now: datetime) -> str:
        """Keep an image and return its reference, e.g. ``2026/11/3f9c….jpg``."""
        if len(data) > self.max_bytes:
            raise AttachmentRefused("too_large")
        suffix = image_suffix(data[:16])
        if suffix is None:
            raise AttachmentRefused("not_image")
        reference = f"{now:%Y/%m}/{secrets.token_hex(16)}{suffix}"
        target = self.directory / reference
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
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
