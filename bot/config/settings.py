"""The whole settings object, one field per TOML section."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from bot.config.base import MODEL_CONFIG, url_password
from bot.config.contact import ServiceSettings
from bot.config.features import AspirationSettings, ForumSettings, TrainingSettings
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
from bot.config.sla import SlaSettings
from bot.config.telegram import TelegramSettings
from bot.config.web import WebSettings
from bot.config.whatsapp import WhatsAppSettings
from bot.paths import data_folder

DEFAULT_SOURCE = "built-in defaults"


class Settings(BaseModel):
    """All settings. Set by the loader, never from TOML: ``source`` (where they came
    from, for logs), ``config_file`` (the file read, None for built-in defaults) and
    ``data_dir`` (``$SIANTAR_HOME`` or the user data folder)."""

    model_config = MODEL_CONFIG

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    whatsapp: WhatsAppSettings = Field(default_factory=WhatsAppSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    roles: RolesSettings = Field(default_factory=RolesSettings)
    broadcast: BroadcastSettings = Field(default_factory=BroadcastSettings)
    conversation: ConversationSettings = Field(default_factory=ConversationSettings)
    media: MediaSettings = Field(default_factory=MediaSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    aspiration: AspirationSettings = Field(default_factory=AspirationSettings)
    training: TrainingSettings = Field(default_factory=TrainingSettings)
    forum: ForumSettings = Field(default_factory=ForumSettings)
    opd: OpdSettings = Field(default_factory=OpdSettings)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    source: str = DEFAULT_SOURCE
    config_file: Path | None = None
    data_dir: Path = Field(default_factory=lambda: data_folder())

    def secret_values(self) -> list[str]:
        """Non-empty secret strings (tokens, secrets, database and proxy passwords), for
        redaction."""
        candidates = [
            self.telegram.token.get_secret_value(),
            self.telegram.webhook_secret.get_secret_value(),
            self.whatsapp.access_token.get_secret_value(),
            self.whatsapp.app_secret.get_secret_value(),
            self.whatsapp.verify_token.get_secret_value(),
            self.privacy.hash_key.get_secret_value(),
            url_password(self.database.url) or "",
            url_password(self.telegram.proxy_url) or "",
        ]
        result: list[str] = []
        for value in candidates:
            if value and value not in result:
                result.append(value)
        return result


#: Fields the loader sets; they never come from the TOML file.
LOADER_FIELDS = frozenset({"source", "config_file", "data_dir"})
#: Keys that may appear in the TOML file.
TOML_KEYS = frozenset(Settings.model_fields) - LOADER_FIELDS
