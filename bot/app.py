"""Process wiring: from settings to a migrated database and a ready engine."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine as Database

from bot.charts import stats_chart, unit_chart
from bot.config import Settings
from bot.database import open_database
from bot.i18n import LANGUAGES, translator
from bot.media import MediaStore
from handlers.core.engine import Engine
from handlers.core.settings import AbuseLimits, EngineSettings, VoiceLimits
from handlers.core.types import Category
from handlers.registry import FLOWS
from storage.models import CATEGORY_KEYS
from storage.wilayah import load_wilayah

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class App:
    settings: Settings
    db: Database
    engine: Engine
    media: MediaStore


def categories(settings: Settings) -> tuple[Category, ...]:
    """Configured categories with their labels, or the built-in ones from the
    catalogs, in their order (``CATEGORY_KEYS``)."""
    configured = settings.aspiration.categories
    if not configured:
        return tuple(Category(key) for key in CATEGORY_KEYS)
    return tuple(Category(c.key, {"id": c.label, "en": c.label_en}) for c in configured)


def config_roles(settings: Settings) -> dict[str, frozenset[str]]:
    """identity → roles, from ``[roles]`` in the config file."""
    held: dict[str, set[str]] = {}
    for role, identities in (
        ("admin", settings.roles.admins),
        ("staff", settings.roles.staff),
        ("facilitator", settings.roles.facilitators),
    ):
        for identity in identities:
            held.setdefault(identity, set()).add(role)
    return {identity: frozenset(roles) for identity, roles in held.items()}


def abuse_limits(settings: Settings) -> AbuseLimits:
    privacy = settings.privacy
    return AbuseLimits(
        flood_messages=privacy.flood_messages,
        flood_window=timedelta(seconds=privacy.flood_seconds),
        flood_cooldown=timedelta(seconds=privacy.flood_cooldown_seconds),
        daily_aspirations=privacy.daily_aspirations,
        blocked=frozenset(privacy.blocked),
    )


def build_app(settings: Settings) -> App:
    db = open_database(settings)
    voice = VoiceLimits(
        max_bytes=int(settings.media.max_voice_mb * 1024 * 1024),
        max_seconds=settings.media.max_voice_seconds,
    )
    media = MediaStore(
        Path(settings.media.directory),
        int(settings.media.max_photo_mb * 1024 * 1024),
        voice=voice,
    )  # an absolute folder: the loader anchors it (bot/paths.py)
    engine = Engine(
        db,
        EngineSettings(
            translators=translator,
            wilayah=load_wilayah(),
            categories=categories(settings),
            expiry=timedelta(hours=settings.conversation.expiry_hours),
            languages=LANGUAGES,
            config_roles=config_roles(settings),
            files=media,
            chart=stats_chart,
            unit_chart=unit_chart,
            limits=abuse_limits(settings),
            hash_key=settings.privacy.hash_key_bytes,
            category_units=settings.opd.category_units(),
            clock=settings.sla.clock,
            console_links=settings.web.link_base(),
            service=settings.service.facts,
            voice=voice,
        ),
        FLOWS,
        # the replies' claim is the dispatchers' short lease, renewed while they go
        # out: after a crash they are sent again within one lease
    )
    return App(settings=settings, db=db, engine=engine, media=media)
