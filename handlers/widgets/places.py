"""Kecamatan and kelurahan as options, always reached kecamatan first."""

from __future__ import annotations

from handlers.core.flow import Ctx
from handlers.core.types import Option


def kecamatan_options(ctx: Ctx) -> tuple[Option, ...]:
    return tuple(Option(k.code, k.name) for k in ctx.wilayah.kecamatan)


def kelurahan_options(ctx: Ctx, kecamatan_code: str) -> tuple[Option, ...]:
    kecamatan = ctx.wilayah.find_kecamatan(kecamatan_code)
    return tuple(Option(k.code, k.name) for k in kecamatan.kelurahan) if kecamatan else ()


def kecamatan_name(ctx: Ctx, code: str | None) -> str:
    kecamatan = ctx.wilayah.find_kecamatan(code)
    return kecamatan.name if kecamatan else "-"


def place_name(ctx: Ctx, kelurahan_code: str | None) -> str:
    """ "Kelurahan Bantan, Kecamatan Siantar Barat" in the resident's language."""
    kelurahan = ctx.wilayah.find_kelurahan(kelurahan_code)
    if kelurahan is None:
        return "-"
    return ctx.t(
        "place.kelurahan",
        kelurahan=kelurahan.name,
        kecamatan=kecamatan_name(ctx, kelurahan.kecamatan_code),
    )


def area_name(ctx: Ctx, level: str, code: str | None, *, city: str, kecamatan: str) -> str:
    """Whom something is for in words: the whole city (the catalog key ``city``), a
    kecamatan (``kecamatan``, given ``{kecamatan}``) or one kelurahan."""
    if level == "kecamatan":
        return ctx.t(kecamatan, kecamatan=kecamatan_name(ctx, code))
    if level == "kelurahan":
        return place_name(ctx, code)
    return ctx.t(city)
