"""Konsol's menu: one entry per page, with the roles that may open it.

The same table decides what the menu shows and what each page's routes admit
(``Konsol.guard``): a page missing from someone's menu answers 404 to them. An
admin holds every role (``bot.konsol.roles.may``).
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = ("admin", "staff", "facilitator", "petugas_opd")


@dataclass(frozen=True)
class Page:
    key: str  # marks the current page in the menu
    href: str
    label: str  # catalog key
    roles: tuple[str, ...]  # who may open it


MENU: tuple[Page, ...] = (
    Page("beranda", "/konsol/", "konsol.web.beranda", ALL),
    Page("aspirasi", "/konsol/aspirasi", "konsol.web.aspirasi", ("staff", "petugas_opd")),
    Page("pelatihan", "/konsol/pelatihan", "konsol.web.pelatihan", ("facilitator",)),
    Page("forum", "/konsol/forum", "konsol.web.forum", ("facilitator",)),
    Page("pengumuman", "/konsol/pengumuman", "konsol.web.pengumuman", ("facilitator",)),
    Page("ekspor", "/konsol/ekspor", "konsol.web.ekspor", ("staff", "facilitator")),
    Page("audit", "/konsol/audit", "konsol.web.audit_page", ("admin",)),
    Page("peran", "/konsol/peran", "konsol.web.peran", ("admin",)),
)
PAGES = {page.key: page for page in MENU}


def opens(roles: frozenset[str], key: str) -> bool:
    """May someone holding ``roles`` open the page ``key``?"""
    return "admin" in roles or bool(roles & frozenset(PAGES[key].roles))


def menu_for(roles: frozenset[str]) -> list[Page]:
    return [page for page in MENU if opens(roles, page.key)]
