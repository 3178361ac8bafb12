"""Real images for tests, made with Pillow: the media store decodes every photo."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

SERIAL = "SN-4417-SIANTAR"  # a camera serial number that must not be kept
CAMERA = "KameraRahasia X9"
TAKEN = "2026:11:27 18:42:07"
# Somewhere in Kota Pematangsiantar, as EXIF writes it: degrees, minutes, seconds
LATITUDE = (2.0, 57.0, 34.5)
LONGITUDE = (99.0, 4.0, 7.25)
RED, BLUE = (255, 0, 0), (0, 0, 255)


def png(width: int = 8, height: int = 6, color: tuple[int, int, int] = BLUE) -> bytes:
    """A small plain PNG."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


PNG = png()


def camera_exif(orientation: int = 1) -> Image.Exif:
    """What a phone camera writes: GPS position, time, make, model, serial."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = CAMERA
    exif[ExifTags.Base.Model] = CAMERA
    exif[ExifTags.Base.DateTime] = TAKEN
    exif[ExifTags.Base.BodySerialNumber] = SERIAL
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = LONGITUDE
    return exif


def sideways(width: int = 60, height: int = 30) -> Image.Image:
    """Landscape pixels, the left half red and the right half blue: stored as a
    camera held upright would store them before its orientation tag turns them."""
    image = Image.new("RGB", (width, height), BLUE)
    image.paste(RED, (0, 0, width // 2, height))
    return image


def jpeg_from_camera(orientation: int = 6, fmt: str = "JPEG") -> bytes:
    """``sideways`` with the camera's EXIF; orientation 6 means "turn 90° clockwise
    to show": shown upright it is portrait, red on top."""
    out = io.BytesIO()
    sideways().save(out, fmt, exif=camera_exif(orientation), quality=95)
    return out.getvalue()


def assert_clean_and_upright(data: bytes) -> None:
    """What was kept of ``jpeg_from_camera()``: no metadata at all, the pixels turned
    as the orientation tag said (portrait, red on top)."""
    for secret in (SERIAL, CAMERA, TAKEN):
        assert secret.encode() not in data
    assert b"Exif" not in data and b"http://ns.adobe.com/xap" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert {"exif", "xmp", "comment"}.isdisjoint(image.info)
        assert image.size == (30, 60)
        pixels = image.convert("RGB")
        assert _near(pixels.getpixel((15, 10)), RED) and _near(pixels.getpixel((15, 50)), BLUE)


def _near(pixel: object, color: tuple[int, int, int]) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= 8 for a, b in zip(pixel, color, strict=True))
