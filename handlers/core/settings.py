"""What the engine is given from the outside, once at start-up: the catalogs, the
wilayah list, the categories, limits, roles from the config file, and where chat
jobs write their files and charts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from handlers.core.contact import ServiceFacts
from handlers.core.types import Category, Reply, Translator
from storage.opd import CATEGORY_UNITS
from storage.sla import DEFAULT_CLOCK, ServiceClock
from storage.wilayah import Wilayah

# The privacy notice residents agreed to. Change it when the notice changes in
# substance (what is kept, why, who receives it): everyone who agreed to an older
# one is asked again before their data is used. 2026-12: the notice names photos,
# locations, phone numbers for trainings, forum answers, and the dinas that
# receive aspirations.
CONSENT_VERSION = "2026-12"


class FileStore(Protocol):
    """Somewhere to write files sent in chat (exports, charts). They are transient:
    the adapter deletes each once delivered, the retention job any left over."""

    def new_file(self, filename: str, now: datetime, *, owner: str) -> tuple[str, Path]:
        """A fresh (reference, path) pair for a file sent to ``owner`` (an identity);
        the reference goes into ``Reply``."""
        ...

    def path_of(self, reference: str) -> Path:
        """Where a stored file (a resident's photo) is on disk."""
        ...

    def erase_files(self, owner: str, mentions: Iterable[str]) -> int:
        """Delete the files sent to ``owner`` and any other still waiting that holds
        one of ``mentions`` (name, phone, chat id); returns how many."""
        ...


class ChartRenderer(Protocol):
    def __call__(self, stats: Any, *, t: Translator, path: Path) -> Path: ...


@dataclass(frozen=True)
class Built:
    """What a chat job built (``handlers.core.chat_jobs``): the replies for the one who
    asked, the audit entry to write with its delivery (action, details), and the
    files written (removed again should the delivery not happen)."""

    replies: list[Reply]
    audit: tuple[str, dict[str, Any]] | None = None
    files: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class AbuseLimits:
    """Flood control, the daily cap on new aspirations, identities never answered.

    Off (None) unless given: ``siantar`` passes the ``[privacy]`` config, whose
    defaults are 20 messages in 10 s and 5 aspirations a day."""

    flood_messages: int | None = None  # more than this many messages…
    flood_window: timedelta = timedelta(seconds=10)  # …in this long: a cool-down
    flood_cooldown: timedelta = timedelta(seconds=60)
    daily_aspirations: int | None = None
    blocked: frozenset[str] = frozenset()  # from the config; the CLI blocks in the database


@dataclass(frozen=True)
class VoiceLimits:
    """``[media] max_voice_mb`` and ``max_voice_seconds``: the longest voice note
    kept; adapters refuse bigger ones, the refusal names these limits."""

    max_bytes: int = 10 * 1024 * 1024
    max_seconds: int = 300

    @property
    def mb(self) -> int | float:
        """Whole megabytes as an int (the catalogs format ints for the language)."""
        mb = self.max_bytes / (1024 * 1024)
        return int(mb) if mb.is_integer() else round(mb, 1)

    @property
    def minutes(self) -> int | float:
        minutes = self.max_seconds / 60
        return int(minutes) if minutes.is_integer() else round(minutes, 1)


@dataclass(frozen=True)
class EngineSettings:
    """What the engine needs from the outside, passed in once at start-up."""

    translators: Callable[[str], Translator]
    wilayah: Wilayah
    categories: tuple[Category, ...]
    expiry: timedelta = timedelta(hours=24)
    consent_version: str = CONSENT_VERSION
    languages: tuple[str, ...] = ("id", "en")
    config_roles: Mapping[str, frozenset[str]] = field(default_factory=dict)
    files: FileStore | None = None  # where exports and charts are written
    chart: ChartRenderer | None = None
    unit_chart: ChartRenderer | None = None  # /statistik's open and overdue per unit
    limits: AbuseLimits = field(default_factory=AbuseLimits)
    # The key of dedupe fingerprints, from ``[privacy] hash_key``; None: the
    # installation's own, kept in the database and read once by the Engine.
    hash_key: bytes | None = field(default=None, repr=False)
    # The service clocks' calendar and targets (``[sla]``) and each category's
    # default unit (``[opd] categories``).
    clock: ServiceClock = DEFAULT_CLOCK
    category_units: Mapping[str, str] = field(default_factory=lambda: dict(CATEGORY_UNITS))
    # Where Konsol's login links point (``{web.public_url}/konsol/masuk/``), for
    # /masuk; "" while the console is off (``[web] enabled = false``).
    console_links: str = ""
    # Who runs the service and how to reach a person (``[service]``): help, the
    # first screen, and what a resident is told after submitting.
    service: ServiceFacts = field(default_factory=ServiceFacts)
    voice: VoiceLimits = field(default_factory=VoiceLimits)
