"""Konsol's pages, one module each; every module has ``routes(konsol)``. The
order is the order routes are tried."""

from __future__ import annotations

from types import ModuleType

from bot.konsol.pages import (
    aspirasi,
    aspirasi_detail,
    audit,
    beranda,
    ekspor,
    forum,
    masuk,
    pelatihan,
    pengumuman,
    peran,
)

PAGES: tuple[ModuleType, ...] = (
    masuk,
    beranda,
    pelatihan,
    forum,
    pengumuman,
    ekspor,
    aspirasi,  # before the detail: /aspirasi/massal is not a code
    aspirasi_detail,
    audit,
    peran,
)
