"""Photos are kept without their metadata: re-encoded with Pillow, no EXIF (GPS,
serial, time), XMP, comments or text chunks, turned upright by their EXIF
orientation first. What Pillow cannot decode is refused, and so is a picture too
large to decode safely (a decompression bomb)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from conftest import NOW
from images import (
    CAMERA,
    SERIAL,
    assert_clean_and_upright,
    camera_exif,
    jpeg_from_camera,
    png,
    sideways,
)
from PIL import Image, PngImagePlugin

from bot.console import ConsoleChat
from bot.media import AttachmentRefused, MediaStore
from handlers.core.engine import Engine

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>Rumah Budi, Jl. Sutomo 12</rdf:RDF></x:xmpmeta>'
)


@pytest.fixture
def media(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media", 10**6)


def kept(media: MediaStore, data: bytes) -> bytes:
    return media.path_of(media.store_bytes(data, NOW)).read_bytes()


def test_a_jpeg_loses_its_gps_serial_and_time_and_stays_upright(media: MediaStore) -> None:
    photo = jpeg_from_camera(orientation=6)
    with Image.open(io.BytesIO(photo)) as original:  # the test photo really carries them
        assert original.getexif().get_ifd(0x8825)  # GPSInfo
        assert SERIAL.encode() in photo and original.size == (60, 30)
    reference = media.store_bytes(photo, NOW)
    assert reference.startswith("2026/11/") and reference.endswith(".jpg")
    assert_clean_and_upright(media.path_of(reference).read_bytes())


def test_an_upright_jpeg_keeps_its_size(media: MediaStore) -> None:
    with Image.open(io.BytesIO(kept(media, jpeg_from_camera(orientation=1)))) as image:
        assert image.size == (60, 30) and not image.getexif()


def test_a_multi_picture_jpeg_is_kept_as_a_plain_one(media: MediaStore) -> None:
    """Some phones write MPO (a JPEG with more pictures after it)."""
    out = io.BytesIO()
    sideways().save(out, "MPO", save_all=True, append_images=[sideways()], exif=camera_exif(6))
    reference = media.store_bytes(out.getvalue(), NOW)
    assert reference.endswith(".jpg")
    assert_clean_and_upright(media.path_of(reference).read_bytes())


def test_a_png_loses_its_text_xmp_and_exif_but_keeps_transparency(media: MediaStore) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", f"{CAMERA} {SERIAL}")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    Image.new("P", (6, 4), 0).save(out, "PNG", pnginfo=info, exif=camera_exif(), transparency=0)
    assert SERIAL.encode() in out.getvalue()
    data = kept(media, out.getvalue())
    assert SERIAL.encode() not in data and b"Rumah Budi" not in data
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf"):
        assert chunk not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.size == (6, 4)
        assert image.info == {"transparency": 0}


def test_a_webp_loses_its_exif_and_xmp(media: MediaStore) -> None:
    out = io.BytesIO()
    sideways().save(out, "WEBP", exif=camera_exif(6), xmp=XMP)
    assert b"EXIF" in out.getvalue() and b"XMP " in out.getvalue()
    reference = media.store_bytes(out.getvalue(), NOW)
    assert reference.endswith(".webp")
    data = media.path_of(reference).read_bytes()
    assert b"EXIF" not in data and b"XMP " not in data and SERIAL.encode() not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (30, 60) and not image.getexif()


def test_the_colour_profile_stays(media: MediaStore) -> None:
    profile = b"\x00\x00\x02\x0cICC-like profile bytes"
    out = io.BytesIO()
    sideways().save(out, "JPEG", icc_profile=profile, exif=camera_exif())
    with Image.open(io.BytesIO(kept(media, out.getvalue()))) as image:
        assert image.info.get("icc_profile") == profile


@pytest.mark.parametrize(
    "data",
    [
        b"Selamat pagi, ini bukan foto.",
        jpeg_from_camera()[:300],  # cut off in the middle
        b"GIF89a" + bytes(40),  # an image, but not one of ours
        b"\x89PNG\r\n\x1a\n" + bytes(32),  # the right first bytes, nothing after
    ],
    ids=["text", "truncated", "gif", "signature-only"],
)
def test_what_pillow_cannot_decode_is_not_an_image(media: MediaStore, data: bytes) -> None:
    with pytest.raises(AttachmentRefused) as refused:
        media.store_bytes(data, NOW)
    assert refused.value.reason == "not_image"
    assert not media.directory.exists() or not any(media.directory.rglob("*.*"))


def bomb(width: int, height: int) -> bytes:
    """A PNG of a few bytes that says it is ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(1000)))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("size", [(9_000, 9_000), (100_000, 100_000)], ids=["81MP", "10GP"])
def test_a_decompression_bomb_is_refused_as_too_large(
    media: MediaStore, size: tuple[int, int]
) -> None:
    data = bomb(*size)
    assert len(data) < 200
    with pytest.raises(AttachmentRefused) as refused:
        media.store_bytes(data, NOW)
    assert refused.value.reason == "too_large"


def test_the_pixel_limit_is_the_stores(tmp_path: Path) -> None:
    small = MediaStore(tmp_path, 10**6, max_pixels=100)
    with pytest.raises(AttachmentRefused, match="too_large"):
        small.store_bytes(png(11, 10), NOW)
    assert small.store_bytes(png(10, 10), NOW).endswith(".png")


def test_a_console_photo_is_cleaned_too(engine: Engine, tmp_path: Path) -> None:
    photo = tmp_path / "jalan.jpg"
    photo.write_bytes(jpeg_from_camera())
    media = MediaStore(tmp_path / "media", 10**6)
    inbound = ConsoleChat(engine, media, user_id="77").inbound(f"/foto {photo}")
    assert inbound.photo is not None and inbound.refused is None
    assert_clean_and_upright(media.path_of(inbound.photo).read_bytes())
    refused = ConsoleChat(engine, media, user_id="77").inbound(f"/foto {tmp_path / 'x.jpg'}")
    assert refused.refused == "not_found"
