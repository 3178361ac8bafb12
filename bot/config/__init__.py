"""Typed settings for siantar-bot, loaded once at start-up.

Resolution order (see DESIGN.md section 5): an explicit path (``--config``), else
``$SIANTAR_CONFIG``, else ``./config.toml`` if it exists, else built-in defaults.
A few secrets may come from the environment instead of the file; an environment
variable that is set and non-empty wins over the file.

Relative paths in the settings (the SQLite file of ``database.url``,
``media.directory``) are made absolute here, once: against the config file's
folder, or the data folder when there is no config file (``bot/paths.py``). Code
that reads the settings never sees a path that depends on the current folder.

Every problem is reported as one :class:`ConfigError` whose message is a single
line naming the file and the dotted key. Secret values never appear in error
messages or in ``repr(settings)``.
"""

from bot.config.base import ENV_OVERRIDES, ConfigError
from bot.config.contact import ServiceSettings
from bot.config.features import AspirationSettings, CategorySetting, ForumSettings, TrainingSettings
from bot.config.loading import load_settings
from bot.config.opd import OpdSettings
from bot.config.privacy import PrivacySettings
from bot.config.service import (
    BroadcastSettings,
    ConversationSettings,
    DatabaseSettings,
    MediaSettings,
    RolesSettings,
    ServerSettings,
)
from bot.config.settings import Settings
from bot.config.sla import SlaSettings
from bot.config.telegram import TelegramSettings
from bot.config.web import WebSettings
from bot.config.whatsapp import WHATSAPP_TEMPLATE_KINDS, WhatsAppSettings, WhatsAppTemplate
from storage.models import CATEGORY_KEYS, CategoryKey
from storage.retention import Retention

__all__ = [
    "CATEGORY_KEYS",
    "ENV_OVERRIDES",
    "AspirationSettings",
    "BroadcastSettings",
    "CategoryKey",
    "CategorySetting",
    "ConfigError",
    "ConversationSettings",
    "DatabaseSettings",
    "ForumSettings",
    "MediaSettings",
    "OpdSettings",
    "PrivacySettings",
    "Retention",
    "RolesSettings",
    "ServerSettings",
    "ServiceSettings",
    "Settings",
    "SlaSettings",
    "TelegramSettings",
    "TrainingSettings",
    "WHATSAPP_TEMPLATE_KINDS",
    "WhatsAppSettings",
    "WhatsAppTemplate",
    "WebSettings",
    "load_settings",
]
