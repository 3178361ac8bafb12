"""Photos residents send, cleaned before they are kept.

A phone photo carries more than the picture: EXIF holds where it was taken (GPS),
when, and the camera's make, model and serial number; XMP and comments hold more.
A resident who sends a photo of a broken road does not mean to send their home's
position with it, nor a serial that ties it to other photos of theirs. So every
photo is decoded and encoded again with Pillow, and only the pixels (and the
colour profile, which says how to show them) are kept. The EXIF orientation is
applied to the pixels first, so the picture stays upright without it.

Pillow decodes only JPEG (and MPO, the multi-picture JPEG some phones write),
PNG and WebP here; anything else, or a file it cannot decode, is "not_image". An
image with more than ``MAX_PIXELS`` pixels is refused as "too_large" before it
is decoded: a few kilobytes can declare a picture that needs gigabytes
(a decompression bomb).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageOps

FORMATS = ("JPEG", "PNG", "WEBP")  # the decoders Pillow may try
SUFFIXES = {"JPEG": ".jpg", "MPO": ".jpg", "PNG": ".png", "WEBP": ".webp"}
# 50 megapixels: a 48/50 MP phone camera at full size; about 150 MB once decoded
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90
WEBP_QUALITY = 90
JPEG_MODES = frozenset({"RGB", "L", "CMYK"})


class AttachmentRefused(Exception):
    """The file cannot be kept; ``reason`` is ``not_found``, ``not_image`` or ``too_large``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def clean_photo(data: bytes, max_pixels: int = MAX_PIXELS) -> tuple[bytes, str]:
    """The photo encoded again without its metadata, upright, and its file suffix.

    Raises ``AttachmentRefused`` ("not_image" or "too_large")."""
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            suffix = SUFFIXES.get(image.format or "")
            if suffix is None:
                raise AttachmentRefused("not_image")
            if image.width * image.height > max_pixels:
                raise AttachmentRefused("too_large")
            upright = ImageOps.exif_transpose(image)  # decodes; raises on a broken file
            return _encode(upright, suffix, image.info), suffix
    except Image.DecompressionBombError as error:  # Pillow's own, far larger limit
        raise AttachmentRefused("too_large") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise AttachmentRefused("not_image") from error


def _encode(image: Image.Image, suffix: str, original: Mapping[Any, Any]) -> bytes:
    """Only the pixels, the colour profile and (PNG) the transparent colour."""
    image.info = {}  # nothing of the original's EXIF, XMP, text chunks rides along
    keep: dict[str, Any] = {}
    if original.get("icc_profile"):
        keep["icc_profile"] = original["icc_profile"]
    out = io.BytesIO()
    if suffix == ".jpg":
        if image.mode not in JPEG_MODES:
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=JPEG_QUALITY, **keep)
    elif suffix == ".png":
        if original.get("transparency") is not None:
            keep["transparency"] = original["transparency"]
        image.save(out, "PNG", **keep)
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY, **keep)
    return out.getvalue()
