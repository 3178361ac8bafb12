"""Konsol's pages, one module each; every module has ``routes(konsol)``. The
order is the order routes are tried."""

from __future__ import annotations

from types import ModuleType

from bot.konsol.pages import audit, beranda, masuk, peran

PAGES: tuple[ModuleType, ...] = (
    masuk,
    beranda,
    audit,
    peran,
)
