"""The sections about running the service: ``[database]``, ``[server]``,
``[roles]``, ``[broadcast]``, ``[conversation]`` and ``[media]``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, field_validator

from bot.config.base import MODEL_CONFIG, Identity, NonEmptyStr, masked

_DB_URL_RE = re.compile(r"^(sqlite|postgresql)(\+[A-Za-z0-9_]+)?://")


def _database_url(value: str) -> str:
    # Never echo the URL: it may carry a password.
    if not _DB_URL_RE.match(value):
        raise ValueError(
            "must start with 'sqlite' or 'postgresql' "
            "(e.g. sqlite:///siantar.db or postgresql+psycopg://user@host/dbname)"
        )
    return value


class DatabaseSettings(BaseModel):
    """``[database]``: where state lives (SQLite by default, PostgreSQL to scale)."""

    model_config = MODEL_CONFIG

    url: Annotated[str, AfterValidator(_database_url)] = "sqlite:///siantar.db"

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # The URL is a plain string but may embed a password: mask it in repr.
        yield "url", masked(self.url)


class ServerSettings(BaseModel):
    """``[server]``: the HTTP server for webhooks and /healthz."""

    model_config = MODEL_CONFIG

    host: NonEmptyStr = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)


class RolesSettings(BaseModel):
    """``[roles]``: identities granted a role from the config file."""

    model_config = MODEL_CONFIG

    admins: list[Identity] = []
    staff: list[Identity] = []
    facilitators: list[Identity] = []


TELEGRAM_MAX_PER_SECOND = 30.0  # what Telegram lets a bot send, all chats together


class BroadcastSettings(BaseModel):
    """``[broadcast]``: outbox send rates per platform (messages per second), shared
    by every ``siantar run`` process on one database.

    ``telegram_fake_api`` is for tests and benchmarks against a stand-in Bot API
    (``tests/fake_telegram.py``) only: it lets ``telegram_per_second`` go above
    Telegram's 30, up to 1000. A self-hosted ``telegram-bot-api`` server does not
    need it: it passes every message on to Telegram, whose limits still apply."""

    model_config = MODEL_CONFIG

    telegram_fake_api: bool = False  # (before the rate: its validator reads it)
    telegram_per_second: float = Field(default=25.0, gt=0, le=1000, allow_inf_nan=False)
    whatsapp_per_second: float = Field(default=40.0, gt=0, le=1000, allow_inf_nan=False)

    @field_validator("telegram_per_second")
    @classmethod
    def _within_telegram_limit(cls, value: float, info: ValidationInfo) -> float:
        if value > TELEGRAM_MAX_PER_SECOND and not info.data.get("telegram_fake_api"):
            raise ValueError(
                f"Input should be less than or equal to {TELEGRAM_MAX_PER_SECOND:g} "
                "(Telegram's limit for a bot)"
            )
        return value


class ConversationSettings(BaseModel):
    """``[conversation]``: how long an idle conversation keeps its state."""

    model_config = MODEL_CONFIG

    expiry_hours: float = Field(default=24.0, gt=0, allow_inf_nan=False)


class MediaSettings(BaseModel):
    """``[media]``: where photos and voice notes sent with aspirations are stored."""

    model_config = MODEL_CONFIG

    directory: NonEmptyStr = "media"
    max_photo_mb: float = Field(default=10.0, gt=0, allow_inf_nan=False)
    max_voice_mb: float = Field(default=10.0, gt=0, allow_inf_nan=False)
    max_voice_seconds: int = Field(default=300, gt=0)
