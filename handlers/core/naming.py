"""An event's name as a resident reads it: its kind and its title, said once.

Titles often name their kind already ("Pelatihan Pemasaran Digital UMKM",
"Musrenbang Kelurahan Bantan 2027"), and "pelatihan Pelatihan …" or
"Musrenbang Kelurahan: Musrenbang Kelurahan …" repeat themselves. Every message
that puts a kind before a title takes ``{name}`` from ``event_name``.

A plain word comparison is enough here (no fuzzy matching): a title names its
kind when it starts with the kind's first word or holds all of its words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from handlers.core.types import Translator

_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return [word.casefold() for word in _WORD.findall(text)]


def names_kind(title: str, kinds: Iterable[str]) -> bool:
    """Whether ``title`` already says one of ``kinds`` ("Pelatihan Menjahit" for
    "pelatihan"; "Musrenbang Kelurahan Bantan" for "Kelurahan Musrenbang")."""
    said = _words(title)
    for kind in kinds:
        words = _words(kind)
        if words and (said[:1] == words[:1] or set(words) <= set(said)):
            return True
    return False


def event_name(t: Translator, form: str, title: str, kind: str, *also: str) -> str:
    """``title`` alone when it names ``kind`` (or one of ``also``: other words for
    it, as "pelatihan" for "training"); else the catalog's ``form`` with both."""
    if names_kind(title, (kind, *also)):
        return title
    return t(form, type=kind, title=title)


def training_name(t: Translator, title: str) -> str:
    """ "pelatihan Menjahit Dasar", but "Pelatihan Pemasaran Digital UMKM"."""
    kind, *also = t("naming.training_words").split("|")
    return event_name(t, "naming.training", title, kind, *also)


def forum_name(t: Translator, forum_type: str, title: str) -> str:
    """'Musrenbang Kelurahan "Rencana Jalan"', but "Musrenbang Kelurahan Bantan
    2027"; the type key's own words count in every language."""
    kind = t(f"forum.type_{forum_type}")
    return event_name(t, "naming.forum", title, kind, forum_type.replace("_", " "))
